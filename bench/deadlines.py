"""Deadlines per second: casework's calendar engine against businesstimedelta, in one run.

    python bench/deadlines.py [--starts 2000] [--repeats 5] [--box 0.4]

Calendar: 09:00-17:00 Monday to Friday with public holidays, as America/New_York with
``holidays.US`` (subdiv None, written out) and as Europe/London with ``holidays.GB``
(subdiv "ENG"; without it Easter Monday and the August bank holiday are missed, see
../shared/peers/FIGURES.md). Targets: 1h, 8h and 120h of business time, and 3 business days
(gap G3). Starts: 2,000 random instants in 2025 (seed 42), whole seconds.

Each rate is the median of ``--repeats`` time-boxed repeats, single thread: a repeat runs
batches of 200 deadlines over the starts until ``--box`` seconds have passed. businesstimedelta
computes the same deadlines on the same starts in the same run, and both must agree on every
start, "17:00" and "the next business day's 09:00" being the same deadline (as
../shared/peers/bt_bench.py compares them). businesstimedelta 1.0.1 has no business-day
concept, so the 3-business-day target has no peer figure; it is checked against a plain
day-by-day loop written here instead.

businesstimedelta and pytz are installed by the script itself (``pip install --target`` into
a temporary directory, no dependencies) when they are not importable.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import holidays

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from casework.policy.calendar import BusinessCalendar, compile_calendar
from casework.policy.durations import Span
from casework.policy.schema import Calendar, HolidaySource

OPEN, CLOSE = clock_time(9), clock_time(17)
YEARS = range(2024, 2028)
PEER_DIR = Path(tempfile.gettempdir()) / "casework-bench-peers"
PEER_PACKAGES = ("businesstimedelta==1.0.1", "pytz")
HOURS = (1, 8, 120)
BUSINESS_DAYS = 3
# businesstimedelta in ../shared/peers/FIGURES.md (median of run A), same machine kind.
PEER_FIGURES = {
    ("US/New_York", 1): 9_532,
    ("US/New_York", 8): 7_920,
    ("US/New_York", 120): 660,
    ("UK/London", 1): 7_071,
    ("UK/London", 8): 5_829,
    ("UK/London", 120): 486,
}
TARGET_RATE = 200_000
TARGET_RATIO = {1: 20, 8: 20, 120: 300}

Deadline = Callable[[datetime], datetime]


class Place:
    """One benchmark calendar: the zone, its holidays, ours compiled and the peer's rules."""

    def __init__(self, name: str, zone: str, country: str, subdiv: str | None) -> None:
        self.name = name
        self.zone = ZoneInfo(zone)
        self.holidays = holidays.country_holidays(country, subdiv=subdiv, years=YEARS)
        self.holiday_dates = frozenset(self.holidays.keys())
        spec = Calendar(
            id=f"bench-{country.lower()}",
            hours={day: [(540, 1020)] for day in ("mon", "tue", "wed", "thu", "fri")},
            holidays=[HolidaySource(country=country, subdiv=subdiv)],
        )
        self.ours: BusinessCalendar = compile_calendar(spec, zone)
        self.peer_rules: Any = None

    def is_business_day(self, day: date) -> bool:
        """Monday to Friday and not a holiday."""
        return day.weekday() < 5 and day not in self.holiday_dates

    def canonical(self, instant: datetime) -> datetime:
        """17:00 local is the same deadline as the next business day's 09:00."""
        local = instant.astimezone(self.zone)
        if local.time() == CLOSE:
            day = local.date() + timedelta(days=1)
            while not self.is_business_day(day):
                day += timedelta(days=1)
            return datetime.combine(day, OPEN, tzinfo=self.zone).astimezone(UTC)
        return local.astimezone(UTC)


PLACES = (
    ("US/New_York", "America/New_York", "US", None),
    ("UK/London", "Europe/London", "GB", "ENG"),
)
# ../shared/peers/FIGURES.md §2: (place, local start, hours, expected deadline)
DST_CASES = (
    ("US/New_York", "2025-03-07 15:00", 8, "2025-03-10T15:00:00-04:00"),
    ("US/New_York", "2025-10-31 16:00", 120, "2025-11-24T16:00:00-05:00"),
    ("UK/London", "2025-03-28 16:00", 8, "2025-03-31T16:00:00+01:00"),
    ("US/New_York", "2024-11-01 16:30", 1, "2024-11-04T09:30:00-05:00"),
)


