"""The one place that builds adapters: ``build_local`` (the embedded default) and ``build_cloud``.

Nothing is built at import time. Entry points (the CLI, ``create_app``) call
these with a ``Settings`` value; tests and benchmarks pass fakes as keyword
overrides (``store=``, ``queue=``, ``researcher=``, ``sheets=``, ``clock=`` …),
which replace the adapter of that name.

- ``build_local``: SQLite job state in the workspace, the in-process queue
  (built per job with the job's rate, concurrency and retries), files, and
  Google Sheets when credentials are available.
- ``build_cloud``: Firestore job state, Cloud Tasks (one task per row),
  Google Sheets, the Drive check of who may edit a spreadsheet, and the batch
  API's keys in Firestore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from service.config import Settings
from service.domain import CompanyInput, Job, JobOptions, ResearchOptions, ResearchOutcome, Row
from service.domain.errors import InputError
from service.domain.retry import RetryPolicy
from service.domain.sinks import ResultSink
from service.domain.sources import JobSource, SheetSource
from service.jobs.local_run import LocalRun, handle_local_task
from service.jobs.notify import Notices
from service.jobs.ports import Services, utc_now
from service.jobs.progress import JobProgress
from service.jobs.rowtask import give_up_row
from service.queue.port import TaskDelivery, TaskQueue, TaskResult
from service.research.port import Researcher
from service.sheets.port import SheetGateway
from service.store.port import ApiKeyStore, JobStore

if TYPE_CHECKING:
    from service.api.access import SpreadsheetAccess
    from service.research.llm import LLM
    from service.research.search import SearchProvider
    from service.sheets.budget import SheetsBudget


# --- research -------------------------------------------------------------


def build_researcher(settings: Settings, *, resolver: Any = None, site_port: int | None = None) -> Researcher:
    """The web research engine, with an LLM when one is configured.

    Args:
        settings: user agent, loopback permission, TLDs tried for name-only rows, LLM.
        resolver: a DNS resolver (the demo and tests answer with the demo web).
        site_port: port added to candidate sites for name-only rows (the local demo web).
    """
    from service.research.discover_site import SiteFinder
    from service.research.engine import WebResearcher
    from service.research.fetch import FetchSettings
    from service.research.questions import ProviderSearch

    demo_port = settings.fetch.demo_web_port  # development only: the local demo web (refused on Cloud Run)
    if demo_port:
        resolver = resolver or demo_web_resolver()
        site_port = site_port or demo_port
    loopback = settings.fetch.allow_loopback or bool(demo_port)
    fetch = FetchSettings(user_agent=settings.fetch.user_agent, allow_loopback=loopback)
    finder_options: dict[str, Any] = {}
    if settings.fetch.site_tlds or demo_port:
        finder_options["tlds"] = settings.fetch.site_tlds or (".test",)
    if site_port:
        finder_options.update(port=site_port, scheme="http")
    search = build_search(settings)
    return WebResearcher(
        fetch,
        resolver=resolver,
        llm=build_llm(settings),
        site_finder=SiteFinder(**finder_options, search=search),
        question_search=ProviderSearch(search) if search is not None else None,  # custom questions' LLM answers
    )


def build_search(settings: Settings) -> SearchProvider | None:
    """The configured web search provider (``ROWSCOUT_SEARCH_PROVIDER``), or None (the default)."""
    search = settings.search
    if not search.provider:
        return None
    if search.provider == "gemini":
        from service.research.search.gemini import DEFAULT_MODEL, GeminiSearch

        return GeminiSearch(
            search.model or DEFAULT_MODEL,
            api_key=search.api_key or None,
            vertex=not search.api_key,  # no key: Vertex AI on the service's own project
            project=settings.cloud.project or None,
            location=settings.cloud.location or None,
            endpoint=search.endpoint,
            timeout=search.timeout,
        )
    if search.provider in ("brave", "tavily"):
        if not search.api_key:
            raise InputError(f"ROWSCOUT_SEARCH_PROVIDER={search.provider} needs ROWSCOUT_SEARCH_API_KEY")
        if search.provider == "brave":
            from service.research.search.brave import BraveSearch

            return BraveSearch(search.api_key, endpoint=search.endpoint, timeout=search.timeout)
        from service.research.search.tavily import TavilySearch

        return TavilySearch(search.api_key, endpoint=search.endpoint, timeout=search.timeout)
    raise InputError(f"unknown ROWSCOUT_SEARCH_PROVIDER {search.provider!r}; use gemini, brave or tavily")


def demo_web_resolver() -> Any:
    """Resolves the demo web's ``*.test`` names to 127.0.0.1 (``ROWSCOUT_DEMO_WEB_PORT``, development only)."""
    from service.examples.demo_web.server import SITES_DIR, DemoResolver

    return DemoResolver(SITES_DIR)


