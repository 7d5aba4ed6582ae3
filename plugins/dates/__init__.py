"""The ``dates`` analyzer: the publication date and every temporal expression as a TIMEX3."""
from __future__ import annotations

import logging
import re
from datetime import date, datetime

from marshmallow import Schema, fields, validate

from newsdesk import Facet, analyzer, hookimpl

from .recogniser import COMBINATIONS, combine, learned_spans, load_model, questioned
from .timex import find_timexes
from .view import section_view  # noqa: F401  (a hook: how the page shows this section)

log = logging.getLogger(__name__)

SOURCES = ("request", "page", "dateline", "header", "url")
#: How learned and rule spans combine (``recogniser.COMBINATIONS``); chosen on TimeBank's held-in fifth.
RECOGNISER = "rules"
#: How far into the text a header or dateline date may sit.
HEADER_CHARS = 400


class Evidence(Schema):
    text = fields.String(required=True)
    start = fields.Integer(allow_none=True)
    end = fields.Integer(allow_none=True)
    url = fields.String(allow_none=True)
    method = fields.String(metadata={"description": "for source 'page': where the page states it "
                                                    "(json-ld, meta, url, text)"})


class PublicationDate(Schema):
    value = fields.String(allow_none=True, required=True)
    source = fields.String(allow_none=True, required=True, validate=validate.OneOf(SOURCES))
    evidence = fields.Nested(Evidence, allow_none=True, required=True)
    confidence = fields.Float(required=True, validate=validate.Range(0, 1))


class Timex(Schema):
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    text = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(["DATE", "TIME", "DURATION", "SET"]))
    value = fields.String(required=True)
    mod = fields.String()
    anchor = fields.String(allow_none=True, required=True)


class Output(Schema):
    publication_date = fields.Nested(PublicationDate, required=True)
    timexes = fields.List(fields.Nested(Timex), required=True)


def parse_published_at(value) -> date | None:
    """A ``date`` from the request's ``published_at`` (ISO string, datetime or date), else None."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    m = re.match(r"(\d{4})-?(\d{2})-?(\d{2})", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    try:
        from dateutil import parser

        return parser.parse(text).date()
    except (ValueError, OverflowError):
        log.warning("unparseable published_at", extra={"published_at": text})
        return None


_URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d\d)[/-]?(?P<m>[01]\d)[/-]?(?P<d>[0-3]\d)(?=[/_.-]|\d{0,2}[/_-])")
_URL_IN_TEXT = re.compile(r"https?://\S+")
_HEADER_ISO = re.compile(r"^\W*(?:date[:\s]+|published[:\s]+|posted[:\s]+)?(?P<d>\d{4}-\d\d-\d\d)\b", re.I)
_DATELINE_CONTEXT = re.compile(r"\(|\b[A-Z]{3,}\b|\s[-–—]\s|News|Press|Agency|Reuters|AP|AFP|Sputnik|Tanjug")


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def url_date(url: str) -> date | None:
    m = _URL_DATE.search(url)
    return _valid(int(m["y"]), int(m["m"]), int(m["d"])) if m else None


def page_date(document: dict) -> dict | None:
    """The date the web page states (``document["page"]["published"]``, set when HTML came in)."""
    found = (document.get("page") or {}).get("published") or {}
    value = parse_published_at(found.get("value"))
    if value is None:
        return None
    method = str(found.get("method") or "")
    return {"value": value.isoformat(), "source": "page",
            "evidence": {"text": str(found.get("evidence") or found["value"]), "start": None, "end": None,
                         "url": found.get("evidence") if method == "url" else None, "method": method},
            "confidence": float(min(1.0, max(0.0, found.get("confidence") or 0.5)))}


def publication_date(document: dict, timexes: list[dict]) -> dict:
    """Where the article says it was published, with the evidence and a confidence.

    The request's ``published_at`` wins; then the page's own markup (JSON-LD, meta tags) when the
    document came in as HTML; then a header or dateline date in the text; then the page's weaker
    findings (its URL, its visible text); then a date in the document's URL."""
    text = document.get("text") or ""
    published = parse_published_at(document.get("published_at"))
    if published:
        return {"value": published.isoformat(), "source": "request",
                "evidence": {"text": str(document["published_at"]), "start": None, "end": None, "url": None},
                "confidence": 1.0}
    page = page_date(document)
    if page and page["confidence"] >= 0.9:
        return page
    found = _from_text(document, text, timexes)
    if found is None or (page and page["confidence"] > found["confidence"]):
        return page or _from_url(document, text)
    return found


