"""Background jobs: RQ on Redis when REDIS_URL is set, an embedded queue otherwise.

`enqueue()` only records the job; it is handed to the queue after the current database
transaction commits, and dropped if it rolls back, so a job never sees uncommitted data.
"""

from __future__ import annotations

import importlib
import logging
import queue
import threading
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from mall.extensions import db
from mall.form_numbers import is_whole_number

log = logging.getLogger(__name__)
_PENDING = "mall_pending_jobs"


@dataclass
class PendingJob:
    """A job waiting for its transaction to commit."""

    path: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    idempotency_key: str | None = None


def enqueue(func, *args, idempotency_key: str | None = None, **kwargs) -> PendingJob:
    """Queue `func(*args, **kwargs)` to run once the current transaction commits.

    `func` must be a module-level function; jobs must be idempotent, because RQ may run a
    job again after a worker dies, and `idempotency_key` names the unit of work.
    """
    path = f"{func.__module__}:{func.__qualname__}"
    job = PendingJob(path, tuple(args), dict(kwargs), idempotency_key)
    session = db.session()
    # Owned by the innermost transaction open now: a savepoint that rolls back takes its jobs with it.
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((owner, current_app._get_current_object(), job))
    return job


def pending() -> list[PendingJob]:
    """The jobs this session will hand out at its next commit."""
    return [job for _owner, _app, job in db.session().info.get(_PENDING, [])]


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session):
    # SQLAlchemy reports a released savepoint as a commit too: its jobs then wait for the enclosing
    # transaction, and only the outermost commit hands them out.
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        pending = session.info.get(_PENDING, [])
        session.info[_PENDING] = [(savepoint.parent if owner is savepoint else owner, app, job)
                                  for owner, app, job in pending]
        return
    for _owner, app, job in session.info.pop(_PENDING, []):
        _backend(app).submit(app, job)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session, previous_transaction):
    # A savepoint rolled back drops only the jobs queued inside it; anything else drops them all.
    rolled_back = previous_transaction
    while rolled_back.parent is not None and not rolled_back.nested:
        rolled_back = rolled_back.parent
    if not rolled_back.nested:
        session.info.pop(_PENDING, None)
        return
    session.info[_PENDING] = [entry for entry in session.info.get(_PENDING, []) if entry[0] is not rolled_back]


