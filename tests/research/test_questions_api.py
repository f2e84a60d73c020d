"""Custom questions through the add-on API: ``questions`` in the body, previewed, stored, written to the sheet."""

from __future__ import annotations

import pytest

from service.domain import CompanyInput, ResearchOptions, ResearchOutcome
from service.domain.questions import Answer, AnswerMethod
from service.jobs.flush import flush_sheet_job
from service.jobs.rowtask import handle_research_task
from service.queue.port import TaskDelivery
from tests.api.conftest import SHEET, TAB, Env, certs_server, env, selection, signing_key  # noqa: F401
from tests.api.fakes import FakeResearcher

QUESTIONS = ["Do they sell to hospitals?", "Number of locations::text"]


class AnsweringResearcher(FakeResearcher):
    """The API tests' fake researcher, answering every question it is asked with evidence from the home page."""

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        outcome = super().research(company, options)
        site = outcome.profile.website
        outcome.profile.answers = {
            q.text: Answer(
                f"{company.name} and {q.kind.value}", site, f"{company.name} {q.kind}", AnswerMethod.EVIDENCE
            )
            for q in options.questions
        }
        return outcome


def test_questions_are_previewed_stored_and_written_as_columns(env: Env) -> None:  # noqa: F811
    body = selection(questions=QUESTIONS)
    preview = env.client.post("/api/v1/estimate", json=body, headers=env.as_user()).json["new_columns"]
    assert preview[-3:] == ["Do they sell to hospitals?", "Number of locations", "Sources"]
    services = env.app.extensions["rowscout"].services
    services.researcher = AnsweringResearcher()
    response = env.client.post("/api/v1/jobs", json=body, headers=env.as_user())
    assert response.status_code == 202, response.json
    job_id = response.json["job"]["id"]
    stored = env.store.get_job(job_id)
    assert [(q.text, q.kind.value) for q in stored.options.questions] == [  # type: ignore[union-attr]
        ("Do they sell to hospitals?", "yes_no"),
        ("Number of locations", "text"),  # the ::text suffix overrides the inferred number
    ]
    header = list(env.sheets.values(SHEET, TAB)[0])
    assert header[-3:] == preview[-3:]
    for task in list(env.queue.of_kind("research")):
        handle_research_task(services, TaskDelivery(task, 1))
    flush_sheet_job(services, job_id)
    header, first, *_ = env.sheets.values(SHEET, TAB)
    cells = dict(zip(header, first, strict=False))
    assert (
        cells["Do they sell to hospitals?"].startswith("Evidence: “")
        and "yes_no" in cells["Do they sell to hospitals?"]
    )
    assert "Number of locations" in cells["Sources"]


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        (["CEO", "ceo"], "asked twice"),
        (["Offices::count"], "unknown answer kind"),
        ([f"Q{i}" for i in range(21)], "questions"),
        ([""], "questions"),
        ("CEO", "questions must be array"),
    ],
)
def test_bad_questions_are_refused_with_400(env: Env, questions: object, message: str) -> None:  # noqa: F811
    response = env.client.post("/api/v1/jobs", json=selection(questions=questions), headers=env.as_user())
    assert response.status_code == 400 and message in response.json["error"]["message"], response.json
