"""Every error kind a command can meet maps to its documented exit code (README, "Exit codes")."""

from __future__ import annotations

import pytest

from service.cli.exits import ExitCode, exit_code
from service.domain.errors import (
    ConfigError,
    InputError,
    JobNotFound,
    JobStateError,
    QueueError,
    RowscoutError,
    SchemaError,
    SheetsError,
    StoreError,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (JobNotFound("no job"), ExitCode.NOT_FOUND),
        (JobStateError("cancelled"), ExitCode.STATE),
        (InputError("bad file"), ExitCode.INPUT),
        (SchemaError("no company column"), ExitCode.INPUT),
        (StoreError("sqlite locked"), ExitCode.BACKEND),
        (QueueError("stopped"), ExitCode.BACKEND),
        (SheetsError("quota", status=429), ExitCode.BACKEND),
        (ConfigError("no Google credentials"), ExitCode.BACKEND),
        (RowscoutError("a bug"), ExitCode.INTERNAL),
    ],
)
def test_errors_map_to_their_exit_codes(error: RowscoutError, code: ExitCode) -> None:
    assert exit_code(error) == code
