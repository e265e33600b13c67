"""The worker loop: run due background tasks, sweep the SLA clocks every N seconds, and
poll the IMAP mailboxes that are due.

One loop serves both `casework worker` (its own process, stopped by SIGTERM/SIGINT) and the
worker thread of `casework demo` (stopped with the server). Tasks are run by django-tasks-db's
own ``Worker`` in batch mode (it claims each task with ``SELECT … FOR UPDATE SKIP LOCKED``,
so any number of workers share the queue); the sweep is ``clock_sweep``, exactly-once by
itself. Each IMAP mailbox is polled every ``CASEWORK_IMAP_POLL_SECONDS``, decided by its
``last_polled_at`` in the database and claimed with a lease, so that any number of workers
share them too (``casework.channels.email.imap``). Errors of one tick are logged and the loop
goes on.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass

from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from casework.cases.followups import case_auto_confirm_due, case_pending_reminders_due
from casework.cases.sweep import clock_sweep
from casework.channels.email.imap import mailboxes_poll_due
from casework.status.services import maintenance_sweep

logger = logging.getLogger(__name__)

# How often the loop looks for due tasks between two sweeps.
TASK_POLL_SECONDS = 1.0


@dataclass(slots=True)
class TickResult:
    """What one tick did: the sweep's actions (None when it did not sweep), the follow-ups of
    cases waiting on the customer, the tasks run and the mailboxes polled."""

    swept: int | None
    tasks: int
    followups: int = 0
    polled: int = 0
    maintenance: int = 0


def tasks_run_due(worker_id: str) -> int:
    """Run every task that is due now (django-tasks-db's worker, batch mode); how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.run()
    return worker._run_tasks


def worker_tick(*, worker_id: str, sweep: bool) -> TickResult:
    """One pass: sweep (when asked) with the follow-ups of cases waiting on the customer
    (R9 auto-confirmation, G14 reminders and auto-close), poll the IMAP mailboxes due, then
    run the tasks due, the mail of all three included."""
    swept = None
    followups = 0
    at = timezone.now()
    if sweep:
        swept = len(clock_sweep(at=at))
        followups = len(case_auto_confirm_due(at=at)) + len(case_pending_reminders_due(at=at))
    # Maintenance starts and ends on time by itself: every tick, not only at sweeps (R29).
    maintenance = len(maintenance_sweep(at=at))
    polled = len(mailboxes_poll_due(at=at))
    return TickResult(
        swept=swept, tasks=tasks_run_due(worker_id), followups=followups, polled=polled,
        maintenance=maintenance,
    )  # fmt: skip


def worker_loop(*, stop: threading.Event, sweep_interval: float, once: bool = False) -> None:
    """Tick until ``stop`` is set (or once); sweeps every ``sweep_interval`` seconds."""
    worker_id = f"casework-{uuid.uuid4().hex[:16]}"
    logger.info("worker %s: sweeping every %gs", worker_id, sweep_interval)
    next_sweep = 0.0
    try:
        while not stop.is_set():
            close_old_connections()
            now = time.monotonic()
            due = now >= next_sweep
            try:
                result = worker_tick(worker_id=worker_id, sweep=due)
            except Exception:
                logger.exception("worker %s: tick failed; going on", worker_id)
            else:
                if (result.swept or result.tasks or result.followups or result.polled
                        or result.maintenance):  # fmt: skip
                    logger.info(
                        "worker %s: %s action(s), %s follow-up(s), %s mailbox(es), "
                        "%s maintenance change(s), %s task(s)",
                        worker_id,
                        result.swept or 0,
                        result.followups,
                        result.polled,
                        result.maintenance,
                        result.tasks,
                    )
            if due:
                next_sweep = now + sweep_interval
            if once:
                return
            stop.wait(min(TASK_POLL_SECONDS, max(0.0, next_sweep - time.monotonic())))
    finally:
        connection.close()
        logger.info("worker %s: stopped", worker_id)


def worker_thread_start(*, sweep_interval: float) -> tuple[threading.Thread, threading.Event]:
    """The loop in a daemon thread (for `casework demo`); set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=worker_loop,
        kwargs={"stop": stop, "sweep_interval": sweep_interval},
        name="casework-worker",
        daemon=True,
    )
    thread.start()
    return thread, stop
