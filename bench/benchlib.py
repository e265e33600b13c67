"""What the benchmark scripts share: the environment of a throw-away casework and percentiles.

Imported by the scripts as ``from benchlib import …`` (a script's own folder is first on
``sys.path``).
"""

from __future__ import annotations

import os
import tempfile


def bench_environment(database_url: str | None) -> dict[str, str]:
    """The variables of a casework for one run: ``database_url`` (an empty PostgreSQL
    database) or a fresh SQLite database in a temporary ``CASEWORK_VAR_DIR``."""
    env = {"CASEWORK_LOG_LEVEL": "WARNING", "CASEWORK_ALLOWED_HOSTS": "127.0.0.1,testserver"}
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        env["CASEWORK_VAR_DIR"] = tempfile.mkdtemp(prefix="casework-bench-")
    return env


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
