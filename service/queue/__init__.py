"""Task queues: the ``TaskQueue`` port and its adapters."""

from service.queue.port import Task, TaskDelivery, TaskHandler, TaskKind, TaskQueue, TaskResult

__all__ = ["Task", "TaskDelivery", "TaskHandler", "TaskKind", "TaskQueue", "TaskResult"]
