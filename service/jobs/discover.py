"""Discover similar companies in a job: rank each researched company's look-alikes, group the list.

The job layer's side of ``service.domain.similarity``: it reads the job's
researched rows (``done``, or failed with a partial profile worth keeping)
from the store and compares their profiles. Entry points (``discover`` on
the command line, ``GET /api/v1/jobs/{id}/similar``) call ``discover_similar``
and render its ``Discovery``; result writers call ``similar_column`` for the
"Similar in this list" column.

With a web search provider (``ROWSCOUT_SEARCH_PROVIDER``) and ``competitors``
asked for, ``propose_competitors`` also proposes companies *not* in the list:
one search per cluster (largest first, a few at most), and each proposal is
one search result as the provider returned it (its title, address and
snippet, and the query): a site already in the list, a list article
("top 10 …", "… alternatives") or a result without a title is never proposed,
and nothing is made up from the results.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from service.domain import Row
from service.domain.errors import InputError
from service.domain.similarity import DEFAULT_THRESHOLD, Cluster, Company, Similar, Similarity, compare
from service.jobs.control import get_job
from service.jobs.ports import Services

SIMILAR_COLUMN = "Similar in this list"
MIN_SCORE = 0.05  # below this, two profiles share little more than a country: not "similar"
MAX_SEARCHES = 3  # competitor searches per call (each one is billed by the provider)
_LISTICLE = re.compile(
    r"\b(top|best|list of)\b|\balternatives?\b|\bcompetitors?\b|\bvs\.?\b|\d+\s+\w+\s+companies", re.IGNORECASE
)
_TITLE_SPLIT = re.compile(r"\s+[-–—|:·]\s+|\s*\|\s*")


class WebSearch(Protocol):
    """What proposing competitors needs of a ``SearchProvider`` (``service/research/search/port.py``)."""

    def search(self, query: str, *, max_results: int = 5) -> Any: ...


@dataclass(frozen=True)
class Proposal:
    """A company not in the list, exactly as one search result names it."""

    name: str  # the result's title up to its first separator ("Brotwerk – Bio-Bäckerei" → "Brotwerk")
    website: str  # the result's address
    title: str
    snippet: str
    query: str
    cluster: int  # the cluster whose search found it

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "website": self.website,
            "cluster": self.cluster,
            "source": {"url": self.website, "title": self.title, "snippet": self.snippet, "query": self.query},
        }


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
    names: dict[str, str] = field(default_factory=dict)  # row key -> company name, for every compared company
    proposals: tuple[Proposal, ...] = ()  # companies not in the list, from web search (when asked)

    def to_dict(self) -> dict[str, Any]:
        names = self.names or {c.key: c.name for c in self.companies}
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
            "proposals": [p.to_dict() for p in self.proposals],
        }


def discover_similar(
    svc: Services,
    job_id: str,
    *,
    owner: str | None = None,
    company: str | None = None,
    top: int = 10,
    threshold: float = DEFAULT_THRESHOLD,
    search: WebSearch | None = None,
) -> Discovery:
    """Cluster a job's researched companies and rank each one's most similar others.

    Args:
        svc: the services picked by bootstrap.
        job_id: the job; it must belong to ``owner`` (any owner when None).
        company: only this company's ranking (its name, case-insensitive, or its row key); all when None.
        top: how many similar companies to list per company.
        threshold: how alike (0–1, on average) two groups must be to form one cluster.
        search: a web search provider: also propose companies not in the list (one search per cluster,
            at most ``MAX_SEARCHES``; with ``company``, one search for that company's cluster).

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
    entries = tuple(_entry(similarity, c, top) for c in wanted)
    proposals: tuple[Proposal, ...] = ()
    if search is not None:
        asked = [similarity.cluster_of(wanted[0].key)] if company else list(similarity.clusters)
        proposals = tuple(propose_competitors(similarity, asked, search))
    return Discovery(
        job_id=job.id,
        compared=len(companies),
        clusters=similarity.clusters,
        companies=entries,
        names={c.key: c.name for c in companies},
        proposals=proposals,
    )


def propose_competitors(
    similarity: Similarity, clusters: Sequence[Cluster], search: WebSearch, *, per_search: int = 5
) -> list[Proposal]:
    """Search once per cluster (at most ``MAX_SEARCHES``) and keep the results that name a company not in the list."""
    members = {c.key: c for c in similarity.companies}
    known_hosts = {_host(c.profile.website) for c in similarity.companies} - {""}
    known_names = {c.name.casefold() for c in similarity.companies}
    proposals: list[Proposal] = []
    for cluster in clusters[:MAX_SEARCHES]:
        query = competitor_query(cluster, [members[k] for k in cluster.keys])
        answer = search.search(query, max_results=per_search)
        for result in answer.results:
            proposal = _proposal(result, query, cluster.id)
            host = _host(proposal.website) if proposal else ""
            if proposal is None or host in known_hosts or proposal.name.casefold() in known_names:
                continue
            known_hosts.add(host)
            known_names.add(proposal.name.casefold())
            proposals.append(proposal)
    return proposals


def competitor_query(cluster: Cluster, members: Sequence[Company]) -> str:
    """``companies like Ledgerly, Bookwise (Software & SaaS)``: the cluster's first names and its label."""
    names = ", ".join(m.name for m in members[:3])
    label = "" if cluster.label.startswith("(") else f" ({cluster.label})"
    return f"companies like {names}{label}"


def _proposal(result: Any, query: str, cluster: int) -> Proposal | None:
    title, url = str(getattr(result, "title", "") or "").strip(), str(getattr(result, "url", "") or "")
    if not title or not url.startswith(("http://", "https://")) or _LISTICLE.search(title):
        return None
    name = _TITLE_SPLIT.split(title, maxsplit=1)[0].strip()
    if not name:
        return None
    return Proposal(name, url, title, str(getattr(result, "snippet", "") or ""), query, cluster)


def _host(url: str) -> str:
    if not url:
        return ""
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    return host.lower().removeprefix("www.")


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


def similar_cells(
    svc: Services, job_id: str, *, owner: str | None = None, top: int = 3
) -> tuple[dict[str, str], list[str]]:
    """The "Similar in this list" cell of every row (by key, empty for strangers) and the job's keys in row order."""
    job = get_job(svc, job_id, owner=owner)
    order, companies = [], []
    for row in svc.store.iter_rows(job.id):
        order.append(row.key)
        companies += researched_companies([row])
    similarity = compare(companies)
    return {c.key: similar_column(similarity, c.key, top=top) for c in companies}, order


def _entry(similarity: Similarity, company: Company, top: int) -> CompanySimilarity:
    return CompanySimilarity(
        key=company.key,
        name=company.name,
        cluster=similarity.cluster_of(company.key).id,
        similar=tuple(similarity.most_similar(company.key, top=top, min_score=MIN_SCORE)),
    )
