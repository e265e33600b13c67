"""Shared test set-up: pytest-django (configured in pyproject.toml) and the `rule` marker check.

Helpers to import live in tests/support.py (``from tests.support import require_service``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.support import rule_marker_problem


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a `rule` marker that does not cite POLICY-RULES ids such as ``rule("R56")``."""
    for item in items:
        for marker in item.iter_markers("rule"):
            problem = rule_marker_problem(marker)
            if problem:
                raise pytest.UsageError(f"{item.nodeid}: {problem}")


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache: the status board is cached under ids that a
    rolled-back test may hand out again."""
    cache.clear()
    yield
    cache.clear()
