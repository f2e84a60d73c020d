"""The one place that picks adapters: embedded (SQLite + in-process queue) or cloud.

Nothing is built at import time; callers (the CLI, ``create_app``, tests)
call these functions with a ``Settings`` value.
"""

from __future__ import annotations

from typing import Any

from service.config import Settings
from service.jobs.context import Services
from service.queue.port import TaskQueue
from service.research.port import Researcher
from service.store.port import JobStore


def build_researcher(settings: Settings) -> Researcher:
    """The web research engine, with an LLM when one is configured."""
    from service.research.engine import WebResearcher
    from service.research.fetch import FetchSettings

    fetch = FetchSettings(user_agent=settings.user_agent, allow_loopback=settings.allow_loopback)
    kwargs: dict[str, Any] = {"llm": build_llm(settings)}
    if settings.site_tlds:
        kwargs["tlds"] = settings.site_tlds
    return WebResearcher(fetch, **kwargs)


def build_llm(settings: Settings) -> Any:
    """The configured LLM adapter, or None (the default: no API key needed)."""
    if not settings.llm_provider:
        return None
    from service.research.llm import make_llm

    return make_llm(
        settings.llm_provider,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
        model=settings.llm_model,
    )


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
