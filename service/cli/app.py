"""The command line's parser and ``main``: ``python -m service research companies.csv -o results.xlsx``.

``main`` parses the arguments, builds the embedded default
(``bootstrap.build_local``; keyword overrides replace adapters, as tests do),
runs one command from ``service.cli.commands`` and turns every
``RowscoutError`` into one clear line on stderr and a stable exit code
(``ExitCode``); a traceback is shown only for real bugs, with --verbose.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from service.bootstrap import build_local
from service.cli import render
from service.cli.exits import ExitCode, exit_code
from service.cli.serve import add_serve_commands
from service.config import EmbeddedSettings, Settings
from service.domain import PROFILE_FIELDS
from service.domain.errors import RowscoutError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m service",
        description="Rowscout: research companies listed in a CSV/Excel/JSON file or a Google Sheet.",
    )
    parser.add_argument("--workspace", help="folder for job state (default: .rowscout or $ROWSCOUT_HOME)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_research(commands)
    demo = commands.add_parser("demo", help="research a bundled example offline, against the local demo web")
    demo.add_argument("-o", "--output", default="demo-results.xlsx", help="results file (default: %(default)s)")
    demo.add_argument("--no-progress", action="store_true", help="no live progress bar")
    _add_estimate(commands)
    _add_job_commands(commands)
    add_serve_commands(commands)  # issue 16: serve, keys
    # --- issue 16 (discover, notices): their own module ---
    from service.cli.discover import add_discover
    from service.cli.notices import add_notices_command

    add_discover(commands)
    add_notices_command(commands)
    # --- end issue 16 ---
    return parser


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="companies.csv / .xlsx / .json, or sheet:SPREADSHEET_ID[/Sheet1!A1:D200]")
    parser.add_argument("--sheet", help="Excel sheet name (default: the first)")
    parser.add_argument("--name-column", help="column with company names (header, letter or 1-based index)")
    parser.add_argument("--website-column", help="column with websites (header, letter or 1-based index)")
    parser.add_argument("--rows", help="only these data rows, e.g. 2-40,57 (1 = first row under the header)")
    parser.add_argument(
        "--filter", action="append", default=[], metavar="COLUMN=VALUE", help="only rows where COLUMN equals VALUE"
    )
    parser.add_argument(
        "--fields", help=f"comma-separated fields to research (default: all): {','.join(PROFILE_FIELDS)}"
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="sheets: write FIELD into your own COLUMN (header or letter), filling only its empty cells",
    )
    parser.add_argument("--concurrency", type=_positive_int, default=8, help="companies researched at once")
    parser.add_argument("--rate", type=_positive_float, default=5.0, help="companies started per second")
    parser.add_argument("--timeout", type=_positive_float, default=60.0, help="seconds per company")
    parser.add_argument("--max-retries", type=_non_negative_int, default=2, help="retries per company")
    parser.add_argument("--llm", action="store_true", help="use the configured LLM (ROWSCOUT_LLM_*)")
    parser.add_argument(
        "--ask",
        action="append",
        default=[],
        metavar="QUESTION[::KIND]",
        help="a custom question, one column per question (repeatable); KIND: yes_no, number, text, list",
    )
    parser.add_argument(  # issue 15: a spend cap (service/jobs/spend.py)
        "--max-cost",
        type=_cost_usd,
        metavar="USD",
        help="stop LLM and search calls once the job's cost reaches USD (pages and evidence continue)",
    )


def _add_research(commands: argparse._SubParsersAction) -> None:
    research = commands.add_parser("research", help="research the companies in a file or sheet")
    _add_input_options(research)
    research.add_argument("-o", "--output", help="results file (.csv, .xlsx, .json, .jsonl)")
    research.add_argument("--format", choices=["csv", "xlsx", "json", "jsonl"], help="output format")
    research.add_argument("--job-name", help="a label for the job")
    research.add_argument("--dry-run", action="store_true", help="validate and show detected columns only")
    research.add_argument(
        "--retry-failed", action="store_true", help="retry the rows that failed last time (retryable failures only)"
    )
    research.add_argument(
        "--all", action="store_true", help="with --retry-failed: also retry permanent failures (robots.txt, ...)"
    )
    research.add_argument("--no-progress", action="store_true", help="no live progress bar")
    research.add_argument(  # issue 16: service/jobs/similar_sheet.py, service/files/similarity_column.py
        "--similar", action="store_true", help="add a 'Similar in this list' column when the job ends (file and sheet)"
    )
    from service.cli.notices import add_notice_options  # issue 16

    add_notice_options(research)


def _add_estimate(commands: argparse._SubParsersAction) -> None:
    estimate = commands.add_parser("estimate", help="rows, time and cost before running")
    _add_input_options(estimate)


def _add_job_commands(commands: argparse._SubParsersAction) -> None:
    status = commands.add_parser("status", help="progress of a job (default: the latest)")
    status.add_argument("job", nargs="?")
    status.add_argument("--json", action="store_true", help="print the summary as JSON")
    listing = commands.add_parser("list", help="jobs in this workspace")
    listing.add_argument("--json", action="store_true", help="print the jobs as JSON")
    for name, text in (
        ("resume", "continue a paused or crashed job"),
        ("pause", "pause a job"),
        ("cancel", "cancel a job"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("job")
        if name == "resume":
            command.add_argument("--no-progress", action="store_true")
    clean = commands.add_parser("clean", help="delete finished jobs")
    clean.add_argument("--older-than", default="7d", type=_duration_days, help="age, e.g. 7d, 12h (default 7d)")
    export = commands.add_parser("export", help="write a job's results to a file")
    export.add_argument("job")
    export.add_argument("-o", "--output", required=True)
    export.add_argument("--format", choices=["csv", "xlsx", "json", "jsonl"])
    export.add_argument("--similar", action="store_true", help="add a 'Similar in this list' column (issue 16)")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _cost_usd(text: str) -> float:
    try:
        value = float(text.strip().lstrip("$"))
    except ValueError:
        raise argparse.ArgumentTypeError("use an amount in US dollars, e.g. 5 or 0.50") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more US dollars")
    return value


def _duration_days(text: str) -> float:
    units = {"d": 1.0, "h": 1 / 24, "m": 1 / 1440}
    text = text.strip().lower()
    if not text or text[-1] not in units or not text[:-1].replace(".", "", 1).isdigit():
        raise argparse.ArgumentTypeError("use a number and a unit: 7d, 12h or 30m")
    return float(text[:-1]) * units[text[-1]]


def main(argv: Sequence[str] | None = None, **overrides: Any) -> int:
    """Run one command; ``overrides`` go to ``bootstrap.build_local`` (e.g. ``researcher=``)."""
    args = build_parser().parse_args(argv)
    render.route_logging(verbose=args.verbose)  # through rich, above the progress bar, never inside it
    settings = Settings.from_env()
    if args.workspace:
        settings = replace(settings, embedded=EmbeddedSettings(workspace=Path(args.workspace)))
    code = int(run_command(args, settings, **overrides))
    if code == ExitCode.INTERRUPTED and argv is None:
        render.exit_now(code)  # the real command line: do not wait for research threads still in flight
    return code


def run_command(args: argparse.Namespace, settings: Settings, **overrides: Any) -> ExitCode:
    from service.cli.commands import COMMANDS
    from service.cli.demo import cmd_demo
    from service.cli.discover import cmd_discover  # issue 16
    from service.cli.notices import cmd_notices

    own = {"demo": cmd_demo, "discover": cmd_discover, "notices": cmd_notices}
    command = own[args.command] if args.command in own else COMMANDS[args.command]
    try:
        local = build_local(settings, **overrides)
        try:
            return command(local, args)
        finally:
            local.close()
    except KeyboardInterrupt:  # before a job exists (a job's own interruption is rendered by run_job)
        render.error("interrupted")
        return ExitCode.INTERRUPTED
    except RowscoutError as error:
        render.error(error.message)
        return exit_code(error)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
