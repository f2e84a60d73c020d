"""Discover similar companies in a job: rank each researched company's look-alikes, group the list.

The job layer's side of ``service.domain.similarity``: it reads the job's
researched rows (``done``, or failed with a partial profile worth keeping)
from the store and compares their profiles. Entry points (``discover`` on
the command line, ``GET /api/v1/jobs/{id}/similar``) call ``discover_similar``
and render its ``Discovery``; result writers call ``similar_column`` for the
"Similar in this list" column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from service.domain import Row
from service.domain.errors import InputError
from service.domain.similarity import DEFAULT_THRESHOLD, Cluster, Company, Similar, Similarity, compare
from service.jobs.control import get_job
from service.jobs.ports import Services

SIMILAR_COLUMN = "Similar in this list"
MIN_SCORE = 0.05  # below this, two profiles share little more than a country: not "similar"


@dataclass(frozen=True)
class CompanySimilarity:
    key: str
    name: str
    cluster: int
    similar: tuple[Similar, ...]


@dataclass(frozen=True)
class Discovery:
    """A job's clusters, and for each company asked about its most similar others."""

    job_id: str
    compared: int  # researched companies compared
    clusters: tuple[Cluster, ...]
    companies: tuple[CompanySimilarity, ...]

    def to_dict(self) -> dict[str, Any]:
        names = {c.key: c.name for c in self.companies}
        return {
            "job_id": self.job_id,
            "compared": self.compared,
            "clusters": [
                {"id": c.id, "label": c.label, "size": len(c.keys), "companies": [names.get(k, k) for k in c.keys]}
                for c in self.clusters
            ],
            "companies": [
                {
                    "key": c.key,
                    "name": c.name,
                    "cluster": c.cluster,
                    "similar": [
                        {"name": s.name, "key": s.key, "score": s.score, "shared": list(s.shared)} for s in c.similar
                    ],
                }
                for c in self.companies
            ],
        }


def discover_similar(
    svc: Services,
    job_id: str,
    *,
    owner: str | None = None,
    company: str | None = None,
    top: int = 10,
    threshold: float = DEFAULT_THRESHOLD,
) -> Discovery:
    """Cluster a job's researched companies and rank each one's most similar others.

    Args:
        svc: the services picked by bootstrap.
        job_id: the job; it must belong to ``owner`` (any owner when None).
        company: only this company's ranking (its name, case-insensitive, or its row key); all when None.
        top: how many similar companies to list per company.
        threshold: how alike (0–1, on average) two groups must be to form one cluster.

    Returns:
        the clusters (largest first) and, per company, up to ``top`` similar ones (best first).

    Raises:
        JobNotFound: no such job for this owner.
        InputError: ``company`` is not a researched company of the job, or the job has too many.
    """
    job = get_job(svc, job_id, owner=owner)
    companies = researched_companies(svc.store.iter_rows(job.id))
    similarity = compare(companies, threshold=threshold)
    wanted = [pick_company(companies, company)] if company else list(companies)
    return Discovery(
        job_id=job.id,
        compared=len(companies),
        clusters=similarity.clusters,
        companies=tuple(_entry(similarity, c, top) for c in wanted),
    )


def researched_companies(rows: Iterable[Row]) -> list[Company]:
    """Rows with a researched profile, as companies to compare (in row order)."""
    return [
        Company(row.key, row.input.name or row.result.name or row.input.website, row.result)
        for row in rows
        if row.result is not None and (row.result.description or row.result.industry or row.result.products)
    ]


def pick_company(companies: Sequence[Company], wanted: str) -> Company:
    """The company named ``wanted`` (case-insensitive) or with that row key."""
    folded = wanted.strip().casefold()
    for company in companies:
        if company.key == wanted or company.name.casefold() == folded:
            return company
    raise InputError(f"no researched company named {wanted!r} in this job")


def similar_column(similarity: Similarity, key: str, *, top: int = 3) -> str:
    """The "Similar in this list" cell of one row: ``Name (0.42); Other (0.31)`` or empty."""
    if key not in {c.key for c in similarity.companies}:
        return ""
    return "; ".join(f"{s.name} ({s.score:.2f})" for s in similarity.most_similar(key, top=top, min_score=MIN_SCORE))


def _entry(similarity: Similarity, company: Company, top: int) -> CompanySimilarity:
    return CompanySimilarity(
        key=company.key,
        name=company.name,
        cluster=similarity.cluster_of(company.key).id,
        similar=tuple(similarity.most_similar(company.key, top=top, min_score=MIN_SCORE)),
    )
