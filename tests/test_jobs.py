"""Jobs run only after commit; with Redis a real RQ worker runs them."""

import os
import subprocess
import sys

from mall import jobs
from mall.catalog.models import Product
from mall.extensions import db
from tests.conftest import DB_URL, REDIS_URL, make_test_app, requires_redis
from tests.jobs_support import mark_product


def test_embedded_job_runs_after_commit_and_not_after_rollback(make_shop, make_product):
    product = make_product(make_shop())
    jobs.enqueue(mark_product, product.id, "[rolled back]")
    db.session.rollback()
    jobs.enqueue(mark_product, product.id, "[committed]")
    db.session.commit()
    db.session.expire_all()
    description = db.session.get(Product, product.id).description
    assert "[committed]" in description and "[rolled back]" not in description


def test_a_savepoint_neither_sends_nor_drops_the_jobs_around_it(make_shop, make_product):
    """A released savepoint is no commit: its jobs wait for the outer commit. A savepoint rolled back drops
    only the jobs queued inside it."""
    product = make_product(make_shop())
    jobs.enqueue(mark_product, product.id, "[before]")
    with db.session.begin_nested():
        jobs.enqueue(mark_product, product.id, "[released]")
    try:
        with db.session.begin_nested():
            jobs.enqueue(mark_product, product.id, "[undone]")
            raise LookupError
    except LookupError:
        pass
    assert [job.args[1] for job in jobs.pending()] == ["[before]", "[released]"]
    db.session.expire_all()
    assert "[" not in (db.session.get(Product, product.id).description or "")  # nothing ran yet
    db.session.commit()
    db.session.expire_all()
    description = db.session.get(Product, product.id).description
    assert "[before]" in description and "[released]" in description and "[undone]" not in description
    assert jobs.pending() == []


@requires_redis
def test_rq_worker_runs_the_job(make_shop, make_product):
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    product = make_product(make_shop())
    app = make_test_app(REDIS_URL=REDIS_URL, QUEUE_NAME="mall-test")
    with app.app_context():
        jobs.enqueue(mark_product, product.id, "[by rq]")
        db.session.commit()
        assert app.extensions["mall_queue"].queue.count == 1
    env = {**os.environ, "MALL_DATABASE_URL": DB_URL, "REDIS_URL": REDIS_URL, "MALL_QUEUE_NAME": "mall-test"}
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "mall", "worker", "--burst"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr[-2000:]
    db.session.expire_all()
    assert "[by rq]" in db.session.get(Product, product.id).description


def test_queue_health_lists_failed_jobs_and_retries_them(make_shop, make_product, make_user, client):
    """A job failing all its attempts shows on the queue page; once its cause is fixed, retry runs it."""
    from tests.fixtures.factories import PASSWORD
    from tests.jobs_support import mark_if_ready

    product = make_product(make_shop())
    queue = jobs.backend()
    queue.failed.clear()
    jobs.enqueue(mark_if_ready, product.id, "[retried]")
    db.session.commit()
    operator = make_user(operator=True)
    client.post("/lang/en")
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    page = client.get("/platform/queues").get_data(as_text=True)
    assert "tests.jobs_support:mark_if_ready" in page and "not ready yet" in page
    db.session.get(Product, product.id).description = "ready"
    db.session.commit()
    done = client.post("/platform/queues/retry", data={"job_id": "0"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "The job is queued again." in text and "No failed jobs." in text
    db.session.expire_all()
    assert db.session.get(Product, product.id).description == "ready[retried]"
    for job_id in ("0", "9" * 5000, "\u00b2", "-1"):
        again = client.post("/platform/queues/retry", data={"job_id": job_id}, follow_redirects=True)
        assert "no longer in the failed list" in again.get_data(as_text=True)


@requires_redis
def test_rq_queue_health(make_shop, make_product):
    """On Redis the health report lists the queue with its waiting job and says no worker runs."""
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    product = make_product(make_shop())
    app = make_test_app(REDIS_URL=REDIS_URL, QUEUE_NAME="mall-health")
    with app.app_context():
        jobs.enqueue(mark_product, product.id, "[waiting]")
        db.session.commit()
        health = jobs.backend().health()
    assert health["backend"] == "rq"
    assert {"name": "mall-health", "queued": 1, "failed": 0} in health["queues"]
    assert health["workers"] == [] and health["failed"] == []
