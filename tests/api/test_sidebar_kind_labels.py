"""Every error kind the backend can report has a label in the sidebar (else the user reads a raw code)."""

import re
from pathlib import Path

from service.domain import ErrorKind

SIDEBAR = Path(__file__).resolve().parents[2] / "apps_script" / "SidebarScript.html"


def test_every_error_kind_has_a_sidebar_label():
    block = re.search(r"var KIND_LABELS = \{(.*?)\};", SIDEBAR.read_text(encoding="utf-8"), re.S)
    assert block, "KIND_LABELS not found in the sidebar script"
    labelled = set(re.findall(r"(\w+):\s*'", block.group(1)))
    missing = sorted(kind.value for kind in ErrorKind if kind.value not in labelled)
    assert missing == []