def peer_modules() -> tuple[ModuleType, ModuleType]:
    """businesstimedelta and pytz, installed into a temporary directory when missing."""
    try:
        return importlib.import_module("businesstimedelta"), importlib.import_module("pytz")
    except ImportError:
        pass
    if not (PEER_DIR / "businesstimedelta").is_dir():
        print(f"installing {' '.join(PEER_PACKAGES)} into {PEER_DIR} ...", flush=True)
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        command += ["--no-deps", "--target", str(PEER_DIR), *PEER_PACKAGES]
        subprocess.run(command, check=True)  # noqa: S603 (fixed arguments, our own interpreter)
    sys.path.insert(0, str(PEER_DIR))
    importlib.invalidate_caches()
    return importlib.import_module("businesstimedelta"), importlib.import_module("pytz")


def peer_rules(place: Place, btd: ModuleType, pytz: ModuleType) -> Any:
    """businesstimedelta's rules for the same calendar (its zone must be a pytz zone)."""
    zone = pytz.timezone(place.zone.key)
    workday = btd.WorkDayRule(
        start_time=OPEN, end_time=CLOSE, working_days=[0, 1, 2, 3, 4], tz=zone
    )
    return btd.Rules([workday, btd.HolidayRule(place.holidays, tz=zone)])


def ours_hours(place: Place, hours: int) -> Deadline:
    """casework: start + ``hours`` business hours (the public ``BusinessCalendar.add``)."""
    calendar, span = place.ours, Span(seconds=hours * 3600)
    return lambda start: calendar.add(start, span)


def ours_days(place: Place, days: int) -> Deadline:
    """casework: start + ``days`` business days (G3)."""
    calendar, span = place.ours, Span(business_days=days)
    return lambda start: calendar.add(start, span)


def reference_days(place: Place, days: int) -> Deadline:
    """A plain day-by-day loop for G3 on this calendar, to check ours against: from the next
    opening, the same local clock time on the ``days``-th following business day (a 09:00-17:00
    day has no clamping to do: the clock time of an opening is always inside the hours)."""

    def add(start: datetime) -> datetime:
        local = start.astimezone(place.zone)
        day, at = local.date(), local.time().replace(tzinfo=None)
        if not place.is_business_day(day) or at >= CLOSE:
            day += timedelta(days=1)
            while not place.is_business_day(day):
                day += timedelta(days=1)
            at = OPEN
        at = max(at, OPEN)
        for _ in range(days):
            day += timedelta(days=1)
            while not place.is_business_day(day):
                day += timedelta(days=1)
        return datetime.combine(day, at, tzinfo=place.zone)

    return add


def peer_hours(place: Place, btd: ModuleType, hours: int) -> Deadline:
    """businesstimedelta: start + BusinessTimeDelta(rules, hours=N)."""
    delta = btd.BusinessTimeDelta(place.peer_rules, hours=hours)

    def add(start: datetime) -> datetime:
        due: datetime = start + delta
        return due

    return add


def rate(deadline: Deadline, starts: list[datetime], repeats: int, box: float) -> list[float]:
    """Deadlines per second in ``repeats`` time-boxed repeats (batches of 200 starts)."""
    rates = []
    batches = [starts[i : i + 200] for i in range(0, len(starts), 200)]
    for _ in range(repeats):
        done, index = 0, 0
        begin = time.perf_counter()
        while True:
            for start in batches[index]:
                deadline(start)
            done += len(batches[index])
            index = (index + 1) % len(batches)
            elapsed = time.perf_counter() - begin
            if elapsed >= box:
                break
        rates.append(done / elapsed)
    return rates


def disagreements(
    place: Place, ours: Deadline, peer: Deadline, starts: list[datetime]
) -> list[str]:
    """Starts where two deadlines differ (after the 17:00 / 09:00 canonical form)."""
    found = []
    for start in starts:
        a, b = place.canonical(ours(start)), place.canonical(peer(start))
        if a != b:
            found.append(
                f"{start.isoformat()}: ours {a.isoformat()}, businesstimedelta {b.isoformat()}"
            )
    return found


