"""Settings from the environment (``ROWSCOUT_*`` and Google's standard variables), in groups.

One frozen ``Settings`` value, read once by ``Settings.from_env()``, made of
groups: ``limits`` (sizes and times every backend shares), ``embedded`` (the
one-machine default), ``fetch`` (the crawler), ``llm``, ``search``, ``sheets`` and
``cloud``. The comment beside each field says what it is for; ``from_env``
names its variable. (Google client libraries also read their own standard
variables, e.g. ``GOOGLE_APPLICATION_CREDENTIALS`` and ``FIRESTORE_EMULATOR_HOST``.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from service.domain.errors import ConfigError
from service.domain.retry import RetryPolicy


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


@dataclass(frozen=True)
class Limits:
    """Sizes and times that every backend shares (one value each)."""

    max_rows_per_job: int = 200_000  # CLI files and sheet selections alike
    max_body_bytes: int = 1_000_000  # largest JSON request body the API reads
    lease_seconds: float = 300.0  # a row's lease; longer than any company's research (timeouts grow per retry)
    plan_threshold: int = 1_000  # sheet selections larger than this are read by a plan task
    flush_window_seconds: float = 5.0  # at most one sheet write per job per window
    job_ttl_days: int = 30  # jobs (and their rows) expire this long after they were created


@dataclass(frozen=True)
class EmbeddedSettings:
    """The one-machine default: SQLite job state in a workspace folder."""

    workspace: Path = Path(".rowscout")

    @property
    def database_path(self) -> Path:
        return self.workspace / "rowscout.sqlite3"


@dataclass(frozen=True)
class FetchConfig:
    """What the crawler may reach and how it introduces itself."""

    allow_loopback: bool = False  # may fetch 127.0.0.1 (tests / the local demo web only)
    user_agent: str = "RowscoutBot/0.1 (+https://github.com/rowscout/rowscout; company research)"
    site_tlds: tuple[str, ...] = ()  # TLDs tried when only a name is given (empty = engine default)
    # Development only (the local cloud walkthrough, infra/README.md): the port of the local demo web
    # (service/examples/demo_web). Its `*.test` names then resolve to 127.0.0.1 and no other name does,
    # loopback may be fetched and name-only rows are tried there. 0 = off; refused on Cloud Run.
    demo_web_port: int = 0


@dataclass(frozen=True)
class LLMConfig:
    provider: str = ""  # "", "openai" (any OpenAI-compatible endpoint), "gemini" or "vertex"
    base_url: str = ""
    api_key: str = field(default="", repr=False)
    model: str = ""


@dataclass(frozen=True)
class SearchConfig:
    """The web search provider used for name-only rows and facts beyond a company's own site."""

    provider: str = ""  # "", "gemini" (Grounding with Google Search), "brave" or "tavily"
    api_key: str = field(default="", repr=False)  # Gemini: an API key, or empty for Vertex AI (the service's project)
    endpoint: str = ""  # base URL override (tests: the loopback fake)
    model: str = ""  # Gemini model for grounded answers (default gemini-2.5-flash)
    timeout: float = 15.0  # seconds per search call


@dataclass(frozen=True)
class SheetsConfig:
    api_endpoint: str = ""  # tests: the fake Sheets server
    retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(max_attempts=8, min_backoff=1.0, max_backoff=64.0, max_retry_duration=300.0)
    )
    # The project's Sheets quota per minute (a service account is one user), shared by every job
    # and instance through one budget: Firestore in the cloud, the workspace's SQLite file embedded.
    reads_per_minute: int = 60
    writes_per_minute: int = 60
    # A call waits (without holding any lock) at most this long for the budget; beyond it the call
    # fails as retryable with a retry time, and a flush task reschedules itself for then.
    max_budget_wait: float = 20.0


MIN_DISPATCH_DEADLINE = 15.0  # Cloud Tasks' range for HTTP targets
MAX_DISPATCH_DEADLINE = 1800.0


