"""The Cloud Tasks adapter of the ``TaskQueue`` port.

Each ``Task`` becomes one named HTTP task: ``POST {target_base_url}/tasks/{kind}``
with the JSON body ``{"job_id", "row_key", "payload"}``, signed with an OIDC
token when a service account is configured, on the queue chosen by the
task's kind (flush tasks have their own queue) or else its priority. Every
task carries an explicit ``dispatch_deadline`` for its kind (settings
``DispatchDeadlines``; Cloud Tasks' default for HTTP targets is 10 min, and a
handler that outlives it is dispatched again while it still runs). Rate,
concurrency and retry rules live in the queue's configuration (see
``RetryPolicy.as_retry_config`` and ``infra/``).

The task id is derived from ``Task.name`` (a hash prefix + the name cleaned
to ``[A-Za-z0-9_-]``), so enqueueing the same row twice is de-duplicated by
Cloud Tasks itself: ``AlreadyExists`` counts as "already queued", not as an
error. Any other API failure becomes a retryable ``QueueError``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core import retry as gretry
from google.cloud import tasks_v2

from service.config import DispatchDeadlines
from service.domain.errors import InputError, QueueError
from service.queue.port import Task, TaskKind

MAX_TASK_ID = 500
FLUSHES_REMEMBERED = 4096
_HASH_CHARS = 12
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_TRANSIENT = gretry.if_exception_type(
    gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.InternalServerError, gexc.TooManyRequests
)


def task_id(name: str) -> str:
    """A valid, well-distributed Cloud Tasks task id for ``name`` (stable; distinct names stay distinct).

    The hash prefix spreads ids over Cloud Tasks' key space (sequential ids,
    such as row numbers, slow it down) and keeps ids unique when cleaning or
    truncation makes two names alike.
    """
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH_CHARS]
    cleaned = _UNSAFE.sub("_", name)
    return f"{digest}-{cleaned}"[:MAX_TASK_ID]


def task_body(task: Task) -> bytes:
    return json.dumps({"job_id": task.job_id, "row_key": task.row_key, "payload": task.payload}).encode()


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


class CloudTasksQueue:
    """A ``TaskQueue`` backed by Cloud Tasks HTTP tasks.

    Args:
        client: a ``tasks_v2.CloudTasksClient`` (or one on an emulator channel).
        project, location: where the queues live.
        queues: priority ("high" / "normal" / "low") -> queue id; "normal" is required
            and used for any priority not listed.
        kind_queues: task kind -> queue id, for kinds with a queue of their own (flush tasks);
            these ignore the task's priority.
        deadlines: the dispatch deadline of each task kind.
        target_base_url: the service's base URL; tasks go to ``/tasks/{kind}`` under it.
        service_account_email: the identity whose OIDC token signs each request (None: no token).
        audience: the token's audience (default: ``target_base_url``).
        create_timeout: seconds per CreateTask call (transient failures are retried within it).
        max_parallel: CreateTask calls in flight at once in ``enqueue_many``.
    """

    def __init__(
        self,
        client: tasks_v2.CloudTasksClient,
        *,
        project: str,
        location: str,
        queues: Mapping[str, str],
        kind_queues: Mapping[TaskKind, str] | None = None,
        deadlines: DispatchDeadlines | None = None,
        target_base_url: str,
        service_account_email: str | None = None,
        audience: str | None = None,
        create_timeout: float = 30.0,
        max_parallel: int = 8,
    ) -> None:
        if "normal" not in queues:
            raise InputError("Cloud Tasks queues need a 'normal' priority queue.")
        if not project or not location or not target_base_url:
            raise InputError("Cloud Tasks needs a project, a location and a target URL.")
        self._client = client
        self._queue_paths = {
            priority: tasks_v2.CloudTasksClient.queue_path(project, location, queue_id)
            for priority, queue_id in queues.items()
        }
        self._kind_paths = {
            TaskKind(kind): tasks_v2.CloudTasksClient.queue_path(project, location, queue_id)
            for kind, queue_id in (kind_queues or {}).items()
            if queue_id
        }
        self._deadlines = deadlines or DispatchDeadlines()
        self._base_url = target_base_url.rstrip("/")
        self._service_account = service_account_email
        self._audience = audience or self._base_url
        self._retry = gretry.Retry(predicate=_TRANSIENT, initial=0.5, maximum=5.0, timeout=create_timeout)
        self._timeout = create_timeout
        self._max_parallel = max(1, max_parallel)
        # issue 18: flush tasks this process already queued (every finished row asks for its window's
        # flush; Cloud Tasks would refuse the name again, but each refused create is a billed call)
        self._flushes_queued: OrderedDict[str, None] = OrderedDict()
        self._flushes_lock = threading.Lock()

    def enqueue(self, task: Task) -> None:
        """Create the task (a no-op if Cloud Tasks already holds a task of that name)."""
        self._create(task)

    def enqueue_many(self, tasks: Iterable[Task]) -> int:
        """Create tasks, several at a time; returns how many were new (not de-duplicated).

        Raises ``QueueError`` if any could not be created; enqueueing the same
        tasks again is safe, as names de-duplicate.
        """
        batch = list(tasks)
        if len(batch) <= 1:
            return sum(self._create(task) for task in batch)
        with ThreadPoolExecutor(min(self._max_parallel, len(batch))) as pool:
            outcomes = list(pool.map(self._create_or_error, batch))
        errors = [outcome for outcome in outcomes if isinstance(outcome, QueueError)]
        if errors:
            raise QueueError(f"{len(errors)} of {len(batch)} tasks could not be queued: {errors[0].message}")
        return sum(1 for outcome in outcomes if outcome is True)

    def queue_path(self, priority: str, kind: TaskKind | None = None) -> str:
        """The queue of a task: its kind's own queue, else its priority's (urgent: else high's; else "normal")."""
        if kind is not None and kind in self._kind_paths:
            return self._kind_paths[kind]
        if priority == "urgent" and "urgent" not in self._queue_paths:
            priority = "high"
        return self._queue_paths.get(priority, self._queue_paths["normal"])

    def build_task(self, task: Task) -> tasks_v2.Task:
        """The Cloud Tasks task for ``task`` (public for inspection in tests)."""
        deadline = self._deadlines.for_kind(task.kind.value)
        fields: dict[str, Any] = {
            "name": f"{self.queue_path(task.priority, task.kind)}/tasks/{task_id(task.name)}",
            "http_request": self._http_request(task),
            "dispatch_deadline": timedelta(seconds=deadline),
        }
        if task.schedule_at is not None:
            fields["schedule_time"] = _utc(task.schedule_at)
        return tasks_v2.Task(**fields)

    def _http_request(self, task: Task) -> tasks_v2.HttpRequest:
        request = tasks_v2.HttpRequest(
            http_method=tasks_v2.HttpMethod.POST,
            url=f"{self._base_url}/tasks/{task.kind.value}",
            headers={"Content-Type": "application/json"},
            body=task_body(task),
        )
        if self._service_account:
            request.oidc_token = tasks_v2.OidcToken(
                service_account_email=self._service_account, audience=self._audience
            )
        return request

    def _create(self, task: Task) -> bool:
        """True when a new task was created, False when its name already existed."""
        cloud_task = self.build_task(task)
        parent = self.queue_path(task.priority, task.kind)
        if task.kind == TaskKind.FLUSH and self._flush_seen(cloud_task.name, remember=False):
            return False  # queued by this process already: the same name would be refused
        try:
            self._client.create_task(parent=parent, task=cloud_task, retry=self._retry, timeout=self._timeout)
        except gexc.AlreadyExists:
            self._flush_seen(cloud_task.name, remember=task.kind == TaskKind.FLUSH)
            return False
        except gexc.GoogleAPIError as exc:  # RetryError included
            raise QueueError(f"Cloud Tasks refused task {task.name}: {_reason(exc)}") from exc
        self._flush_seen(cloud_task.name, remember=task.kind == TaskKind.FLUSH)
        return True

    def _flush_seen(self, name: str, *, remember: bool) -> bool:
        """Whether this process queued the flush task ``name`` (bounded memory); ``remember`` records it."""
        with self._flushes_lock:
            seen = name in self._flushes_queued
            if remember:
                self._flushes_queued[name] = None
                while len(self._flushes_queued) > FLUSHES_REMEMBERED:
                    self._flushes_queued.popitem(last=False)
            return seen

    def _create_or_error(self, task: Task) -> bool | QueueError:
        try:
            return self._create(task)
        except QueueError as exc:
            return exc


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {message}"
