"""Prometheus metrics at /metrics: requests by route and status, queue depth, documents, analyzers."""
from __future__ import annotations

from pathlib import Path

import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from newsdesk import metrics
from newsdesk.store import Store

from .conftest import wait_for


def samples(text: str) -> dict[tuple, float]:
    """``{(sample name, ((label, value), ...)): value}`` from the text exposition format."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(snap: dict, name: str, **labels) -> float:
    return snap.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape_http(base: str) -> dict:
    r = requests.get(base + "/metrics", timeout=10)
    assert r.status_code == 200, f"GET /metrics answered {r.status_code}: create_app must call metrics.init_app"
    assert r.headers["Content-Type"].startswith("text/plain")  # the text exposition format
    return samples(r.text)


def test_real_worker_and_api_report_requests_queue_documents_and_analyzers(api, worker, submit, finished):
    before = scrape_http(api)
    ids = [submit({"text": f"one two three {i}", "analyzers": ["wordcount", "raiser", "liar"]})["id"]
           for i in range(3)]
    slow = submit({"text": "x", "analyzers": ["sleeper"]})["id"]  # overruns its 0.5 s limit
    for doc_id in ids:
        assert finished(doc_id)["status"] == "partial"
    assert finished(slow)["status"] == "failed"
    for _ in range(2):
        assert requests.get(api + "/v1/no-such-route", timeout=10).status_code == 404
    after = scrape_http(api)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    # requests, by the route (never the raw path) and the status, added up over gunicorn processes
    post = {"method": "POST", "route": "/v1/documents", "status": "202"}
    assert delta("newsdesk_http_requests_total", **post) == 4
    assert delta("newsdesk_http_request_duration_seconds_count", **post) == 4
    assert delta("newsdesk_http_request_duration_seconds_bucket", le="+Inf", **post) == 4
    assert delta("newsdesk_http_request_duration_seconds_sum", **post) > 0
    assert delta("newsdesk_http_requests_total", method="GET", route="/v1/documents/<doc_id>",
                 status="200") >= 4
    assert delta("newsdesk_http_requests_total", method="GET", route="unmatched", status="404") == 2
    assert not any(dict(labels).get("route", "").endswith(ids[0]) for _, labels in after)

    # what the workers recorded in Redis, read at scrape time
    assert value(after, "newsdesk_store_up") == 1
    assert (("newsdesk_queue_length", (("queue", "newsdesk"),))) in after
    assert value(after, "newsdesk_documents_stored") >= 3
    assert delta("newsdesk_documents_completed_total", status="partial") >= 3
    assert delta("newsdesk_analyzer_duration_seconds_count", analyzer="wordcount") >= 3
    assert delta("newsdesk_analyzer_duration_seconds_bucket", analyzer="wordcount", le="+Inf") >= 3
    assert delta("newsdesk_analyzer_duration_seconds_sum", analyzer="wordcount") > 0
    assert delta("newsdesk_analyzer_failures_total", analyzer="raiser") >= 3
    assert delta("newsdesk_analyzer_failures_total", analyzer="wordcount") == 0
    assert delta("newsdesk_analyzer_failures_total", analyzer="sleeper") >= 1  # timeouts count
    assert delta("newsdesk_analyzer_duration_seconds_sum", analyzer="sleeper") >= 0.5
    assert delta("newsdesk_documents_completed_total", status="failed") >= 1
    # schema violations fail the section after the analyzer returned: counted by final status
    assert delta("newsdesk_analyzer_sections_total", analyzer="liar", status="failed") >= 3
    assert delta("newsdesk_analyzer_failures_total", analyzer="liar") == 0
    assert delta("newsdesk_analyzer_sections_failed_total", analyzer="liar", type="analyzer-output-invalid") >= 3
    assert delta("newsdesk_analyzer_sections_failed_total", analyzer="sleeper", type="analyzer-timeout") >= 1
    assert delta("newsdesk_analyzer_sections_total", analyzer="wordcount", status="done") >= 3


def test_queue_depth_counts_waiting_celery_messages_and_redis_outage_is_reported(redis_server):
    """An app on a Redis database no worker consumes: enqueued tasks stay and are counted."""
    from newsdesk.app import create_app
    from newsdesk.tasks import enqueue

    url = redis_server["url"].rsplit("/", 1)[0] + "/3"
    redis.Redis.from_url(url).flushdb()
    app = create_app({"NEWSDESK_REDIS_URL": url, "NEWSDESK_LOAD_PLUGINS": "",
                      "NEWSDESK_PLUGIN_MODULES": "tests.plugins.faulty", "NEWSDESK_KEY_PREFIX": "mtest"})
    metrics.init_app(app)  # idempotent once create_app calls it
    client = app.test_client()
    with app.app_context():
        for i in range(4):
            enqueue(f"doc{i}", ["wordcount"])
        # the hook wrapper times runs in any process with an app context, and re-raises faults
        sections = app.extensions["newsdesk"].pipeline.run({"id": "x", "text": "a b c"}, ["wordcount", "raiser"])
    assert [sections[n]["status"] for n in ("wordcount", "raiser")] == ["done", "failed"]
    # without an app context (the in-process CLI) the wrapper records nothing and changes nothing
    sections = app.extensions["newsdesk"].pipeline.run({"id": "y", "text": "a b"}, ["wordcount", "raiser"])
    assert sections["wordcount"]["result"] == {"words": 2} and sections["raiser"]["status"] == "failed"
    for _ in range(2):
        assert client.get("/healthz").status_code == 200
    snap = samples(client.get("/metrics").get_data(as_text=True))
    assert value(snap, "newsdesk_queue_length", queue="newsdesk") == 4
    assert value(snap, "newsdesk_analyzer_duration_seconds_count", analyzer="raiser") == 1
    assert value(snap, "newsdesk_analyzer_failures_total", analyzer="raiser") == 1
    assert value(snap, "newsdesk_analyzer_failures_total", analyzer="wordcount") == 0
    assert value(snap, "newsdesk_http_requests_total", method="GET", route="/healthz", status="200") >= 2

    down = create_app({"NEWSDESK_REDIS_URL": "redis://127.0.0.1:1/0", "NEWSDESK_LOAD_PLUGINS": ""})
    metrics.init_app(down)
    r = down.test_client().get("/metrics")
    assert r.status_code == 200  # request metrics still served
    snap = samples(r.get_data(as_text=True))
    assert value(snap, "newsdesk_store_up") == 0
    assert ("newsdesk_queue_length", (("queue", "newsdesk"),)) not in snap



def test_serve_prepares_an_empty_multiprocess_directory(tmp_path):
    """What ``newsdesk serve`` calls before gunicorn: a directory empty of earlier runs' values."""
    env = {}
    fresh = metrics.prepare_multiprocess_dir(env)
    assert env["PROMETHEUS_MULTIPROC_DIR"] == fresh and not list(Path(fresh).iterdir())
    Path(fresh).rmdir()
    given = tmp_path / "prom"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"old")
    (given / "keep.txt").write_text("not ours")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(given)}
    assert metrics.prepare_multiprocess_dir(env) == str(given)
    assert sorted(p.name for p in given.iterdir()) == ["keep.txt"]


def test_stored_count_leaves_out_documents_past_retention(redis_server):
    store = Store.from_url(redis_server["url"], prefix="retention-test", ttl_seconds=1)
    store.save_document("a", {"text": "x"}, ["wordcount"])
    assert store.counters()[0] == 1
    wait_for(lambda: store.counters()[0] == 0, timeout=10, what="the document to leave by retention")
    assert store.load("a") is None