@dataclass(frozen=True)
class DispatchDeadlines:
    """Seconds Cloud Tasks waits for each kind of task before it retries it (15 s – 30 min).

    A handler that outlives its deadline is dispatched again while it still
    runs, so each deadline is above the worst case of its task: research is
    bounded by the company timeout (plus the LLM), and the row's lease
    (``Limits.lease_seconds``) covers the research; the research deadline is
    above the lease, so a second dispatch finds a live lease and reschedules.
    Plan tasks read and tag one chunk; flush tasks write one job's rows and
    reschedule themselves instead of waiting long for the write budget.
    """

    research: float = 600.0
    plan: float = 600.0
    flush: float = 120.0
    notice: float = 60.0  # one webhook POST (30 s timeout) or one email

    def __post_init__(self) -> None:
        for name in ("research", "plan", "flush", "notice"):
            value = getattr(self, name)
            if not MIN_DISPATCH_DEADLINE <= value <= MAX_DISPATCH_DEADLINE:
                raise ValueError(f"the {name} dispatch deadline must be 15–1800 s, not {value:g}")

    def for_kind(self, kind: str) -> float:
        """The deadline of a task kind ("research", "plan", "flush")."""
        return float(getattr(self, kind))


@dataclass(frozen=True)
class CloudSettings:
    """Cloud Run + Cloud Tasks + Firestore, and who may call the service."""

    project: str = ""
    location: str = "europe-west1"
    queues: Mapping[str, str] = field(default_factory=dict)  # priority -> queue id
    flush_queue: str = ""  # flush tasks' own queue (empty: the priority queues)
    deadlines: DispatchDeadlines = field(default_factory=DispatchDeadlines)
    service_url: str = ""  # this service's public URL (task targets, OIDC audience)
    tasks_service_account: str = ""  # identity Cloud Tasks / Scheduler sign OIDC tokens as
    tasks_audience: str = ""
    tasks_emulator_host: str = ""
    tasks_max_attempts: int = 0  # the queues' max attempts: the last delivery records the row as failed
    firestore_database: str = "(default)"
    addon_client_ids: tuple[str, ...] = ()  # accepted `aud` of add-on ID tokens
    allowed_domains: tuple[str, ...] = ()  # accepted hosted domains of users (empty = any)
    auth_disabled: bool = False  # local development only; never on Cloud Run


# --- batch API (issue 16) ---
# `aud` of `gcloud auth print-identity-token` for user accounts (service accounts pass --audiences)
GCLOUD_CLIENT_ID = "32555940559.apps.googleusercontent.com"


@dataclass(frozen=True)
class ApiSettings:
    """Programmatic callers of the batch API (``/api/v1/batches``, ``/api/v1/stats``)."""

    callers: tuple[str, ...] = ()  # emails (users, service accounts) whose Google ID tokens are accepted
    audiences: tuple[str, ...] = ()  # accepted `aud` of their tokens (default: the service URL and gcloud's client)
    max_active_batches: int = 5  # per owner: batches queued or processing at once
    max_rows_per_day: int = 50_000  # per owner: companies submitted in any 24 hours
    serve_workers: int = 20  # `serve`: companies researched at once (all batches together)


# --- end batch API ---


# --- completion notices (issue 16) ---
@dataclass(frozen=True)
class NotifySettings:
    """Completion notices: webhooks (signed, through the queue) and optional email over SMTP."""

    allow_loopback: bool = False  # development and tests only: webhooks to 127.0.0.1 / ::1
    timeout: float = 30.0  # seconds per webhook POST or SMTP session
    smtp_host: str = ""  # empty: no email notices (a job asking for one logs why it got none)
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True