def build_llm(settings: Settings) -> LLM | None:
    """The configured LLM adapter, or None (the default: no API key needed)."""
    from service.research.llm import GeminiLLM, OpenAICompatibleLLM

    llm = settings.llm
    provider = llm.provider.lower()
    if not provider:
        return None
    if provider == "openai":
        if not llm.base_url or not llm.model:
            raise InputError("ROWSCOUT_LLM_PROVIDER=openai needs ROWSCOUT_LLM_BASE_URL and ROWSCOUT_LLM_MODEL")
        return OpenAICompatibleLLM(llm.base_url, llm.api_key, llm.model)
    if provider in ("gemini", "vertex"):
        return GeminiLLM(
            llm.model or "gemini-2.5-flash",
            api_key=llm.api_key or None,
            vertex=provider == "vertex",
            project=settings.cloud.project or None,
            location=settings.cloud.location or None,
        )
    raise InputError(f"unknown ROWSCOUT_LLM_PROVIDER {llm.provider!r}; use openai, gemini or vertex")


class LazyResearcher:
    """Builds the engine on the first ``research`` call, so commands that never research stay fast."""

    def __init__(self, build: Callable[[], Researcher]) -> None:
        self._build = build
        self._researcher: Researcher | None = None

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        if self._researcher is None:
            self._researcher = self._build()
        return self._researcher.research(company, options)


# --- Google Sheets ----------------------------------------------------------


BudgetFactory = Callable[[str, int], "SheetsBudget"]  # (name "reads"/"writes", per-minute limit) -> budget


def build_sheets(settings: Settings, budgets: BudgetFactory | None = None) -> SheetGateway:
    """Google Sheets through the service's credentials (connects on first use).

    Args:
        budgets: makes the read and write budgets every job and instance share
            (default: one in this process's memory).
    """
    from service.sheets.gateway import GoogleSheetGateway

    def connect() -> Any:
        import time

        from service.sheets.credentials import credentials_from_env
        from service.sheets.google_api import GoogleSheetsApi

        config = settings.sheets
        return GoogleSheetsApi(
            credentials_from_env(),
            endpoint=config.api_endpoint or None,
            retry=config.retry,
            reads_per_minute=config.reads_per_minute,
            writes_per_minute=config.writes_per_minute,
            read_budget=budgets("reads", config.reads_per_minute) if budgets else None,
            write_budget=budgets("writes", config.writes_per_minute) if budgets else None,
            max_budget_wait=config.max_budget_wait,
            clock=time.time,  # budget slots are compared across processes and machines
        )

    return GoogleSheetGateway(connect)


def sqlite_budgets(settings: Settings) -> BudgetFactory:
    """Sheets budgets in a SQLite file beside the workspace database (shared by every local process)."""
    from service.sheets.budget_sqlite import SqliteSheetsBudget

    path = settings.embedded.workspace / "sheets-budget.sqlite3"
    return lambda name, limit: SqliteSheetsBudget(path, name, limit)


def firestore_budgets(settings: Settings) -> BudgetFactory:
    """Sheets budgets in Firestore (shared by every Cloud Run instance)."""

    clients: list[Any] = []  # one client for both budgets, made on first use

    def make(name: str, limit: int) -> SheetsBudget:
        from google.cloud import firestore

        from service.sheets.budget_firestore import FirestoreSheetsBudget

        if not clients:
            cloud = settings.cloud
            clients.append(firestore.Client(project=cloud.project or None, database=cloud.firestore_database))
        return FirestoreSheetsBudget(clients[0], name, limit)

    return make


# --- completion notices (issue 16) ---------------------------------------------

NOTICE_ATTEMPTS = 6  # embedded: deliveries of one notice (backoff 0.5 s .. 10 s) before the run stops waiting


