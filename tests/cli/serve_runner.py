"""Run ``python -m service serve ARGS`` with research pointed at a demo web on loopback.

``python -m tests.cli.serve_runner serve --port P`` in a subprocess, with
``ROWSCOUT_TEST_DEMO_PORT`` naming the port of a ``DemoWeb`` the test runs:
the real engine (``build_researcher``) resolves ``*.test`` hosts to that
server (``DemoResolver``) and a ``*.test`` website or domain hint reaches it on
its port, as ``demo`` rewrites its input file. Everything else is the real
``serve``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from urllib.parse import urlsplit

from service.bootstrap import LazyResearcher, build_researcher
from service.cli import main
from service.config import Settings
from service.domain import CompanyInput, ResearchOptions, ResearchOutcome
from service.examples.demo_web.server import SITES_DIR, DemoResolver
from service.research.port import Researcher


class DemoHosts:
    """Sends a ``*.test`` website to the demo web's port (the test's stand-in for DNS and port 443)."""

    def __init__(self, inner: Researcher, port: int) -> None:
        self.inner = inner
        self.port = port

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        website = company.website.strip()
        host = urlsplit(website if "//" in website else f"http://{website}").hostname or ""
        if host.endswith(".test"):
            company = replace(company, website=f"http://{host}:{self.port}/")
        return self.inner.research(company, options)


def researcher(port: int) -> Researcher:
    env = Settings.from_env()
    settings = replace(env, fetch=replace(env.fetch, allow_loopback=True, site_tlds=(".test",)))
    engine = LazyResearcher(lambda: build_researcher(settings, resolver=DemoResolver(SITES_DIR), site_port=port))
    return DemoHosts(engine, port)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:], researcher=researcher(int(os.environ["ROWSCOUT_TEST_DEMO_PORT"]))))
