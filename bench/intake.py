"""Email intake at speed: messages ingested per second, parse + thread + store, on SQLite
(default, a fresh temporary folder) or an empty PostgreSQL database.

    python bench/intake.py
    python bench/intake.py --database-url postgres://postgres@127.0.0.1:5432/empty_db

A script that prints figures, not a test. ``--messages`` MIME messages (default 2,000) are
made up front, real-world-shaped (a text part and an HTML alternative, quoted history and a
signature, ~2 kB): 60 % open a case for one of 50 contacts, 30 % reply to an earlier case
by ``In-Reply-To`` (threaded onto it), 10 % are out-of-office auto-replies (stored, ignored).
Each goes through ``casework.channels.email.intake.email_receive``, as the SMTP listener and
the HTTP endpoint call it: stored first, parsed, threaded or opened, marked. Printed: the
pure parse rate alone, then ingestion per second overall and per kind, and the p50/p95 of
one message.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONTACTS = 50
QUOTE = "\n".join(f"> line {n} of the earlier message, quoted back" for n in range(12))
SIGNATURE = "\n-- \nAlice Example\nContact centre operations, Acme\n+1 555 0100"


def _message(n: int, kind: str, sender: str, thread: str | None) -> bytes:
    message = EmailMessage()
    message["From"] = f"Contact {n % CONTACTS} <{sender}>"
    message["To"] = "support@casework.test"
    message["Date"] = format_datetime(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    message["Message-ID"] = make_msgid(idstring=f"b{n}", domain="acme.test")
    if kind == "auto":
        message["Subject"] = "Out of office"
        message["Auto-Submitted"] = "auto-replied"
        message.set_content("I am away until Monday.")
        return message.as_bytes()
    if thread is not None:
        message["Subject"] = "Re: calls drop"
        message["In-Reply-To"] = message["References"] = thread
    else:
        message["Subject"] = f"Calls drop on campaign {n}"
    text = f"Calls drop after 30 s on campaign {n} since 09:00.\n\nOn Monday, support wrote:\n"
    message.set_content(text + QUOTE + SIGNATURE)
    message.add_alternative(f"<p>Calls drop after 30 s on campaign {n}.</p><blockquote>"
                            f"{QUOTE}</blockquote>", subtype="html")  # fmt: skip
    return message.as_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    os.environ["CASEWORK_LOG_LEVEL"] = "ERROR"
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["CASEWORK_VAR_DIR"] = tempfile.mkdtemp(prefix="casework-intake-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    import django

    django.setup()
    run(args.messages)


def _people() -> list[str]:
    from casework.accounts.services import organization_create, user_create
    from casework.policies.services import policy_version_load

    path = ROOT / "policy-packs" / "liveops.yaml"
    policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))
    org = organization_create(name="Acme", policy_id="liveops", plan_id="standard",
                              effective_from=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    addresses = []
    for n in range(CONTACTS):
        address = f"contact{n}@acme.test"
        user_create(username=f"c{n}", email=address, role="contact", organization=org)
        addresses.append(address)
    return addresses


def run(count: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from casework.cases.models import Case
    from casework.channels.email.intake import email_receive
    from casework.channels.email.parse import email_parse

    call_command("migrate", verbosity=0)
    addresses = _people()
    rng = random.Random(7)  # noqa: S311 - reproducible traffic, not secrets
    print(
        f"casework email intake benchmark on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {connection.vendor}"
    )
    # Which earlier new-case message each reply answers is known only once it is ingested:
    # replies point at the Message-ID of our own reply to that case, as a mail client would.
    plan = [rng.choices(("new", "reply", "auto"), weights=(60, 30, 10))[0] for _ in range(count)]
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    # 1,000 distinct messages, each parsed once: the parser remembers header values it has
    # parsed (parse.py), so parsing the same few messages again would flatter it.
    sample = [_message(n, "new", addresses[n % CONTACTS], None) for n in range(1000)]
    t = time.perf_counter()
    for payload in sample:
        email_parse(payload, received_at=at)
    parse_rate = len(sample) / (time.perf_counter() - t)
    print(f"  parse only (pure):                 {parse_rate:8.0f} messages/s")
    times: dict[str, list[float]] = {"new": [], "reply": [], "auto": []}
    opened: list[int] = []
    total = time.perf_counter()
    for n, kind in enumerate(plan):
        sender = addresses[n % CONTACTS]
        thread = None
        if kind == "reply":
            if not opened:
                kind = "new"
            else:
                case_id = rng.choice(opened)
                thread = f"<casework.CW-{case_id:06d}.reply.1@casework.test>"
        payload = _message(n, kind, sender, thread)
        t = time.perf_counter()
        stored = email_receive(payload=payload, source="bench")
        times[kind].append((time.perf_counter() - t) * 1000)
        if kind == "new" and stored.raw.case_id is not None:
            opened.append(stored.raw.case_id)
    elapsed = time.perf_counter() - total
    every = [ms for kind in times.values() for ms in kind]
    print(
        f"  ingested (parse, thread, store):   {count / elapsed:8.0f} messages/s "
        f"({count} in {elapsed:.1f} s)"
    )
    for kind, values in times.items():
        if values:
            print(
                f"    {kind:<6} n={len(values):>5}  p50 {statistics.median(values):6.2f} ms  "
                f"p95 {sorted(values)[int(0.95 * (len(values) - 1))]:6.2f} ms"
            )
    print(
        f"  one message: p50 {statistics.median(every):.2f} ms, "
        f"p95 {sorted(every)[int(0.95 * (len(every) - 1))]:.2f} ms; "
        f"{Case.objects.count()} cases opened"
    )


if __name__ == "__main__":
    main()
