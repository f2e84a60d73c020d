"""Files in and out: CSV/Excel/JSON readers, schema detection (shared with sheets), row selection, writers.

Public entry points:
- ``readers.read_table(path, ...) -> InputTable``
- ``schema.detect_columns(headers, rows, ...) -> ColumnMap``
- ``selection.RowPick`` (``--rows`` / ``--filter``), ``selection.select``
- ``writers.FileResultSink`` (the file ``ResultSink``), ``writers.export_rows``

Company validation and the duplicate rule live in ``service.domain.companies``.
"""
