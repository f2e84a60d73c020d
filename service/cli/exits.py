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
    INPUT = 3  # bad input, found before a job exists: missing/empty/unreadable or unsupported file, no company
    # column, a --rows/--filter that matches no row, an output path that cannot be written; also a results file
    # that became unwritable mid-job (the job is then paused: fix the folder and `resume` it)
    ROWS_FAILED = 4  # the job finished but some rows failed (see the output's status column)
    NOT_FOUND = 5  # no such job
    STATE = 6  # the job cannot do that now (e.g. resume a cancelled job)
    BACKEND = 7  # job store / queue / Sheets unavailable, or not set up (e.g. no Google credentials)
    INTERRUPTED = 130  # Ctrl-C, or a `pause` from another shell: the job is paused; `resume <job id>` continues it


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
