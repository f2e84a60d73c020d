"""Turn what a search provider answered into Rowscout's errors (one mapping for every adapter)."""

from __future__ import annotations

from service.domain import ErrorKind
from service.domain.errors import ConfigError, ResearchError, RowscoutError

DEFAULT_QUOTA_WAIT = 60.0  # seconds, when a provider says "too many" without saying until when
_KEY_HINT = "check ROWSCOUT_SEARCH_API_KEY (and the plan's access) or unset ROWSCOUT_SEARCH_PROVIDER"


def quota_exceeded(provider: str, retry_after: float | None, detail: str = "") -> ResearchError:
    wait = retry_after if retry_after is not None else DEFAULT_QUOTA_WAIT
    message = f"the {provider} search quota is used up for now{_detail(detail)}; trying again in {wait:g} s"
    return ResearchError(message, kind=ErrorKind.RATE_LIMIT, retry_after=wait)


def bad_key(provider: str, status: int | str, detail: str = "") -> ConfigError:
    message = f"the {provider} search API refused the key ({status}{_detail(detail)}): {_KEY_HINT}"
    return ConfigError(message, kind=ErrorKind.SEARCH_CONFIG)


def timed_out(provider: str) -> ResearchError:
    return ResearchError(f"the {provider} search API did not answer in time", kind=ErrorKind.TIMEOUT)


def failed(provider: str, status: int | None, detail: str = "") -> RowscoutError:
    if status is not None and status >= 500:
        return ResearchError(f"the {provider} search API failed (HTTP {status})", kind=ErrorKind.SERVER_ERROR)
    if status is None:
        return ResearchError(
            f"the {provider} search API could not be reached{_detail(detail)}", kind=ErrorKind.CONNECTION
        )
    return ResearchError(
        f"the {provider} search API refused the request (HTTP {status}{_detail(detail)})", kind=ErrorKind.BACKEND
    )


def bad_answer(provider: str) -> ResearchError:
    return ResearchError(f"the {provider} search API answered something unreadable", kind=ErrorKind.BACKEND)


def _detail(detail: str) -> str:
    detail = " ".join(detail.split())[:160]
    return f": {detail}" if detail else ""
