"""``/v1/documents`` and ``/v1/batches``: submit, read, search, delete and re-analyze documents."""
from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time

from flask import current_app, g, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from ..errors import ProblemError
from ..fetch import fetch_page
from ..html import PageError, decode, document_from_page
from ..language import with_language
from ..indexing import query_terms, search_facets
from ..pipeline import UnknownAnalyzer
from ..schemas import (BatchIn, BatchOut, DocumentIn, DocumentListOut, DocumentOut, FacetValuesArgs,
                       FacetValuesOut, ProblemSchema, SearchArgs, SubmitOut, facet_args)
from ..store import new_document_id
from ..tasks import enqueue, enqueue_many
from ..webhooks import UnsafeCallback, check_callback_url

log = logging.getLogger(__name__)
blp = Blueprint("documents", __name__, url_prefix="/v1", description="Documents and their analysis")
FINISHED = ("done", "partial", "failed")
_BODY_DOC = {"required": True, "content": {
    "application/json": {"schema": DocumentIn},
    "text/plain": {"schema": {"type": "string", "description": "the article text"}},
    "text/html": {"schema": {"type": "string", "description": "a web page: its article text and metadata "
                             "are extracted (query parameters: url, language, analyzers)"}}}}
_UNAVAILABLE = {"Retry-After": "5"}
PROBLEM = "application/problem+json"


def _ext():
    return current_app.extensions["newsdesk"]


