"""How long Ctrl-C takes to hand back control while companies are being researched.

The embedded runner (``LocalRun``) works a job whose research takes
``--latency`` seconds per company; ``--after`` seconds in, Ctrl-C arrives
(``_thread.interrupt_main``, as a real SIGINT does). Measured: seconds from
the interruption to ``run`` returning (job paused, results checkpointed).
Two runners side by side in the same run: today's (rows in flight get
``interrupt_grace_seconds`` = 1 s, then go back to pending) and the baseline
before issue 17 (it waited for every row in flight: ``interrupt_grace_seconds=None``).

Run: ``.venv/bin/python -m bench.bench_interrupt [--latency 6] [--after 0.5]``
"""

from __future__ import annotations

import _thread
import argparse
import threading
import time
from datetime import UTC, datetime

from service.domain import CompanyInput, CompanyProfile, JobOptions, JobState, ResearchOptions, ResearchOutcome
from service.domain.retry import RetryPolicy
from service.domain.sources import FileSource
from service.jobs.local_run import LocalRun, handle_local_task
from service.jobs.ports import Services
from service.jobs.submit import submit_job
from service.queue.inprocess import InProcessQueue
from service.store.memory import MemoryJobStore


class SlowResearcher:
    def __init__(self, latency: float) -> None:
        self.latency = latency

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        time.sleep(self.latency)
        return ResearchOutcome(profile=CompanyProfile(name=company.name, industry="Software"))


def measure(latency: float, after: float, grace: float | None) -> float:
    """Seconds from Ctrl-C to the runner handing back control."""
    store = MemoryJobStore()
    holder: list[Services] = []
    queue = InProcessQueue(
        lambda delivery: handle_local_task(holder[0], delivery),
        rate=100.0,
        concurrency=4,
        retry=RetryPolicy(max_attempts=1),
    )
    svc = Services(store=store, queue=queue, researcher=SlowResearcher(latency), clock=lambda: datetime.now(UTC))
    holder.append(svc)
    rows = [(f"r{i}", i, CompanyInput(name=f"Co {i}", website=f"co{i}.example")) for i in range(1, 9)]
    job = submit_job(svc, owner="bench", name="bench", source=FileSource("x.csv"), rows=rows, options=JobOptions())
    runner = LocalRun(svc, queue, progress_seconds=0.1)
    runner.interrupt_grace_seconds = grace  # type: ignore[assignment]  # None: the baseline waits for every row
    timer = threading.Timer(after, _thread.interrupt_main)
    started = time.monotonic()
    timer.start()
    try:
        runner.run(job.id)
    except KeyboardInterrupt:
        pass
    elapsed = time.monotonic() - started - after
    assert store.get_job(job.id).state == JobState.PAUSED  # type: ignore[union-attr]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=6.0, help="seconds of research per company")
    parser.add_argument("--after", type=float, default=0.5, help="seconds into the job when Ctrl-C arrives")
    args = parser.parse_args()
    baseline = measure(args.latency, args.after, None)
    today = measure(args.latency, args.after, 1.0)
    print(f"research latency {args.latency:g} s per company, Ctrl-C after {args.after:g} s (4 companies in flight)")
    print(f"  before issue 17 (waits for rows in flight): {baseline:.2f} s to hand back control")
    print(f"  now (1 s grace, the rest back to pending):  {today:.2f} s")


if __name__ == "__main__":
    main()
