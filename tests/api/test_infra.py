"""The deployment script's dry run prints every command that would change something, and runs none.

The dry run runs against the fake ``gcloud`` of tests/infra (first on PATH), so
no describe call ever reaches Google.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest

from tests.infra.test_deploy import deploy, make_fake

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.subprocess


def _dry_run(tmp_path: Path, **env: str) -> list[list[str]]:
    home = make_fake(tmp_path / f"gcloud{len(list(tmp_path.iterdir()))}")
    result = deploy(home, "--dry-run", **env)
    assert result.returncode == 0, result.stderr
    return [shlex.split(line[2:]) for line in result.stdout.splitlines() if line.startswith("+ ")]


def _find(commands: list[list[str]], *words: str) -> list[list[str]]:
    return [c for c in commands if c[: len(words) + 1] == ["gcloud", *words]]


def test_dry_run_covers_queues_service_iam_scheduler_and_firestore(tmp_path: Path) -> None:
    commands = _dry_run(tmp_path, PROJECT="demo-proj")
    assert all(c[0] == "gcloud" for c in commands)
    queues = _find(commands, "tasks", "queues", "create")
    assert [q[4] for q in queues] == [
        "rowscout-research-high",
        "rowscout-research",
        "rowscout-research-low",
        "rowscout-flush",
    ]
    for queue in queues:
        flags = {f.split("=")[0] for f in queue if f.startswith("--")}
        assert {"--max-dispatches-per-second", "--max-concurrent-dispatches", "--max-attempts"} <= flags
        assert {"--min-backoff", "--max-backoff", "--max-doublings"} <= flags
    (deploy,) = _find(commands, "run", "deploy")
    assert "--command=gunicorn" in deploy and any("--threads=8" in a and "main:app" in a for a in deploy)
    assert any(a.startswith("--update-env-vars=") and "GOOGLE_CLOUD_PROJECT=demo-proj" in a for a in deploy)
    roles = {a.split("=", 1)[1] for c in commands for a in c if a.startswith("--role=")}
    assert {"roles/datastore.user", "roles/cloudtasks.enqueuer", "roles/iam.serviceAccountUser"} <= roles
    assert "roles/run.invoker" in roles
    (cron,) = _find(commands, "scheduler", "jobs", "create", "http")
    assert any(a.endswith("/cron/refresh") for a in cron)
    assert "--oidc-service-account-email=rowscout-tasks@demo-proj.iam.gserviceaccount.com" in cron
    ttl = _find(commands, "firestore", "fields", "ttls", "update")
    assert ttl and all("expire_at" in c and "--enable-ttl" in c for c in ttl)


def test_dry_run_creates_every_composite_index_in_the_json(tmp_path: Path) -> None:
    indexes = json.loads((ROOT / "infra" / "firestore.indexes.json").read_text())["indexes"]
    created = _find(_dry_run(tmp_path), "firestore", "indexes", "composite", "create")
    assert len(created) == len(indexes)
    first = [a for a in created[0] if a.startswith("--field-config=")]
    assert first == [
        "--field-config=field-path=owner,order=ascending",
        "--field-config=field-path=created_at,order=descending",
    ]


def _env_vars(deploy: list[str]) -> dict[str, str]:
    (flag,) = [a for a in deploy if a.startswith("--update-env-vars=^;^")]
    return dict(pair.split("=", 1) for pair in flag.removeprefix("--update-env-vars=^;^").split(";"))


def test_service_settings_name_the_flush_queue_and_every_dispatch_deadline(tmp_path: Path) -> None:
    from service.config import Settings

    commands = _dry_run(tmp_path, FLUSH_QUEUE="rs-flush", RESEARCH_DEADLINE="700s", FLUSH_DEADLINE="90s")
    assert "rs-flush" in [q[4] for q in _find(commands, "tasks", "queues", "create")]
    (deploy,) = _find(commands, "run", "deploy")
    settings = Settings.from_env(_env_vars(deploy))  # what the service reads from what infra sets
    assert settings.cloud.flush_queue == "rs-flush"
    deadlines = settings.cloud.deadlines
    assert (deadlines.research, deadlines.plan, deadlines.flush) == (700.0, 600.0, 90.0)
    assert deadlines.research > settings.limits.lease_seconds  # a second dispatch finds the lease live


def test_config_values_come_from_the_environment(tmp_path: Path) -> None:
    commands = _dry_run(tmp_path, REGION="us-central1", MAX_INSTANCES="3")
    (deploy,) = _find(commands, "run", "deploy")
    assert "--region=us-central1" in deploy and "--max-instances=3" in deploy


def test_image_and_process_files_use_gunicorn_on_main_app() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "python:3.11-slim" in dockerfile and "USER " in dockerfile and "main:app" in dockerfile
    assert "main:app" in (ROOT / "Procfile").read_text()
    assert "entrypoint: gunicorn" in (ROOT / "app.yaml").read_text()
    assert os.access(ROOT / "infra" / "deploy.sh", os.X_OK)


def _config(name: str) -> str:
    found = re.search(rf'^{name}="\$\{{{name}:-([^}}]*)\}}"', (ROOT / "infra" / "config.env").read_text(), re.M)
    assert found, name
    return found.group(1)


def test_cloud_run_settings_fit_the_code() -> None:
    """Threads >= concurrency everywhere the service starts; the request timeout above every dispatch deadline."""
    from service.config import DispatchDeadlines

    threads, concurrency, timeout = (int(_config(n)) for n in ("GUNICORN_THREADS", "CONCURRENCY", "TIMEOUT"))
    assert threads >= concurrency
    for text in ((ROOT / "Dockerfile").read_text(), (ROOT / "Procfile").read_text(), (ROOT / "app.yaml").read_text()):
        (found,) = re.findall(r"--threads[ =](\d+)", text)
        assert int(found) == threads
    app_yaml = (ROOT / "app.yaml").read_text()
    assert int(re.search(r"max_concurrent_requests: (\d+)", app_yaml).group(1)) <= threads  # type: ignore[union-attr]
    defaults = DispatchDeadlines()
    deadlines = [int(_config(n).removesuffix("s")) for n in ("RESEARCH_DEADLINE", "PLAN_DEADLINE", "FLUSH_DEADLINE")]
    assert timeout > max(deadlines) and timeout > max(defaults.research, defaults.plan, defaults.flush)
    assert _config("CPU_THROTTLING") in ("0", "1")