def _notify(env: Mapping[str, str]) -> NotifySettings:
    return NotifySettings(
        allow_loopback=_flag(env.get("ROWSCOUT_WEBHOOK_ALLOW_LOOPBACK")),
        smtp_host=env.get("ROWSCOUT_SMTP_HOST", ""),
        smtp_port=int(env.get("ROWSCOUT_SMTP_PORT", "587")),
        smtp_user=env.get("ROWSCOUT_SMTP_USER", ""),
        smtp_password=env.get("ROWSCOUT_SMTP_PASSWORD", ""),
        smtp_from=env.get("ROWSCOUT_SMTP_FROM", ""),
        smtp_starttls=env.get("ROWSCOUT_SMTP_STARTTLS", "true").strip().lower() not in ("0", "false", "no", "off"),
    )


# --- end completion notices ---


@dataclass(frozen=True)
class Settings:
    limits: Limits = field(default_factory=Limits)
    embedded: EmbeddedSettings = field(default_factory=EmbeddedSettings)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    llm: LLMConfig = field(default_factory=LLMConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    sheets: SheetsConfig = field(default_factory=SheetsConfig)
    cloud: CloudSettings = field(default_factory=CloudSettings)
    api: ApiSettings = field(default_factory=ApiSettings)  # batch API (issue 16)
    notify: NotifySettings = field(default_factory=lambda: NotifySettings())  # completion notices (issue 16)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            limits=Limits(
                max_rows_per_job=int(env.get("ROWSCOUT_MAX_ROWS_PER_JOB", str(Limits.max_rows_per_job))),
                max_body_bytes=int(env.get("ROWSCOUT_MAX_BODY_BYTES", str(Limits.max_body_bytes))),
            ),
            embedded=EmbeddedSettings(workspace=Path(env.get("ROWSCOUT_HOME", ".rowscout"))),
            fetch=FetchConfig(
                allow_loopback=_flag(env.get("ROWSCOUT_ALLOW_LOOPBACK")),
                user_agent=env.get("ROWSCOUT_USER_AGENT", FetchConfig.user_agent),
                site_tlds=_list(env.get("ROWSCOUT_SITE_TLDS")),
                demo_web_port=_demo_web_port(env),
            ),
            llm=LLMConfig(
                provider=env.get("ROWSCOUT_LLM_PROVIDER", ""),
                base_url=env.get("ROWSCOUT_LLM_BASE_URL", ""),
                api_key=env.get("ROWSCOUT_LLM_API_KEY", ""),
                model=env.get("ROWSCOUT_LLM_MODEL", ""),
            ),
            search=SearchConfig(
                provider=env.get("ROWSCOUT_SEARCH_PROVIDER", "").strip().lower(),
                api_key=env.get("ROWSCOUT_SEARCH_API_KEY", ""),
                endpoint=env.get("ROWSCOUT_SEARCH_ENDPOINT", ""),
                model=env.get("ROWSCOUT_SEARCH_MODEL", ""),
                timeout=float(env.get("ROWSCOUT_SEARCH_TIMEOUT", str(SearchConfig.timeout))),
            ),
            sheets=SheetsConfig(
                api_endpoint=env.get("ROWSCOUT_SHEETS_API_ENDPOINT", ""),
                reads_per_minute=int(env.get("ROWSCOUT_SHEETS_READS_PER_MINUTE", str(SheetsConfig.reads_per_minute))),
                writes_per_minute=int(
                    env.get("ROWSCOUT_SHEETS_WRITES_PER_MINUTE", str(SheetsConfig.writes_per_minute))
                ),
                max_budget_wait=float(env.get("ROWSCOUT_SHEETS_MAX_BUDGET_WAIT", str(SheetsConfig.max_budget_wait))),
            ),
            cloud=_cloud(env),
            api=_api(env),  # batch API (issue 16)
            notify=_notify(env),  # completion notices (issue 16)
        )


