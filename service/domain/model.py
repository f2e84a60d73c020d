"""The domain model shared by every room of Rowscout.

Plain dataclasses and ``StrEnum``s, no I/O: a job, its rows, their states,
the error kinds (each retryable or permanent), the company a row asks about
(``CompanyInput``) and what the research engine returns (``CompanyProfile``
inside a ``ResearchOutcome``). Stores persist these with ``to_dict`` /
``from_dict``; nothing here knows about SQLite, Firestore or Sheets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from service.domain.hints import failed_status
from service.domain.labels import SIMILAR
from service.domain.questions import Answer, Question, question_of
from service.domain.sources import JobSource


class JobState(StrEnum):
    """A job's life: planning → queued → running → completed, with paused, cancelled and failed.

    ``planning``: submitted, but a plan task has still to read the selection and
    store its rows (large sheet selections).
    """

    PLANNING = "planning"
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (JobState.CANCELLED, JobState.COMPLETED, JobState.FAILED)

    @property
    def accepts_work(self) -> bool:
        return self in (JobState.PLANNING, JobState.QUEUED, JobState.RUNNING)


class RowState(StrEnum):
    PENDING = "pending"
    LEASED = "leased"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def is_final(self) -> bool:
        return self in (RowState.DONE, RowState.FAILED, RowState.SKIPPED)


_RETRYABLE_KINDS = frozenset({"timeout", "connection", "rate_limit", "server_error", "backend", "sheets", "lease_busy"})


class ErrorKind(StrEnum):
    """Why a row (or a request) failed; ``retryable`` says if trying later may help."""

    TIMEOUT = "timeout"
    SSL = "ssl"
    CONNECTION = "connection"
    DNS = "dns"
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    HTTP_ERROR = "http_error"
    BLOCKED = "blocked"
    BOT_CHALLENGE = "bot_challenge"
    PARKED_DOMAIN = "parked_domain"
    ROBOTS_DISALLOWED = "robots_disallowed"
    NOT_HTML = "not_html"
    TOO_LARGE = "too_large"
    PARSE = "parse"
    NO_WEBSITE_FOUND = "no_website_found"
    AMBIGUOUS_WEBSITE = "ambiguous_website"  # two sites fit the name equally: the row needs review
    SEARCH_CONFIG = "search_config"  # the search provider refused the key: an operator fixes the setting
    UNSAFE_URL = "unsafe_url"
    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    SHEETS = "sheets"
    SHEETS_PERMANENT = "sheets_permanent"
    BACKEND = "backend"
    LEASE_BUSY = "lease_busy"
    CANCELLED = "cancelled"
    INTERNAL = "internal"

    @property
    def retryable(self) -> bool:
        return self.value in _RETRYABLE_KINDS


class FieldMethod(StrEnum):
    """How a field's value was found."""

    JSON_LD = "json-ld"
    MICRODATA = "microdata"
    OPENGRAPH = "opengraph"
    META = "meta"
    TEXT = "page-text"
    LINK = "link"
    URL = "url"
    TECH_SIGNATURE = "tech-signature"
    CLASSIFIER = "classifier"
    LLM = "llm"
    INPUT = "input"
    SEARCH = "search"  # a web search provider's result or grounded answer


@dataclass(frozen=True)
class FieldSource:
    url: str
    method: FieldMethod

    def to_dict(self) -> dict[str, str]:
        return {"url": self.url, "method": self.method.value}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> FieldSource:
        return cls(url=data["url"], method=FieldMethod(data["method"]))


SOCIAL_NETWORKS = ("linkedin", "twitter", "facebook", "instagram", "youtube", "github", "crunchbase")

# The researchable fields, in output-column order. ``--fields`` picks from these.
PROFILE_FIELDS: tuple[str, ...] = (
    "website",
    "description",
    "industry",
    "business_model",
    "products",
    "hq_city",
    "hq_region",
    "hq_country",
    "founded_year",
    "employees",
    "emails",
    "phones",
    *SOCIAL_NETWORKS,
    "tech_stack",
    "language",
    "logo_url",
    "ceo",  # from search results or grounded answers (a search provider), each with its citation
    "funding",  # total funding raised, e.g. "$25 million" (search, cited)
)

# Fields a web search provider fills from beyond the company's own site, each with a citation (employees:
# only when the site gave none). The estimate counts one search per company for them.
SEARCH_FIELDS: tuple[str, ...] = ("ceo", "funding", "employees")

