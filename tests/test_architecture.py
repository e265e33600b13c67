"""Layering rules that a reviewer should not have to check by eye (STYLE 3.4, house rules 1 and 4).

- casework.policy is pure: it imports nothing from Django nor from another casework package,
  imports no `time`, and reads no clock (the instant is always an argument).
- Views and API operations never write through the ORM; services do.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASEWORK = ROOT / "casework"
POLICY = CASEWORK / "policy"

# Attribute calls that read the current time: datetime.now(), date.today(), ...
CLOCK_READS = frozenset({"now", "utcnow", "today"})
# ORM writes that belong in services, never in views or api.py (STYLE 3.3). `create` and
# `update` count only on a manager or queryset, so `context.update(...)` on a dict stays legal.
ORM_WRITES = frozenset(
    {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
)
QUERYSET_WRITES = frozenset({"create", "update"})
QUERYSET_MARKERS = (".objects", ".filter(", ".exclude(", ".all(", "_set")


def python_files(folder: Path) -> list[Path]:
    """Every Python module under ``folder``."""
    return sorted(folder.rglob("*.py"))


def imported_modules(tree: ast.AST, module: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in ``tree``, relative ones resolved."""
    package = module.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            yield node.lineno, ".".join([*base, *filter(None, [node.module])])


def impurities(source: str, module: Path) -> Iterator[str]:
    """``FILE:LINE: problem`` for each thing that makes ``source`` (of ``module``) impure."""
    tree = ast.parse(source, filename=str(module))
    for line, name in imported_modules(tree, module):
        top = name.split(".")[0]
        in_policy = name == "casework.policy" or name.startswith("casework.policy.")
        if top in {"django", "time"} or (top == "casework" and not in_policy):
            yield f"{module}:{line}: imports {name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CLOCK_READS
        ):
            yield f"{module}:{node.lineno}: reads the clock ({node.func.attr}())"


def orm_writes(source: str, module: Path) -> Iterator[str]:
    """``FILE:LINE: problem`` for each ORM write call in a view or API module."""
    for node in ast.walk(ast.parse(source, filename=str(module))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, ast.unparse(node.func.value)
        on_queryset = any(marker in receiver for marker in QUERYSET_MARKERS)
        if method in ORM_WRITES or (method in QUERYSET_WRITES and on_queryset):
            yield f"{module}:{node.lineno}: calls .{method}(); call a service"


def test_the_policy_package_has_modules() -> None:
    assert [path for path in python_files(POLICY) if path.name != "__init__.py"]


def test_the_policy_package_imports_no_django_no_other_app_and_reads_no_clock() -> None:
    problems = [
        problem
        for path in python_files(POLICY)
        for problem in impurities(path.read_text(encoding="utf-8"), path)
    ]
    assert problems == []


def test_views_and_api_operations_do_not_write_through_the_orm() -> None:
    surfaces = [
        path
        for path in python_files(CASEWORK)
        if path.name in {"views.py", "api.py"}
        or path.name.startswith("views_")
        or "views" in path.parent.parts
    ]
    assert CASEWORK / "accounts" / "views_portal.py" in surfaces  # views_*.py count too
    problems = [
        problem
        for path in surfaces
        for problem in orm_writes(path.read_text(encoding="utf-8"), path)
    ]
    assert problems == []


def test_the_purity_check_finds_django_other_apps_time_and_clock_reads() -> None:
    source = (
        "import django.db\n"
        "from casework.cases import models\n"
        "from ..cases import services\n"
        "from . import calendar\n"
        "from .schema import Policy\n"
        "from casework.policy.errors import PolicyError\n"
        "import time\n"
        "from datetime import time as clock_time\n"
        "at = datetime.now(UTC)\n"
        "later = at.replace(hour=1)\n"
    )
    problems = list(impurities(source, POLICY / "probe.py"))
    assert [problem.split(": ", 1)[1] for problem in problems] == [
        "imports django.db",
        "imports casework.cases",
        "imports casework.cases",
        "imports time",
        "reads the clock (now())",
    ]


def test_the_orm_write_check_finds_saves_in_a_view() -> None:
    source = (
        "def view(request):\n"
        "    case.save()\n"
        "    Case.objects.filter(x=1).update(y=2)\n"
        "    Note.objects.create(body='x')\n"
        "    context.update(case=case)\n"
    )
    problems = list(orm_writes(source, CASEWORK / "cases" / "views.py"))
    assert [problem.split(": ", 1)[1] for problem in problems] == [
        "calls .save(); call a service",
        "calls .update(); call a service",
        "calls .create(); call a service",
    ]
