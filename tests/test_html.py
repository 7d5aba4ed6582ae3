"""Web pages in (issue 22): text/html bodies and the ``html`` field, extraction, metadata, the page's
publication date as the dates analyzer's evidence, and the refusals (no article body, undecodable)."""
import json
from pathlib import Path

import pytest
import requests

from newsdesk.html import PageError, decode, extract

from .test_api_documents import assert_problem

PAGES = Path(__file__).parent / "pages"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


# -- extraction on its own ---------------------------------------------------------------------


def test_article_text_leaves_navigation_comments_and_footer_out():
    out = extract(page("article_en.html"))
    text = out["text"]
    assert "The Port of Eastbridge approved plans on Wednesday" in text
    assert "Northsea Lines welcomed the decision" in text
    for chrome in ("Most read", "Nobody thought about parking", "All rights reserved", "Sport"):
        assert chrome not in text


def test_metadata_with_the_method_that_found_each_field():
    fields = extract(page("article_en.html"))["page"]["fields"]
    assert fields["title"] == {"value": "Harbour authority approves new ferry terminal", "method": "trafilatura"}
    assert fields["author"]["value"] == "Maria Lindqvist"
    assert fields["site_name"]["value"] == "The Coastal Herald"
    assert fields["url"]["value"] == "https://coastalherald.example/news/harbour-ferry-terminal"


def test_publication_date_from_json_ld_not_the_modified_date():
    published = extract(page("article_en.html"))["page"]["published"]
    assert published == {"value": "2024-03-14", "method": "json-ld",
                         "evidence": "2024-03-14T09:30:00+00:00", "confidence": 0.95}


def test_publication_date_from_a_meta_tag():
    published = extract(page("article_de.html"))["page"]["published"]
    assert published["value"] == "2024-06-03" and published["method"] == "meta"


def test_publication_date_from_the_url():
    html = page("article_en.html").replace("2024-03-14T09:30:00+00:00", "").replace(
        'datetime="2024-03-14"', "").replace("14 March 2024", "")
    published = extract(html, "https://coastalherald.example/2023/11/02/ferry-terminal")["page"]["published"]
    assert published["value"] == "2023-11-02" and published["method"] == "url"
    assert published["evidence"] == "https://coastalherald.example/2023/11/02/ferry-terminal"


@pytest.mark.parametrize("name", ["block.html", "paywall.html", "index.html"])
def test_pages_without_an_article_body_are_refused(name):
    with pytest.raises(PageError) as exc:
        extract(page(name))
    assert exc.value.code == "no-article"


def test_empty_page_is_refused():
    with pytest.raises(PageError, match="empty"):
        extract("  \n")


def test_decode_follows_the_declared_charset():
    html = '<html><head><meta charset="iso-8859-1"></head><body>Bürgermeisterin</body></html>'
    assert "Bürgermeisterin" in decode(html.encode("iso-8859-1"))
    assert "Bürgermeisterin" in decode(html.encode("iso-8859-1"), "latin-1")


def test_undecodable_bytes_are_a_page_error():
    with pytest.raises(PageError) as exc:
        decode(b"<html>\xff\xfe\xfa caf\xe9</html>")
    assert exc.value.code == "undecodable"


# -- over HTTP ---------------------------------------------------------------------------------

ANALYZERS = ["dates", "entities", "quotes", "topics"]


