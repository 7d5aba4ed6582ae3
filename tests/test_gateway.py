"""Behind a gateway: path prefix, forwarded headers, and the request id into the worker's log."""
import json

import requests

from .conftest import wait_for
from .test_api_auth import make_key


def test_request_id_reaches_the_worker_log_for_that_document(secured_api, worker):
    key = make_key(secured_api["env"], "read", "write")["key"]
    rid = "gateway-req-4711"
    r = requests.post(secured_api["base"] + "/newsdesk/v1/documents",
                      json={"text": "a b c", "analyzers": ["wordcount"]},
                      headers={"Authorization": f"Bearer {key}", "X-Request-ID": rid,
                               "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert r.status_code == 202 and r.headers["X-Request-ID"] == rid
    assert r.headers["Location"].startswith("/newsdesk/v1/documents/")
    doc_id = r.json()["id"]

    def lines():
        for line in worker["log"].read_text(errors="replace").splitlines():
            if line.startswith("{") and doc_id in line:
                yield json.loads(line)

    found = wait_for(lambda: [e for e in lines() if e.get("message") == "analyzer finished"], 60, what="log line")
    assert found[0]["request_id"] == rid and found[0]["document_id"] == doc_id
    body = requests.get(secured_api["base"] + r.headers["Location"], params={"wait": 10},
                        headers={"Authorization": f"Bearer {key}"}).json()
    assert body["links"]["self"] == r.headers["Location"]
