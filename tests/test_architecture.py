"""The layering of ``service/`` (DESIGN.md, "Rooms"), read from the imports with ``ast``.

Every import counts, also one inside a function; imports under
``if TYPE_CHECKING:`` do not (they never run). ``from service.x import y``
is an import of ``service.x.y`` when ``y`` is a submodule, else of
``service.x``. The rules:

- no import cycle between modules of ``service/`` (a package's ``__init__``
  may import its submodules, as long as they do not import it back);
- the product never imports ``tests``;
- the CLI imports nothing from ``service.api`` but the app factory
  (``from service.api import create_app``, for ``serve``); the API imports
  nothing from the CLI;
- adapters (store, queue, sheets, files, research) never import an entry point;
- jobs reach adapters only through their ports;
- the domain imports nothing from ``service`` outside ``service.domain``.

Each rule is a function over a list of ``Import``s, tested below on a small
synthetic graph so that the architecture test itself can fail.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADAPTERS = ("service.store", "service.queue", "service.sheets", "service.files", "service.research")
PORTS = ("service.store.port", "service.queue.port", "service.research.port", "service.sheets.port")
JOBS_MAY_IMPORT = ("service.domain", "service.jobs", "service.config", *PORTS)
APP_FACTORY = ("service.api", frozenset({"create_app"}))


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module
    line: int = 0
    names: frozenset[str] | None = None  # for ``from target import names``; None for ``import target``

    def __str__(self) -> str:
        what = f"from {self.target} import {', '.join(sorted(self.names))}" if self.names else self.target
        return f"{self.source} (line {self.line}) imports {what}"


def within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def is_cli(module: str) -> bool:
    """The CLI: ``service.cli`` and its submodules (and any top-level ``service.cli_*`` module, should one appear)."""
    return within(module, "service.cli") or module.startswith("service.cli_")


# -- reading the imports ------------------------------------------------------------------------------------------


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(node: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    """Every import under ``node``, at any depth, skipping the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _statements(ast.Module(body=[other], type_ignores=[]))
        else:
            yield from _statements(child)


