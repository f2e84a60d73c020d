"""Custom questions: kinds, validation, typed values, quote checks, BM25 evidence, LLM answers (fake server)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from service.domain import CompanyProfile, JobOptions
from service.domain.errors import InputError
from service.domain.question_specs import MAX_QUESTIONS, parse_question, parse_questions
from service.domain.questions import Answer, AnswerKind, AnswerMethod, Question, infer_kind
from service.jobs.estimate import estimate_job
from service.research.extract import PageExtraction
from service.research.llm import OpenAICompatibleLLM, Price
from service.research.questions import ProviderSearch, SearchFindings, SearchSnippet, answer_questions
from service.research.questions.coerce import coerce
from service.research.questions.evidence import best_passage
from service.research.questions.passages import MAX_PASSAGE_CHARS, PageText, sentences
from service.research.questions.verify import quote_found
from service.research.search import GroundedClaim, SearchAnswer, SearchResult
from tests.fakes.openai_server import FakeOpenAI

HOME, PRICING = "https://nimbus.example/", "https://nimbus.example/pricing"
PAGES = [
    PageExtraction(
        url=HOME,
        title="Nimbus — weather data",
        text="Nimbus offers a REST API for hourly forecasts.\nWe are trusted by 1,200 logistics teams in 14 countries.",
    ),
    PageExtraction(url=PRICING, title="Pricing", text="Plans start at $49 per month. Annual billing saves 20%."),
]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Do they sell to hospitals?", AnswerKind.YES_NO),
        ("Is the company family-owned?", AnswerKind.YES_NO),
        ("How many locations do they have?", AnswerKind.NUMBER),
        ("Number of locations", AnswerKind.NUMBER),
        ("Which countries do they ship to?", AnswerKind.LIST),
        ("List their certifications", AnswerKind.LIST),
        ("Pricing model", AnswerKind.TEXT),
        ("CEO", AnswerKind.TEXT),
        ("Who is the CEO?", AnswerKind.TEXT),
    ],
)
def test_kind_is_inferred_from_the_wording(text: str, kind: AnswerKind) -> None:
    assert infer_kind(text) == kind
    assert parse_question(text) == Question(text, kind)


def test_kind_suffix_overrides_and_spaces_are_tidied() -> None:
    assert parse_question("  Number of   locations ::text") == Question("Number of locations", AnswerKind.TEXT)
    assert parse_question("Offices::Yes/No").kind == AnswerKind.YES_NO
    assert parse_question("Ratio::a::b::number") == Question("Ratio::a::b", AnswerKind.NUMBER)


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([""], "empty"),
        (["::number"], "empty"),
        (["x" * 201], "too long"),
        (["Offices::count"], "unknown answer kind"),
        (["CEO\x00"], "control characters"),
        (["CEO", " ceo "], "asked twice"),
        ([f"Q{i}" for i in range(MAX_QUESTIONS + 1)], "too many questions"),
        ([{"text": 3}], "needs text"),
        ([7], "must be text"),
    ],
)
def test_bad_questions_are_refused_clearly(specs: list[Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_questions(specs)


def test_questions_and_answers_survive_storage_and_old_profiles_still_load() -> None:
    options = JobOptions(questions=parse_questions(["CEO", {"text": "Offices", "kind": "number"}]))
    assert JobOptions.from_dict(options.to_dict()) == options
    assert options.outputs[-2:] == ("ask:CEO", "ask:Offices")
    answer = Answer(["EU", "US"], HOME, "We ship to the EU and the US.", AnswerMethod.LLM, AnswerKind.LIST)
    profile = CompanyProfile(name="N", answers={"Which markets?": answer})
    assert CompanyProfile.from_dict(profile.to_dict()) == profile
    assert profile.cell_value("ask:Which markets?") == "EU; US" and profile.cell_value("ask:Other") == ""
    old = CompanyProfile(name="N").to_dict()
    del old["answers"]  # stored before issue 15
    assert CompanyProfile.from_dict(old).answers == {}
    assert JobOptions.from_dict({"fields": ["industry"]}).questions == ()


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        (AnswerKind.YES_NO, True, True),
        (AnswerKind.YES_NO, "No.", False),
        (AnswerKind.YES_NO, "maybe", None),
        (AnswerKind.NUMBER, "about 1,200 teams", 1200),
        (AnswerKind.NUMBER, 14, 14),
        (AnswerKind.NUMBER, 2.5, 2.5),
        (AnswerKind.NUMBER, True, None),
        (AnswerKind.NUMBER, "none", None),
        (AnswerKind.NUMBER, float("nan"), None),
        (AnswerKind.NUMBER, float("inf"), None),
        (AnswerKind.LIST, "EU; US, EU", ["EU", "US"]),
        (AnswerKind.LIST, [], None),
        (AnswerKind.TEXT, "  per   seat ", "per seat"),
        (AnswerKind.TEXT, 3, None),
    ],
)
def test_values_are_coerced_to_the_kind_or_refused(kind: AnswerKind, raw: Any, value: Any) -> None:
    assert coerce(kind, raw) == value


def test_a_quote_must_be_in_the_page_up_to_case_spacing_and_typography() -> None:
    page = "Nimbus’s   REST API\nserves “hourly” forecasts — worldwide."
    assert quote_found('nimbus\'s rest api serves "hourly" forecasts - worldwide.', page)
    assert not quote_found("Nimbus's REST API serves daily forecasts", page)
    assert not quote_found("REST API", page)  # too short to prove anything
    long_page = "Nimbus sells forecasts. " * 100
    assert quote_found(long_page[:300], long_page) and not quote_found(
        long_page[:700], long_page
    )  # a page, not a quote


def test_sentences_are_split_bounded_and_deduplicated() -> None:
    long_line = "word " * 200
    texts = [
        PageText("a", "First sentence is here. Second one follows! ok\n" + long_line),
        PageText("b", "First sentence is here."),
    ]
    passages = sentences(texts)
    assert [p.text for p in passages[:2]] == ["First sentence is here.", "Second one follows! ok"]
    assert len(passages) == 3 and len(passages[2].text) <= MAX_PASSAGE_CHARS + 2
    assert len(sentences([PageText("c", "A sentence of words here. " * 50)], limit=5)) == 1  # duplicates once
    assert len(sentences([PageText("c", " ".join(f"Sentence number {i} is here." for i in range(50)))], limit=5)) == 5


def test_evidence_is_the_best_bm25_sentence_or_nothing() -> None:
    passages = sentences([PageText(HOME, PAGES[0].text), PageText(PRICING, PAGES[1].text)])
    best = best_passage("Do they offer an API?", passages)
    assert best is not None and best.url == HOME and "REST API" in best.text
    assert best_passage("How much are the plans per month?", passages).url == PRICING  # type: ignore[union-attr]
    assert best_passage("Quantum entanglement?", passages) is None
    assert best_passage("Do they?", passages) is None  # nothing but stop words


def test_without_an_llm_every_question_gets_evidence_labelled_as_such() -> None:
    result = answer_questions([parse_question("Do they offer an API?")], PAGES, name="Nimbus")
    answer = result.answers["Do they offer an API?"]
    assert answer.method == AnswerMethod.EVIDENCE and answer.url == HOME
    assert answer.cell_text == "Evidence: “Nimbus offers a REST API for hourly forecasts.”"
    assert result.cost_usd == 0 and result.input_tokens == 0


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _llm(fake: FakeOpenAI) -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(fake.base_url, "k", "m", prices={"m": Price(1.0, 2.0)})


def test_llm_answers_are_kept_only_with_a_quote_found_in_the_cited_page(fake: FakeOpenAI) -> None:
    questions = parse_questions(["Do they offer an API?", "How many teams use Nimbus?", "Price per month", "CEO"])
    fake.reply_json(
        {
            "q1": {"value": True, "source_url": HOME, "quote": "Nimbus offers a REST API for hourly forecasts"},
            "q2": {"value": 1200, "source_url": PRICING, "quote": "trusted by 1,200 logistics teams"},  # wrong page
            "q3": {"value": "$49", "source_url": PRICING, "quote": "Plans start at $39 per month."},  # fabricated
            "q4": {"value": None, "source_url": "", "quote": ""},
        },
        input_tokens=3000,
        output_tokens=200,
    )
    result = answer_questions(questions, PAGES, name="Nimbus", llm=_llm(fake))
    api = result.answers["Do they offer an API?"]
    assert (api.value, api.method, api.url, api.cell_text) == (True, AnswerMethod.LLM, HOME, "Yes")
    assert result.dropped == ["How many teams use Nimbus?", "Price per month"]
    assert result.answers["How many teams use Nimbus?"].method == AnswerMethod.EVIDENCE  # falls back, labelled
    assert result.answers["Price per month"].value != "$49"
    assert result.cost_usd == pytest.approx((3000 * 1.0 + 200 * 2.0) / 1e6)
    (request,) = fake.requests
    schema = request["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["q1", "q2", "q3", "q4"]
    assert schema["properties"]["q1"]["properties"]["value"] == {"type": ["boolean", "null"]}
    assert schema["properties"]["q2"]["properties"]["value"] == {"type": ["number", "null"]}
    prompt = request["messages"][0]["content"]
    assert f"### {HOME}" in prompt and "q2 (a number): How many teams use Nimbus?" in prompt


class RecordingSearch:
    def __init__(self, snippets: tuple[SearchSnippet, ...]) -> None:
        self.snippets, self.queries = snippets, []  # type: list[str]

    def search(self, query: str) -> SearchFindings:
        self.queries.append(query)
        return SearchFindings(self.snippets, cost_usd=0.005)


def test_search_results_are_shown_cited_verified_and_counted(fake: FakeOpenAI) -> None:
    news = "https://news.example/nimbus-ceo"
    search = RecordingSearch((SearchSnippet(news, "Nimbus named Ada Park chief executive in 2024."),))

    def reply(request: dict[str, Any]) -> dict[str, Any]:
        assert re.search(rf"^### {re.escape(news)}$", request["messages"][0]["content"], re.MULTILINE)
        return {"q1": {"value": "Ada Park", "source_url": news, "quote": "Nimbus named Ada Park chief executive"}}

    fake.answer_with(reply)
    result = answer_questions([parse_question("CEO")], PAGES, name="Nimbus", llm=_llm(fake), search=search)
    assert search.queries == ["Nimbus CEO"]
    assert result.answers["CEO"] == Answer("Ada Park", news, "Nimbus named Ada Park chief executive", AnswerMethod.LLM)
    assert result.search_queries == 1 and result.cost_usd == pytest.approx(0.005 + (100 * 1.0 + 20 * 2.0) / 1e6)


class FakeProvider:
    """A ``SearchProvider`` answering one grounded answer whose claim cites the first result."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def search(self, query: str, *, max_results: int = 5) -> SearchAnswer:
        self.calls.append((query, max_results))
        results = [SearchResult("https://news.example/a", "Nimbus raises", "Nimbus raised $12M."), SearchResult("")]
        claims = [GroundedClaim("Ada Park has led Nimbus since 2024.", (0, 7))]
        return SearchAnswer(query, results, answer="Ada Park.", claims=claims, queries=2, cost_usd=0.035)