# Fields whose value is a list of strings; the rest are strings (or int for founded_year).
LIST_FIELDS = frozenset({"products", "emails", "phones", "tech_stack"})


@dataclass
class CompanyProfile:
    """What research found about one company. Empty is better than wrong.

    ``sources`` maps a field name (one of ``PROFILE_FIELDS``) to where its value
    came from; a field with a value and no source is a bug.
    """

    name: str = ""
    website: str = ""
    description: str = ""
    industry: str = ""
    business_model: str = ""  # "B2B" | "B2C" | "B2B and B2C" | ""
    business_model_signals: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    hq_city: str = ""
    hq_region: str = ""
    hq_country: str = ""
    founded_year: int | None = None
    employees: str = ""  # "120" or "51-200"
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    linkedin: str = ""
    twitter: str = ""
    facebook: str = ""
    instagram: str = ""
    youtube: str = ""
    github: str = ""
    crunchbase: str = ""
    tech_stack: list[str] = field(default_factory=list)
    language: str = ""
    logo_url: str = ""
    ceo: str = ""
    funding: str = ""
    sources: dict[str, FieldSource] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)  # custom question text → its answer (or evidence)

    def value(self, name: str) -> Any:
        question = question_of(name)  # a custom question's output (``ask:<text>``)
        if question is not None:
            answer = self.answers.get(question)
            return answer.value if answer else ""
        return getattr(self, name)

    def filled_fields(self) -> list[str]:
        return [f for f in PROFILE_FIELDS if self.value(f) not in ("", None, [])]

    def cell_value(self, name: str) -> str:
        """The field as text for a spreadsheet cell or CSV column."""
        value = self.value(name)
        if value is None:
            return ""
        question = question_of(name)
        if question is not None:
            answer = self.answers.get(question)
            return answer.cell_text if answer else ""
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        return str(value)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["sources"] = {k: v.to_dict() for k, v in self.sources.items()}
        data["answers"] = {k: v.to_dict() for k, v in self.answers.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompanyProfile:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known and k not in ("sources", "answers")}
        sources = {k: FieldSource.from_dict(v) for k, v in (data.get("sources") or {}).items()}
        answers = {k: Answer.from_dict(v) for k, v in (data.get("answers") or {}).items()}  # none before issue 15
        return cls(**values, sources=sources, answers=answers)


@dataclass(frozen=True)
class CompanyInput:
    """The company one row asks about: a name, maybe a website, and the row's other cells."""

    name: str
    website: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResearchOptions:
    fields: tuple[str, ...] = PROFILE_FIELDS
    timeout: float = 60.0  # seconds for the whole company
    use_llm: bool = False
    attempt: int = 1  # 1 for the first try; engines may grow timeouts with it
    questions: tuple[Question, ...] = ()  # custom questions (issue 15), answered into ``CompanyProfile.answers``
    spend_stop: str = ""  # set (the reason): make no paid calls (LLM, web search); the free research still runs


@dataclass
class Usage:
    """What researching one company cost."""

    pages_fetched: int = 0
    llm_input_tokens: int = 0
    llm_output_tokens: int = 0
    search_queries: int = 0  # billable web searches (their cost is in cost_usd)
    cost_usd: float = 0.0
    seconds: float = 0.0  # wall time of the research call (batch API statistics)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Usage:
        return cls(**(data or {}))


@dataclass
class ResearchOutcome:
    """The research engine's answer for one company: a profile, or an error, plus usage.

    ``error`` is set on failure (the profile may still hold partial facts that
    are worth keeping).
    """

    profile: CompanyProfile
    usage: Usage = field(default_factory=Usage)
    error_kind: ErrorKind | None = None
    error_message: str = ""
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.error_kind is None


