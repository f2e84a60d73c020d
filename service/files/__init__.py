"""Files in and out: CSV/Excel/JSON readers, schema detection (shared with sheets), row selection, writers.

Public entry points:
- ``readers.read_table(path, ...) -> InputTable``
- ``schema.detect_columns(headers, rows, ...) -> ColumnMap``
- ``companies.validate_company``, ``websites.normalize_website``, ``companies.duplicate_of``
- ``selection.parse_rows_spec``, ``selection.parse_filter``, ``selection.select``
- ``writers.FileResultSink``, ``writers.export_rows``
"""
