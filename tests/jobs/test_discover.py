"""Similar companies in a job: BM25 similarity of researched profiles, clusters with labels, rankings."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import CompanyInput, CompanyProfile, JobOptions, RowOutcome, RowState
from service.domain.errors import InputError, JobNotFound
from service.domain.similarity import MAX_COMPANIES, Company, cluster, compare, label, similarity_matrix, words
from service.jobs.discover import MAX_SEARCHES, discover_similar, similar_column
from service.jobs.submit import submit_job
from service.research.search.brave import BraveSearch
from tests.fakes.search_server import GOOD_KEY, FakeSearchServer
from tests.jobs.fakes import SOURCE, make_services
from tests.support.loopback import serving

# three known groups, in three languages, plus one company alike to nobody
PROFILES = {
    "Ledgerly": CompanyProfile(
        description="Cloud accounting software for small businesses: invoices, expenses, payroll.",
        industry="Software & SaaS",
        hq_country="United States",
    ),
    "Bookwise": CompanyProfile(
        description="Accounting software and invoicing for freelancers and small businesses.",
        industry="Software & SaaS",
        hq_country="United Kingdom",
    ),
    "Tallyho": CompanyProfile(
        description="Online bookkeeping and payroll software with bank feeds and invoices.",
        industry="Software & SaaS",
        products=["Tallyho Payroll"],
    ),
    "Boulangerie Lune": CompanyProfile(
        description="Boulangerie artisanale: pain au levain et viennoiseries.",
        industry="Food & Beverage",
        hq_country="France",
    ),
    "Bäckerei Korn": CompanyProfile(
        description="Bäckerei mit Brot und Brötchen aus Sauerteig.", industry="Food & Beverage", hq_country="Germany"
    ),
    "Panadería Sol": CompanyProfile(
        description="Panadería artesanal con pan de masa madre.", industry="Food & Beverage", hq_country="Spain"
    ),
    "Durand Avocats": CompanyProfile(
        description="Law firm for corporate law, contracts and litigation.", industry="Legal Services"
    ),
    "Keller Recht": CompanyProfile(
        description="Law firm: contracts, employment law and litigation.", industry="Legal Services"
    ),
    "Helix Bio": CompanyProfile(description="Antibody therapeutics for autoimmune disease.", industry="Biotech"),
}
GROUPS = [
    {"Ledgerly", "Bookwise", "Tallyho"},
    {"Boulangerie Lune", "Bäckerei Korn", "Panadería Sol"},
    {"Durand Avocats", "Keller Recht"},
    {"Helix Bio"},
]


def _job_with_profiles(profiles=PROFILES, failed=()):
    svc, *_ = make_services()
    rows = [(f"r{i}", i, CompanyInput(name, f"https://c{i}.example")) for i, name in enumerate(profiles, 1)]
    job = submit_job(svc, owner="ann", name="t", source=SOURCE, rows=rows, options=JobOptions())
    for key, _, company in rows:
        svc.store.lease_row(job.id, key, owner="w", now=svc.clock(), lease_seconds=60, max_attempts=3)
        state = RowState.FAILED if company.name in failed else RowState.DONE
        result = None if company.name in failed else profiles[company.name]
        svc.store.finish_row(job.id, key, owner="w", outcome=RowOutcome(state=state, result=result), now=svc.clock())
    return svc, job


def test_the_known_groups_become_the_clusters_with_their_industry_as_label():
    svc, job = _job_with_profiles()
    found = discover_similar(svc, job.id, owner="ann", top=3)
    names = {c.key: c.name for c in found.companies}
    assert sorted(({names[k] for k in c.keys} for c in found.clusters), key=len) == sorted(GROUPS, key=len)
    labels = {frozenset(names[k] for k in c.keys): c.label for c in found.clusters}
    assert labels[frozenset(GROUPS[0])] == "Software & SaaS" and labels[frozenset(GROUPS[1])] == "Food & Beverage"
    assert labels[frozenset(GROUPS[3])] == "Biotech"
    for company in found.companies:
        group = next(g for g in GROUPS if company.name in g)
        if len(group) > 1:  # the most similar one is from its own group
            assert company.similar[0].name in group - {company.name}, company
    assert found.compared == len(PROFILES)


def test_similarity_is_symmetric_in_0_1_and_explained_by_shared_terms():
    svc, job = _job_with_profiles()
    found = discover_similar(svc, job.id, company="ledgerly", top=2)
    (ledgerly,) = found.companies
    assert {s.name for s in ledgerly.similar} == {"Bookwise", "Tallyho"}
    assert ledgerly.similar[0].score >= ledgerly.similar[1].score > 0
    assert "software" in ledgerly.similar[0].shared
    matrix = similarity_matrix(list(PROFILES.values()))
    assert np.allclose(matrix, matrix.T) and matrix.min() >= 0 and matrix.max() <= 1
    assert np.all(np.diag(matrix) == 0)
    assert not similarity_matrix([CompanyProfile(description="the and 123"), CompanyProfile(description="of")]).any()
    identical = similarity_matrix([PROFILES["Ledgerly"], PROFILES["Ledgerly"], PROFILES["Helix Bio"]])
    assert identical[0, 1] == pytest.approx(1.0) and identical[0, 2] == 0.0


def test_the_similar_column_lists_the_best_matches_and_leaves_strangers_empty():
    companies = [Company(name, name, profile) for name, profile in PROFILES.items()]
    similarity = compare(companies)
    cell = similar_column(similarity, "Bookwise", top=2)
    assert cell.startswith(("Ledgerly (", "Tallyho (")) and cell.count(";") == 1
    assert similar_column(similarity, "Helix Bio") == ""  # alike to nobody: empty, not a weak guess
    assert similar_column(similarity, "not researched") == ""


def test_rows_without_a_profile_are_left_out_and_an_unknown_company_or_owner_is_refused():
    svc, job = _job_with_profiles(failed=("Helix Bio",))
    found = discover_similar(svc, job.id)
    assert found.compared == len(PROFILES) - 1
    with pytest.raises(InputError, match="no researched company named 'Helix Bio'"):
        discover_similar(svc, job.id, company="Helix Bio")
    with pytest.raises(JobNotFound):
        discover_similar(svc, job.id, owner="someone else")


def test_labels_come_from_terms_most_members_share_never_from_one_members_words():
    members = [
        CompanyProfile(description="electric cargo bikes for city delivery"),
        CompanyProfile(description="cargo bikes and electric scooters"),
    ]
    assert label(members) == "bike, cargo, electric"
    assert label([CompanyProfile(description="one of a kind")]) == "(no shared terms)"
    assert words("Companies’ invoices and the Dashboards") == ["company", "invoice", "dashboard"]


def test_clustering_merges_only_above_the_threshold_and_the_size_is_bounded():
    matrix = np.array([[0, 0.9, 0.1], [0.9, 0, 0.15], [0.1, 0.15, 0]])
    assert cluster(matrix, threshold=0.2) == [[0, 1], [2]]
    assert cluster(matrix, threshold=0.1) == [[0, 1, 2]]  # average link 0.125 ≥ 0.1
    assert cluster(matrix, threshold=0.95) == [[0], [1], [2]]
    too_many = [Company(str(i), str(i), CompanyProfile(description="x")) for i in range(MAX_COMPANIES + 1)]
    with pytest.raises(InputError, match="at most 2,000"):
        compare(too_many)


@pytest.fixture(scope="module")
def web_search():
    fake = FakeSearchServer()
    with serving(fake.server):
        yield fake


def test_with_web_search_companies_not_in_the_list_are_proposed_each_as_its_search_result(web_search):
    web_search.reset()
    web_search.add("ledgerly bookwise software saas", "https://freshbooks.example/", "FreshBooks – Invoicing software")
    web_search.add("ledgerly bookwise software saas", "https://ledgerly.example/pricing", "Ledgerly pricing")  # listed
    web_search.add("ledgerly bookwise software saas", "https://lists.example/a", "Top 10 accounting software companies")
    web_search.add(
        "ledgerly bookwise software saas", "https://xero.example/uk", "Xero | Accounting software", "Xero is"
    )
    web_search.add("boulangerie food beverage", "https://brotwerk.example/", "Brotwerk - Bio-Bäckerei in Köln")
    profiles = {**PROFILES, "Ledgerly": replace(PROFILES["Ledgerly"], website="https://www.ledgerly.example")}
    svc, job = _job_with_profiles(profiles)
    search = BraveSearch(GOOD_KEY, endpoint=web_search.base_url, timeout=5.0)
    found = discover_similar(svc, job.id, search=search)
    proposals = {p.name: p for p in found.proposals}
    assert set(proposals) == {"FreshBooks", "Xero", "Brotwerk"}  # not the listed site, not the list article
    xero = proposals["Xero"]
    assert (xero.website, xero.title, xero.snippet) == (
        "https://xero.example/uk",
        "Xero | Accounting software",
        "Xero is",
    )
    software = next(c.id for c in found.clusters if c.label == "Software & SaaS")
    assert xero.cluster == software and "Software & SaaS" in xero.query
    assert len(web_search.requests) == min(MAX_SEARCHES, len(found.clusters))  # a few searches, not one per company
    assert found.to_dict()["proposals"][0]["source"]["url"].startswith("https://")
    web_search.requests.clear()
    one = discover_similar(svc, job.id, company="Bäckerei Korn", search=search)
    assert [p.name for p in one.proposals] == ["Brotwerk"] and len(web_search.requests) == 1


def _greedy_average_linkage(matrix, threshold):
    """The textbook algorithm (merge the two most alike groups while ≥ threshold), O(n³): the reference."""
    groups = [[i] for i in range(len(matrix))]

    def link(a, b):
        return sum(matrix[i][j] for i in a for j in b) / (len(a) * len(b))

    while len(groups) > 1:
        best, a, b = max((link(x, y), i, j) for i, x in enumerate(groups) for j, y in enumerate(groups) if i < j)
        if best < threshold:
            break
        groups[a] = sorted(groups[a] + groups[b])
        del groups[b]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


@pytest.mark.parametrize("seed", range(8))
def test_the_nearest_neighbour_chain_clusters_as_the_textbook_algorithm_does(seed):
    rng = np.random.default_rng(seed)
    n = 14
    upper = np.triu(rng.choice([0.0, 0.05, 0.1, 0.3, 0.6, 0.9], size=(n, n)) * rng.random((n, n)), 1)
    matrix = upper + upper.T
    for threshold in (0.05, 0.2, 0.4):
        assert cluster(matrix, threshold=threshold) == _greedy_average_linkage(matrix.tolist(), threshold)


_TEXT = st.text(alphabet=st.sampled_from(list("ab éß-'1 ")), max_size=30)
_PROFILE = st.builds(
    CompanyProfile,
    description=_TEXT,
    industry=st.sampled_from(["", "Food & Beverage", "Software & SaaS"]),
    products=st.lists(_TEXT, max_size=2),
    hq_country=st.sampled_from(["", "France"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_PROFILE, max_size=8))
def test_any_profiles_compare_without_error_symmetric_and_every_company_in_one_cluster(profiles):
    found = compare([Company(str(i), f"C{i}", p) for i, p in enumerate(profiles)])
    assert np.allclose(found.matrix, found.matrix.T) and (found.matrix >= 0).all() and (found.matrix <= 1).all()
    assert sorted(k for c in found.clusters for k in c.keys) == sorted(str(i) for i in range(len(profiles)))
