"""Many ``batchUpdate`` requests in as few calls as the payload allows.

Google recommends request bodies of at most ~2 MB; a call counts once against
the write quota however many requests it holds. Tagging or cleaning up
50,000 rows is therefore a handful of calls, not one per 500 rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from service.sheets.google_api import GoogleSheetsApi, JsonDict

MAX_BATCH_BYTES = 1_500_000  # JSON per batchUpdate call, under Google's ~2 MB
MAX_BATCH_REQUESTS = 10_000


def send_requests(
    api: GoogleSheetsApi,
    spreadsheet_id: str,
    requests: Sequence[JsonDict],
    *,
    max_bytes: int = MAX_BATCH_BYTES,
    max_requests: int = MAX_BATCH_REQUESTS,
) -> int:
    """Send ``requests`` in order, as many per ``batchUpdate`` as fit; returns the number of calls."""
    calls = 0
    for part in batches(requests, max_bytes=max_bytes, max_requests=max_requests):
        api.batch_update(spreadsheet_id, part)
        calls += 1
    return calls


def batches(requests: Sequence[JsonDict], *, max_bytes: int, max_requests: int) -> list[list[JsonDict]]:
    """``requests`` cut into consecutive parts of at most ``max_bytes`` of JSON and ``max_requests`` each."""
    parts: list[list[JsonDict]] = []
    part: list[JsonDict] = []
    size = 0
    for request in requests:
        length = len(json.dumps(request, separators=(",", ":"))) + 2
        if part and (size + length > max_bytes or len(part) >= max_requests):
            parts.append(part)
            part, size = [], 0
        part.append(request)
        size += length
    if part:
        parts.append(part)
    return parts