def _json_body():
    try:
        return json.loads(request.get_data())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProblemError("malformed-json", f"The body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ProblemError("malformed-json", "The JSON body is nested too deeply.") from None


def _read_submission() -> dict:
    """Parse the body (a JSON document or plain text) into a raw dict, not yet validated."""
    mimetype = request.mimetype
    if mimetype == "text/plain":
        try:
            raw = {"text": request.get_data().decode(request.mimetype_params.get("charset", "utf-8"))}
        except (UnicodeDecodeError, LookupError):
            raise ProblemError("bad-request", "The text/plain body is not valid UTF-8.") from None
        if request.args.get("analyzers"):
            raw["analyzers"] = request.args["analyzers"].split(",")
        return raw
    if mimetype == "text/html":
        try:
            raw = {"html": decode(request.get_data(), request.mimetype_params.get("charset"))}
        except PageError as exc:
            raise ProblemError(exc.code, exc.detail) from None
        for key in ("url", "language", "title", "source", "published_at"):
            if request.args.get(key):
                raw[key] = request.args[key]
        if request.args.get("analyzers"):
            raw["analyzers"] = request.args["analyzers"].split(",")
        return raw
    if mimetype == "application/json" or mimetype.endswith("+json"):
        return _json_body()
    raise ProblemError("unsupported-media-type", f"Content-Type {mimetype or '(none)'} is not supported; "
                       "send application/json, text/plain or text/html.",
                       headers={"Accept-Post": "application/json, text/plain, text/html"})


def _validate(raw, schema=DocumentIn) -> dict:
    try:
        return schema().load(raw)
    except ValidationError as exc:
        raise ProblemError("validation", "The request has invalid fields.", errors=exc.messages) from None


def _plan(wanted):
    try:
        return _ext().pipeline.plan(wanted)
    except UnknownAnalyzer as exc:
        raise ProblemError("unknown-analyzer", str(exc), errors={"analyzers": exc.names},
                           available=sorted(_ext().pipeline.analyzers)) from None


def _check_callback(url):
    if not url:
        return
    settings = _ext().settings
    if not settings.webhook_secret:
        raise ProblemError("validation", "This deployment has no webhook secret; callbacks are off.",
                           errors={"callback_url": ["Callbacks are not configured."]})
    try:
        check_callback_url(url, settings.webhook_allow_private)
    except UnsafeCallback as exc:
        raise ProblemError("validation", str(exc), errors={"callback_url": [str(exc)]}) from None


def _fetch(url: str) -> str:
    """The page at ``url`` (a document with a url and neither text nor html), if fetching is on."""
    settings = _ext().settings
    if not settings.fetch_urls:
        raise ProblemError("validation", "Send text or html; this deployment does not fetch URLs "
                           "(NEWSDESK_FETCH_URLS).", errors={"text": ["Missing data for required field."]})
    try:
        html, _ = fetch_page(url, allow_private=settings.fetch_allow_private,
                             timeout=settings.fetch_timeout_seconds, max_bytes=settings.max_body_bytes)
    except PageError as exc:
        raise ProblemError(exc.code, exc.detail, url=url) from None
    return html


def _accept(document: dict, deferred: list | None = None) -> dict:
    """Store a validated document, then enqueue it (or add it to ``deferred``); return the
    submission body.

    A store or broker failure answers 503 and leaves nothing behind, so an accepted
    document is never dropped.
    """
    ext = _ext()
    store = ext.store
    wanted = document.pop("analyzers", None)
    callback = document.pop("callback_url", None)
    dedupe = document.pop("dedupe", False)
    plan = _plan(wanted)
    _check_callback(callback)
    document = {k: v for k, v in document.items() if v is not None}
    if "text" not in document and "html" not in document:
        document["html"] = _fetch(document["url"])
    if "html" in document:
        try:
            document = document_from_page(document)
        except PageError as exc:
            raise ProblemError(exc.code, exc.detail) from None
    document = with_language(document)
    limit = ext.settings.max_text_chars
    if len(document["text"]) > limit:
        raise ProblemError("payload-too-large", f"The text has {len(document['text'])} characters; this "
                           f"deployment analyzes at most {limit} (NEWSDESK_MAX_TEXT_CHARS).", max_text_chars=limit)
    digest = hashlib.sha256(document["text"].encode()).hexdigest()
    try:
        if dedupe:
            existing = store.document_with_text(digest)
            if existing:
                body = store.body(existing)
                return {"id": existing, "status": body["status"], "plan": body["plan"], "deduplicated": True,
                        "links": {"self": url_for("documents.Document", doc_id=existing)}}
        doc_id = new_document_id()
        store.save_document(doc_id, document, plan, g.request_id, callback)
        store.remember_text(digest, doc_id)
    except ProblemError:
        raise
    except Exception as exc:
        log.error("store unavailable at submit: %s", exc)
        raise ProblemError("service-unavailable", "The document store is unavailable; retry later.",
                           headers=_UNAVAILABLE) from None
    if deferred is not None:
        deferred.append((doc_id, plan))
        return {"id": doc_id, "status": "queued", "plan": plan,
                "links": {"self": url_for("documents.Document", doc_id=doc_id)}}
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
                           headers=_UNAVAILABLE) from None
    log.info("document accepted", extra={"document_id": doc_id, "plan": plan, "chars": len(document["text"])})
    return {"id": doc_id, "status": "queued", "plan": plan,
            "links": {"self": url_for("documents.Document", doc_id=doc_id)}}


def idempotent(view):
    """Replay the first answer to a POST retried with the same ``Idempotency-Key``."""

    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key:
            return view(*args, **kwargs)
        if len(key) > 255:
            raise ProblemError("bad-request", "Idempotency-Key is longer than 255 characters.")
        ext = _ext()
        scope = (g.get("api_key") or {}).get("id", "anonymous")
        fingerprint = hashlib.sha256(request.path.encode() + b"\0" + request.get_data()).hexdigest()
        ttl = ext.settings.idempotency_ttl_seconds
        seen = ext.store.claim_idempotency(scope, key, fingerprint, ttl)
        if seen:
            if seen["fingerprint"] != fingerprint:
                raise ProblemError("idempotency-key-reused",
                                   "This Idempotency-Key was used with a different request.")
            if "response" not in seen:
                raise ProblemError("conflict", "A request with this Idempotency-Key is still in progress.",
                                   headers={"Retry-After": "1"})
            r = seen["response"]
            return r["body"], r["status"], {**r["headers"], "Idempotent-Replayed": "true"}
        try:
            body, status, headers = view(*args, **kwargs)
        except Exception:
            ext.store.release_idempotency(scope, key)  # a failed attempt may be retried
            raise
        ext.store.finish_idempotency(scope, key, fingerprint,
                                     {"body": body, "status": status, "headers": headers}, ttl)
        return body, status, headers

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _cursor(value):
    if value is None:
        return None
    try:
        cursor = float(value)
    except ValueError:
        cursor = math.nan
    if not math.isfinite(cursor):  # nan and inf are floats, but no position in the index
        raise ProblemError("validation", "The cursor is not valid.", errors={"cursor": ["Not a valid cursor."]})
    return cursor