def build_local_notices(settings: Settings) -> Notices:
    from service.notify.sender import NoticeSender
    from service.notify.store import SqliteNoticeStore

    settings.embedded.workspace.mkdir(parents=True, exist_ok=True)
    store = SqliteNoticeStore(settings.embedded.workspace / "notices.sqlite3")
    return Notices(store=store, sender=NoticeSender(settings.notify))


def build_cloud_notices(settings: Settings, *, in_memory: bool = False) -> Notices:
    """Firestore-kept secrets and sent notices; in memory when the job store is a test's own (``store=``)."""
    from service.notify.sender import NoticeSender
    from service.notify.store import FirestoreNoticeStore, MemoryNoticeStore

    if in_memory:
        return Notices(store=MemoryNoticeStore(), sender=NoticeSender(settings.notify))
    from google.cloud import firestore

    client = firestore.Client(project=settings.cloud.project or None, database=settings.cloud.firestore_database)
    return Notices(store=FirestoreNoticeStore(client), sender=NoticeSender(settings.notify))


# --- the embedded default ---------------------------------------------------


def build_sqlite_store(settings: Settings) -> JobStore:
    from service.store.sqlite import SqliteJobStore

    settings.embedded.workspace.mkdir(parents=True, exist_ok=True)
    return SqliteJobStore(settings.embedded.database_path)


@dataclass
class Embedded:
    """The embedded default's adapters: what CLI commands work with.

    ``services()`` serves job functions that enqueue nothing or whose tasks run
    later (the runner enqueues every unfinished row when it starts); ``run``
    works one job to the end on an in-process queue built from its options.
    """

    settings: Settings
    store: JobStore
    researcher: Researcher
    sheets: SheetGateway
    clock: Callable[[], datetime] = utc_now
    checkpoint_seconds: float = 5.0
    notices: Notices | None = None  # completion notices (issue 16)

    def services(self, queue: TaskQueue | None = None) -> Services:
        from service.queue.inprocess import DeferredQueue

        return Services(
            store=self.store,
            queue=queue or DeferredQueue(),
            researcher=self.researcher,
            sheets=self.sheets,
            limits=self.settings.limits,
            clock=self.clock,
            notices=self.notices,
        )

    def sinks(self, job: Job) -> list[ResultSink]:
        """Where the job's results go: its results file and, for a sheet job, the sheet."""
        sinks: list[ResultSink] = []
        if job.source.output:
            sinks.append(self.file_sink(job, job.source.output, job.source.format or None))
        if isinstance(job.source, SheetSource) and job.source.layout is not None:
            sinks.append(self.sheets.writer(job))
        return sinks

    def file_sink(self, job: Job, path: str, fmt: str | None) -> ResultSink:
        """A results file for ``job`` at ``path``, rewritten atomically from every row of the job."""
        from service.files.output import sheet_title_of
        from service.files.writers import FileResultSink

        source: JobSource = job.source
        store, job_id = self.store, job.id

        def every_row() -> Iterable[Row]:
            return store.iter_rows(job_id)

        return FileResultSink(
            path,
            format=fmt,
            input_headers=source.headers,
            fields=job.options.fields,
            columns=source.columns,
            all_rows=every_row,
            sheet_title=sheet_title_of(source),
            questions=[question.text for question in job.options.questions],
        )

    def run(self, job: Job, *, on_progress: Callable[[JobProgress], None] | None = None) -> JobProgress:
        """Work ``job`` to the end on an in-process queue built from its options, flushing to its sinks."""
        from service.queue.inprocess import InProcessQueue

        holder: list[Services] = []

        def handle(delivery: TaskDelivery) -> TaskResult:
            return handle_local_task(holder[0], delivery)

        queue = InProcessQueue(
            handle,
            rate=job.options.rate,
            concurrency=job.options.concurrency,
            retry=embedded_retry(job.options.max_attempts),
            on_give_up=lambda delivery, reason: give_up_row(
                holder[0], delivery.task.job_id, delivery.task.row_key, reason
            ),
        )
        holder.append(self.services(queue))
        sinks = self.sinks(job)
        try:
            runner = LocalRun(
                holder[0], queue, sinks=sinks, on_progress=on_progress, checkpoint_seconds=self.checkpoint_seconds
            )
            runner.notice_queue = self.notice_queue(job, holder[0])  # issue 16
            return runner.run(job.id)
        finally:
            for sink in sinks:
                sink.close()

    def notice_queue(self, job: Job, svc: Services) -> Any:
        """An in-process queue delivering ``job``'s completion notice with retries (None: nothing to send)."""
        from service.jobs.notify import handle_notice_task, wants_notice
        from service.queue.inprocess import InProcessQueue

        notices = self.notices
        if notices is None or not wants_notice(job):
            return None
        retry = RetryPolicy(max_attempts=NOTICE_ATTEMPTS, min_backoff=0.5, max_backoff=10.0)
        return InProcessQueue(lambda d: handle_notice_task(svc, notices, d), rate=5.0, concurrency=1, retry=retry)

    def close(self) -> None:
        self.sheets.close()


