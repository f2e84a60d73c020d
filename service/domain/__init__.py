"""The domain: Rowscout's model, its one exception tree and the rules about companies.

No I/O and no imports from other rooms of ``service``. Modules:

- ``model``: jobs, rows, their states, options, ``CompanyProfile`` and research outcomes
  (re-exported here, so ``from service.domain import Job`` works);
- ``sources``: typed job sources (``FileSource | SheetSource``);
- ``errors``: the exception tree (each error retryable or permanent);
- ``companies`` and ``websites``: company identity, validation, skip reasons, the one duplicate rule;
- ``tables``: the shapes of input tables shared by files and sheets.
"""

from service.domain.model import (
    LIST_FIELDS,
    PROFILE_FIELDS,
    SOCIAL_NETWORKS,
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    Job,
    JobOptions,
    JobState,
    Lease,
    LeaseStatus,
    Priority,
    ResearchOptions,
    ResearchOutcome,
    Row,
    RowOutcome,
    RowState,
    Usage,
    WrittenCells,
)

__all__ = [
    "JobState",
    "RowState",
    "ErrorKind",
    "FieldMethod",
    "FieldSource",
    "SOCIAL_NETWORKS",
    "PROFILE_FIELDS",
    "LIST_FIELDS",
    "CompanyProfile",
    "CompanyInput",
    "ResearchOptions",
    "Usage",
    "ResearchOutcome",
    "Priority",
    "JobOptions",
    "Job",
    "Row",
    "LeaseStatus",
    "Lease",
    "RowOutcome",
    "WrittenCells",
]
