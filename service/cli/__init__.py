"""The command-line entry point: ``python -m service …`` (and the ``rowscout`` console script).

- ``app``: the parser and ``main`` (builds the embedded default, maps errors to exit codes);
- ``exits``: the stable exit codes;
- ``commands``: one function per command: parse → call ``service.jobs`` → render;
- ``inputs``: the input a command names, as plain values (``InputSpec``), and submitting it;
- ``render``: progress bar, summaries and tables;
- ``demo``: the ``demo`` command (the bundled example against the bundled demo web).
"""

from service.cli.app import main

__all__ = ["main"]
