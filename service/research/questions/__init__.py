"""Custom questions (issue 15 part 3): answers with a verified quote, or evidence passages.

``answer_questions(questions, pages, *, name, llm=None, search=None)`` →
``QuestionsResult``. Modules: ``passages`` (page texts and sentences,
bounded), ``evidence`` (BM25 best passage), ``ask`` (LLM prompt, schema and
checks), ``verify`` (quote found in the page), ``coerce`` (typed values),
``hook`` (the optional search dependency).
"""

from service.research.questions.answer import QuestionsResult, answer_questions
from service.research.questions.hook import ProviderSearch, QuestionSearch, SearchFindings, SearchSnippet

__all__ = ["ProviderSearch", "QuestionSearch", "QuestionsResult", "SearchFindings", "SearchSnippet", "answer_questions"]
