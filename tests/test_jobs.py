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