def embedded_retry(max_attempts: int) -> RetryPolicy:
    """The in-process queue's retries: a few deliveries beyond the row's own attempts (busy leases)."""
    return RetryPolicy(max_attempts=max_attempts + 3, min_backoff=1.0, max_backoff=60.0)


def build_local(
    settings: Settings,
    *,
    store: JobStore | None = None,
    researcher: Researcher | None = None,
    sheets: SheetGateway | None = None,
    clock: Callable[[], datetime] | None = None,
    checkpoint_seconds: float | None = None,
    notices: Notices | None = None,
) -> Embedded:
    """The embedded default for ``settings``; keyword overrides replace single adapters."""
    return Embedded(
        settings=settings,
        store=store or build_sqlite_store(settings),
        researcher=researcher or LazyResearcher(lambda: build_researcher(settings)),
        sheets=sheets or build_sheets(settings, sqlite_budgets(settings)),
        notices=notices or build_local_notices(settings),
        clock=clock or utc_now,
        checkpoint_seconds=5.0 if checkpoint_seconds is None else checkpoint_seconds,
    )


# --- Google Cloud -------------------------------------------------------------


def build_firestore_store(settings: Settings) -> JobStore:
    from google.cloud import firestore

    from service.store.firestore import JOB_CACHE_SECONDS, FirestoreJobStore

    client = firestore.Client(project=settings.cloud.project or None, database=settings.cloud.firestore_database)
    return FirestoreJobStore(client, job_cache_seconds=JOB_CACHE_SECONDS)  # issue 18: a row task reads its job twice


def build_cloud_tasks_queue(settings: Settings) -> TaskQueue:
    from google.cloud import tasks_v2

    from service.queue.cloudtasks import CloudTasksQueue
    from service.queue.port import TaskKind

    cloud = settings.cloud
    if cloud.tasks_emulator_host:
        import grpc
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        channel = grpc.insecure_channel(cloud.tasks_emulator_host)
        client = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
    else:
        client = tasks_v2.CloudTasksClient()
    return CloudTasksQueue(
        client,
        project=cloud.project,
        location=cloud.location,
        queues=dict(cloud.queues),
        kind_queues={TaskKind.FLUSH: cloud.flush_queue} if cloud.flush_queue else None,
        deadlines=cloud.deadlines,
        target_base_url=cloud.service_url,
        service_account_email=cloud.tasks_service_account or None,
        audience=cloud.tasks_audience or None,
    )


@dataclass
class Cloud:
    """The cloud service's adapters: job services, and who may edit a spreadsheet (Drive)."""

    services: Services
    access: SpreadsheetAccess
    keys: ApiKeyStore | None = None  # the batch API's API keys (Firestore; issue 16)


def build_cloud(
    settings: Settings,
    *,
    store: JobStore | None = None,
    queue: TaskQueue | None = None,
    researcher: Researcher | None = None,
    sheets: SheetGateway | None = None,
    access: SpreadsheetAccess | None = None,
    clock: Callable[[], datetime] | None = None,
    worker_id: str | None = None,
    notices: Notices | None = None,
    keys: ApiKeyStore | None = None,
) -> Cloud:
    """Firestore, Cloud Tasks, Sheets and Drive for ``settings``; keyword overrides replace single adapters."""
    from service.api.access import AllowAllAccess, DriveSpreadsheetAccess

    services = Services(
        store=store or build_firestore_store(settings),
        queue=queue or build_cloud_tasks_queue(settings),
        researcher=researcher or LazyResearcher(lambda: build_researcher(settings)),
        sheets=sheets or build_sheets(settings, firestore_budgets(settings)),
        limits=settings.limits,
        clock=clock or utc_now,
        notices=notices or build_cloud_notices(settings, in_memory=store is not None),  # issue 16
    )
    if worker_id:
        services.worker_id = worker_id
    if access is None:
        client_ids = settings.cloud.addon_client_ids
        access = AllowAllAccess() if settings.cloud.auth_disabled else DriveSpreadsheetAccess(client_ids=client_ids)
    if keys is None:  # API keys in Firestore; in memory when the job store is a test's own (as notices)
        keys = memory_key_store() if store is not None else build_firestore_key_store(settings)
    return Cloud(services=services, access=access, keys=keys)