def test_text_html_body_is_analysed_as_its_extracted_text(api, finished):
    html = page("article_en.html")
    r = requests.post(api + "/v1/documents", params={"analyzers": ",".join(ANALYZERS)}, data=html.encode(),
                      headers={"Content-Type": "text/html; charset=utf-8"}, timeout=30)
    assert r.status_code == 202, r.text
    from_page = finished(r.json()["id"])
    doc = from_page["document"]
    text = extract(html)["text"]
    assert doc["text"] == text and "html" not in doc
    assert doc["title"] == "Harbour authority approves new ferry terminal"
    assert doc["url"] == "https://coastalherald.example/news/harbour-ferry-terminal"
    assert doc["page"]["fields"]["author"]["value"] == "Maria Lindqvist"
    assert doc["page"]["published"]["method"] == "json-ld"
    pub = from_page["analysis"]["dates"]["result"]["publication_date"]
    assert pub["value"] == "2024-03-14" and pub["source"] == "page" and pub["confidence"] == 0.95
    assert pub["evidence"]["method"] == "json-ld" and pub["evidence"]["text"] == "2024-03-14T09:30:00+00:00"

    # the same text posted as text (with the page's date) gives the same analysis
    r = requests.post(api + "/v1/documents", json={"text": text, "title": doc["title"], "url": doc["url"],
                                                   "published_at": "2024-03-14", "analyzers": ANALYZERS}, timeout=30)
    from_text = finished(r.json()["id"])
    assert from_page["status"] == from_text["status"] == "done"
    for name in ("entities", "quotes", "topics"):
        assert from_page["analysis"][name]["result"] == from_text["analysis"][name]["result"], name
    assert from_page["analysis"]["dates"]["result"]["timexes"] == from_text["analysis"]["dates"]["result"]["timexes"]


def test_html_field_in_json_and_the_requests_published_at_wins(api, finished):
    r = requests.post(api + "/v1/documents", json={"html": page("article_en.html"), "published_at": "2024-03-20",
                                                   "title": "My own title", "analyzers": ["dates"]}, timeout=30)
    assert r.status_code == 202, r.text
    body = finished(r.json()["id"])
    assert body["document"]["title"] == "My own title"
    assert body["document"]["page"]["published"]["value"] == "2024-03-14"
    pub = body["analysis"]["dates"]["result"]["publication_date"]
    assert pub["value"] == "2024-03-20" and pub["source"] == "request"


def test_text_and_html_together_are_a_validation_problem(api):
    r = requests.post(api + "/v1/documents", json={"text": "x", "html": "<p>x</p>"})
    assert "html" in assert_problem(r, 422, "validation")["errors"]


@pytest.mark.parametrize("name", ["block.html", "paywall.html", "index.html"])
def test_page_without_article_is_422(api, name):
    r = requests.post(api + "/v1/documents", data=page(name).encode(), headers={"Content-Type": "text/html"})
    assert "article" in assert_problem(r, 422, "no-article")["detail"]


def test_undecodable_page_is_400(api):
    r = requests.post(api + "/v1/documents", data=b"<html>\xff\xfe\xfa</html>",
                      headers={"Content-Type": "text/html; charset=utf-8"})
    assert "utf-8" in assert_problem(r, 400, "undecodable")["detail"].lower()


def test_oversized_page_is_413(api):
    big = page("article_en.html").replace("</main>", "<p>" + "word " * 50_000 + "</p></main>")
    r = requests.post(api + "/v1/documents", data=big.encode(), headers={"Content-Type": "text/html"})
    assert_problem(r, 413, "payload-too-large")


def test_batch_items_may_be_pages(api):
    r = requests.post(api + "/v1/batches", json={"documents": [{"html": page("article_en.html")},
                                                               {"html": page("block.html")}],
                                                 "analyzers": ["dates"]}, timeout=30)
    assert r.status_code == 202, r.text
    items = r.json()["items"]
    assert items[0]["id"] and items[1]["status"] == "rejected" and "article" in items[1]["detail"]


# -- newsdesk analyze --------------------------------------------------------------------------


def test_cli_analyze_reads_html_files(tmp_path):
    from .test_cli import newsdesk

    (tmp_path / "ferry.html").write_bytes((PAGES / "article_en.html").read_bytes())
    r = newsdesk("analyze", "--analyzers", "dates", str(tmp_path))
    assert r.returncode == 0, r.stderr
    (body,) = [json.loads(line) for line in r.stdout.splitlines()]
    assert body["id"] == "ferry" and body["document"]["page"]["fields"]["author"]["value"] == "Maria Lindqvist"
    assert body["analysis"]["dates"]["result"]["publication_date"]["source"] == "page"
    r = newsdesk("analyze", "--analyzers", "dates", "-", input=page("article_en.html"))
    assert r.returncode == 0 and json.loads(r.stdout)["document"]["page"]["published"]["method"] == "json-ld"
    (tmp_path / "ferry.html").write_bytes((PAGES / "block.html").read_bytes())
    r = newsdesk("analyze", str(tmp_path / "ferry.html"))
    assert r.returncode != 0 and "no article body" in r.stderr