def _api(env: Mapping[str, str]) -> ApiSettings:
    service_url = env.get("ROWSCOUT_SERVICE_URL", "").rstrip("/")
    default_audiences = ",".join(a for a in (service_url, GCLOUD_CLIENT_ID) if a)
    return ApiSettings(
        callers=tuple(c.lower() for c in _list(env.get("ROWSCOUT_API_CALLERS"))),
        audiences=_list(env.get("ROWSCOUT_API_AUDIENCES", default_audiences)),
        max_active_batches=int(env.get("ROWSCOUT_API_MAX_ACTIVE_BATCHES", str(ApiSettings.max_active_batches))),
        max_rows_per_day=int(env.get("ROWSCOUT_API_MAX_ROWS_PER_DAY", str(ApiSettings.max_rows_per_day))),
        serve_workers=int(env.get("ROWSCOUT_SERVE_WORKERS", str(ApiSettings.serve_workers))),
    )


def _cloud(env: Mapping[str, str]) -> CloudSettings:
    service_url = env.get("ROWSCOUT_SERVICE_URL", "").rstrip("/")
    return CloudSettings(
        project=env.get("GOOGLE_CLOUD_PROJECT", ""),
        location=env.get("ROWSCOUT_LOCATION", "europe-west1"),
        queues=_queues(env),
        flush_queue=env.get("ROWSCOUT_FLUSH_QUEUE", "rowscout-flush"),
        deadlines=DispatchDeadlines(
            research=_seconds(env.get("ROWSCOUT_RESEARCH_DEADLINE"), DispatchDeadlines.research),
            plan=_seconds(env.get("ROWSCOUT_PLAN_DEADLINE"), DispatchDeadlines.plan),
            flush=_seconds(env.get("ROWSCOUT_FLUSH_DEADLINE"), DispatchDeadlines.flush),
        ),
        service_url=service_url,
        tasks_service_account=env.get("ROWSCOUT_TASKS_SERVICE_ACCOUNT", ""),
        tasks_audience=env.get("ROWSCOUT_TASKS_AUDIENCE", service_url),
        tasks_emulator_host=env.get("CLOUD_TASKS_EMULATOR_HOST", ""),
        tasks_max_attempts=int(env.get("ROWSCOUT_TASKS_MAX_ATTEMPTS", "0")),
        firestore_database=env.get("ROWSCOUT_FIRESTORE_DATABASE", "(default)"),
        addon_client_ids=_list(env.get("ROWSCOUT_ADDON_CLIENT_IDS")),
        allowed_domains=_list(env.get("ROWSCOUT_ALLOWED_DOMAINS")),
        auth_disabled=_flag(env.get("ROWSCOUT_AUTH_DISABLED")),
    )


def _demo_web_port(env: Mapping[str, str]) -> int:
    """``ROWSCOUT_DEMO_WEB_PORT``: a development setting, so refused on Cloud Run (``K_SERVICE`` set)."""
    text = env.get("ROWSCOUT_DEMO_WEB_PORT", "").strip()
    if not text:
        return 0
    if env.get("K_SERVICE"):
        raise ConfigError(
            f"ROWSCOUT_DEMO_WEB_PORT is set on Cloud Run (service {env['K_SERVICE']!r}): refusing to start with "
            "the demo web's names resolving to loopback. Unset it; it is for local development only."
        )
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"ROWSCOUT_DEMO_WEB_PORT must be a port number (1-65535), not {text[:20]!r}")
    return int(text)


def _seconds(value: str | None, default: float) -> float:
    """Seconds from "600" or "600s" (gcloud's duration form); ``default`` when unset."""
    text = (value or "").strip().removesuffix("s")
    return float(text) if text else default


def _queues(env: Mapping[str, str]) -> dict[str, str]:
    default = env.get("ROWSCOUT_QUEUE", "rowscout-research")
    return {
        "high": env.get("ROWSCOUT_QUEUE_HIGH", f"{default}-high"),
        "normal": default,
        "low": env.get("ROWSCOUT_QUEUE_LOW", f"{default}-low"),
    }