def _from_text(document: dict, text: str, timexes: list[dict]) -> dict | None:
    m = _HEADER_ISO.match(text)
    if m and (d := parse_published_at(m["d"])):
        return {"value": d.isoformat(), "source": "header",
                "evidence": {"text": m[0].strip(), "start": m.start("d"), "end": m.end("d"), "url": None},
                "confidence": 0.95}
    # a full calendar date (day, month and year) near the top is the dateline or header date
    for t in timexes:
        if t["start"] > HEADER_CHARS:
            break
        if t["type"] in ("DATE", "TIME") and re.fullmatch(r"\d{4}-\d\d-\d\d(T.*)?", t["value"]) \
                and t["anchor"] is None and not t["text"].isdigit():
            before = text[max(0, t["start"] - 80):t["start"]]
            dateline = bool(_DATELINE_CONTEXT.search(before))
            return {"value": t["value"][:10], "source": "dateline" if dateline and "(" in before else "header",
                    "evidence": {"text": t["text"], "start": t["start"], "end": t["end"], "url": None},
                    "confidence": 0.85 if dateline or re.search(r"\d\d:\d\d|day\b", text[t["start"]:t["end"] + 12]) else 0.7}
    return None


def _from_url(document: dict, text: str) -> dict:
    urls = [u for u in [document.get("url")] if u] + [u.group(0) for u in _URL_IN_TEXT.finditer(text[:HEADER_CHARS * 2])]
    for u in urls:
        d = url_date(u)
        if d:
            return {"value": d.isoformat(), "source": "url",
                    "evidence": {"text": u, "start": None, "end": None, "url": u}, "confidence": 0.8}
    return {"value": None, "source": None, "evidence": None, "confidence": 0.0}


class Settings(Schema):
    """``NEWSDESK_ANALYZER__DATES__RECOGNISER``, checked when the service starts."""

    recogniser = fields.String(validate=validate.OneOf(COMBINATIONS), load_default=RECOGNISER, metadata={
        "description": "rules alone, or combined with the learned span model: " + ", ".join(COMBINATIONS)})


@analyzer("dates", version="1.1",
          requires=["parse", "document.published_at", "document.url", "document.title", "document.page"],
          output_schema=Output, languages=("en",),  # English patterns and model
          config_schema=Settings,
          description="Publication date and TIMEX3 temporal expressions resolved against it.")
def dates(document: dict, context) -> dict:
    """Publication date (request, header, dateline or URL) and normalised temporal expressions."""
    text = document.get("text") or ""
    # first pass without an anchor finds an explicit header date when the request has none
    dct = parse_published_at(document.get("published_at"))
    if dct is None and (page := page_date(document)) and page["confidence"] >= 0.9:
        pub, dct = publication_date(document, []), date.fromisoformat(page["value"])
    elif dct is None:
        pub = publication_date(document, find_timexes(text[:HEADER_CHARS + 200], None, None))
        dct = date.fromisoformat(pub["value"]) if pub["value"] else None
    else:
        pub = publication_date(document, [])
    timexes = find_timexes(text, dct, context.doc)
    mode = (context.config or {}).get("recogniser", RECOGNISER)
    if mode != "rules" and context.doc is not None and context.doc.text == text:
        near = questioned(timexes) if mode == "vote" else None  # the vote asks only where it may veto
        timexes = combine(text, timexes, learned_spans(context.doc, near) if near != [] else [], dct, mode)
    return {"publication_date": pub, "timexes": timexes}


@hookimpl
def startup(role):
    if role != "api" and RECOGNISER != "rules":
        load_model()  # warm the span model in the worker, never at import


@hookimpl
def register_analyzers():
    return [dates]


@hookimpl
def register_facets():
    return [Facet("published", "dates", lambda r: (r.get("publication_date") or {}).get("value"),
                  "publication date found in the text (else the request's published_at)", kind="date")]


@hookimpl
def register_commands(cli):
    from .evaluate import cli as evaluate
    from .train import cli as train

    cli.commands["eval"].add_command(evaluate, "dates")
    cli.commands["train"].add_command(train, "dates")

