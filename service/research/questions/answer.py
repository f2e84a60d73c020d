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

from service.domain.questions import Answer, AnswerMethod, Question
from service.research.extract import PageExtraction
from service.research.llm.port import LLM
from service.research.questions.ask import build_prompt, build_schema, checked_answers
from service.research.questions.evidence import EvidenceIndex, focus
from service.research.questions.hook import QuestionSearch
from service.research.questions.passages import PageText, page_texts, sentences


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
) -> QuestionsResult:
    """Answers (or evidence) for ``questions`` from ``pages``; LLM and search costs counted in the result.

    Raises:
        ResearchError: the LLM or the search provider failed (rate limit, server error, bad key).
    """
    result = QuestionsResult()
    texts = page_texts(pages)
    if questions and texts and llm is not None:
        shown = texts + (_searched(search, name, questions, result) if search is not None else [])
        prompt = build_prompt(name, questions, focus(shown, [q.text for q in questions], char_budget), char_budget)
        reply = llm.complete_json(prompt, build_schema(questions))
        result.input_tokens, result.output_tokens = reply.input_tokens, reply.output_tokens
        result.cost_usd += reply.cost_usd
        result.answers, result.dropped = checked_answers(reply.data, questions, shown)
    unanswered = [question for question in questions if question.text not in result.answers]
    if unanswered:
        result.answers.update(_evidence(unanswered, texts))
    return result


def _evidence(questions: Sequence[Question], texts: Sequence[PageText]) -> dict[str, Answer]:
    """The best passage for each question (the company's sentences indexed once), labelled as evidence."""
    index = EvidenceIndex(sentences(texts))
    found = {}
    for question in questions:
        passage = index.best(question.text)
        if passage is not None:
            found[question.text] = Answer(passage.text, passage.url, passage.text, AnswerMethod.EVIDENCE, question.kind)
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
