"""Batches, idempotency keys, deduplication, waiting and webhooks."""
import http.server
import json
import threading
import time

import requests

from newsdesk.webhooks import SIGNATURE_HEADER, verify

from .conftest import wait_for


def test_batch_accepts_good_items_and_reports_bad_ones(api, finished):
    r = requests.post(api + "/v1/batches", json={"analyzers": ["wordcount"], "documents": [
        {"text": "one two"}, {"title": "no text"}, "three four five", {"text": "x", "analyzers": ["nope"]}]})
    assert r.status_code == 202, r.text
    body = r.json()
    assert [i["status"] for i in body["items"]][1] == "rejected"
    assert body["items"][1]["errors"] == {"text": ["Missing data for required field."]}
    assert body["items"][3]["status"] == "rejected" and "nope" in body["items"][3]["detail"]
    for item in (body["items"][0], body["items"][2]):
        finished(item["id"])
    progress = wait_for(lambda: (lambda b: b if b["status"] == "done" else None)(
        requests.get(api + body["links"]["self"]).json()), 30, what="batch done")
    assert progress["counts"] == {"done": 2, "rejected": 2}


def test_batch_size_limit(api):
    r = requests.post(api + "/v1/batches", json={"documents": [{"text": "x"}] * 6})
    assert r.status_code == 422 and "at most 5" in r.json()["detail"]


def test_idempotency_key_replays_the_first_answer(api):
    headers = {"Idempotency-Key": f"k-{time.time()}"}
    doc = {"text": "same request", "analyzers": ["wordcount"]}
    first = requests.post(api + "/v1/documents", json=doc, headers=headers)
    again = requests.post(api + "/v1/documents", json=doc, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    other = requests.post(api + "/v1/documents", json={**doc, "text": "other"}, headers=headers)
    assert other.status_code == 422 and other.json()["type"].endswith("/idempotency-key-reused")


def test_dedupe_returns_the_existing_document(api):
    text = f"A unique text {time.time()}"
    first = requests.post(api + "/v1/documents", json={"text": text, "analyzers": ["wordcount"]}).json()
    again = requests.post(api + "/v1/documents", json={"text": text, "dedupe": True}).json()
    assert again["id"] == first["id"] and again["deduplicated"] is True
    fresh = requests.post(api + "/v1/documents", json={"text": text, "analyzers": ["wordcount"]}).json()
    assert fresh["id"] != first["id"]


def test_wait_holds_until_done(api):
    doc_id = requests.post(api + "/v1/documents", json={"text": "a b c", "analyzers": ["wordcount"]}).json()["id"]
    body = requests.get(f"{api}/v1/documents/{doc_id}", params={"wait": 20}).json()
    assert body["status"] == "done"
    bad = requests.get(f"{api}/v1/documents/{doc_id}", params={"wait": 500})
    assert bad.status_code == 422 and "wait" in bad.json()["errors"]


class Receiver(http.server.BaseHTTPRequestHandler):
    calls: list = []
    fail_first = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.calls.append((dict(self.headers), body))
        status = 500 if len(Receiver.calls) <= Receiver.fail_first else 200
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_is_signed_and_retried(api):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Receiver.calls, Receiver.fail_first = [], 1
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        doc_id = requests.post(api + "/v1/documents", json={"text": "a b", "analyzers": ["wordcount"],
                                                            "callback_url": url}).json()["id"]
        wait_for(lambda: len(Receiver.calls) >= 2, 30, what="webhook retry")
        headers, body = Receiver.calls[-1]
        assert verify("test-secret", body, headers[SIGNATURE_HEADER])
        assert not verify("other-secret", body, headers[SIGNATURE_HEADER])
        payload = json.loads(body)
        assert payload["event"] == "document.completed" and payload["document"]["id"] == doc_id
        assert headers["Newsdesk-Delivery-Attempt"] == "2"
    finally:
        server.shutdown()


def test_webhook_address_guard():
    from newsdesk.webhooks import UnsafeCallback, check_callback_url

    for url in ("http://127.0.0.1/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "http://[::1]/",
                "http://192.168.0.10/", "ftp://example.org/"):
        try:
            check_callback_url(url, allow_private=False)
        except UnsafeCallback:
            continue
        raise AssertionError(f"{url} was not refused")
    check_callback_url("http://127.0.0.1/x", allow_private=True)
    check_callback_url("http://8.8.8.8/hook", allow_private=False)


def test_callback_to_private_address_is_422_when_guarded(redis_server):
    from newsdesk.app import create_app

    app = create_app({"NEWSDESK_REDIS_URL": redis_server["url"], "NEWSDESK_WEBHOOK_SECRET": "s",
                      "NEWSDESK_WEBHOOK_ALLOW_PRIVATE": "0", "NEWSDESK_LOAD_PLUGINS": ""})
    r = app.test_client().post("/v1/documents", json={"text": "x", "callback_url": "http://localhost/h"})
    assert r.status_code == 422 and "callback_url" in r.get_json()["errors"]
