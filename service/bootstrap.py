"""The one place that picks adapters: embedded (SQLite + in-process queue) or cloud.

Nothing is built at import time; callers (the CLI, ``create_app``, tests)
call these functions with a ``Settings`` value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.config import Settings
from service.errors import InputError
from service.jobs.context import Services
from service.queue.port import TaskQueue
from service.research.port import Researcher
from service.store.port import JobStore

if TYPE_CHECKING:
    from service.research.llm import LLM


def build_researcher(settings: Settings, *, resolver: Any = None, site_port: int | None = None) -> Researcher:
    """The web research engine, with an LLM when one is configured.

    Args:
        settings: user agent, loopback permission, TLDs tried for name-only rows, LLM.
        resolver: a DNS resolver (the demo and tests answer with the fixture web).
        site_port: port added to candidate sites for name-only rows (the local fixture web).
    """
    from service.research.discover_site import SiteFinder
    from service.research.engine import WebResearcher
    from service.research.fetch import FetchSettings

    fetch = FetchSettings(user_agent=settings.user_agent, allow_loopback=settings.allow_loopback)
    finder_options: dict[str, Any] = {}
    if settings.site_tlds:
        finder_options["tlds"] = settings.site_tlds
    if site_port:
        finder_options.update(port=site_port, scheme="http")
    return WebResearcher(fetch, resolver=resolver, llm=build_llm(settings), site_finder=SiteFinder(**finder_options))


def build_llm(settings: Settings) -> LLM | None:
    """The configured LLM adapter, or None (the default: no API key needed)."""
    from service.research.llm import GeminiLLM, OpenAICompatibleLLM

    provider = settings.llm_provider.lower()
    if not provider:
        return None
    if provider == "openai":
        if not settings.llm_base_url or not settings.llm_model:
            raise InputError("ROWSCOUT_LLM_PROVIDER=openai needs ROWSCOUT_LLM_BASE_URL and ROWSCOUT_LLM_MODEL")
        return OpenAICompatibleLLM(settings.llm_base_url, settings.llm_api_key, settings.llm_model)
    if provider in ("gemini", "vertex"):
        return GeminiLLM(
            settings.llm_model or "gemini-2.5-flash",
            api_key=settings.llm_api_key or None,
            vertex=provider == "vertex",
            project=settings.project or None,
            location=settings.location or None,
        )
    raise InputError(f"unknown ROWSCOUT_LLM_PROVIDER {settings.llm_provider!r}; use openai, gemini or vertex")


def build_sqlite_store(settings: Settings) -> JobStore:
    from service.store.sqlite import SqliteJobStore

    settings.workspace.mkdir(parents=True, exist_ok=True)
    return SqliteJobStore(settings.database_path)


def build_embedded_services(
    settings: Settings,
    *,
    queue: TaskQueue,
    researcher: Researcher | None = None,
    store: JobStore | None = None,
) -> Services:
    """Services for one machine: SQLite job state in the workspace, the given in-process queue."""
    return Services(
        store=store or build_sqlite_store(settings),
        queue=queue,
        researcher=researcher or build_researcher(settings),
    )


def build_firestore_store(settings: Settings) -> JobStore:
    from google.cloud import firestore

    from service.store.firestore import FirestoreJobStore

    client = firestore.Client(project=settings.project or None, database=settings.firestore_database)
    return FirestoreJobStore(client)


def build_cloud_tasks_queue(settings: Settings) -> TaskQueue:
    from google.cloud import tasks_v2

    from service.queue.cloudtasks import CloudTasksQueue

    if settings.tasks_emulator_host:
        import grpc
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        channel = grpc.insecure_channel(settings.tasks_emulator_host)
        client = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
    else:
        client = tasks_v2.CloudTasksClient()
    return CloudTasksQueue(
        client,
        project=settings.project,
        location=settings.location,
        queues=dict(settings.queues),
        target_base_url=settings.service_url,
        service_account_email=settings.tasks_service_account or None,
        audience=settings.tasks_audience or None,
    )


def build_cloud_services(settings: Settings, *, researcher: Researcher | None = None) -> Services:
    """Services on Google Cloud: Firestore job state, Cloud Tasks queue (one task per row)."""
    return Services(
        store=build_firestore_store(settings),
        queue=build_cloud_tasks_queue(settings),
        researcher=researcher or build_researcher(settings),
    )
