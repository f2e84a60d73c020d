"""The development settings of the local cloud walkthrough (infra/README.md): what they do, and that
Cloud Run refuses them.

``ROWSCOUT_DEMO_WEB_PORT`` makes the demo web's ``*.test`` names resolve to loopback (and nothing
else resolve) for a researcher built by ``bootstrap``; ``ROWSCOUT_SHEETS_ACCESS_TOKEN`` is the token
the app calls Sheets with.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.bootstrap import build_researcher
from service.config import Settings
from service.domain import CompanyInput, ErrorKind, ResearchOptions
from service.domain.errors import ConfigError
from service.examples.demo_web import DemoWeb
from service.sheets.credentials import credentials_from_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def web() -> DemoWeb:
    with DemoWeb() as running:
        yield running


def test_the_demo_web_port_makes_the_demo_web_researchable(web: DemoWeb) -> None:
    options = ResearchOptions(fields=("website", "hq_city"), timeout=20.0)
    researcher = build_researcher(Settings.from_env({"ROWSCOUT_DEMO_WEB_PORT": str(web.port)}))
    found = researcher.research(CompanyInput(name="Acme Robotics", website=web.url("acme-robotics.test")), options)
    assert found.error_kind is None, found.error_message
    assert found.profile.website.startswith("http://acme-robotics.test:") and found.profile.hq_city
    by_name = researcher.research(CompanyInput(name="Acme Robotics"), options)  # name only: tried on the demo web
    assert by_name.error_kind is None and "acme-robotics.test" in by_name.profile.website
    elsewhere = researcher.research(CompanyInput(name="Example", website="https://example.com/"), options)
    assert elsewhere.error_kind == ErrorKind.DNS  # the demo web only: no other name resolves


@pytest.mark.parametrize("value", ["http://x", "0", "70000", "-1"])
def test_a_bad_demo_web_port_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="ROWSCOUT_DEMO_WEB_PORT must be a port number"):
        Settings.from_env({"ROWSCOUT_DEMO_WEB_PORT": value})


def test_the_demo_web_port_is_refused_on_cloud_run() -> None:
    with pytest.raises(ConfigError, match="ROWSCOUT_DEMO_WEB_PORT is set on Cloud Run"):
        Settings.from_env({"ROWSCOUT_DEMO_WEB_PORT": "8000", "K_SERVICE": "rowscout"})
    assert Settings.from_env({"K_SERVICE": "rowscout"}).fetch.demo_web_port == 0


@pytest.mark.subprocess
def test_the_entry_point_does_not_start_on_cloud_run_with_the_demo_web_port(tmp_path: Path) -> None:
    """``gunicorn main:app`` imports main.py: with K_SERVICE and the setting the import fails, loudly."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "K_SERVICE": "rowscout", "ROWSCOUT_DEMO_WEB_PORT": "8000"}
    done = subprocess.run(
        [sys.executable, "-c", "import main"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0 and "ROWSCOUT_DEMO_WEB_PORT is set on Cloud Run" in done.stderr
    # without K_SERVICE the same setting starts: test_walkthrough.py runs the app with it under gunicorn


def test_the_sheets_access_token_is_the_token_sheets_is_called_with() -> None:
    credentials = credentials_from_env({"ROWSCOUT_SHEETS_ACCESS_TOKEN": "local"})
    assert credentials.token == "local"
