"""Issue 24 at the HTTP edge: Redis unreachable on every route, bad input that must stay 4xx,
gunicorn's own errors as problem documents, and long polls that cannot starve the API."""
import concurrent.futures
import os
import time

import requests

from newsdesk.embedded import free_port, start_redis, stop

from .conftest import ROOT, start_api

PROBLEM = "application/problem+json"


def is_problem(r, status):
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["Content-Type"].startswith(PROBLEM), r.headers
    body = r.json()
    assert body["status"] == status and body["type"].startswith("https://newsdesk.dev/problems/")
    return body


def test_every_route_is_503_with_retry_after_when_redis_is_unreachable():
    from newsdesk.app import create_app

    client = create_app({"NEWSDESK_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "NEWSDESK_LOAD_PLUGINS": "",
                         "NEWSDESK_PLUGIN_MODULES": "tests.plugins.faulty"}).test_client()
    doc = {"text": "one two", "analyzers": ["wordcount"]}
    calls = [
        ("post", "/v1/documents", {"json": doc}),
        ("post", "/v1/documents", {"json": doc, "headers": {"Idempotency-Key": "k1"}}),
        ("post", "/v1/batches", {"json": {"documents": [doc]}}),
        ("get", "/v1/documents/abc", {}),
        ("get", "/v1/documents/abc?wait=2", {}),
        ("get", "/v1/documents", {}),
        ("get", "/v1/documents?status=done&cursor=1.5", {}),
        ("delete", "/v1/documents/abc", {}),
        ("post", "/v1/documents/abc/reanalyze", {"json": {}}),
        ("get", "/v1/batches/abc", {}),
        ("get", "/readyz", {}),
    ]
    for method, path, kwargs in calls:
        r = getattr(client, method)(path, **kwargs)
        assert r.status_code == 503, (method, path, r.status_code, r.get_data(as_text=True)[:300])
        assert r.mimetype == PROBLEM and r.headers["Retry-After"], (method, path)
    assert client.get("/healthz").status_code == 200


def test_bad_input_is_a_4xx_problem(api):
    deep = "[" * 10_000 + "]" * 10_000
    for path, body in (("/v1/documents", deep), ("/v1/batches", deep),
                       ("/v1/documents", '{"text": "x", "metadata": {"a": ' + deep + "}}"),
                       ("/v1/batches", '{"documents": [' + deep + "]}")):
        r = requests.post(api + path, data=body, headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:300])
        is_problem(r, r.status_code)
    r = requests.post(api + "/v1/documents/x/reanalyze", data=deep, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, r.text[:300]
    for cursor in ("nan", "inf", "-inf", "x"):
        assert is_problem(requests.get(api + "/v1/documents", params={"cursor": cursor}), 422)["errors"]["cursor"]
    is_problem(requests.get(api + "/v1/documents/" + "a" * 10_000), 414)
    is_problem(requests.get(api + "/healthz", headers={"X-Long": "b" * 20_000}), 431)
    body = is_problem(requests.post(api + "/v1/documents", json={"text": " \n\t\u00a0 "}), 422)
    assert "text" in body["errors"]
    is_problem(requests.post(api + "/v1/documents", data=" \n ", headers={"Content-Type": "text/plain"}), 422)
    r = requests.post(api + "/v1/batches", json={"analyzers": ["wordcount"], "documents": [{"text": "a b"}, None, "  "]})
    assert r.status_code == 202, r.text
    assert [i["status"] == "rejected" for i in r.json()["items"]] == [False, True, True]


def test_text_over_the_limit_is_413(redis_server):
    from newsdesk.app import create_app

    client = create_app({"NEWSDESK_REDIS_URL": redis_server["url"], "NEWSDESK_LOAD_PLUGINS": "",
                         "NEWSDESK_PLUGIN_MODULES": "tests.plugins.faulty", "NEWSDESK_MAX_TEXT_CHARS": "1000",
                         "NEWSDESK_MAX_BODY_BYTES": "2000000"}).test_client()
    r = client.post("/v1/documents", json={"text": "word " * 201, "analyzers": ["wordcount"]})
    assert r.status_code == 413 and r.mimetype == PROBLEM and r.get_json()["max_text_chars"] == 1000
    r = client.post("/v1/batches", json={"analyzers": ["wordcount"], "documents": ["word " * 201, "short"]})
    assert [i["status"] == "rejected" for i in r.get_json()["items"]] == [True, False]


def test_long_poll_flood_leaves_health_fast(tmp_path):
    """Finding 4: 20 concurrent ?wait=20 took every request thread; /healthz answered after 18 s."""
    port = free_port()
    redis_proc = start_redis(port, str(tmp_path / "redis"), appendonly=False)
    env = {**os.environ, "NEWSDESK_REDIS_URL": f"redis://127.0.0.1:{port}/0", "NEWSDESK_LOAD_PLUGINS": "",
           "NEWSDESK_PLUGIN_MODULES": "tests.plugins.faulty", "PYTHONPATH": str(ROOT)}
    base, api_proc, _ = start_api(env, tmp_path)  # no worker: the document stays queued
    try:
        doc_id = requests.post(base + "/v1/documents", json={"text": "a b", "analyzers": ["wordcount"]}).json()["id"]
        url = f"{base}/v1/documents/{doc_id}"
        with concurrent.futures.ThreadPoolExecutor(40) as pool:
            polls = [pool.submit(requests.get, url, params={"wait": 10}, timeout=60) for _ in range(40)]
            time.sleep(1.5)  # the waits hold their threads now
            took = []
            for probe in ("/healthz", "/readyz", "/healthz", "/v1/analyzers"):
                started = time.monotonic()
                r = requests.get(base + probe, timeout=30)
                took.append(time.monotonic() - started)
                assert r.status_code in (200, 503), r.text  # /readyz: no worker here
            codes = [f.result().status_code for f in polls]
        assert max(took) < 5, took  # generous for a busy 2-core machine; before the fix: ~10 s
        assert codes.count(429) >= 20 and set(codes) <= {200, 429}, codes
    finally:
        stop([api_proc, redis_proc])
