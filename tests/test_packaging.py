"""Rowscout is an installable package: `pip install .` gives a `rowscout` command that runs the demo.

The package is built from a copy of this checkout's product files (so the
build leaves nothing in the checkout) and installed into a fresh virtual
environment (without network: the dependencies come from the test venv
through a ``.pth`` file, the build uses the test venv's setuptools), then
run from a folder outside the checkout so nothing is imported from it.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow, pytest.mark.subprocess, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the built package in its own site-packages."""
    home = tmp_path_factory.mktemp("pkg")
    source = home / "src"
    shutil.copytree(REPO / "service", source / "service", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "requirements.txt", "requirements-bench.txt"):
        shutil.copy(REPO / name, source / name)
    target = home / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    (site_dir,) = target.glob("lib/python*/site-packages")
    (site_dir / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(target / "bin" / "python")]
    subprocess.run(
        [*pip, "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-cache-dir", str(source)],
        check=True,
        cwd=home,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    return target


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ROWSCOUT_HOME")}
    return subprocess.run([*args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240)


def test_the_package_holds_the_product_only(installed: Path) -> None:
    (site_dir,) = installed.glob("lib/python*/site-packages")
    top = {p.name for p in site_dir.iterdir() if not p.name.endswith((".dist-info", ".pth"))}
    assert "service" in top
    assert not top & {"tests", "bench", "infra", "apps_script"}
    assert (site_dir / "service" / "examples" / "demo_web" / "sites" / "acme-robotics.test" / "index.html").is_file()


def test_rowscout_help_and_demo_run_from_the_installed_package(installed: Path, tmp_path: Path) -> None:
    rowscout = str(installed / "bin" / "rowscout")
    shown = _run(rowscout, "--help", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "research" in shown.stdout and "demo" in shown.stdout
    python = str(installed / "bin" / "python")
    where = _run(python, "-c", "import service; print(service.__file__)", cwd=tmp_path)
    assert str(installed) in where.stdout  # imported from the venv, not from the checkout
    demo = _run(rowscout, "demo", "-o", str(tmp_path / "demo.xlsx"), "--no-progress", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert (tmp_path / "demo.xlsx").stat().st_size > 0
