"""Web pages in: the article text, its metadata and its publication date, extracted from HTML.

trafilatura finds the main text and the metadata (title, author, site name, language, canonical
URL); htmldate finds the publication date, and :func:`_date_method` tells where in the page it
was found (JSON-LD, a meta tag, the URL or the visible text), which sets the date's confidence.
The extracted text is the document's ``text``: what the analyzers see and what offsets refer to.
The page's findings are kept as ``document["page"]`` (see docs/plugins.md, "The document").
"""
from __future__ import annotations

import re

#: An article body shorter than this (characters) is not an article: a block page, a stub.
MIN_BODY_CHARS = 200
#: Phrases of block, consent and paywall pages; a short body saying one of them is refused.
_BLOCK_PHRASES = re.compile(
    r"access denied|are you a robot|captcha|enable javascript|enable cookies|verify you are (a )?human|"
    r"subscribe to (continue|read)|to continue reading|already a subscriber|log in to read|"
    r"this content is for subscribers|request blocked|unusual traffic", re.I)
_SHORT_FOR_BLOCK = 1200  # characters: a longer body that mentions "subscribe" is still an article
_HTML_LANG = re.compile(r"""<html[^>]*\slang\s*=\s*["']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
#: How sure a publication date is, by where the page says it.
CONFIDENCE = {"json-ld": 0.95, "meta": 0.9, "url": 0.8, "text": 0.6}


class PageError(ValueError):
    """A page that cannot be analysed; ``code`` is the problem code the API answers with."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def decode(data: bytes, charset: str | None = None) -> str:
    """The page's characters: the declared charset (header, then ``<meta charset>``), else UTF-8."""
    declared = charset
    if not declared:
        m = _META_CHARSET.search(data[:4096])
        declared = m.group(1).decode("ascii") if m else None
    for enc in ([declared] if declared else []) + ["utf-8"]:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    raise PageError("undecodable", f"The page is not valid {declared or 'UTF-8'} text"
                    + (" (nor UTF-8)" if declared and declared.lower() != "utf-8" else "") + ".")


def _json_ld_dates(html: str) -> list[str]:
    found = []
    for block in re.findall(r"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", html, re.S | re.I):
        found += re.findall(r'"datePublished"\s*:\s*"([^"]+)"', block)
    return found


_META_DATE = re.compile(
    r"""<meta[^>]+(?:property|name|itemprop)\s*=\s*["']([^"']*(?:publish|date|created|pubdate)[^"']*)["'][^>]*>""",
    re.I)


def _date_method(html: str, url: str | None, value: str) -> tuple[str, str]:
    """Where the page states ``value`` (YYYY-MM-DD): (method, the evidence as written)."""
    for raw in _json_ld_dates(html):
        if raw.startswith(value):
            return "json-ld", raw
    for tag in _META_DATE.finditer(html):
        content = re.search(r"""content\s*=\s*["']([^"']+)["']""", tag.group(0))
        if content and content.group(1).strip().startswith(value):
            return "meta", f'{tag.group(1)}="{content.group(1).strip()}"'
    y, m, d = value.split("-")
    if url and re.search(rf"{y}[/-]?{m}[/-]?{d}", url):
        return "url", url
    return "text", value


def publication_date(html: str, url: str | None) -> dict | None:
    """The page's original publication date found by htmldate, with its method and confidence."""
    from htmldate import find_date

    value = find_date(html, url=url, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    if value is None:  # no markup for it: look at the visible text too
        value = find_date(html, url=url, original_date=True, extensive_search=True, outputformat="%Y-%m-%d")
    if value is None:
        return None
    method, evidence = _date_method(html, url, value)
    return {"value": value, "method": method, "evidence": evidence, "confidence": CONFIDENCE[method]}


def extract(html: str, url: str | None = None) -> dict:
    """The article in ``html``: ``{"text": ..., "page": {...}}``; :class:`PageError` if there is none."""
    import trafilatura

    if not html.strip():
        raise PageError("no-article", "The page is empty.")
    found = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                        include_tables=False, favor_precision=True, deduplicate=False)
    body = ((found.text if found is not None else None) or "").strip()
    if len(body) < MIN_BODY_CHARS:
        raise PageError("no-article", f"The page has no article body ({len(body)} characters of main "
                        f"text; at least {MIN_BODY_CHARS} are needed): a block, paywall or index page?")
    if len(body) < _SHORT_FOR_BLOCK and (hit := _BLOCK_PHRASES.search(body)):
        raise PageError("no-article", f"The page looks like a block or paywall page ({hit.group(0)!r}), "
                        "not an article.")
    fields = {}
    for name, attr in (("title", "title"), ("author", "author"), ("site_name", "sitename"),
                       ("language", "language"), ("url", "url"), ("description", "description")):
        value = getattr(found, attr, None)
        if value:
            fields[name] = {"value": value, "method": "trafilatura"}
    if "language" not in fields and (lang := _HTML_LANG.search(html[:5000])):
        fields["language"] = {"value": lang.group(1).lower(), "method": "html-lang"}
    page = {"extractor": _versions(), "fields": fields, "published": publication_date(html, url)}
    return {"text": body, "page": page}


def _versions() -> str:
    from importlib.metadata import version

    return f"trafilatura {version('trafilatura')}, htmldate {version('htmldate')}"


def document_from_page(document: dict) -> dict:
    """A validated document with ``html`` turned into one with the page's ``text`` and ``page``.

    The client's own ``title``, ``url`` and ``language`` win over the page's."""
    document = dict(document)
    html = document.pop("html")
    out = extract(html, document.get("url"))
    fields = out["page"]["fields"]
    document["text"] = out["text"]
    for key in ("title", "url"):
        if not document.get(key) and key in fields:
            document[key] = fields[key]["value"]
    document["page"] = out["page"]
    return document

