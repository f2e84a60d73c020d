"""Sites that hang forever and names that do not resolve: the job still ends, with the right kinds.

A job on SQLite with the in-process queue and the real ``WebResearcher``
over the fixture web mixes healthy sites with ``slow-site.test`` (answers
after 3 s), a loopback socket that accepts connections and never answers,
and hosts whose resolution fails (the resolver raises ``FetchError(dns)``,
or a raw ``OSError`` as a broken resolver library might).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.domain import CompanyInput, ErrorKind, JobOptions, RowState
from service.domain.errors import FetchError
from service.domain.retry import RetryPolicy
from service.domain.sources import FileSource
from service.examples.demo_web import DemoWeb
from service.jobs.local_run import LocalRun
from service.jobs.ports import Services
from service.jobs.rowtask import give_up_row, handle_research_task
from service.jobs.submit import submit_job
from service.queue.inprocess import InProcessQueue
from service.research.discover_site import SiteFinder
from service.research.engine import WebResearcher
from service.store.sqlite import SqliteJobStore
from tests.fixture_web.conftest_helpers import fixture_fetch_settings
from tests.jobs.fakes import FakeQueue


class SilentServer:
    """A loopback socket that accepts every connection and never sends a byte."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self.held:
            conn.close()
        self.sock.close()


class FailingResolver:
    """The fixture web's resolver, except for hosts that fail to resolve (cleanly or not)."""

    def __init__(self, web: DemoWeb) -> None:
        self.inner = web.resolver()

    def resolve(self, host: str) -> list[str]:
        if host.startswith("nxdomain"):
            raise FetchError(f"{host} does not resolve", kind=ErrorKind.DNS)
        if host.startswith("brokendns"):
            raise OSError(-3, "Temporary failure in name resolution")
        return self.inner.resolve(host)


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def _companies(web: DemoWeb, silent: SilentServer) -> dict[str, tuple[CompanyInput, set[ErrorKind | None]]]:
    def at(host: str) -> str:
        return web.url(host)

    return {
        "ok": (CompanyInput("Acme Robotics", at("acme-robotics.test")), {None}),
        "slow": (CompanyInput("Slow Site", at("slow-site.test")), {ErrorKind.TIMEOUT}),
        "silent": (CompanyInput("Silent", f"http://silent.test:{silent.port}/"), {ErrorKind.TIMEOUT}),
        "nxdomain": (CompanyInput("Nowhere", f"http://nxdomain.test:{web.port}/"), {ErrorKind.DNS}),
        "brokendns": (CompanyInput("Broken DNS", f"http://brokendns.test:{web.port}/"), {ErrorKind.DNS}),
        "ok2": (CompanyInput("Helix Bio", at("helix-bio.test")), {None}),
    }


def _run(store: SqliteJobStore, researcher: WebResearcher, companies: dict) -> str:
    options = JobOptions(concurrency=6, rate=1000.0, timeout=3.0, max_attempts=1)
    submit_svc = Services(store=store, queue=FakeQueue(), researcher=researcher)
    rows = [(key, i, company) for i, (key, (company, _)) in enumerate(companies.items(), start=1)]
    job = submit_job(
        submit_svc, owner="o", name="faults", source=FileSource("companies.csv"), rows=rows, options=options
    )
    holder: list[Services] = []
    queue = InProcessQueue(
        lambda d: handle_research_task(holder[0], d),
        rate=1000.0,
        concurrency=6,
        retry=RetryPolicy(max_attempts=2, min_backoff=0.05, max_backoff=0.1),
        on_give_up=lambda d, r: give_up_row(holder[0], d.task.job_id, d.task.row_key, r),
    )
    holder.append(Services(store=store, queue=queue, researcher=researcher))
    LocalRun(holder[0], queue, checkpoint_seconds=60.0, progress_seconds=0.1).run(job.id)
    return job.id


def test_hanging_sites_and_dns_failures_end_with_the_right_kinds(
    fixture_web: DemoWeb, silent: SilentServer, tmp_path: Path
) -> None:
    finder = SiteFinder(tlds=[".test"], scheme="http", port=fixture_web.port)
    settings = fixture_fetch_settings(page_timeout=1.0)
    researcher = WebResearcher(settings, resolver=FailingResolver(fixture_web), site_finder=finder)
    companies = _companies(fixture_web, silent)
    store = SqliteJobStore(tmp_path / "jobs.db")
    job_id = _run(store, researcher, companies)  # a hang would hit pytest's timeout; time limits live in bench/
    rows = {row.key: row for row in store.iter_rows(job_id)}
    for key, (_, kinds) in companies.items():
        row = rows[key]
        assert row.state in (RowState.DONE, RowState.FAILED), (key, row.state)
        assert row.error_kind in kinds, (key, row.error_kind, row.error_message)
        assert "Traceback" not in row.error_message
    assert silent.held, "the silent server was never contacted"