@blp.route("/documents")
class Documents(MethodView):
    @blp.doc(requestBody=_BODY_DOC, parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                                                 "schema": {"type": "string", "maxLength": 255}}])
    @blp.response(202, SubmitOut, headers={"Location": {"schema": {"type": "string"}}})
    @blp.alt_response(400, schema=ProblemSchema, content_type=PROBLEM,
                      description="Malformed JSON, or a page whose bytes are not in its charset (undecodable)")
    @blp.alt_response(409, schema=ProblemSchema, content_type=PROBLEM, description="Same Idempotency-Key in progress")
    @blp.alt_response(413, schema=ProblemSchema, content_type=PROBLEM, description="Body (or fetched page) too large")
    @blp.alt_response(415, schema=ProblemSchema, content_type=PROBLEM, description="Unsupported media type")
    @blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM,
                      description="Invalid document; a web page with no article body (no-article); a URL "
                                  "the service refuses to fetch (fetch-refused)")
    @blp.alt_response(502, schema=ProblemSchema, content_type=PROBLEM,
                      description="The page at the URL could not be fetched (NEWSDESK_FETCH_URLS=1)")
    @blp.alt_response(503, schema=ProblemSchema, content_type=PROBLEM, description="Store or queue unavailable")
    @idempotent
    def post(self):
        """Submit a document for analysis; poll the ``Location`` for its results."""
        body = _accept(_validate(_read_submission()))
        return body, 202, {"Location": body["links"]["self"]}

    @blp.arguments(SearchArgs, location="query", unknown=None)  # the schema's INCLUDE: facets
    @blp.response(200, DocumentListOut)
    def get(self, args):
        """Search documents by the facets of the loaded analyzers, publication date and status, newest first."""
        ext = _ext()
        facets = search_facets(ext.host.facets)
        try:
            args = facet_args(facets, args)
        except ValidationError as exc:
            raise ProblemError("validation", "The search parameters are not valid.", errors=exc.messages) from None
        terms, ranges = query_terms(facets, args)
        store = ext.store
        rows = store.search(terms, args["limit"] + 1, _cursor(args.get("cursor")), ranges, args.get("status"))
        page = rows[:args["limit"]]
        docs = []
        for doc_id, _ in page:
            rec = store.load(doc_id)
            if rec is None:
                continue
            body = store.body(doc_id)
            docs.append({"id": doc_id, "status": body["status"], "title": rec["document"].get("title"),
                         "published_at": rec["document"].get("published_at"),
                         "submitted_at": rec["submitted_at"],
                         "links": {"self": url_for("documents.Document", doc_id=doc_id)}})
        return {"documents": docs, "next_cursor": repr(page[-1][1]) if len(rows) > args["limit"] else None}


class WaitArgs(Schema):
    wait = fields.Float(load_default=0, validate=validate.Range(0, 60),
                        metadata={"description": "Hold up to this many seconds (max 60) for completion"})


_waiting: dict[int, threading.BoundedSemaphore] = {}  # per process: the ?wait requests holding a thread


def _wait_slot() -> threading.BoundedSemaphore:
    limit = _ext().settings.max_waiting
    return _waiting.setdefault(limit, threading.BoundedSemaphore(limit))