# -- language ----------------------------------------------------------------------------------


def test_language_is_detected_and_kept_with_its_confidence():
    from newsdesk.language import with_language

    doc = with_language({"text": extract(page("article_de.html"))["text"]})
    assert doc["language"] == "de" and doc["language_detection"]["confidence"] >= 0.9
    assert with_language({"text": "Hello there."}).get("language") is None  # too short to be sure
    declared = with_language({"text": "Hello there.", "page": {"fields": {"language": {"value": "en"}}}})
    assert declared["language"] == "en" and declared["language_detection"]["method"] == "page"
    assert extract(page("article_de.html"))["page"]["fields"]["language"] == {"value": "de", "method": "html-lang"}
    assert with_language({"text": "Hallo zusammen, wie geht es euch?", "language": "en"})["language"] == "en"


def test_non_english_page_skips_the_english_analyzers_with_the_reason(api, finished):
    r = requests.post(api + "/v1/documents", params={"analyzers": "dates,entities,quotes,topics,wordcount"},
                      data=page("article_de.html").encode(), headers={"Content-Type": "text/html"}, timeout=30)
    assert r.status_code == 202, r.text
    body = finished(r.json()["id"])
    assert body["document"]["language"] == "de"
    assert body["status"] == "done"  # nothing failed: every section ran or says why it did not
    for name in ("dates", "entities", "quotes", "topics"):
        section = body["analysis"][name]
        assert section["status"] == "skipped" and "result" not in section, name
        assert section["reason"]["type"].endswith("/language-not-supported")
        assert "supports en" in section["reason"]["detail"] and "in de" in section["reason"]["detail"]
    assert body["analysis"]["wordcount"]["status"] == "done"  # no languages declared: runs on any
    fragment = requests.get(f"{api}/documents/{body['id']}/analysis", timeout=10).text  # the page says why
    assert "Skipped:" in fragment and "entities supports en; the document is in de" in fragment


def test_the_clients_language_wins_over_detection(api, finished):
    r = requests.post(api + "/v1/documents", json={"html": page("article_de.html"), "language": "en",
                                                   "analyzers": ["entities"]}, timeout=30)
    body = finished(r.json()["id"])
    assert body["document"]["language"] == "en" and "language_detection" not in body["document"]
    assert body["analysis"]["entities"]["status"] == "done"


def test_analyzers_list_their_languages(api):
    listed = {a["name"]: a for a in requests.get(api + "/v1/analyzers").json()["analyzers"]}
    assert all(listed[n]["languages"] == ["en"] for n in ("dates", "entities", "quotes", "topics"))
    assert listed["wordcount"]["languages"] is None


def test_skipped_counts_as_finished_in_the_overall_status():
    from newsdesk.pipeline import overall_status

    assert overall_status(["a", "b"], {"a": {"status": "done"}, "b": {"status": "skipped"}}) == "done"
    assert overall_status(["a", "b"], {"a": {"status": "failed"}, "b": {"status": "skipped"}}) == "partial"
    assert overall_status(["a", "b"], {"a": {"status": "skipped"}}) == "running"


def test_analyzer_languages_are_checked_at_registration():
    from marshmallow import Schema

    from newsdesk import analyzer
    from newsdesk.analyzers import AnalyzerError

    ok = analyzer("polyglot", version="1", output_schema=Schema, languages=["en", "de"])(lambda d, c: {})
    assert ok.meta.languages == ("en", "de") and ok.meta.supports("de-AT") and not ok.meta.supports("fr")
    assert ok.meta.supports(None)
    for bad in ((), ("EN",), ("english",)):
        with pytest.raises(AnalyzerError, match="languages"):
            analyzer("polyglot", version="1", output_schema=Schema, languages=bad)(lambda d, c: {})
