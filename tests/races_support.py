"""Helpers for tests of people acting at the same moment: signed-in clients, flashed messages, held commits."""

import contextlib
import re
import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.fixtures.factories import PASSWORD

KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def signed_in(app, user):
    """A client of its own, in English, signed in as the user."""
    client = app.test_client()
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return client


def form_key(client, path) -> str:
    """The one-time key of the form on the page."""
    found = KEY.search(client.get(path).get_data(as_text=True))
    assert found, f"no one-time key on {path}"
    return found.group(1)


def flashes(client) -> list[str]:
    """The messages flashed to the client since last asked."""
    with client.session_transaction() as session:
        return [message for _category, message in session.pop("_flashes", [])]


class CommitGate:
    """Hold each racing thread's first commit until every racer has reached its own (or a timeout passed).

    Without a lock both requests read the state before either commits; with one, the second
    waits inside its request and the first commits after the timeout.
    """

    def __init__(self, racers: int, timeout: float = 1.0):
        self.barrier = threading.Barrier(racers, timeout=timeout)
        self.racers: set[int] = set()
        self.waited: set[int] = set()

    def __enter__(self):
        event.listen(Session, "before_commit", self._hold)
        return self

    def __exit__(self, *exc):
        event.remove(Session, "before_commit", self._hold)

    def _hold(self, session):
        me = threading.get_ident()
        if me in self.racers and me not in self.waited:
            self.waited.add(me)
            with contextlib.suppress(threading.BrokenBarrierError):
                self.barrier.wait()

    def run(self, *works):
        """Run each callable in its own thread, all released together; return their results in order."""
        results: list = [None] * len(works)
        start = threading.Barrier(len(works))

        def attempt(i):
            self.racers.add(threading.get_ident())
            start.wait()
            results[i] = works[i]()

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(works))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results


def race(app, work, threads: int, catch: type[Exception] | tuple = ()) -> list[str]:
    """Run work(i) in `threads` threads released together, each committing its own transaction.

    Each result is "ok", the refusal's code (a DomainError), or the name of an exception listed in `catch`
    (a deadlock or a lost update would show there); anything else fails the thread's result as its name too.
    """
    from mall.errors import DomainError
    from mall.extensions import db

    results: list[str] = [""] * threads
    barrier = threading.Barrier(threads)

    def attempt(i):
        with app.app_context():
            barrier.wait()
            try:
                work(i)
                db.session.commit()
                results[i] = "ok"
            except DomainError as exc:
                db.session.rollback()
                results[i] = exc.code
            except catch as exc:
                db.session.rollback()
                results[i] = type(exc).__name__
            finally:
                db.session.remove()

    started = [threading.Thread(target=attempt, args=(i,)) for i in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    return results
