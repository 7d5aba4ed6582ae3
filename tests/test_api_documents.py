"""POST/GET/DELETE /v1/documents over real HTTP, and every problem document they can answer."""
import requests

PROBLEM = "application/problem+json"


def assert_problem(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith(PROBLEM)
    body = r.json()
    assert body["type"] == f"https://newsdesk.dev/problems/{code}"
    assert body["status"] == status and body["title"] and body["detail"] and body["instance"]
    return body


def test_submit_json_answers_202_with_location(api):
    r = requests.post(api + "/v1/documents", json={"text": "Hello there.", "title": "T",
                                                   "published_at": "2020-07-22", "analyzers": ["wordcount"]})
    assert r.status_code == 202
    body = r.json()
    assert body["status"] == "queued" and body["plan"] == ["wordcount"]
    assert r.headers["Location"] == body["links"]["self"] == f"/v1/documents/{body['id']}"


def test_document_is_stored_before_it_is_enqueued(api, worker):
    # the worker may already be done; either way the store knows the document at once
    body = requests.post(api + "/v1/documents", json={"text": "x y", "analyzers": ["wordcount"]}).json()
    r = requests.get(f"{api}/v1/documents/{body['id']}")
    assert r.status_code == 200 and r.json()["status"] in ("queued", "running", "done")


def test_submit_plain_text(api, finished):
    r = requests.post(api + "/v1/documents?analyzers=wordcount", data="one two three".encode(),
                      headers={"Content-Type": "text/plain; charset=utf-8"})
    assert r.status_code == 202, r.text
    body = finished(r.json()["id"])
    assert body["document"]["text"] == "one two three"
    assert body["analysis"]["wordcount"]["result"] == {"words": 3}


def test_malformed_json_is_400(api):
    r = requests.post(api + "/v1/documents", data=b'{"text": "x",', headers={"Content-Type": "application/json"})
    assert "not valid JSON" in assert_problem(r, 400, "malformed-json")["detail"]


def test_body_over_limit_is_413(api):
    r = requests.post(api + "/v1/documents", json={"text": "a" * 300_000})
    assert "200000" in assert_problem(r, 413, "payload-too-large")["detail"]


def test_unsupported_media_type_is_415(api):
    r = requests.post(api + "/v1/documents", data=b"<doc/>", headers={"Content-Type": "application/xml"})
    assert "application/xml" in assert_problem(r, 415, "unsupported-media-type")["detail"]


def test_validation_lists_each_field(api):
    r = requests.post(api + "/v1/documents", json={"title": 3, "url": "ftp:/x", "published_at": "yesterday",
                                                   "colour": "red"})
    errors = assert_problem(r, 422, "validation")["errors"]
    assert set(errors) == {"text", "title", "url", "published_at", "colour"}


def test_empty_text_is_422(api):
    assert_problem(requests.post(api + "/v1/documents", json={"text": ""}), 422, "validation")


def test_unknown_analyzer_is_422(api):
    body = assert_problem(requests.post(api + "/v1/documents", json={"text": "x", "analyzers": ["nope"]}),
                          422, "unknown-analyzer")
    assert body["errors"] == {"analyzers": ["nope"]} and "wordcount" in body["available"]


def test_unknown_id_is_404(api):
    assert_problem(requests.get(api + "/v1/documents/0000"), 404, "document-not-found")


def test_unknown_route_is_404(api):
    assert_problem(requests.get(api + "/v2/nothing"), 404, "not-found")


def test_wrong_method_is_405(api):
    r = requests.put(api + "/v1/documents")
    assert_problem(r, 405, "method-not-allowed")
    assert "POST" in r.headers["Allow"]


def test_delete_removes_document(api, submit):
    doc_id = submit({"text": "x", "analyzers": ["wordcount"]})["id"]
    assert requests.delete(f"{api}/v1/documents/{doc_id}").status_code == 204
    assert_problem(requests.get(f"{api}/v1/documents/{doc_id}"), 404, "document-not-found")
    assert_problem(requests.delete(f"{api}/v1/documents/{doc_id}"), 404, "document-not-found")


def test_request_id_is_taken_or_made(api):
    assert requests.get(api + "/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    assert len(requests.get(api + "/healthz").headers["X-Request-ID"]) == 32


def test_retention_ttl_applies_to_documents_and_batches(redis_server):
    import redis as redis_lib

    from newsdesk.app import create_app

    app = create_app({"NEWSDESK_REDIS_URL": redis_server["url"], "NEWSDESK_RESULT_TTL_SECONDS": "120",
                      "NEWSDESK_PLUGIN_MODULES": "tests.plugins.faulty", "NEWSDESK_LOAD_PLUGINS": ""})
    client = app.test_client()
    doc_id = client.post("/v1/documents", json={"text": "x", "analyzers": ["wordcount"]}).get_json()["id"]
    batch_id = client.post("/v1/batches", json={"documents": ["y"], "analyzers": ["wordcount"]}).get_json()["id"]
    r = redis_lib.Redis.from_url(redis_server["url"])
    assert 0 < r.ttl(f"newsdesk:doc:{doc_id}") <= 120
    assert 0 < r.ttl(f"newsdesk:batch:{batch_id}") <= 120