def resolve(path: str):
    """Import a job function from its `module:qualname` path."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def execute(app: Flask, job: PendingJob) -> None:
    """Run one job in a fresh app context (its own database session)."""
    with app.app_context():
        try:
            resolve(job.path)(*job.args, **job.kwargs)
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


class EmbeddedQueue:
    """In-process queue for a bare machine: a daemon thread, or inline in tests."""

    def __init__(self, inline: bool):
        self.inline = inline
        self.failed: list[tuple[PendingJob, str]] = []
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, app: Flask, job: PendingJob) -> None:
        """Run the job now (inline) or hand it to the worker thread."""
        if self.inline:
            self._run(app, job)
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="mall-embedded-queue", daemon=True)
                self._thread.start()
        self._queue.put((app, job))

    def _run(self, app: Flask, job: PendingJob, attempts: int = 3) -> None:
        for attempt in range(1, attempts + 1):
            try:
                execute(app, job)
                return
            except Exception as exc:  # a failed job must not kill the queue
                log.exception("job %s failed (attempt %d/%d)", job.path, attempt, attempts)
                last = repr(exc)
        self.failed.append((job, last))

    def _work(self) -> None:
        while True:
            app, job = self._queue.get()
            try:
                self._run(app, job)
            finally:
                self._queue.task_done()

    def join(self) -> None:
        """Wait until every submitted job has run (used by the demo loader)."""
        self._queue.join()

    def health(self) -> dict:
        """Queue length, the worker thread, and the jobs that failed every attempt."""
        alive = self.inline or bool(self._thread and self._thread.is_alive())
        return {"backend": "embedded", "queues": [{"name": "embedded", "queued": self._queue.qsize(),
                                                   "failed": len(self.failed)}],
                "workers": [{"name": "inline" if self.inline else "mall-embedded-queue",
                             "state": "ready" if alive else "idle"}],
                "failed": [{"id": str(i), "what": job.idempotency_key or job.path, "error": error}
                           for i, (job, error) in enumerate(self.failed)]}

    def retry(self, app: Flask, job_id: str) -> bool:
        """Run a failed job again; False when there is no such failed job."""
        # A failed-list position has a few digits; int() refuses strings of thousands of them.
        if not is_whole_number(job_id) or len(job_id) > 9 or int(job_id) >= len(self.failed):
            return False
        job, _error = self.failed.pop(int(job_id))
        self.submit(app, job)
        return True


class RQBackend:
    """Hands jobs to RQ on Redis; `flask mall worker` (or `rq worker`) runs them."""

    def __init__(self, redis_url: str, queue_name: str):
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.connection)

    def submit(self, app: Flask, job: PendingJob) -> None:
        """Enqueue `mall.jobs.run_rq_job` with the job's path and arguments."""
        self.queue.enqueue(
            "mall.jobs.run_rq_job", job.path, list(job.args), job.kwargs,
            description=job.idempotency_key or job.path,
            retry=_rq_retry(),
        )


    def health(self) -> dict:
        """Every RQ queue's length and failed count, the workers, and this queue's failed jobs."""
        from rq import Queue, Worker
        from rq.registry import FailedJobRegistry

        queues = [{"name": q.name, "queued": q.count, "failed": FailedJobRegistry(queue=q).count}
                  for q in Queue.all(connection=self.connection)]
        workers = [{"name": w.name, "state": w.get_state()} for w in Worker.all(connection=self.connection)]
        registry = FailedJobRegistry(queue=self.queue)
        failed = []
        for job_id in registry.get_job_ids(0, 49):
            job = self.queue.fetch_job(job_id)
            failed.append({"id": job_id, "what": job.description if job else job_id,
                           "error": ((job.latest_result().exc_string or "") if job and job.latest_result() else "")
                           .strip().splitlines()[-1:] or [""]})
        for row in failed:
            row["error"] = row["error"][0]
        return {"backend": "rq", "queues": queues, "workers": workers, "failed": failed}

    def retry(self, app: Flask, job_id: str) -> bool:
        """Put a failed RQ job back on its queue; False when it is not in the failed registry."""
        from rq.registry import FailedJobRegistry

        registry = FailedJobRegistry(queue=self.queue)
        if job_id not in registry.get_job_ids():
            return False
        registry.requeue(job_id)
        return True


def _rq_retry():
    from rq import Retry

    return Retry(max=3, interval=[1, 5, 30])


_worker_app: Flask | None = None


def register_recovery(app: Flask, func) -> None:
    """Have the app's starting workers call `func()` to queue again work a dead worker left half-done
    (it must be idempotent: it may queue work that is already queued)."""
    hooks = app.extensions.setdefault("mall_recovery", [])
    if func not in hooks:
        hooks.append(func)


def recover() -> dict:
    """Run the current app's recovery functions and commit; returns what each queued again."""
    done = {}
    for func in current_app.extensions.get("mall_recovery", []):
        done[f"{func.__module__}.{func.__name__}"] = func()
        db.session.commit()
    return done


def prepare_worker(app: Flask) -> None:
    """Let forked work horses reuse this app instead of building one per job; no connection crosses the fork."""
    global _worker_app
    _worker_app = app
    for engine in db.engines.values():
        engine.dispose()


def run_rq_job(path: str, args: list, kwargs: dict) -> None:
    """Entry point executed by RQ workers: run the job inside the mall app."""
    global _worker_app
    if _worker_app is None:
        from mall import create_app

        _worker_app = create_app()
    execute(_worker_app, PendingJob(path, tuple(args), kwargs))


def init_app(app: Flask) -> None:
    """Choose the queue backend for this app."""
    if app.config.get("REDIS_URL"):
        app.extensions["mall_queue"] = RQBackend(app.config["REDIS_URL"], app.config["QUEUE_NAME"])
    else:
        app.extensions["mall_queue"] = EmbeddedQueue(inline=app.config.get("EMBEDDED_QUEUE_INLINE", False))


def _backend(app: Flask):
    return app.extensions["mall_queue"]


def backend():
    """The current app's queue backend."""
    return _backend(current_app)
