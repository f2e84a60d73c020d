"""Which companies of one list are alike: BM25 similarity of researched profiles, clusters with labels.

Pure computation over ``CompanyProfile`` values (no I/O). Each profile
becomes a bag of terms: the words of its description (once), its products
(twice), its industry (three times, plus the whole label as one term, so two
companies of one industry match even when their descriptions are in different
languages) and its city and country (once each, as whole terms). BM25
(``bm25s``: sparse, numpy only; see service/domain/README-similarity.md) scores
every profile as a query against all the others; a score is divided by the
profile's score against itself, and the two directions are averaged, so the
similarity of two companies is symmetric and lies in [0, 1] (1: the same terms).

Clusters: average-linkage agglomerative clustering over that similarity
(nearest-neighbour chain, O(n²)), merging while two groups are on average at
least ``threshold`` alike. A
cluster's label is the industry most of its members share, else the terms
most of them share (never a term only one member has).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from service.domain.errors import InputError
from service.domain.model import CompanyProfile

MAX_COMPANIES = 2_000  # pairwise similarity and clustering are quadratic: bounded per call
DEFAULT_THRESHOLD = 0.2
_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]{2,}", re.UNICODE)
_WEIGHTS = {"description": 1, "products": 2, "industry": 3}
_UNLABELLED = "(no shared terms)"


@dataclass(frozen=True)
class Company:
    """One company of the list: its identity in the job (``key``), its name and researched profile."""

    key: str
    name: str
    profile: CompanyProfile


@dataclass(frozen=True)
class Similar:
    """Another company of the list, how alike it is (0–1) and the terms both profiles have."""

    key: str
    name: str
    score: float
    shared: tuple[str, ...]


@dataclass(frozen=True)
class Cluster:
    id: int
    label: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Similarity:
    """The whole list: each company's most similar others, and the clusters."""

    companies: tuple[Company, ...]
    matrix: np.ndarray  # [i, j]: similarity of companies[i] and companies[j]
    clusters: tuple[Cluster, ...]

    def cluster_of(self, key: str) -> Cluster:
        return next(cluster for cluster in self.clusters if key in cluster.keys)

    def most_similar(self, key: str, *, top: int = 10, min_score: float = 0.0) -> list[Similar]:
        """The ``top`` other companies most like ``key`` (score above ``min_score``), best first."""
        index = self._index(key)
        row = self.matrix[index]
        order = [j for j in np.argsort(-row, kind="stable") if j != index and row[j] > min_score]
        mine = terms_of(self.companies[index].profile)
        return [self._similar(j, float(row[j]), mine) for j in order[:top]]

    def _similar(self, j: int, score: float, mine: Counter[str]) -> Similar:
        other = self.companies[j]
        shared = sorted(set(mine) & set(terms_of(other.profile)), key=lambda t: (-mine[t], t))
        return Similar(other.key, other.name, round(score, 4), tuple(readable(t) for t in shared[:5]))

    def _index(self, key: str) -> int:
        for i, company in enumerate(self.companies):
            if company.key == key:
                return i
        raise InputError(f"no researched company {key!r} in this list")


def terms_of(profile: CompanyProfile) -> Counter[str]:
    """The weighted terms of a profile (see the module docstring)."""
    terms: Counter[str] = Counter()
    terms.update(words(profile.description))
    for product in profile.products:
        terms.update(words(product) * _WEIGHTS["products"])
    if profile.industry:
        terms.update(words(profile.industry) * _WEIGHTS["industry"])
        terms["industry:" + profile.industry.casefold()] += _WEIGHTS["industry"]
    for kind, place in (("city", profile.hq_city), ("country", profile.hq_country)):
        if place:
            terms[f"{kind}:{place.casefold()}"] += 1
    return terms


def words(text: str) -> list[str]:
    """Lower-cased words of two letters or more, stop words out, a plural ``s`` folded."""
    found = (_fold(w) for w in _WORD.findall(text.casefold()))
    return [w for w in found if w not in _stopwords()]


def readable(term: str) -> str:
    """``industry:food & beverage`` → ``food & beverage``; ``country:germany`` → ``germany``."""
    return term.partition(":")[2] if ":" in term else term


