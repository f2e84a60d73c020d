"""`python -m service`: the command line (see service/cli/)."""

from service.cli import main

raise SystemExit(main())
