"""What researching companies costs in Google Cloud operations: the list prices, in one place.

``MEASURED_OPS_PER_ROW`` is what ``bench/bench_cloud_ops.py`` measured on the
emulators through counting wrappers around the real clients (the benchmark
prints it beside a fresh measurement, so a drift shows). ``cost_per_1000``
turns operations per row into dollars per 1,000 companies with the list
prices below; ``cloud_cost_usd`` does it for a job's row count.

The prices are Google's public list prices in USD, as read on PRICES_AS_OF
from the pages named beside each one, before free tiers and discounts (a
small project may pay nothing: the free tiers cover 50,000 Firestore reads
and 20,000 writes a day, 1 million Cloud Tasks operations and 180,000
vCPU-seconds of Cloud Run a month). Firestore is priced at its multi-region
rate, the highest; a single-region database (europe-west1) costs less. The
Sheets API has no charge (only quotas).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PRICES_AS_OF = "2026-12-02"
FIRESTORE_PRICING_URL = "https://cloud.google.com/firestore/pricing"
CLOUD_TASKS_PRICING_URL = "https://cloud.google.com/tasks/docs/pricing"
CLOUD_RUN_PRICING_URL = "https://cloud.google.com/run/pricing"


@dataclass(frozen=True)
class Prices:
    """USD list prices (see the module docstring for date and sources)."""

    firestore_read: float = 0.06 / 100_000  # per document read (multi-region)
    firestore_write: float = 0.18 / 100_000  # per document write
    firestore_delete: float = 0.02 / 100_000  # per document delete (TTL deletes are billed as deletes)
    task_operation: float = 0.40 / 1_000_000  # per billable operation: an API call or a push delivery attempt
    run_vcpu_second: float = 0.000024  # Cloud Run tier 1, request-based billing ("CPU only during requests")
    run_gib_second: float = 0.0000025
    run_request: float = 0.40 / 1_000_000

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "as_of": PRICES_AS_OF, "list_prices": True}


PRICES = Prices()


@dataclass(frozen=True)
class OpsPerRow:
    """Billable operations of one researched row, from submit to the sheet flush."""

    firestore_reads: float
    firestore_writes: float
    firestore_deletes: float = 0.0  # the TTL's deletes of the row (and its share of job documents)
    task_creates: float = 1.0
    task_deliveries: float = 1.0  # push delivery attempts (one per research task when nothing fails)
    requests: float = 1.0  # Cloud Run requests (the research task; flushes are shared by a window's rows)
    cpu_seconds: float = 0.0  # CPU of the handler around research (research's own CPU is not in here)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# bench/bench_cloud_ops.py on the emulators (python -m bench --only cloud, 2026-12-02 01:19 UTC): 200 rows,
# a flush every 20 rows; the whole life of a row (submit, research task, its share of a flush). The TTL's
# delete of the row document is not seen by the emulator: one delete per row is added.
MEASURED_OPS_PER_ROW = OpsPerRow(
    firestore_reads=2.175, firestore_writes=5.015, firestore_deletes=1.0, task_creates=1.005, cpu_seconds=0.0158
)
# Issue 18's goal per researched row in steady state (the research task and its share of a flush).
GOAL = OpsPerRow(firestore_reads=3.0, firestore_writes=4.0, task_creates=1.0)
# Cloud Run instance time per company: research waits on the web, and ``CONCURRENCY`` requests share
# an instance (infra/config.env: 1 vCPU, 1 GiB, 8 requests at once).
RESEARCH_SECONDS_PER_COMPANY = 6.0
INSTANCE_VCPU, INSTANCE_GIB, CONCURRENCY = 1.0, 1.0, 8


@dataclass(frozen=True)
class CloudCost:
    """USD for ``companies`` companies, split by service."""

    companies: int
    firestore: float
    cloud_tasks: float
    cloud_run: float

    @property
    def total(self) -> float:
        return self.firestore + self.cloud_tasks + self.cloud_run

    def to_dict(self) -> dict[str, Any]:
        return {
            "companies": self.companies,
            "firestore_usd": round(self.firestore, 6),
            "cloud_tasks_usd": round(self.cloud_tasks, 6),
            "cloud_run_usd": round(self.cloud_run, 6),
            "total_usd": round(self.total, 6),
            "prices_as_of": PRICES_AS_OF,
        }


def cloud_cost(
    companies: int,
    ops: OpsPerRow = MEASURED_OPS_PER_ROW,
    *,
    prices: Prices = PRICES,
    seconds_per_company: float = RESEARCH_SECONDS_PER_COMPANY,
) -> CloudCost:
    """List-price cost of researching ``companies`` companies on the cloud path (before free tiers).

    Cloud Run is billed for instance time while requests run: each company holds a share
    ``1 / CONCURRENCY`` of an instance for ``seconds_per_company``, or its own CPU time if more.
    """
    n = max(0, companies)
    firestore = n * (
        ops.firestore_reads * prices.firestore_read
        + ops.firestore_writes * prices.firestore_write
        + ops.firestore_deletes * prices.firestore_delete
    )
    tasks = n * (ops.task_creates + ops.task_deliveries) * prices.task_operation
    instance_seconds = max(seconds_per_company / CONCURRENCY, ops.cpu_seconds)
    per_instance_second = INSTANCE_VCPU * prices.run_vcpu_second + INSTANCE_GIB * prices.run_gib_second
    run = n * (instance_seconds * per_instance_second + ops.requests * prices.run_request)
    return CloudCost(n, firestore, tasks, run)


def cost_per_1000(ops: OpsPerRow = MEASURED_OPS_PER_ROW, **kwargs: Any) -> CloudCost:
    return cloud_cost(1000, ops, **kwargs)


def cloud_cost_usd(companies: int) -> float:
    """The cloud path's list-price cost for a job of ``companies`` researched rows (the estimate's figure)."""
    return round(cloud_cost(companies).total, 4)
