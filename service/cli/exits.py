"""The CLI's exit codes: stable, so scripts can rely on them."""

from __future__ import annotations

from enum import IntEnum

from service.domain.errors import (
    ConfigError,
    InputError,
    JobNotFound,
    JobStateError,
    QueueError,
    RowscoutError,
    SheetsError,
    StoreError,
)


class ExitCode(IntEnum):
    OK = 0  # every row done or skipped
    INTERNAL = 1  # a bug: please report it
    USAGE = 2  # bad arguments
    INPUT = 3  # missing/empty/unreadable input, no company column
    ROWS_FAILED = 4  # the job finished but some rows failed (see the output's status column)
    NOT_FOUND = 5  # no such job
    STATE = 6  # the job cannot do that now (e.g. resume a cancelled job)
    BACKEND = 7  # job store / queue / Sheets unavailable, or not set up (e.g. no Google credentials)
    INTERRUPTED = 130  # Ctrl-C: the job is paused; `resume JOB` continues it


_EXIT_FOR_ERROR: tuple[tuple[type[RowscoutError], ExitCode], ...] = (
    (JobNotFound, ExitCode.NOT_FOUND),
    (JobStateError, ExitCode.STATE),
    (InputError, ExitCode.INPUT),
    (ConfigError, ExitCode.BACKEND),
    (StoreError, ExitCode.BACKEND),
    (QueueError, ExitCode.BACKEND),
    (SheetsError, ExitCode.BACKEND),
)


def exit_code(error: RowscoutError) -> ExitCode:
    for error_type, code in _EXIT_FOR_ERROR:
        if isinstance(error, error_type):
            return code
    return ExitCode.INTERNAL