@blp.route("/documents/<doc_id>")
class Document(MethodView):
    @blp.arguments(WaitArgs, location="query")
    @blp.response(200, DocumentOut)
    @blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM, description="Unknown document")
    @blp.alt_response(429, schema=ProblemSchema, content_type=PROBLEM,
                      description="Too many requests are already waiting (NEWSDESK_MAX_WAITING per process)")
    def get(self, args, doc_id):
        """The document, its overall status and the merged analysis (one section per analyzer)."""
        store = _ext().store
        body = store.body(doc_id)
        if body is None:
            raise ProblemError("document-not-found", f"No document with id {doc_id!r}.")
        if args["wait"] and body["status"] not in FINISHED:
            # a wait holds a request thread: only a few at once, so other requests and the
            # health probes always find a free thread
            slot = _wait_slot()
            if not slot.acquire(blocking=False):
                raise ProblemError("too-many-waiting", "Too many requests are waiting for documents; poll "
                                   "without ?wait or retry later.", headers={"Retry-After": "1"})
            try:
                deadline = time.monotonic() + args["wait"]
                while body["status"] not in FINISHED and time.monotonic() < deadline:
                    time.sleep(0.1)
                    body = store.body(doc_id)
                    if body is None:
                        raise ProblemError("document-not-found", f"No document with id {doc_id!r}.")
            finally:
                slot.release()
        body["links"] = {"self": url_for("documents.Document", doc_id=doc_id)}
        return body

    @blp.response(204)
    @blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM, description="Unknown document")
    def delete(self, doc_id):
        """Delete the document, its results and its index entries."""
        if not _ext().store.delete_document(doc_id):
            raise ProblemError("document-not-found", f"No document with id {doc_id!r}.")


class ReanalyzeIn(Schema):
    analyzers = fields.List(fields.String(), metadata={
        "description": "Analyzers to re-run; default: those whose installed version differs"})


@blp.route("/documents/<doc_id>/reanalyze")
class Reanalyze(MethodView):
    @blp.arguments(ReanalyzeIn, required=False)
    @blp.response(202, SubmitOut)
    @blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM, description="Unknown document")
    @blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM, description="Unknown analyzer")
    def post(self, args, doc_id):
        """Re-run the named analyzers, or those whose result came from another version."""
        ext = _ext()
        rec = ext.store.load(doc_id)
        if rec is None:
            raise ProblemError("document-not-found", f"No document with id {doc_id!r}.")
        installed = ext.pipeline.analyzers
        named = args.get("analyzers") or [n for n, s in rec["sections"].items()
                                          if n in installed and s.get("version") != installed[n].meta.version]
        _plan(named)  # unknown names are a 422
        plan = _plan(set(rec["plan"]) & set(installed) | set(named))
        # prerequisites that already have a result are not re-run
        rerun = [n for n in plan if n in named or rec["sections"].get(n, {}).get("status") != "done"]
        ext.store.reset_sections(doc_id, rerun, plan)
        if rerun:
            try:
                enqueue(doc_id, rerun, g.request_id)
            except Exception:
                raise ProblemError("service-unavailable", "The task queue is unavailable; retry later.",
                                   headers=_UNAVAILABLE) from None
        location = url_for("documents.Document", doc_id=doc_id)
        return {"id": doc_id, "status": "queued" if rerun else "done", "plan": rerun,
                "links": {"self": location}}, 202, {"Location": location}


