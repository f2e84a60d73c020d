"""Settings from the environment (``ROWSCOUT_*`` and Google's standard variables).

One frozen ``Settings`` value, read once by ``Settings.from_env()``; the
comment beside each field says what it is for, and ``from_env`` names its
variable. (Google client libraries also read their own standard variables,
e.g. ``GOOGLE_APPLICATION_CREDENTIALS`` and ``FIRESTORE_EMULATOR_HOST``.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    backend: str = "embedded"  # "embedded" (SQLite + in-process queue) or "cloud"
    workspace: Path = Path(".rowscout")
    # research
    allow_loopback: bool = False  # the crawler may fetch 127.0.0.1 (tests / local fixture web only)
    user_agent: str = "RowscoutBot/0.1 (+https://github.com/rowscout/rowscout; company research)"
    site_tlds: tuple[str, ...] = ()  # TLDs tried when only a name is given (empty = engine default)
    llm_provider: str = ""  # "", "openai" (any OpenAI-compatible endpoint) or "gemini"
    llm_base_url: str = ""
    llm_api_key: str = field(default="", repr=False)
    llm_model: str = ""
    researcher_factory: str = ""  # "module:callable" taking Settings -> Researcher (tests, custom engines)
    # cloud
    project: str = ""
    location: str = "europe-west1"
    queues: Mapping[str, str] = field(default_factory=dict)  # priority -> queue id
    service_url: str = ""  # this service's public URL (task targets, OIDC audience)
    tasks_service_account: str = ""  # identity Cloud Tasks / Scheduler sign OIDC tokens as
    tasks_audience: str = ""
    tasks_emulator_host: str = ""
    tasks_max_attempts: int = 0  # the queues' max attempts: the last delivery records the row as failed
    firestore_database: str = "(default)"
    sheets_api_endpoint: str = ""  # tests: the fake Sheets server
    addon_client_ids: tuple[str, ...] = ()  # accepted `aud` of add-on ID tokens
    allowed_domains: tuple[str, ...] = ()  # accepted hosted domains of users (empty = any)
    auth_disabled: bool = False  # local development only; never on Cloud Run
    max_rows_per_job: int = 50_000
    max_body_bytes: int = 1_000_000

    @property
    def database_path(self) -> Path:
        return self.workspace / "rowscout.sqlite3"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        service_url = env.get("ROWSCOUT_SERVICE_URL", "").rstrip("/")
        return cls(
            backend=env.get("ROWSCOUT_BACKEND", "embedded"),
            workspace=Path(env.get("ROWSCOUT_HOME", ".rowscout")),
            allow_loopback=_flag(env.get("ROWSCOUT_ALLOW_LOOPBACK")),
            user_agent=env.get("ROWSCOUT_USER_AGENT", cls.user_agent),
            site_tlds=_list(env.get("ROWSCOUT_SITE_TLDS")),
            llm_provider=env.get("ROWSCOUT_LLM_PROVIDER", ""),
            llm_base_url=env.get("ROWSCOUT_LLM_BASE_URL", ""),
            llm_api_key=env.get("ROWSCOUT_LLM_API_KEY", ""),
            llm_model=env.get("ROWSCOUT_LLM_MODEL", ""),
            researcher_factory=env.get("ROWSCOUT_RESEARCHER", ""),
            project=env.get("GOOGLE_CLOUD_PROJECT", ""),
            location=env.get("ROWSCOUT_LOCATION", "europe-west1"),
            queues=_queues(env),
            service_url=service_url,
            tasks_service_account=env.get("ROWSCOUT_TASKS_SERVICE_ACCOUNT", ""),
            tasks_audience=env.get("ROWSCOUT_TASKS_AUDIENCE", service_url),
            tasks_emulator_host=env.get("CLOUD_TASKS_EMULATOR_HOST", ""),
            tasks_max_attempts=int(env.get("ROWSCOUT_TASKS_MAX_ATTEMPTS", "0")),
            firestore_database=env.get("ROWSCOUT_FIRESTORE_DATABASE", "(default)"),
            sheets_api_endpoint=env.get("ROWSCOUT_SHEETS_API_ENDPOINT", ""),
            addon_client_ids=_list(env.get("ROWSCOUT_ADDON_CLIENT_IDS")),
            allowed_domains=_list(env.get("ROWSCOUT_ALLOWED_DOMAINS")),
            auth_disabled=_flag(env.get("ROWSCOUT_AUTH_DISABLED")),
            max_rows_per_job=int(env.get("ROWSCOUT_MAX_ROWS_PER_JOB", "50000")),
            max_body_bytes=int(env.get("ROWSCOUT_MAX_BODY_BYTES", "1000000")),
        )


def _queues(env: Mapping[str, str]) -> dict[str, str]:
    default = env.get("ROWSCOUT_QUEUE", "rowscout-research")
    return {
        "high": env.get("ROWSCOUT_QUEUE_HIGH", f"{default}-high"),
        "normal": default,
        "low": env.get("ROWSCOUT_QUEUE_LOW", f"{default}-low"),
    }
