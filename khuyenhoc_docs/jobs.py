"""Background jobs (huey): SQLite file in the data dir by default, Redis in production.

The consumer runs as ``huey_consumer khuyenhoc_docs.jobs.huey``; queued jobs live in the
storage, so they survive a restart of the consumer or of the app.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey

from . import jobs_setup, lazy
from .config import Settings, load_settings
from .db import make_engine, make_session_factory
from .services import Services

log = logging.getLogger(__name__)


def _make_huey(settings: Settings) -> Huey:
    if settings.redis_url:
        return RedisHuey("khuyenhoc_docs", url=settings.redis_url, immediate=settings.jobs_immediate)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("khuyenhoc_docs", filename=str(settings.data_dir / "jobs.sqlite3"),
                      immediate=settings.jobs_immediate)


huey = _make_huey(load_settings())
_lock = threading.Lock()
_context: dict[str, Any] = {}


def configure(settings: Settings, services: Services | None = None, sessions=None) -> None:
    """Point the jobs at the app's settings (the app factory calls this; tests pass overrides)."""
    with _lock:
        _context.clear()
        _context["settings"] = settings
        if services is not None:
            _context["services"] = services
        if sessions is not None:
            _context["sessions"] = sessions
    if not settings.redis_url:
        # The queue follows the configured data dir (a test's, or KHD_DATA_DIR in a worker).
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        huey.storage_kwargs["filename"] = str(settings.data_dir / "jobs.sqlite3")
    huey.immediate = settings.jobs_immediate
    if not settings.jobs_immediate:
        huey.storage = huey.create_storage()


@huey.on_startup()
def _import_domain() -> None:
    """Each consumer thread, before its first task: the tasks import their code at first use, and
    two threads doing that at once can each get a half-imported module (lazy.py says why)."""
    lazy.import_domain()


def _ctx() -> tuple[Services, Any]:
    with _lock:
        if "settings" not in _context:
            _context["settings"] = load_settings()
        settings = _context["settings"]
        if "services" not in _context:
            _context["services"] = Services(settings)
        if "sessions" not in _context:
            _context["sessions"] = make_session_factory(make_engine(settings.sqlalchemy_url))
        return _context["services"], _context["sessions"]


@huey.task(retries=5, retry_delay=30)
def deliver_dispatch(dispatch_id: int) -> str:
    """Send one dispatch; temporary SMTP failures raise so huey retries later."""
    from .workflow.distribution import deliver

    svc, sessions = _ctx()
    with sessions() as session:
        return deliver(session, svc, dispatch_id, svc.settings.base_url)


@huey.task(retries=2, retry_delay=10)
def cascade(job_id: int) -> str:
    """Generate the unit programmes of a cascade job (reruns skip units already done)."""
    from .workflow.cascade import run_cascade

    svc, sessions = _ctx()
    with sessions() as session:
        job = run_cascade(session, svc, job_id)
        return job.status if job is not None else "missing"


@huey.periodic_task(crontab(hour="7", minute="0"))
def daily_reminders() -> dict:
    """Deadline reminders and overdue notices for yearly reports (07:00 server time)."""
    from .workflow.reports import send_reminders
    from .workflow.submission import today_vn

    svc, sessions = _ctx()
    with sessions() as session:
        return send_reminders(session, svc, today_vn(), days_before=svc.settings.reminder_days)


@huey.periodic_task(crontab(hour="3", minute="30"))
def archive_refresh() -> dict:
    """B-LTA upkeep: re-timestamp final records whose newest TSA certificate expires within
    KHD_LTA_HORIZON_DAYS (03:30 server time; idempotent)."""
    from .audit import Actor
    from .workflow.archival import refresh

    svc, sessions = _ctx()
    with sessions() as session:
        result = refresh(session, svc, Actor(ip="job"), horizon_days=svc.settings.lta_horizon_days)
    return {"checked": result.checked, "added": result.added, "failed": result.failed}
@huey.task(retries=0)
def remote_signing_tick(request_id: int) -> str:
    """Ask the remote signing service once; while the signer has not answered, look again later.

    Each look is a short task: no worker thread sleeps while a phone waits for its owner."""
    from .workflow.remote_signing import tick

    svc, sessions = _ctx()
    with sessions() as session:
        status = tick(session, svc, request_id)
    if status == "pending" and not huey.immediate:
        remote_signing_tick.schedule((request_id,), delay=svc.settings.remote_poll_seconds)
    return status


def enqueue_remote_tick(request_id: int) -> None:
    """Queue the first look at a remote signing request (inline when jobs are immediate)."""
    try:
        remote_signing_tick(request_id)
    except Exception as exc:  # noqa: BLE001 - inline mode: the request keeps its state, polling retries
        log.warning("remote signing tick %s failed: %s", request_id, exc)


@huey.periodic_task(crontab(minute="*"))
def edxml_inbox() -> dict:
    """Register edXML packages and statuses dropped in the inbox folder (every minute)."""
    from .workflow.exchange_in import process_inbox

    svc, sessions = _ctx()
    with sessions() as session:
        return process_inbox(session, svc)


def enqueue_cascade(job_id: int) -> None:
    """Queue a cascade job (inline when jobs are immediate)."""
    cascade(job_id)


def enqueue_deliveries(dispatch_ids: list[int]) -> None:
    """Queue delivery of the given dispatches (inline when jobs are immediate)."""
    for dispatch_id in dispatch_ids:
        try:
            deliver_dispatch(dispatch_id)
        except Exception as exc:  # noqa: BLE001 - inline mode raises what a worker would retry
            log.warning("delivery of dispatch %s failed: %s", dispatch_id, exc)


jobs_setup.attach(configure)  # the app factory's settings, when it ran before this import
