"""The page (``/``, ``/documents/<id>``) in Debian's Chromium, headless, against the real API and worker.

The browser is the system one (``/usr/bin/chromium``, ``apt-get install chromium``; ``.ci/run``
installs it) driven by Playwright; Playwright's own browser download is never used. Without
Chromium the browser tests are skipped with that reason; the markup tests run anyway.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests

from newsdesk.views import Mark, render_text

from .conftest import SEEDS
from .test_api_auth import make_key

CHROMIUM = os.environ.get("NEWSDESK_CHROMIUM", "/usr/bin/chromium")
SCREENSHOT_COPY = Path(tempfile.gettempdir()) / "newsdesk-ui.png"  # for the closing note
SEED = SEEDS / "000_409059f7ab741797.txt"


# -- the text with marks, no browser -------------------------------------------------------------

def test_marks_nest_and_crossing_marks_are_split():
    text = "Ivica Dacic said: Serbia is neutral."
    html = render_text(text, [Mark(0, 11, "ent", tag="PER", href="#e1", id="e1-m0"),
                              Mark(6, 24, "quote", tag="direct", id="q0"),  # crosses the first
                              Mark(18, 24, "ent", tag="LOC", href="#e2")])
    assert html == ('<a href="#e1" class="mark ent" id="e1-m0">Ivica <mark class="mark quote" id="q0" tabindex="-1">Dacic'
                    '</mark><span class="tag">PER</span></a><mark class="mark quote"> said: '
                    '<a href="#e2" class="mark ent">Serbia<span class="tag">LOC</span></a>'
                    '<span class="tag">direct</span></mark> is neutral.')


def test_text_and_labels_are_escaped_and_bad_marks_dropped():
    html = render_text("<b>x</b> & y", [Mark(0, 8, "k", tag="<i>", title='"t"'), Mark(5, 99, "out")])
    assert html == '<mark class="mark k" title="&#34;t&#34;">&lt;b&gt;x&lt;/b&gt;<span class="tag">&lt;i&gt;</span></mark> &amp; y'


def test_shell_pages_need_no_key_but_the_analysis_does(secured_api):
    base = secured_api["base"] + "/newsdesk"
    page = requests.get(base + "/", timeout=10)
    assert page.status_code == 200 and 'data-base="/newsdesk"' in page.text and 'data-auth="1"' in page.text
    assert 'href="/newsdesk/static/newsdesk.css"' in page.text and "https://" not in page.text
    assert requests.get(base + "/static/newsdesk.js", timeout=10).status_code == 200
    r = requests.get(base + "/documents/nope/analysis", timeout=10)
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/problem+json")
    assert requests.get(base + "/documents/nope", timeout=10).status_code == 200  # the shell
    # behind a gateway that strips its own prefix and says so, links carry both prefixes
    r = requests.get(base + "/", headers={"X-Forwarded-Prefix": "/gw"}, timeout=10)
    assert 'data-base="/gw/newsdesk"' in r.text and 'href="/gw/newsdesk/static/newsdesk.css"' in r.text


# -- in the browser ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium (what .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("requestfailed", lambda r: errors.append(f"{r.url} {r.failure}"))
    yield p
    context.close()
    assert not errors, errors


def wait_loaded(page, timeout=120):
    page.wait_for_selector("body[data-loaded]", timeout=timeout * 1000)
    return page.evaluate("document.body.dataset.loaded")


def doc_id_of(page):
    return re.search(r"/documents/([^/?#]+)$", page.url).group(1)


def test_paste_a_seed_and_see_its_analysis(api, page, tmp_path_factory):
    text = SEED.read_text()
    page.goto(api + "/")
    page.fill("#text", text)
    start = time.monotonic()
    page.click("#submit-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/documents/[^/]+$"))
    assert wait_loaded(page) == "done"
    elapsed = time.monotonic() - start
    print(f"\npaste-to-analysis in the browser: {elapsed:.2f} s")
    body = requests.get(f"{api}/v1/documents/{doc_id_of(page)}", timeout=10).json()
    assert body["document"]["text"] == text
    analysis = {n: s["result"] for n, s in body["analysis"].items() if s["status"] == "done"}
    assert {"dates", "entities", "quotes", "topics"} <= set(analysis)

    # entities: each mention marked in the text with a visible type tag, linked to its record
    entities = analysis["entities"]["entities"]
    assert entities
    for e in entities:
        record = page.locator(f'[id="entity-{e["id"]}"]')
        assert e["name"] in record.inner_text()
        if e.get("country_code"):
            assert e["country_code"] in record.inner_text()
        for alias in e.get("aliases", []):
            assert alias in record.inner_text()
        for i, m in enumerate(e["mentions"]):
            mark = page.locator(f'.text [id="entity-{e["id"]}-m{i}"]')
            assert mark.get_attribute("href") == f'#entity-{e["id"]}'
            assert mark.inner_text().startswith(text[m["start"]:m["end"]][:5])
        assert record.locator("ul.mentions a").count() == len(e["mentions"])
    serbia = next(e for e in entities if e["name"] == "Serbia")
    assert serbia["country_code"] == "RS"
    first = page.locator(f'.text [id="entity-{serbia["id"]}-m0"]')
    assert first.locator(".tag").inner_text() == "LOC"

    # quotes: marked with their kind and speaker; the speaker links to the entity
    quotes = analysis["quotes"]["quotes"]
    assert quotes
    marks = page.locator(".text mark.quote[id]")
    assert marks.count() == len(quotes)
    for i, q in enumerate(quotes):
        info = page.locator(f"#quote-{i}-info")
        assert q["type"] in info.locator(".quote-kind").inner_text()
        if q["cue"]:
            assert q["cue"]["text"] in info.inner_text()
        if q["speaker"] and q["speaker"]["entity_id"]:
            link = info.locator(f'a[href="#entity-{q["speaker"]["entity_id"]}"]')
            assert link.count() == 1
            assert page.locator(f'[id="entity-{q["speaker"]["entity_id"]}"]').count() == 1
    dacic = [i for i, q in enumerate(quotes) if (q["speaker"] or {}).get("entity_name") == "Ivica Dacic"]
    assert dacic, "the seed's direct quote is Ivica Dacic's"
    for i in dacic:
        assert page.locator(f"#quote-{i}-info a[href^='#entity-']").inner_text() == "Ivica Dacic"
    assert page.locator(".text .tag", has_text=f"{quotes[dacic[0]]['type']} quote: Ivica Dacic").count() >= 1

    # dates: each temporal expression marked with its value; the publication date and its evidence
    timexes = analysis["dates"]["timexes"]
    for i, t in enumerate(timexes):
        mark = page.locator(f"#timex-{i}")
        assert mark.locator(".tag").first.inner_text() == t["value"] or t["value"] in mark.inner_text()
    pub = analysis["dates"]["publication_date"]
    assert pub["value"] and pub["value"].startswith("2020-07-22")
    pubdate = page.locator("#section-dates .pubdate").inner_text()
    assert pub["value"] in pubdate and pub["evidence"]["text"] in pubdate
    if pub["evidence"].get("start") is not None:
        assert page.locator(".text #pubdate-evidence").count() == 1

    # topics: ranked by score, with their hierarchy
    topics = sorted(analysis["topics"]["topics"], key=lambda t: -t["score"])
    shown = page.locator("#section-topics li.topic")
    assert shown.count() == len(topics)
    for i, t in enumerate(topics):
        item = shown.nth(i).inner_text()
        assert t["label"] in item and f'{t["score"]:.3f}' in item
        for p in t["parents"]:
            assert p["label"] in item

    # a third-party section (the fixture plugin's wordcount) is shown as its JSON
    assert '"words"' in page.locator("#section-wordcount pre.json").inner_text()

    out = tmp_path_factory.mktemp("screenshots")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(out / "newsdesk-ui.png"))
    page.screenshot(path=str(out / "newsdesk-ui-full.png"), full_page=True)
    shutil.copyfile(out / "newsdesk-ui.png", SCREENSHOT_COPY)
    shutil.copyfile(out / "newsdesk-ui-full.png", SCREENSHOT_COPY.with_name("newsdesk-ui-full.png"))
    print(f"screenshots: {out}/newsdesk-ui.png and newsdesk-ui-full.png (copied to /tmp)")


def test_status_is_shown_until_the_document_is_done(api, page, submit):
    """The page shows "queued"/"running" with the sections finished so far, then the result."""
    page.add_init_script("""
        window.statuses = [];
        document.addEventListener("DOMContentLoaded", function () {
          var el = document.getElementById("doc-status");
          new MutationObserver(function () { window.statuses.push(el.textContent); })
            .observe(el, {childList: true, characterData: true, subtree: true});
        });""")
    doc_id = submit({"text": SEED.read_text()})["id"]
    page.goto(f"{api}/documents/{doc_id}")
    assert wait_loaded(page) == "done"
    statuses = page.evaluate("window.statuses")
    assert re.match(r"Status: (queued|running) \(\d+ of \d+ sections finished\)", statuses[0]), statuses
    assert statuses[-1].startswith("Analysis done"), statuses


def test_open_a_stored_document_by_id_with_the_keyboard(api, page, submit, finished):
    doc_id = submit({"text": "Olaf Scholz said on Tuesday that Germany would help.", "title": "Help",
                     "published_at": "2023-03-07"})["id"]
    finished(doc_id)
    page.goto(api + "/")
    page.focus("#doc-id")
    page.keyboard.type(doc_id)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/documents/{doc_id}")
    assert wait_loaded(page) == "done"
    assert "Help" in page.locator(".meta").inner_text()
    assert page.locator(".text").inner_text().startswith("Olaf Scholz")
    # the entity mark is a link: Enter on it goes to the entity's record
    link = page.locator(".text a.mark.ent").first
    link.focus()
    page.keyboard.press("Enter")
    assert re.search(r"#entity-", page.url)
    assert page.evaluate("document.querySelector(':target').classList.contains('entity-record')")


def test_unknown_id_says_so(api, page):
    page.goto(api + "/documents/does-not-exist")
    assert wait_loaded(page) == "missing"
    assert "No document with id" in page.locator("#analysis").inner_text()


def test_a_failed_analyzer_shows_its_error(api, page, submit, finished):
    doc_id = submit({"text": "a b c", "analyzers": ["wordcount", "raiser"]})["id"]
    body = finished(doc_id)
    assert body["analysis"]["raiser"]["status"] == "failed"
    page.goto(f"{api}/documents/{doc_id}")
    assert wait_loaded(page) == "partial"
    section = page.locator("#section-raiser")
    assert "failed" in section.locator("h2").inner_text()
    error = section.locator(".error").inner_text()
    assert body["analysis"]["raiser"]["error"]["detail"] in error and "boom from raiser" in error
    assert '"words": 3' in page.locator("#section-wordcount pre.json").inner_text()


def test_readable_at_320_px(api, browser, submit, finished):
    doc_id = submit({"text": SEED.read_text()})["id"]
    finished(doc_id)
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        for url in (api + "/", f"{api}/documents/{doc_id}"):
            page.goto(url)
            if "/documents/" in url:
                wait_loaded(page)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 320 px"
    finally:
        context.close()


def test_with_keys_under_the_gateway_prefix(secured_api, page):
    base = secured_api["base"] + "/newsdesk"
    key = make_key(secured_api["env"], "read", "write")["key"]
    page.goto(base + "/")
    page.wait_for_selector("#key-form:not([hidden])")  # keys are on: the page asks first
    page.fill("#key", "nd_00000000_wrong")
    page.press("#key", "Enter")
    page.fill("#text", "Jens Stoltenberg said on Wednesday that NATO is ready.")
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector("#key-form:not([hidden])")  # the wrong key is refused: asked again
    assert "not valid" in page.locator("#key-message").inner_text()
    page.fill("#key", key)
    page.press("#key", "Enter")  # takes the key, then submits the article
    page.wait_for_url(re.compile(r".*/newsdesk/documents/[^/]+$"))
    assert wait_loaded(page) in ("done", "partial")
    assert page.locator(".text a.mark.ent").count() >= 1
    assert page.evaluate("sessionStorage.getItem('newsdesk-api-key')") == key
    assert page.evaluate("localStorage.length") == 0 and page.context.cookies() == []
    # a new browser session has no key: the page asks again
    other = page.context.browser.new_context()
    try:
        p2 = other.new_page()
        p2.goto(page.url)
        p2.wait_for_selector("#key-form:not([hidden])")
    finally:
        other.close()