def imports_of(module: str, source: str, *, is_package: bool, known: set[str]) -> list[Import]:
    found = []
    for node in _statements(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
            continue
        base = node.module or ""
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            anchor = ".".join(package[: len(package) - node.level + 1])
            base = f"{anchor}.{base}" if base else anchor
        subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
        names = frozenset(a.name for a in node.names if f"{base}.{a.name}" not in known)
        found += [Import(module, sub, node.lineno) for sub in subs]
        found += [Import(module, base, node.lineno, names)] if names else []
    return found


def read_imports(root: Path = ROOT) -> list[Import]:
    files = sorted((root / "service").rglob("*.py"))
    known = {module_name(path, root) for path in files}
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        found += imports_of(module_name(path, root), text, is_package=path.name == "__init__.py", known=known)
    return [i for i in found if within(i.target, "service", "tests")]


# -- the rules ----------------------------------------------------------------------------------------------------


def cycles(imports: list[Import]) -> list[str]:
    """One line per strongly connected group of modules (Tarjan), with the imports that close it."""
    graph: dict[str, set[str]] = {}
    for i in imports:
        if i.source != i.target and within(i.target, "service"):
            graph.setdefault(i.source, set()).add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [
        "cycle between " + ", ".join(g) + ": " + "; ".join(str(i) for i in imports if {i.source, i.target} <= set(g))
        for g in groups
    ]


def _violations(imports: list[Import], bad: Callable[[Import], bool], why: str) -> list[str]:
    return [f"{i} — {why}" for i in imports if bad(i)]


def product_imports_tests(imports: list[Import]) -> list[str]:
    return _violations(imports, lambda i: within(i.target, "tests"), "the product never imports tests")


def entry_points_cross(imports: list[Import]) -> list[str]:
    def bad(i: Import) -> bool:
        if is_cli(i.source) and within(i.target, "service.api"):
            return (i.target, i.names) != APP_FACTORY
        return within(i.source, "service.api") and is_cli(i.target)

    return _violations(imports, bad, "the CLI takes only create_app from the API; the API nothing from the CLI")


def adapters_import_entry_points(imports: list[Import]) -> list[str]:
    def bad(i: Import) -> bool:
        return within(i.source, *ADAPTERS) and (within(i.target, "service.api") or is_cli(i.target))

    return _violations(imports, bad, "adapters never import an entry point")


def jobs_bypass_ports(imports: list[Import]) -> list[str]:
    def bad(i: Import) -> bool:
        return (
            within(i.source, "service.jobs") and within(i.target, "service") and not within(i.target, *JOBS_MAY_IMPORT)
        )

    return _violations(imports, bad, f"jobs may import only {', '.join(JOBS_MAY_IMPORT)}")


def domain_reaches_out(imports: list[Import]) -> list[str]:
    def bad(i: Import) -> bool:
        return (
            within(i.source, "service.domain")
            and within(i.target, "service")
            and not within(i.target, "service.domain")
        )

    return _violations(imports, bad, "the domain imports only the domain")


RULES = {
    "no import cycles": cycles,
    "service never imports tests": product_imports_tests,
    "CLI and API stay apart": entry_points_cross,
    "adapters never import entry points": adapters_import_entry_points,
    "jobs use adapters through ports": jobs_bypass_ports,
    "domain depends on nothing else": domain_reaches_out,
}


@pytest.mark.parametrize("rule", list(RULES))
def test_service_layering(rule: str) -> None:
    found = RULES[rule](read_imports())
    assert not found, f"{rule}: {len(found)} violation(s)\n  " + "\n  ".join(found)


# -- the checkers themselves can fail -----------------------------------------------------------------------------


def edges(*pairs: str) -> list[Import]:
    """``"a -> b"`` pairs; ``"a -> b: x, y"`` for ``from b import x, y``."""
    found = []
    for pair in pairs:
        source, _, rest = pair.partition(" -> ")
        target, _, names = rest.partition(": ")
        found.append(Import(source, target, 1, frozenset(names.split(", ")) if names else None))
    return found


def test_a_cycle_is_reported_but_a_package_importing_its_submodules_is_not() -> None:
    assert cycles(edges("service.x -> service.x.a", "service.x.a -> service.x.b")) == []
    found = cycles(edges("service.x -> service.x.a", "service.x.a -> service.x.b", "service.x.b -> service.x"))
    assert len(found) == 1 and "service.x, service.x.a, service.x.b" in found[0]


def test_importing_tests_is_reported() -> None:
    assert product_imports_tests(edges("service.demo -> tests.fixture_web.server", "service.api -> service.jobs"))


def test_cli_may_take_only_the_app_factory_and_the_api_nothing_from_the_cli() -> None:
    assert entry_points_cross(edges("service.cli.serve -> service.api: create_app")) == []
    assert len(entry_points_cross(edges("service.cli.serve -> service.api: create_app, tasks"))) == 1
    assert len(entry_points_cross(edges("service.cli.main -> service.api.render"))) == 1
    assert len(entry_points_cross(edges("service.api.tasks -> service.cli.render"))) == 1


def test_an_adapter_importing_an_entry_point_is_reported() -> None:
    found = adapters_import_entry_points(edges("service.sheets.sink -> service.api.errors", "service.store -> x"))
    assert len(found) == 1 and "service.sheets.sink" in found[0]


def test_jobs_importing_an_adapter_is_reported_and_a_port_is_not() -> None:
    ok = edges("service.jobs.submit -> service.store.port", "service.jobs.submit -> service.domain.model")
    assert jobs_bypass_ports(ok) == []
    assert len(jobs_bypass_ports(edges("service.jobs.submit -> service.store.sqlite"))) == 1


def test_the_domain_importing_outside_itself_is_reported() -> None:
    assert domain_reaches_out(edges("service.domain.model -> service.domain.errors")) == []
    assert len(domain_reaches_out(edges("service.domain.model -> service.files.cells"))) == 1


def test_imports_are_read_from_functions_but_not_under_type_checking() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from service.x import y, z\n"
        "from . import w\n"
        "if TYPE_CHECKING:\n    from service.hidden import H\n"
        "def f():\n    import service.inner.mod\n"
    )
    found = imports_of("service.x.m", source, is_package=False, known={"service.x.y", "service.x.w"})
    assert {(i.target, i.names) for i in found if within(i.target, "service")} == {
        ("service.x.y", None),
        ("service.x", frozenset({"z"})),
        ("service.x.w", None),
        ("service.inner.mod", None),
    }
