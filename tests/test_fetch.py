"""Fetching pages by URL (issue 22; NEWSDESK_FETCH_URLS=1): the address guard on the target and on
every redirect, time-outs, the size limit and content types. Pages come from a local HTTP server."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from newsdesk import fetch
from newsdesk.html import PageError

from .conftest import start_api, stop
from .test_api_documents import assert_problem

ARTICLE = (Path(__file__).parent / "pages" / "article_en.html").read_bytes()


class Pages(BaseHTTPRequestHandler):
    routes = {
        "/article": (200, "text/html; charset=utf-8", ARTICLE),
        "/feed.json": (200, "application/json", b'{"items": []}'),
        "/gone": (404, "text/html", b"<h1>Not found</h1>"),
        "/big": (200, "text/html", b"<p>" + b"x" * 50_000 + b"</p>"),
        "/to-article": (302, "/article", b""),
        "/to-metadata": (302, "http://169.254.169.254/latest/meta-data/", b""),
        "/loop": (302, "/loop", b""),
    }

    def do_GET(self):  # noqa: N802
        if self.path == "/slow":
            time.sleep(3)
        status, ctype, body = self.routes.get(self.path, (200, "text/html", ARTICLE))
        self.send_response(status)
        if status == 302:
            self.send_header("Location", ctype)
        else:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def get(url, **kwargs):
    return fetch.fetch_page(url, **{"allow_private": True, "timeout": 2, "max_bytes": 20_000, **kwargs})


def test_fetches_a_page_and_follows_a_redirect(site):
    html, final = get(site + "/to-article")
    assert "Harbour authority approves" in html and final == site + "/article"


def test_loopback_is_refused_unless_allowed(site):
    with pytest.raises(PageError) as exc:
        get(site + "/article", allow_private=False)
    assert exc.value.code == "fetch-refused" and "127.0.0.1" in exc.value.detail


def test_a_redirect_to_a_guarded_address_is_refused(site, monkeypatch):
    real = fetch.webhooks.public
    # this test's server is on loopback: let the guard take it for public, and guard the rest
    monkeypatch.setattr(fetch.webhooks, "public", lambda ip: str(ip) == "127.0.0.1" or real(ip))
    with pytest.raises(PageError) as exc:
        get(site + "/to-metadata", allow_private=False)
    assert exc.value.code == "fetch-refused" and "169.254.169.254" in exc.value.detail


def test_the_connection_itself_is_guarded_against_dns_rebinding(site, monkeypatch):
    # as if the name had resolved to a public address when checked and to loopback when connecting
    monkeypatch.setattr(fetch.webhooks, "check_callback_url", lambda url, allow_private: None)
    with pytest.raises(PageError) as exc:
        get(site + "/article", allow_private=False)
    assert exc.value.code == "fetch-refused" and "127.0.0.1" in exc.value.detail
    assert "Harbour" in get(site + "/article")[0]  # allowed private addresses still connect


@pytest.mark.parametrize("path, code, words", [
    ("/feed.json", "fetch-failed", "application/json"),
    ("/gone", "fetch-failed", "404"),
    ("/big", "payload-too-large", "20000"),
    ("/loop", "fetch-failed", "redirects"),
    ("/slow", "fetch-failed", "timed out"),
])
def test_failures(site, path, code, words):
    with pytest.raises(PageError) as exc:
        get(site + path, timeout=1)
    assert exc.value.code == code and words in exc.value.detail


def test_fetching_is_off_by_default(api, site):
    r = requests.post(api + "/v1/documents", json={"url": site + "/article"})
    assert "NEWSDESK_FETCH_URLS" in assert_problem(r, 422, "validation")["detail"]


@pytest.fixture(scope="module")
def fetching_api(service_env, worker, tmp_path_factory):
    env = {**service_env, "NEWSDESK_FETCH_URLS": "1", "NEWSDESK_FETCH_ALLOW_PRIVATE": "1",
           "NEWSDESK_FETCH_TIMEOUT_SECONDS": "2"}
    base, proc, _ = start_api(env, tmp_path_factory.mktemp("fetching"))
    yield base
    stop([proc])


def test_a_url_alone_is_fetched_and_analysed(fetching_api, site, finished):
    r = requests.post(fetching_api + "/v1/documents", json={"url": site + "/article", "analyzers": ["dates"]},
                      timeout=30)
    assert r.status_code == 202, r.text
    body = finished(r.json()["id"])
    assert body["document"]["url"] == site + "/article"  # the client's url wins over the page's canonical one
    assert body["document"]["page"]["fields"]["author"]["value"] == "Maria Lindqvist"
    assert body["analysis"]["dates"]["result"]["publication_date"]["source"] == "page"


def test_fetch_failures_over_http(fetching_api, site):
    r = requests.post(fetching_api + "/v1/documents", json={"url": site + "/feed.json"}, timeout=30)
    assert "application/json" in assert_problem(r, 502, "fetch-failed")["detail"]
