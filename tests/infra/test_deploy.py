"""infra/deploy.sh against a fake ``gcloud`` on PATH (tests/infra/fake_gcloud.sh): nothing leaves the machine.

- The dry run prints every changing command; its flags are the ones the gcloud
  reference documents (``REFERENCE``, recorded from the pages named there).
- One revision carries every variable: the service URL is resolved before the
  single ``run deploy`` (``--update-env-vars``, never ``--set-env-vars``).
- Run twice (for real, against the fake that remembers what it created): the
  second run creates nothing, builds nothing and deploys nothing; its command
  list is the first one's minus the creates (queues and the scheduler job are
  updated with the same flags instead).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.subprocess
GLOBAL_FLAGS = {"project", "format", "quiet"}  # gcloud-wide flags (any command)
_REF = "https://cloud.google.com/sdk/gcloud/reference/"
# command -> (reference page, the flags it documents that deploy.sh may use), read on 2026-12-02
REFERENCE: dict[tuple[str, ...], tuple[str, set[str]]] = {
    ("services", "enable"): (_REF + "services/enable", set()),
    ("artifacts", "repositories", "describe"): (_REF + "artifacts/repositories/describe", {"location"}),
    ("artifacts", "repositories", "create"): (
        _REF + "artifacts/repositories/create",
        {"location", "repository-format", "description", "async"},
    ),
    ("artifacts", "docker", "images", "describe"): (_REF + "artifacts/docker/images/describe", set()),
    ("builds", "submit"): (_REF + "builds/submit", {"tag", "region", "config", "async"}),
    ("auth", "configure-docker"): (_REF + "auth/configure-docker", set()),
    ("iam", "service-accounts", "describe"): (_REF + "iam/service-accounts/describe", set()),
    ("iam", "service-accounts", "create"): (_REF + "iam/service-accounts/create", {"display-name", "description"}),
    ("iam", "service-accounts", "add-iam-policy-binding"): (
        _REF + "iam/service-accounts/add-iam-policy-binding",
        {"member", "role", "condition"},
    ),
    ("projects", "add-iam-policy-binding"): (_REF + "projects/add-iam-policy-binding", {"member", "role", "condition"}),
    ("projects", "describe"): (_REF + "projects/describe", set()),
    ("firestore", "databases", "describe"): (_REF + "firestore/databases/describe", {"database"}),
    ("firestore", "databases", "create"): (_REF + "firestore/databases/create", {"location", "type", "database"}),
    ("firestore", "fields", "ttls", "update"): (
        _REF + "firestore/fields/ttls/update",
        {"collection-group", "database", "enable-ttl", "disable-ttl", "async"},
    ),
    ("firestore", "indexes", "fields", "update"): (
        _REF + "firestore/indexes/fields/update",
        {"collection-group", "database", "disable-indexes", "clear-exemption", "index", "async"},
    ),
    ("firestore", "indexes", "composite", "list"): (_REF + "firestore/indexes/composite/list", {"database"}),
    ("firestore", "indexes", "composite", "create"): (
        _REF + "firestore/indexes/composite/create",
        {"collection-group", "query-scope", "field-config", "database", "async"},
    ),
    ("tasks", "queues", "describe"): (_REF + "tasks/queues/describe", {"location"}),
    **{
        ("tasks", "queues", verb): (
            _REF + f"tasks/queues/{verb}",
            {"location", "max-dispatches-per-second", "max-concurrent-dispatches", "max-attempts"}
            | {"min-backoff", "max-backoff", "max-doublings"},
        )
        for verb in ("create", "update")
    },
    ("run", "services", "describe"): (_REF + "run/services/describe", {"region"}),
    ("run", "deploy"): (
        _REF + "run/deploy",
        {"region", "image", "service-account", "concurrency", "cpu", "memory", "timeout", "min-instances"}
        | {"max-instances", "cpu-throttling", "no-cpu-throttling", "allow-unauthenticated", "command", "args"}
        | {"update-env-vars", "set-env-vars", "update-labels"},
    ),
    ("run", "services", "add-iam-policy-binding"): (
        _REF + "run/services/add-iam-policy-binding",
        {"region", "member", "role"},
    ),
    ("scheduler", "jobs", "describe"): (_REF + "scheduler/jobs/describe", {"location"}),
    **{
        ("scheduler", "jobs", verb, "http"): (
            _REF + f"scheduler/jobs/{verb}/http",
            {"location", "schedule", "time-zone", "uri", "http-method", "attempt-deadline"}
            | {"oidc-service-account-email", "oidc-token-audience"},
        )
        for verb in ("create", "update")
    },
}


def make_fake(home: Path) -> Path:
    """A directory with the fake ``gcloud`` shim (first on PATH) and its state."""
    bin_dir = home / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "gcloud").symlink_to(ROOT / "tests" / "infra" / "fake_gcloud.sh")
    return home


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    return make_fake(tmp_path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One dry run on an empty project, then three real runs against the same fake (run once per module)."""
    home = make_fake(tmp_path_factory.mktemp("gcloud"))
    dry = deploy(home, "--dry-run")
    dry_calls = calls(home)
    first, second, third = deploy(home), deploy(home), deploy(home)
    changed = deploy(home, MAX_INSTANCES="3")
    return {"dry": dry, "dry_calls": dry_calls, "first": first, "second": second, "third": third, "changed": changed}


