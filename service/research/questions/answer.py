"""``answer_questions``: a company's answers to a job's custom questions, from its crawled pages.

With an LLM (``ask``): one call for all questions, shown the pages (or, when
they exceed the budget, the sentences that best match the questions first:
``evidence.focus``); an answer is kept only if its quote is found in the cited
page's full text. With a search hook as well, the
search results are shown beside the pages (one query per question, each
counted). A question the LLM did not answer (or whose answer was dropped),
and every question when there is no LLM, gets the best-matching passage of
the company's pages (``evidence``), labelled as evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from service.domain import ErrorKind
from service.domain.errors import QuotaError, RowscoutError
from service.domain.questions import Answer, AnswerMethod, Question
from service.research.extract import PageExtraction
from service.research.llm.port import LLM
from service.research.questions.ask import build_prompt, build_schema, checked_answers
from service.research.questions.evidence import EvidenceIndex, focus
from service.research.questions.hook import QuestionSearch
from service.research.questions.passages import PageText, page_texts, sentences

LLM_UNAVAILABLE = "LLM unavailable"  # the evidence note when the LLM failed (not a quota: that is retried)


@dataclass
class QuestionsResult:
    answers: dict[str, Answer] = field(default_factory=dict)  # question text → answer or evidence
    dropped: list[str] = field(default_factory=list)  # questions whose LLM answer failed its checks
    input_tokens: int = 0
    output_tokens: int = 0
    search_queries: int = 0
    cost_usd: float = 0.0


def answer_questions(
    questions: Sequence[Question],
    pages: Sequence[PageExtraction],
    *,
    name: str,
    llm: LLM | None = None,
    search: QuestionSearch | None = None,
    char_budget: int = 24_000,
    note: str = "",
) -> QuestionsResult:
    """Answers (or evidence) for ``questions`` from ``pages``; LLM and search costs counted in the result.

    ``note`` labels evidence that stands in for an answer (``Evidence (note): …``), e.g. a spend cap's
    reason when the job withheld the LLM. An LLM that fails for any other reason than a quota or rate
    limit gives evidence labelled ``LLM unavailable``; a search that fails so leaves the LLM the pages.

    Raises:
        ResearchError: the LLM or the search provider is rate limited or out of quota (retry later).
    """
    result = QuestionsResult()
    texts = page_texts(pages)
    if questions and texts and llm is not None:
        try:
            shown = texts + (_searched(search, name, questions, result) if search is not None else [])
        except RowscoutError as exc:
            _unless_quota(exc)
            shown = texts  # the search failed: the LLM answers from the company's pages alone
        prompt = build_prompt(name, questions, focus(shown, [q.text for q in questions], char_budget), char_budget)
        try:
            reply = llm.complete_json(prompt, build_schema(questions))
        except RowscoutError as exc:
            _unless_quota(exc)
            note = LLM_UNAVAILABLE
        else:
            result.input_tokens, result.output_tokens = reply.input_tokens, reply.output_tokens
            result.cost_usd += reply.cost_usd
            result.answers, result.dropped = checked_answers(reply.data, questions, shown)
    unanswered = [question for question in questions if question.text not in result.answers]
    if unanswered:
        result.answers.update(_evidence(unanswered, texts, note))
    return result


def _unless_quota(exc: RowscoutError) -> None:
    """Re-raise a quota or rate limit (the row is retried later, when the answer can be checked)."""
    if exc.kind == ErrorKind.RATE_LIMIT or isinstance(exc, QuotaError):
        raise exc


def _evidence(questions: Sequence[Question], texts: Sequence[PageText], note: str) -> dict[str, Answer]:
    """The best passage for each question (the company's sentences indexed once), labelled as evidence."""
    index = EvidenceIndex(sentences(texts))
    found = {}
    for question in questions:
        passage = index.best(question.text)
        if passage is not None:
            found[question.text] = Answer(
                passage.text, passage.url, passage.text, AnswerMethod.EVIDENCE, question.kind, note=note
            )
    return found


def _searched(
    search: QuestionSearch, name: str, questions: Sequence[Question], result: QuestionsResult
) -> list[PageText]:
    found: dict[str, PageText] = {}
    for question in questions:
        findings = search.search(f"{name} {question.text}")
        result.search_queries += findings.queries
        result.cost_usd += findings.cost_usd
        for snippet in findings.snippets:
            found.setdefault(snippet.url, PageText(snippet.url, snippet.text))
    return list(found.values())