def similarity_matrix(profiles: Sequence[CompanyProfile]) -> np.ndarray:
    """Symmetric BM25 similarity in [0, 1] of every pair of profiles; 0 on the diagonal."""
    import bm25s

    docs = [_expand(terms_of(p)) for p in profiles]
    n = len(docs)
    if n < 2 or not any(docs):  # nothing to compare (e.g. descriptions of stop words only)
        return np.zeros((n, n))
    retriever = bm25s.BM25()
    retriever.index(_tokenized(docs), show_progress=False)
    raw = np.vstack([retriever.get_scores(doc) if doc else np.zeros(n) for doc in docs])
    own = np.diag(raw).copy()
    own[own <= 0] = 1.0
    normalised = np.clip(raw / own[:, None], 0.0, 1.0)
    matrix = (normalised + normalised.T) / 2.0
    np.fill_diagonal(matrix, 0.0)
    return matrix


def cluster(matrix: np.ndarray, *, threshold: float = DEFAULT_THRESHOLD) -> list[list[int]]:
    """Average-linkage agglomerative clusters: groups merged while they are on average ≥ ``threshold`` alike.

    The nearest-neighbour chain algorithm (average linkage is reducible, so it
    builds the same tree as merging the two most alike groups first, in
    O(n²) instead of O(n³)); merges below ``threshold`` are left undone.
    """
    n = len(matrix)
    links = matrix.astype(float).copy()
    np.fill_diagonal(links, -np.inf)
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    parent = list(range(n))
    chain: list[int] = []
    for _ in range(max(n - 1, 0)):
        while True:
            if not chain:
                chain.append(int(np.flatnonzero(alive)[0]))
            a = chain[-1]
            row = np.where(alive, links[a], -np.inf)
            row[a] = -np.inf
            b = int(np.argmax(row))
            if len(chain) > 1 and row[chain[-2]] >= row[b]:
                b = chain[-2]
            if len(chain) > 1 and b == chain[-2]:
                break
            chain.append(b)
        chain = chain[:-2]
        if row[b] >= threshold:
            parent[_root(parent, b)] = _root(parent, a)
        merged = (links[a] * size[a] + links[b] * size[b]) / (size[a] + size[b])
        links[a, :], links[:, a] = merged, merged
        links[a, a] = -np.inf
        size[a] += size[b]
        alive[b] = False
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(_root(parent, i), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def _root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def label(members: Sequence[CompanyProfile]) -> str:
    """The industry most members share, else up to three terms most members share."""
    industries = Counter(p.industry for p in members if p.industry)
    if industries:
        industry, count = industries.most_common(1)[0]
        if count * 2 >= len(members) and (count > 1 or len(members) == 1):
            return industry
    if len(members) == 1:
        return _UNLABELLED
    counts: Counter[str] = Counter()
    for profile in members:
        counts.update(t for t in terms_of(profile) if ":" not in t)
    shared = [t for t, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n > 1]
    return ", ".join(shared[:3]) or _UNLABELLED


def compare(companies: Sequence[Company], *, threshold: float = DEFAULT_THRESHOLD) -> Similarity:
    """Similarity and clusters of ``companies`` (at most ``MAX_COMPANIES``)."""
    if len(companies) > MAX_COMPANIES:
        raise InputError(
            f"similarity compares at most {MAX_COMPANIES:,} researched companies at once, not {len(companies):,}"
        )
    matrix = similarity_matrix([c.profile for c in companies])
    groups = cluster(matrix, threshold=threshold)
    clusters = tuple(
        Cluster(n, label([companies[i].profile for i in group]), tuple(companies[i].key for i in group))
        for n, group in enumerate(groups, start=1)
    )
    return Similarity(tuple(companies), matrix, clusters)


def _expand(terms: Counter[str]) -> list[str]:
    return [term for term, count in sorted(terms.items()) for _ in range(count)]


def _tokenized(docs: list[list[str]]) -> object:
    """The corpus in bm25s' ``Tokenized`` shape (ids + vocabulary), from our own terms."""
    from bm25s.tokenization import Tokenized

    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(term, len(vocab)) for term in doc] for doc in docs]
    return Tokenized(ids=ids, vocab=vocab)


def _fold(word: str) -> str:
    word = word.strip("'’-")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_STOPWORDS: frozenset[str] | None = None


def _stopwords() -> frozenset[str]:
    """English, German, French, Spanish, Italian, Dutch and Portuguese stop words (as bm25s ships them)."""
    global _STOPWORDS
    if _STOPWORDS is None:
        from bm25s import stopwords as sw

        lists = ("EN_PLUS", "GERMAN", "FRENCH", "SPANISH", "ITALIAN", "DUTCH", "PORTUGUESE")
        _STOPWORDS = frozenset(w for name in lists for w in getattr(sw, f"STOPWORDS_{name}"))
    return _STOPWORDS
