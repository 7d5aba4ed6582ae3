"""Real services for the suite: a Redis server, a Celery worker and the API under gunicorn."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests

from newsdesk.embedded import free_port, start_redis, stop

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def wait_for(predicate, timeout=60.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception:
            pass
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    port = free_port()
    proc = start_redis(port, str(tmp_path_factory.mktemp("redis")), appendonly=True)
    yield {"url": f"redis://127.0.0.1:{port}/0", "port": port, "proc": proc}
    stop([proc])


@pytest.fixture(scope="session")
def service_env(redis_server, tmp_path_factory):
    """Environment of the worker and the API: the real Redis and the fixture plugins."""
    return {
        **os.environ,
        "NEWSDESK_REDIS_URL": redis_server["url"],
        "NEWSDESK_PLUGIN_MODULES": "tests.plugins.faulty",
        "NEWSDESK_MAX_BODY_BYTES": "200000",
        "NEWSDESK_LOG_LEVEL": "INFO",
        "NEWSDESK_WEBHOOK_SECRET": "test-secret",
        "NEWSDESK_WEBHOOK_ALLOW_PRIVATE": "1",  # the test receiver listens on loopback
        "NEWSDESK_WEBHOOK_BACKOFF_SECONDS": "0.2",
        "NEWSDESK_BATCH_MAX": "5",
        "PYTHONPATH": str(ROOT),
    }


def start_worker(env, log_dir, concurrency=2, name="test"):
    """``newsdesk worker`` as a subprocess; wait until it is ready; return (process, log path)."""
    log = log_dir / f"{name}.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "worker", "--concurrency", str(concurrency),
                                 "-n", f"{name}-{os.getpid()}@%h"],
                                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    wait_for(lambda: proc.poll() is not None or b" ready" in log.read_bytes(), 180, what="worker ready")
    assert proc.poll() is None, log.read_text()
    return proc, log


@pytest.fixture(scope="session")
def worker(service_env, tmp_path_factory):
    """One real Celery worker (prefork, 2 children) for the session; its log file is returned."""
    proc, log = start_worker(service_env, tmp_path_factory.mktemp("worker"))
    client = redis.Redis.from_url(service_env["NEWSDESK_REDIS_URL"])
    yield {"proc": proc, "log": log, "redis": client}
    stop([proc])


def start_api(env, log_dir):
    """``newsdesk serve`` on a free port; return (base URL, process, log path)."""
    port = free_port()
    log = log_dir / "api.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "serve", "--port", str(port)],
                                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: proc.poll() is not None or requests.get(base + "/healthz", timeout=1).ok, 120, what="API up")
    assert proc.poll() is None, log.read_text()
    return base, proc, log


@pytest.fixture(scope="session")
def api(service_env, worker, tmp_path_factory):
    """Base URL of the API served by gunicorn (real HTTP), with a worker behind it."""
    base, proc, _ = start_api(service_env, tmp_path_factory.mktemp("api"))
    yield base
    stop([proc])


@pytest.fixture(scope="session")
def secured_api(service_env, worker, tmp_path_factory):
    """A second API on the same Redis and worker with API keys on, behind a gateway prefix."""
    env = {**service_env, "NEWSDESK_AUTH": "1", "NEWSDESK_RATE_LIMIT_PER_MINUTE": "1000",
           "NEWSDESK_PATH_PREFIX": "/newsdesk", "NEWSDESK_PROXY_HOPS": "1"}
    base, proc, log = start_api(env, tmp_path_factory.mktemp("secured"))
    yield {"base": base, "env": env, "log": log}
    stop([proc])


@pytest.fixture
def submit(api):
    """POST a document; return the 202 response's JSON."""

    def post(doc=None, **kwargs):
        r = requests.post(api + "/v1/documents", json=doc, timeout=10, **kwargs)
        assert r.status_code == 202, r.text
        return r.json()

    return post


@pytest.fixture
def finished(api):
    """Wait for a document to finish and return its body."""

    def get(doc_id, timeout=120):
        return wait_for(lambda: (lambda b: b if b["status"] in ("done", "partial", "failed") else None)(
            requests.get(f"{api}/v1/documents/{doc_id}", params={"wait": 5}, timeout=10).json()),
            timeout, what=f"document {doc_id}")

    return get


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory):
    """A real three-master Redis Cluster from the same ``redis-server`` binary."""
    from newsdesk.embedded import free_cluster_ports, start_redis_cluster

    ports = free_cluster_ports(3)
    procs = start_redis_cluster(ports, str(tmp_path_factory.mktemp("cluster")))
    yield {"url": f"redis+cluster://127.0.0.1:{ports[0]}", "ports": ports}
    stop(procs)


RABBITMQ_URL = os.environ.get("NEWSDESK_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture(scope="session")
def rabbitmq():
    """The machine's RabbitMQ broker URL; the test is skipped, saying why, where none answers."""
    from kombu import Connection

    try:
        with Connection(RABBITMQ_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        pytest.skip(f"no RabbitMQ at {RABBITMQ_URL} ({type(exc).__name__}: {exc})")
    return RABBITMQ_URL


def start_stack(env, log_dir):
    """A worker and an API on ``env``; return ({"base", "env"}, processes)."""
    worker_proc, _ = start_worker(env, log_dir, name=log_dir.name)
    base, api_proc, _ = start_api(env, log_dir)
    return {"base": base, "env": env}, [worker_proc, api_proc]


@pytest.fixture(scope="session")
def cluster_stack(service_env, redis_cluster, tmp_path_factory):
    """Worker and API storing in the Redis Cluster; the broker is a plain Redis of its own (a
    database of the session's Redis would share its queue names with other tests' workers)."""
    port = free_port()
    broker = start_redis(port, str(tmp_path_factory.mktemp("cluster-broker")), appendonly=False)
    env = {**service_env, "NEWSDESK_REDIS_URL": redis_cluster["url"], "NEWSDESK_BROKER_URL": f"redis://127.0.0.1:{port}/0"}
    stack, procs = start_stack(env, tmp_path_factory.mktemp("cluster-stack"))
    yield stack
    stop([broker, *procs])


@pytest.fixture(scope="session")
def rabbitmq_stack(service_env, redis_cluster, rabbitmq, tmp_path_factory):
    """The scaled-out shape: RabbitMQ as the broker, the Redis Cluster as the store."""
    env = {**service_env, "NEWSDESK_REDIS_URL": redis_cluster["url"], "NEWSDESK_BROKER_URL": rabbitmq,
           "NEWSDESK_KEY_PREFIX": "rabbit", "NEWSDESK_ANALYZER__NAPPER__SECONDS": "3"}
    stack, procs = start_stack(env, tmp_path_factory.mktemp("rabbitmq-stack"))
    yield stack
    stop(procs)
