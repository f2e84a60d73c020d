"""The emulator helper fails loudly when it cannot run, and honours the explicit skip switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import firestore_emulator as fe


def test_missing_jar_is_a_loud_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fe, "_dpkg_jars", lambda: [])
    monkeypatch.setattr(fe, "FALLBACK_JAR", tmp_path / "absent.jar")
    with pytest.raises(fe.EmulatorUnavailable, match="jar not found"):
        fe.start_firestore_emulator()


def test_missing_java_is_a_loud_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    jar = tmp_path / "emulator.jar"
    jar.write_bytes(b"")
    monkeypatch.setattr(fe, "_dpkg_jars", lambda: [jar])
    monkeypatch.setattr(fe.shutil, "which", lambda name: None)
    with pytest.raises(fe.EmulatorUnavailable, match="java not found"):
        fe.start_firestore_emulator()


def test_jar_listed_by_dpkg_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    jar = tmp_path / "listed.jar"
    jar.write_bytes(b"")
    monkeypatch.setattr(fe, "_dpkg_jars", lambda: [tmp_path / "gone.jar", jar])
    assert fe.find_jar() == jar


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("0", False), ("", False)])
def test_skip_switch(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv(fe.SKIP_ENV, value)
    assert fe.skip_requested() is expected
