"""Google Sheets in and out: read a selection, detect the schema, tag rows, write results in batches.

Public entry points:
- ``GoogleSheetsApi`` (the ``SheetsApi`` port's adapter) and ``credentials_from_env``
- ``SheetSelection``, ``parse_sheet_spec``, ``read_selection`` / ``read_sheet``
- ``ensure_output_columns`` → ``OutputLayout``; ``tag_rows`` / ``locate_rows``
- ``prepare_sheet`` (read + layout + tag, for submit)
- ``SheetResultSink`` (the batched ``ResultSink``) and ``write_summary_tab``
"""