def deploy(fake: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": f"{fake / 'bin'}:/usr/bin:/bin",
        "FAKE_GCLOUD_DIR": str(fake),
        "PROJECT": "demo-proj",
        "IMAGE_TAG": "abc123",
        **env,
    }
    return subprocess.run(
        ["bash", str(ROOT / "infra" / "deploy.sh"), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def changes(done: subprocess.CompletedProcess[str]) -> list[list[str]]:
    """The commands the script printed as changes ("+ ..." lines)."""
    assert done.returncode == 0, done.stderr
    return [shlex.split(line[2:]) for line in done.stdout.splitlines() if line.startswith("+ ")]


def command_path(argv: list[str]) -> tuple[str, ...]:
    words = [a for a in argv[1:] if not a.startswith("--")]
    for size in (4, 3, 2):
        if tuple(words[:size]) in REFERENCE:
            return tuple(words[:size])
    raise AssertionError(f"not in the recorded gcloud reference: {shlex.join(argv)}")


def calls(fake: Path) -> list[list[str]]:
    log = fake / "calls.log"
    return [shlex.split(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_dry_run_changes_nothing_and_uses_only_documented_flags(runs: dict[str, Any]) -> None:
    printed = changes(runs["dry"])
    ran = runs["dry_calls"]
    assert ran and all(c[1:2] != ["deploy"] and any(v in c for v in ("describe", "list")) for c in ran)
    assert printed and all(c[0] == "gcloud" for c in printed)
    for argv in [*printed, *ran]:
        documented = REFERENCE[command_path(argv)][1] | GLOBAL_FLAGS
        used = {a[2:].split("=", 1)[0] for a in argv if a.startswith("--")}
        assert used <= documented, (shlex.join(argv), used - documented)


def test_first_deploy_builds_creates_and_carries_every_variable_in_one_revision(runs: dict[str, Any]) -> None:
    printed = changes(runs["dry"])
    assert printed == changes(runs["first"])  # the dry run printed exactly what the real run then did
    paths = [command_path(c) for c in printed]
    image = "europe-west1-docker.pkg.dev/demo-proj/rowscout/rowscout:abc123"
    assert ("artifacts", "repositories", "create") in paths
    (build,) = [c for c in printed if command_path(c) == ("builds", "submit")]
    assert f"--tag={image}" in build
    assert paths.index(("artifacts", "repositories", "create")) < paths.index(("builds", "submit"))
    (run,) = [c for c in printed if command_path(c) == ("run", "deploy")]
    assert paths.index(("builds", "submit")) < paths.index(("run", "deploy"))
    assert f"--image={image}" in run
    assert not [c for c in printed if c[1:4] == ["run", "services", "update"]]  # no second revision
    assert not any(a.startswith("--set-env-vars") for a in run)  # replacing would drop operators' variables
    env = dict(pair.split("=", 1) for pair in _flag(run, "--update-env-vars").removeprefix("^;^").split(";"))
    url = "https://rowscout-123456789012.europe-west1.run.app"  # from the project number, before the deploy
    assert env["ROWSCOUT_SERVICE_URL"] == env["ROWSCOUT_TASKS_AUDIENCE"] == url
    assert env["ROWSCOUT_SERVICE_ACCOUNT_EMAIL"] == "rowscout-run@demo-proj.iam.gserviceaccount.com"
    (cron,) = [c for c in printed if command_path(c)[:3] == ("scheduler", "jobs", "create")]
    assert f"--uri={url}/cron/refresh" in cron


def test_running_twice_creates_nothing_the_second_time(runs: dict[str, Any]) -> None:
    first = changes(runs["first"])  # for real, against the fake: it remembers what was created
    second_done = runs["second"]
    second = changes(second_done)
    created = [c for c in first if {"create", "submit", "deploy"} & set(c[1:5])]
    assert not [c for c in second if {"create", "submit", "deploy"} & set(c[1:5])]
    assert "= exists: image" in second_done.stdout and "not redeployed" in second_done.stdout
    expected = [_as_update(c) for c in first if c not in created or _as_update(c) != c]
    assert second == expected
    # and the live service already has the URL the first run gave it: a third run agrees
    assert changes(runs["third"]) == second


def test_a_changed_setting_redeploys_once(runs: dict[str, Any]) -> None:
    changed = changes(runs["changed"])
    (run,) = [c for c in changed if command_path(c) == ("run", "deploy")]
    assert "--max-instances=3" in run
    assert "=https://rowscout-123456789012.europe-west1.run.app" in _flag(run, "--update-env-vars")


def test_existing_composite_indexes_are_not_created_again(runs: dict[str, Any]) -> None:
    indexes = json.loads((ROOT / "infra" / "firestore.indexes.json").read_text())["indexes"]
    first = [c for c in changes(runs["first"]) if command_path(c)[-1] == "create" and "composite" in c]
    assert len(first) == len(indexes)
    assert not [c for c in changes(runs["second"]) if "composite" in c]


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"FLUSH_DEADLINE": "2000s"}, "FLUSH_DEADLINE"),
        ({"PLAN_DEADLINE": "10s"}, "PLAN_DEADLINE"),
        ({"TIMEOUT": "600"}, "RESEARCH_DEADLINE"),  # the timeout must be above the deadline, not equal
        ({"CONCURRENCY": "16"}, "GUNICORN_THREADS"),
    ],
)
def test_settings_that_do_not_fit_stop_before_any_command(fake: Path, env: dict[str, str], says: str) -> None:
    done = deploy(fake, "--dry-run", **env)
    assert done.returncode == 2 and says in done.stderr
    assert "+ " not in done.stdout and calls(fake) == []


def _flag(argv: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in argv if a.startswith(name + "=")]
    return value


def _as_update(argv: list[str]) -> list[str]:
    """A queue's or the scheduler job's create as the second run issues it: the same flags, verb update."""
    if argv[1:4] == ["tasks", "queues", "create"] or argv[1:4] == ["scheduler", "jobs", "create"]:
        return [*argv[:3], "update", *argv[4:]]
    return argv


def test_fake_gcloud_is_first_on_path(fake: Path) -> None:
    done = subprocess.run(
        ["sh", "-c", "command -v gcloud"],
        env={"PATH": f"{fake / 'bin'}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == str(fake / "bin" / "gcloud")
    assert os.access(ROOT / "infra" / "deploy.sh", os.X_OK)
