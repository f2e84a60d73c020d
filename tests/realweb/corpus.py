"""Build the real-web corpus (``tests/realweb/sites/<host>/``) from repository snapshots.

Every site is a public repository of a real small business's static website.
Its root-level pages (``*.html``/``*.htm``), ``robots.txt`` and ``sitemap.xml``
are copied byte for byte from the recorded commit; nothing is edited. Beside
them: ``_files.txt`` (every path in that commit, to check that a found logo
exists) and ``_origin.json`` (repository, commit, paths). Names starting with
``_`` are never served.

The pages are not committed to this repository: snapshots of public
repositories may not be (see ``README.md``). Run
``python -m tests.realweb.corpus --mirrors DIR`` where bare snapshots named
``owner+name/repo`` are, or point ``ROWSCOUT_REALWEB_SITES`` at a built copy.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SITES_DIR = HERE / "sites"
SOURCES = json.loads((HERE / "sources.json").read_text(encoding="utf-8"))
_KEEP = re.compile(r"^[^/]+\.html?$|^robots\.txt$|^sitemap\.xml$", re.IGNORECASE)


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, check=True).stdout


def build(mirrors: Path, out: Path = SITES_DIR) -> int:
    """Copy every site in ``sources.json`` from its snapshot at the recorded commit; the number copied."""
    built = 0
    for source in SOURCES:
        repo = mirrors / source["repo"].replace("/", "+") / "repo"
        if not repo.exists():
            print(f"missing snapshot: {source['repo']}", file=sys.stderr)
            continue
        files = _git(repo, "ls-tree", "-r", "--name-only", source["commit"]).decode().splitlines()
        site = out / source["host"]
        site.mkdir(parents=True, exist_ok=True)
        copied = [f for f in files if _KEEP.match(f)]
        for name in copied:
            (site / name).write_bytes(_git(repo, "show", f"{source['commit']}:{name}"))
        (site / "_files.txt").write_text("\n".join(files) + "\n", encoding="utf-8")
        origin = {"repo": source["repo"], "commit": source["commit"], "paths": copied}
        (site / "_origin.json").write_text(json.dumps(origin, indent=1) + "\n", encoding="utf-8")
        built += 1
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True, help="folder of owner+name/repo bare snapshots")
    parser.add_argument("--out", type=Path, default=SITES_DIR)
    args = parser.parse_args(argv)
    print(f"{build(args.mirrors, args.out)} of {len(SOURCES)} sites built in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
