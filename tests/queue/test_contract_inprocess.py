"""The TaskQueue contract, run against the in-process queue."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from service.domain.retry import RetryPolicy
from service.queue.inprocess import InProcessQueue
from service.queue.port import TaskHandler
from tests.contract.queue_contract import MakeQueue, QueueContract


class TestInProcessQueueContract(QueueContract):
    @pytest.fixture
    def make_queue(self) -> Iterator[MakeQueue]:
        built: list[InProcessQueue] = []
        retry = RetryPolicy(max_attempts=5, min_backoff=0.005, max_backoff=0.02)

        def make(handler: TaskHandler) -> InProcessQueue:
            queue = InProcessQueue(handler, rate=math.inf, concurrency=4, retry=retry)
            queue.start()
            built.append(queue)
            return queue

        yield make
        for queue in built:
            queue.stop(wait=True, timeout=5)
