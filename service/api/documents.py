"""``/v1/documents``: submit a document, read it with its analysis, delete it, re-analyze it."""
from __future__ import annotations

import json
import logging
import time

from flask import current_app, g, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields

from ..errors import ProblemError
from ..pipeline import UnknownAnalyzer
from ..schemas import DocumentIn, DocumentOut, ProblemSchema, SubmitOut
from ..store import new_document_id
from ..tasks import enqueue

log = logging.getLogger(__name__)
blp = Blueprint("documents", __name__, url_prefix="/v1/documents", description="Documents and their analysis")
FINISHED = ("done", "partial", "failed")
_BODY_DOC = {"required": True, "content": {
    "application/json": {"schema": DocumentIn},
    "text/plain": {"schema": {"type": "string", "description": "the article text"}}}}


def _ext():
    return current_app.extensions["newsdesk"]


def _read_submission() -> dict:
    """Parse and validate the body (JSON document or plain text) into a document dict."""
    mimetype = request.mimetype
    if request.content_length is None and not request.data:
        raise ProblemError("validation", "The request has no body.", errors={"text": ["Missing data for required field."]})
    if mimetype == "text/plain":
        try:
            raw = {"text": request.get_data().decode(request.mimetype_params.get("charset", "utf-8"))}
        except (UnicodeDecodeError, LookupError):
            raise ProblemError("bad-request", "The text/plain body is not valid UTF-8.") from None
        if request.args.get("analyzers"):
            raw["analyzers"] = request.args["analyzers"].split(",")
    elif mimetype == "application/json" or mimetype.endswith("+json"):
        try:
            raw = json.loads(request.get_data())
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProblemError("malformed-json", f"The body is not valid JSON: {exc}") from None
    else:
        raise ProblemError("unsupported-media-type",
                           f"Content-Type {mimetype or '(none)'} is not supported; send "
                           "application/json or text/plain.", headers={"Accept-Post": "application/json, text/plain"})
    try:
        return DocumentIn().load(raw)
    except ValidationError as exc:
        raise ProblemError("validation", "The document has invalid fields.", errors=exc.messages) from None


def _plan(wanted):
    try:
        return _ext().pipeline.plan(wanted)
    except UnknownAnalyzer as exc:
        raise ProblemError("unknown-analyzer", str(exc), errors={"analyzers": exc.names},
                           available=sorted(_ext().pipeline.analyzers)) from None


def _submit(doc_id, document, plan) -> None:
    """Store first, then enqueue; a broker failure answers 503 and leaves nothing behind."""
    store = _ext().store
    try:
        store.save_document(doc_id, document, plan, g.request_id)
    except Exception as exc:
        log.error("store unavailable at submit: %s", exc)
        raise ProblemError("service-unavailable", "The document store is unavailable; retry later.",
                           headers={"Retry-After": "5"}) from None
    try:
        if plan:
            enqueue(doc_id, plan, g.request_id)
    except Exception as exc:
        log.error("broker unavailable at submit: %s", exc)
        try:
            store.delete_document(doc_id)
        except Exception:
            log.exception("could not remove the unqueued document")
        raise ProblemError("service-unavailable", "The task queue is unavailable; retry later.",
                           headers={"Retry-After": "5"}) from None


@blp.route("")
class Documents(MethodView):
    @blp.doc(requestBody=_BODY_DOC)
    @blp.response(202, SubmitOut)
    @blp.alt_response(400, schema=ProblemSchema, description="Malformed JSON")
    @blp.alt_response(413, schema=ProblemSchema, description="Body too large")
    @blp.alt_response(415, schema=ProblemSchema, description="Unsupported media type")
    @blp.alt_response(422, schema=ProblemSchema, description="Invalid document")
    @blp.alt_response(503, schema=ProblemSchema, description="Store or queue unavailable")
    def post(self):
        """Submit a document for analysis; poll the ``Location`` for its results."""
        document = _read_submission()
        wanted = document.pop("analyzers", None)
        plan = _plan(wanted)
        doc_id = new_document_id()
        document = {k: v for k, v in document.items() if v is not None}
        _submit(doc_id, document, plan)
        location = url_for("documents.Document", doc_id=doc_id)
        log.info("document accepted", extra={"document_id": doc_id, "plan": plan, "chars": len(document["text"])})
        return {"id": doc_id, "status": "queued", "plan": plan, "links": {"self": location}}, 202, {"Location": location}


class WaitArgs(Schema):
    wait = fields.Float(load_default=0, validate=lambda v: 0 <= v <= 60,
                        metadata={"description": "Hold up to this many seconds (max 60) for completion"})


@blp.route("/<doc_id>")
class Document(MethodView):
    @blp.arguments(WaitArgs, location="query")
    @blp.response(200, DocumentOut)
    @blp.alt_response(404, schema=ProblemSchema, description="Unknown document")
    def get(self, args, doc_id):
        """The document, its overall status and the merged analysis (one section per analyzer)."""
        store = _ext().store
        deadline = time.monotonic() + args["wait"]
        while True:
            body = store.body(doc_id)
            if body is None:
                raise ProblemError("document-not-found", f"No document with id {doc_id!r}.")
            if body["status"] in FINISHED or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        body["links"] = {"self": url_for("documents.Document", doc_id=doc_id)}
        return body

    @blp.response(204)
    @blp.alt_response(404, schema=ProblemSchema, description="Unknown document")
    def delete(self, doc_id):
        """Delete the document and its results."""
        if not _ext().store.delete_document(doc_id):
            raise ProblemError("document-not-found", f"No document with id {doc_id!r}.")


class ReanalyzeIn(Schema):
    analyzers = fields.List(fields.String(), metadata={
        "description": "Analyzers to re-run; default: those whose installed version differs"})


@blp.route("/<doc_id>/reanalyze")
class Reanalyze(MethodView):
    @blp.arguments(ReanalyzeIn, required=False)
    @blp.response(202, SubmitOut)
    @blp.alt_response(404, schema=ProblemSchema, description="Unknown document")
    @blp.alt_response(422, schema=ProblemSchema, description="Unknown analyzer")
    def post(self, args, doc_id):
        """Re-run the named analyzers, or those whose result came from another version."""
        ext = _ext()
        rec = ext.store.load(doc_id)
        if rec is None:
            raise ProblemError("document-not-found", f"No document with id {doc_id!r}.")
        if args.get("analyzers"):
            rerun = _plan(args["analyzers"])
        else:
            installed = ext.pipeline.analyzers
            rerun = [n for n, s in rec["sections"].items()
                     if n in installed and s.get("version") != installed[n].meta.version]
            rerun = _plan(rerun) if rerun else []
        plan = [n for n in _plan(set(rec["plan"]) & set(ext.pipeline.analyzers) | set(rerun))]
        ext.store.reset_sections(doc_id, rerun, plan)
        if rerun:
            try:
                enqueue(doc_id, rerun, g.request_id)
            except Exception:
                raise ProblemError("service-unavailable", "The task queue is unavailable; retry later.",
                                   headers={"Retry-After": "5"}) from None
        location = url_for("documents.Document", doc_id=doc_id)
        return {"id": doc_id, "status": "queued" if rerun else "done", "plan": rerun,
                "links": {"self": location}}, 202, {"Location": location}
