"""Job state storage: the ``JobStore`` port and its adapters."""

from service.store.port import JobStore

__all__ = ["JobStore"]