# --- API keys in Firestore (the cloud's batch API, `keys ... --cloud`; issue 16) ---------------------------


def build_firestore_key_store(settings: Settings) -> ApiKeyStore:
    """The cloud's API keys: Firestore of ``GOOGLE_CLOUD_PROJECT`` / ``ROWSCOUT_FIRESTORE_DATABASE``
    (``FIRESTORE_EMULATOR_HOST``: the emulator)."""
    from google.auth.exceptions import GoogleAuthError
    from google.cloud import firestore

    from service.store.keys_firestore import FirestoreApiKeyStore

    cloud = settings.cloud
    try:
        client = firestore.Client(project=cloud.project or None, database=cloud.firestore_database)
    except (GoogleAuthError, OSError) as exc:
        raise InputError(
            f"cannot reach the cloud's API keys in Firestore ({exc}); set GOOGLE_CLOUD_PROJECT and "
            "Google credentials (gcloud auth application-default login)"
        ) from exc
    return FirestoreApiKeyStore(client)


def memory_key_store() -> ApiKeyStore:
    from service.store.keys import MemoryApiKeyStore

    return MemoryApiKeyStore()


# --- the batch API on one machine (`python -m service serve`, issue 16) ----------------------------------------


def build_key_store(settings: Settings, *, cloud: bool = False) -> ApiKeyStore:
    """The workspace's API keys (``keys create``; checked by ``serve``), or the cloud's (``keys ... --cloud``)."""
    from service.store.keys import SqliteApiKeyStore

    if cloud:
        return build_firestore_key_store(settings)

    settings.embedded.workspace.mkdir(parents=True, exist_ok=True)
    return SqliteApiKeyStore(settings.embedded.workspace / "api-keys.sqlite3")


SERVE_DISPATCH_RATE = 500.0  # tasks started per second by `serve` (research is bounded by workers, sites per host)


@dataclass
class Served:
    """``serve``'s adapters: the embedded store, one in-process queue for every batch, the key store."""

    services: Services
    keys: ApiKeyStore
    queue: Any  # InProcessQueue, started by ``start``
    worker: Any  # the BatchWorker the queue hands tasks to

    def start(self) -> int:
        """Start researching; returns how many unfinished rows of earlier batches were enqueued again."""
        self.queue.start()
        return int(self.worker.recover())

    def close(self) -> None:
        self.queue.stop(wait=False)


def build_serve(
    settings: Settings,
    *,
    store: JobStore | None = None,
    researcher: Researcher | None = None,
    keys: ApiKeyStore | None = None,
    clock: Callable[[], datetime] | None = None,
    retry: RetryPolicy | None = None,
    notices: Notices | None = None,
) -> Served:
    """SQLite job state, the in-process queue (``settings.api.serve_workers`` rows at once), API keys, and
    completion notices (the workspace's secrets; delivered by the same queue)."""
    from service.jobs.batch_worker import BatchWorker
    from service.queue.inprocess import InProcessQueue

    holder: list[BatchWorker] = []
    workers = max(1, settings.api.serve_workers)
    queue = InProcessQueue(
        lambda delivery: holder[0].handle(delivery),
        rate=SERVE_DISPATCH_RATE,
        concurrency=workers,
        retry=retry or embedded_retry(JobOptions().max_attempts),
        on_give_up=lambda delivery, reason: holder[0].give_up(delivery, reason),
    )
    services = Services(
        store=store or build_sqlite_store(settings),
        queue=queue,
        researcher=researcher or LazyResearcher(lambda: build_researcher(settings)),
        sheets=None,
        limits=settings.limits,
        clock=clock or utc_now,
        notices=notices  # the workspace's secrets; in memory when the job store is a test's own (as in build_cloud)
        or (build_cloud_notices(settings, in_memory=True) if store is not None else build_local_notices(settings)),
    )
    holder.append(BatchWorker(services))
    return Served(services=services, keys=keys or build_key_store(settings), queue=queue, worker=holder[0])