def test_a_search_provider_becomes_snippets_with_its_grounded_claims() -> None:
    provider = FakeProvider()
    findings = ProviderSearch(provider, max_results=3).search("Nimbus CEO")
    assert provider.calls == [("Nimbus CEO", 3)]
    assert findings.snippets == (
        SearchSnippet(
            "https://news.example/a", "Nimbus raises\nNimbus raised $12M.\nAda Park has led Nimbus since 2024."
        ),
    )
    assert (findings.queries, findings.cost_usd) == (2, 0.035)


def test_the_estimate_counts_the_questions_llm_call() -> None:
    price = (1.0, 2.0)
    plain = estimate_job(100, JobOptions(use_llm=True), llm_price_per_mtok=price).cost_usd
    asked = JobOptions(use_llm=True, questions=parse_questions(["CEO", "Do they offer an API?"]))
    assert estimate_job(100, asked, llm_price_per_mtok=price).cost_usd == pytest.approx(
        plain + 100 * (6000 + 2 * 60 * 2) / 1e6
    )
    assert estimate_job(100, replace(asked, use_llm=False), llm_price_per_mtok=price).cost_usd == 0  # evidence is free


def test_pages_over_the_budget_show_the_llm_the_best_matching_sentences_first(fake: FakeOpenAI) -> None:
    filler = PageExtraction(url="https://nimbus.example/blog", text="Weather is changing fast today. " * 200)
    pages = [PAGES[0], filler, PAGES[1]]
    fake.reply_json({"q1": {"value": 49, "source_url": PRICING, "quote": "Plans start at $49 per month."}})
    question = parse_question("Price per month in dollars::number")
    result = answer_questions([question], pages, name="Nimbus", llm=_llm(fake), char_budget=600)
    prompt = fake.requests[0]["messages"][0]["content"]
    assert "Plans start at $49 per month." in prompt and prompt.index(f"### {PRICING}") < prompt.index(
        "### https://nimbus.example/blog"
    )
    assert len(prompt) < 1_200  # the budget, plus the instructions
    assert result.answers[question.text].value == 49  # checked against the pricing page's full text