def machine() -> str:
    """CPU model, cores, Python and the versions that matter here."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for package in ("holidays", "businesstimedelta", "pytz"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} (from {PEER_DIR})")
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}; "
        + ", ".join(versions)
    )


def dst_cases(places: dict[str, Place], btd: ModuleType) -> list[str]:
    """The four hand-computed DST cases, for both implementations."""
    lines = [
        "| place | start (local) | + | expected | casework | businesstimedelta |",
        "|---|---|---|---|---|---|",
    ]
    for name, start_text, hours, expected_text in DST_CASES:
        place = places[name]
        start = datetime.fromisoformat(start_text).replace(tzinfo=place.zone)
        expected = datetime.fromisoformat(expected_text)
        ours = ours_hours(place, hours)(start)
        peer = peer_hours(place, btd, hours)(start)
        lines.append(
            f"| {name} | {start_text} | {hours}h | {expected_text} | "
            f"{'ok' if ours == expected else 'WRONG ' + ours.isoformat()} | "
            f"{'ok' if peer == expected else 'WRONG ' + peer.isoformat()} |"
        )
    return lines


def bench_place(
    place: Place, btd: ModuleType, args: argparse.Namespace
) -> tuple[list[str], list[str], int]:
    """Table rows, target verdicts and the number of disagreements for one calendar."""
    rng = random.Random(42)  # noqa: S311 (benchmark inputs, not secrets)
    t0 = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    starts = [
        datetime.fromtimestamp(t0 + rng.random() * 365 * 86400, place.zone).replace(microsecond=0)
        for _ in range(args.starts)
    ]
    rows, verdicts, problems = [], [], 0
    for hours in HOURS:
        ours, peer = ours_hours(place, hours), peer_hours(place, btd, hours)
        wrong = disagreements(place, ours, peer, starts)
        problems += len(wrong)
        for line in wrong[:5]:
            print(f"  DISAGREE {place.name} {hours}h {line}", file=sys.stderr)
        mine = rate(ours, starts, args.repeats, args.box)
        theirs = rate(peer, starts, args.repeats, args.box)
        m, t = statistics.median(mine), statistics.median(theirs)
        figure = PEER_FIGURES[(place.name, hours)]
        rows.append(
            f"| {place.name} | {hours}h | **{m:,.0f}** ({min(mine):,.0f}-{max(mine):,.0f}) | "
            f"{t:,.0f} ({min(theirs):,.0f}-{max(theirs):,.0f}) | **{m / t:,.0f}x** | "
            f"{figure:,} | {m / figure:,.0f}x | {len(starts) - len(wrong)}/{len(starts)} |"
        )
        verdicts.append(
            f"{place.name} {hours}h: {m:,.0f}/s {_verdict(m >= TARGET_RATE)} 200,000/s; "
            f"{m / t:,.0f}x {_verdict(m / t >= TARGET_RATIO[hours])} {TARGET_RATIO[hours]}x"
        )
    ours = ours_days(place, BUSINESS_DAYS)
    wrong = disagreements(place, ours, reference_days(place, BUSINESS_DAYS), starts)
    problems += len(wrong)
    for line in wrong[:5]:
        print(f"  DISAGREE {place.name} {BUSINESS_DAYS}bd {line}", file=sys.stderr)
    days = rate(ours, starts, args.repeats, args.box)
    d = statistics.median(days)
    rows.append(
        f"| {place.name} | {BUSINESS_DAYS} business days | **{d:,.0f}** "
        f"({min(days):,.0f}-{max(days):,.0f}) | no business-day concept | - | - | - "
        f"| {len(starts) - len(wrong)}/{len(starts)} vs a plain loop |"
    )
    verdicts.append(
        f"{place.name} {BUSINESS_DAYS} business days: {d:,.0f}/s "
        f"{_verdict(d >= TARGET_RATE)} 200,000/s (no peer figure)"
    )
    return rows, verdicts, problems


def _verdict(met: bool) -> str:
    return "meets" if met else "MISSES"


def main() -> int:
    """Run the benchmark and print a Markdown report; exit 1 on a disagreement."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--starts", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--box", type=float, default=0.4, help="seconds per repeat")
    args = parser.parse_args()

    btd, pytz = peer_modules()
    places = {name: Place(name, *rest) for name, *rest in PLACES}
    for place in places.values():
        place.peer_rules = peer_rules(place, btd, pytz)

    print(f"Machine: {machine()}\n")
    print(f"{args.starts} random starts in 2025 (seed 42), median of {args.repeats} repeats "
          f"of {args.box}s each, single thread.\n")  # fmt: skip
    print(
        "| calendar | target | casework /s (min-max) | businesstimedelta /s (min-max) | ratio "
        "| FIGURES.md businesstimedelta /s | ratio to it | agree |"
    )
    print("|---|---|---|---|---|---|---|---|")
    problems = 0
    verdicts: list[str] = []
    for place in places.values():
        rows, found, wrong = bench_place(place, btd, args)
        print("\n".join(rows), flush=True)
        verdicts += found
        problems += wrong

    print("\nTargets (issue 2 §4): at least 200,000 deadlines/s at every duration, at least 20x")
    print("businesstimedelta at 1-8h and 300x at 120h.\n")
    for verdict in verdicts:
        print(f"- {verdict}")
    print("\nHand-computed DST cases (../shared/peers/FIGURES.md §2):\n")
    print("\n".join(dst_cases(places, btd)))
    if problems:
        print(f"\n{problems} disagreements with businesstimedelta", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