class Priority(StrEnum):
    """Which queue a job's tasks go to (in-process: dispatch order; Cloud Tasks: ``queues`` setting)."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


@dataclass(frozen=True)
class JobOptions:
    fields: tuple[str, ...] = PROFILE_FIELDS
    concurrency: int = 8
    rate: float = 5.0  # rows started per second
    timeout: float = 60.0  # per company
    max_attempts: int = 3  # first try + retries
    priority: Priority = Priority.NORMAL
    refresh_days: int | None = None  # re-research rows older than this
    use_llm: bool = False
    # --- completion notices (issue 16): where to tell the submitter that the job ended ---
    webhook_url: str = ""  # https (or loopback http) URL, validated by the entry point that accepts it
    notification_email: str = ""  # one address, syntax-checked by the entry point
    include_failed_results: bool = True  # batch API: results list failed rows unless the caller said no
    export_format: str = ""  # batch API: the caller's preferred results format (json, csv or xlsx)
    # --- end completion notices ---
    questions: tuple[Question, ...] = ()  # custom questions (issue 15): one output column each
    max_cost_usd: float | None = None  # spend cap (issue 15): no paid calls once reached (service/jobs/spend.py)
    similar: bool = False  # issue 16: a "Similar in this list" column, written when the job ends

    @property
    def outputs(self) -> tuple[str, ...]:
        """The fields, one output per custom question (``ask:<text>``), then ``similar_in_list``, in column order."""
        return (*self.fields, *(question.output for question in self.questions), *((SIMILAR,) if self.similar else ()))

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["fields"] = list(self.fields)
        data["questions"] = [question.to_dict() for question in self.questions]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobOptions:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["fields"] = tuple(values.get("fields") or PROFILE_FIELDS)
        values["priority"] = Priority(values.get("priority", Priority.NORMAL))
        values["questions"] = tuple(Question.from_dict(q) for q in values.get("questions") or ())
        return cls(**values)


@dataclass
class Job:
    """A research job over a set of rows.

    ``source`` says where rows came from and results go (``FileSource`` or
    ``SheetSource``).
    """

    id: str
    owner: str
    name: str
    source: JobSource
    options: JobOptions
    state: JobState
    created_at: datetime
    updated_at: datetime
    total_rows: int = 0
    finished_at: datetime | None = None
    expire_at: datetime | None = None


@dataclass
class Row:
    """One company to research, and what happened to it.

    ``key`` is the row's identity within its job (stable across sorting a
    sheet); ``position`` is its order in the input.
    """

    job_id: str
    key: str
    position: int
    input: CompanyInput
    state: RowState = RowState.PENDING
    attempts: int = 0
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    error_kind: ErrorKind | None = None
    error_message: str = ""
    result: CompanyProfile | None = None
    usage: Usage | None = None
    researched_at: datetime | None = None
    flushed: bool = False
    written: dict[str, str] = field(default_factory=dict)  # output → the text Rowscout last wrote in its cell
    kept: tuple[str, ...] = ()  # column headers where the user's own edit was kept
    job_texts: dict[str, str] = field(default_factory=dict)  # output → a job-level text (SIMILAR), never stored

    @property
    def status_text(self) -> str:
        """The status cell: queued, researching, done (— kept your edit in X), failed: <kind> — <message>.

        A failed row's ends with its hint: ``… — <message>. What to do: <hint>`` (``hints.failed_status``).
        """
        if self.state == RowState.PENDING:
            return "queued"
        if self.state == RowState.LEASED:
            return "researching"
        if self.state == RowState.DONE:  # a done row's message is a note: "same company as row N" (a repeat)
            notes = [self.error_message] if self.error_message else []
            notes += [f"kept your edit in {', '.join(self.kept)}"] if self.kept else []
            return " — ".join(("done", *notes))
        if self.state == RowState.SKIPPED:
            return f"skipped: {self.error_message}" if self.error_message else "skipped"
        return failed_status(self.error_kind, self.error_message)


class LeaseStatus(StrEnum):
    LEASED = "leased"  # you hold it now: research it
    ALREADY_FINAL = "already_final"  # done/failed/skipped: nothing to do
    BUSY = "busy"  # someone else holds a live lease: try later
    MISSING = "missing"  # no such row
    EXHAUSTED = "exhausted"  # attempts used up (row was marked failed)


@dataclass(frozen=True)
class Lease:
    status: LeaseStatus
    row: Row | None = None


@dataclass(frozen=True)
class WrittenCells:
    """What one flush left in a row's sheet cells: the texts Rowscout wrote, the user edits it kept.

    ``values`` maps an output (``industry``, ``sources``...) to the text now
    in its cell by Rowscout's hand; the next flush compares the cell with it
    to tell a user's edit (kept) from Rowscout's own earlier value (updated).
    """

    values: dict[str, str]
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowOutcome:
    """What the job layer stores when a leased row finishes."""

    state: RowState  # DONE, FAILED or PENDING (retry later)
    result: CompanyProfile | None = None
    usage: Usage | None = None
    error_kind: ErrorKind | None = None
    error_message: str = ""