@blp.route("/batches")
class Batches(MethodView):
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": BatchIn}}})
    @blp.response(202, BatchOut, headers={"Location": {"schema": {"type": "string"}}})
    @blp.alt_response(400, schema=ProblemSchema, content_type=PROBLEM, description="Malformed JSON")
    @blp.alt_response(413, schema=ProblemSchema, content_type=PROBLEM, description="Body too large")
    @blp.alt_response(415, schema=ProblemSchema, content_type=PROBLEM, description="Unsupported media type")
    @blp.alt_response(422, schema=ProblemSchema, content_type=PROBLEM, description="Invalid batch")
    @idempotent
    def post(self):
        """Submit several documents; each item is accepted or rejected on its own."""
        if not (request.mimetype == "application/json" or request.mimetype.endswith("+json")):
            raise ProblemError("unsupported-media-type", "Send the batch as application/json.")
        batch = _validate(_json_body(), BatchIn)
        limit = _ext().settings.batch_max
        if len(batch["documents"]) > limit:
            raise ProblemError("validation", f"A batch holds at most {limit} documents.",
                               errors={"documents": [f"Longer than {limit}."]})
        shared = {k: batch[k] for k in ("analyzers", "callback_url", "dedupe") if batch.get(k) is not None}
        items = []
        deferred: list[tuple[str, list[str]]] = []
        try:
            for i, raw in enumerate(batch["documents"]):
                try:
                    item = raw if isinstance(raw, dict) else {"text": raw} if isinstance(raw, str) else raw
                    accepted = _accept(_validate({**shared, **item} if isinstance(item, dict) else item), deferred)
                    items.append({"index": i, "id": accepted["id"], "status": "queued"})
                except ProblemError as exc:
                    if exc.status >= 500:
                        raise
                    items.append({"index": i, "id": None, "status": "rejected", "detail": exc.detail,
                                  **({"errors": exc.extensions["errors"]} if "errors" in exc.extensions else {})})
            _enqueue_together(deferred)
        except Exception:
            _forget(deferred)  # a 503 leaves nothing behind
            raise
        batch_id = new_document_id()
        submitted = _ext().store.save_batch(batch_id, items)
        body = _batch_body(batch_id, items, submitted)
        return body, 202, {"Location": body["links"]["self"]}


def _enqueue_together(deferred: list[tuple[str, list[str]]]) -> None:
    """Enqueue a batch's documents by plan, so the worker parses them with one ``nlp.pipe``."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for doc_id, plan in deferred:
        if plan:
            groups.setdefault(tuple(plan), []).append(doc_id)
    try:
        for plan, ids in groups.items():
            enqueue_many(ids, list(plan), g.request_id)
    except Exception as exc:
        log.error("broker unavailable at submit: %s", exc)
        raise ProblemError("service-unavailable", "The task queue is unavailable; retry later.",
                           headers=_UNAVAILABLE) from None
    for doc_id, plan in deferred:
        log.info("document accepted", extra={"document_id": doc_id, "plan": plan})


def _forget(deferred: list[tuple[str, list[str]]]) -> None:
    for doc_id, _ in deferred:
        try:
            _ext().store.delete_document(doc_id)
        except Exception:
            log.exception("could not remove the unqueued document")


def _batch_body(batch_id, items, submitted):
    statuses = _ext().store.statuses([i["id"] for i in items if i["id"]])
    counts: dict[str, int] = {}
    out = []
    for item in items:
        status = statuses.get(item["id"]) or "deleted" if item["id"] else "rejected"
        counts[status] = counts.get(status, 0) + 1
        out.append({**item, "status": status})
    running = any(s in ("queued", "running") for s in counts)
    return {"id": batch_id, "status": "running" if running else "done", "submitted_at": submitted,
            "counts": counts, "items": out, "links": {"self": url_for("documents.Batch", batch_id=batch_id)}}


@blp.route("/batches/<batch_id>")
class Batch(MethodView):
    @blp.response(200, BatchOut)
    @blp.alt_response(404, schema=ProblemSchema, content_type=PROBLEM, description="Unknown batch")
    def get(self, batch_id):
        """Progress of a batch: per-item status and counts."""
        rec = _ext().store.get_batch(batch_id)
        if rec is None:
            raise ProblemError("not-found", f"No batch with id {batch_id!r}.")
        return _batch_body(batch_id, rec["items"], rec["submitted_at"])


@blp.route("/facets/<name>")
class FacetValues(MethodView):
    @blp.arguments(FacetValuesArgs, location="query")
    @blp.response(200, FacetValuesOut)
    def get(self, args, name):
        """Values of a listed facet (e.g. names of entities) containing ``q``, with document counts."""
        listed = sorted(n for n, fs in _ext().host.facets.items() if fs[0].listed)
        if name not in listed:
            raise ProblemError("not-found", f"No listed facet {name!r}; listed facets: {', '.join(listed) or 'none'}.")
        store = _ext().store
        qualified = bool(_ext().host.facets[name][0].qualifier)
        rows = store.facet_values(name, args["q"], args["limit"], qualified)
        for row in rows:
            row["recent"] = store.facet_documents(name, row.pop("key"), 5)
        return {"facet": name, "values": rows}
