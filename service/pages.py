"""The page: paste an article or open a stored one and see its analysis over the text.

``/`` and ``/documents/<id>`` are shells (no data, so they need no key); their script submits
through ``POST /v1/documents`` and polls ``/documents/<id>/analysis``, an HTML fragment rendered
here from the stored sections (``auth.required_scope`` asks a ``read`` key for it). Each finished section is shown by the ``section_view`` hook of the
plugin that owns the analyzer (the host's fallback shows its JSON); the host names no analyzer.
"""
from __future__ import annotations

import json
import logging
import time

from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup

from .views import SectionView, json_view, render_text

log = logging.getLogger(__name__)
# templates/pages/*.html and static/newsdesk.{css,js} are the app's own folders (Flask's defaults)
bp = Blueprint("pages", __name__)
FINISHED = ("done", "partial", "failed")


def _ext():
    return current_app.extensions["newsdesk"]


@bp.get("/")
def index():
    """The submission form."""
    return render_template("pages/index.html", auth=_ext().settings.auth)


@bp.get("/documents/<doc_id>")
def document(doc_id):
    """A document's page; its script fills in the analysis."""
    return render_template("pages/document.html", auth=_ext().settings.auth, doc_id=doc_id)


def _view(name: str, result, document: dict) -> SectionView:
    try:
        view = _ext().host.pm.hook.section_view(name=name, result=result, document=document)
    except Exception:
        log.exception("section_view failed; showing the JSON", extra={"analyzer": name})
        view = None
    return view if isinstance(view, SectionView) else json_view(result)


@bp.get("/documents/<doc_id>/analysis")
def analysis(doc_id):
    """The analysis as an HTML fragment. ``?wait=N`` (at most 10 s) holds the answer until the
    document has finished or, with ``&seen=K``, until more than K sections have finished, so the
    page shows each section as soon as it is stored."""
    try:
        wait = min(max(float(request.args.get("wait", 0)), 0.0), 10.0)
        seen = int(request.args.get("seen", -1))
    except ValueError:
        wait, seen = 0.0, -1
    store = _ext().store
    deadline = time.monotonic() + wait
    while True:
        body = store.body(doc_id)
        if body is None:
            return render_template("pages/missing.html", doc_id=doc_id), 404
        count = sum(1 for s in body["analysis"].values() if s.get("status") in ("done", "skipped", "failed"))
        if body["status"] in FINISHED or count > seen >= 0 or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    document = body["document"]
    text = document.get("text", "")
    sections, marks, css = [], [], []
    for name in body["plan"]:
        section = body["analysis"].get(name) or {"status": "pending"}
        entry = {"name": name, "section": section}
        if section.get("status") == "done":
            view = _view(name, section.get("result"), document)
            entry["html"] = Markup(view.html)  # nosec B704: the plugin's own fragment, trusted as its code is
            marks.extend(view.marks)
            if view.css and view.css not in css:
                css.append(view.css)
        elif section.get("error") is not None:
            entry["error_json"] = json.dumps(section["error"], ensure_ascii=False, indent=2)
        sections.append(entry)
    rules = Markup("\n".join(css))  # nosec B704: the plugins' own rules
    return render_template("pages/analysis.html", body=body, document=document, sections=sections,
                           text_html=render_text(text, marks), css=rules,
                           finished=body["status"] in FINISHED, count=count)
