"""The one Celery task: run a document's remaining analyzers on one shared parse."""
from __future__ import annotations

import logging
import os

import redis
from celery import shared_task
from flask import current_app

from .config import DEFAULT_QUEUE
from .logging import document_id_var, request_id_var
from .pipeline import FINISHED_SECTION
from .store import queued_document_ids

log = logging.getLogger(__name__)


def queue_of(pipeline, name: str) -> str:
    an = pipeline.analyzers.get(name)
    return (an.meta.queue if an else None) or DEFAULT_QUEUE


def enqueue(document_id: str, names: list[str], request_id: str | None = None) -> None:
    """Send the document to the queue of its first analyzer (raises if the broker is down)."""
    pipeline = current_app.extensions["newsdesk"].pipeline
    run_analysis.apply_async((document_id, names, request_id), queue=queue_of(pipeline, names[0]))


def enqueue_many(document_ids: list[str], names: list[str], request_id: str | None = None) -> None:
    """Send documents submitted together in tasks of ``worker_batch_size``, parsed together."""
    ext = current_app.extensions["newsdesk"]
    size = ext.settings.worker_batch_size
    for i in range(0, len(document_ids), size):
        chunk = document_ids[i:i + size]
        if len(chunk) == 1:
            enqueue(chunk[0], names, request_id)
        else:
            run_batch.apply_async((chunk, names, request_id), queue=queue_of(ext.pipeline, names[0]))


@shared_task(name="analysis.run_batch", bind=True)
def run_batch(self, document_ids: list[str], analyzers: list[str], request_id: str | None = None):
    """Several documents: parse their texts in one ``nlp.pipe`` call, then run each as one task."""
    ext = current_app.extensions["newsdesk"]
    pipeline = ext.pipeline
    recs = [ext.store.load(d) for d in document_ids]
    docs = [None] * len(recs)
    if any(pipeline.analyzers[n].meta.needs_parse for n in analyzers if n in pipeline.analyzers):
        present = [i for i, rec in enumerate(recs) if rec is not None]
        parsed = pipeline.parse_many([recs[i]["document"].get("text") or "" for i in present], len(present))
        for i, doc in zip(present, parsed):
            docs[i] = doc
    for document_id, rec, doc in zip(document_ids, recs, docs):
        if rec is not None:
            _run(self, document_id, analyzers, request_id, doc)


@shared_task(name="analysis.run", bind=True)
def run_analysis(self, document_id: str, analyzers: list[str], request_id: str | None = None):
    """Run the analyzers of ``analyzers`` that belong to this queue, then hand the rest on.

    Idempotent per (document, analyzer): sections already finished with the installed
    version are kept, so a redelivered task completes the document once.
    """
    _run(self, document_id, analyzers, request_id)


def _run(task, document_id: str, analyzers: list[str], request_id: str | None, doc=None) -> None:
    ext = current_app.extensions["newsdesk"]
    store, pipeline = ext.store, ext.pipeline
    request_id_var.set(request_id)
    document_id_var.set(document_id)
    rec = store.load(document_id)
    if rec is None:
        log.warning("document no longer exists; task dropped")
        return
    if rec["completed_at"]:  # a redelivered or re-swept task of a finished document
        log.info("document already finished; task dropped")
        return
    sections = rec["sections"]
    missing = [n for n in analyzers if n not in pipeline.analyzers]
    completed = False  # did a result of this task complete the document (once per completion)?

    def save(name, section):
        nonlocal completed
        completed = store.save_result(document_id, name, section) is not None or completed

    for name in missing:  # the worker's plugins differ from the API's: say so in the section
        save(name, {"status": "failed", "error": {
            "type": "https://newsdesk.dev/problems/analyzer-not-installed",
            "title": "Analyzer not installed", "detail": f"{name} is not installed on this worker"}})
    todo = [n for n in analyzers if n not in missing and not (
        sections.get(n, {}).get("status") in FINISHED_SECTION
        and sections[n].get("version") == pipeline.analyzers[n].meta.version)]
    here = (task.request.delivery_info or {}).get("routing_key") or DEFAULT_QUEUE
    mine: list[str] = []
    for name in todo:  # consecutive analyzers of this queue share one parse
        if queue_of(pipeline, name) != here:
            break
        mine.append(name)
    rest = todo[len(mine):]
    document = {**rec["document"], "id": document_id}
    done = {n: s for n, s in sections.items() if s.get("status") in FINISHED_SECTION}
    store.mark_running(document_id, mine, f"{task.request.hostname}:{os.getpid()}")
    pipeline.run(document, mine, doc=doc, results=done, on_result=save)
    if rest:
        run_analysis.apply_async((document_id, rest, request_id), queue=queue_of(pipeline, rest[0]))
        return
    if not completed:  # a redelivered or re-swept task of a finished document: nothing more to do
        return
    notify(document_id)
    store.notified(document_id)


def notify(document_id: str) -> None:
    """Publish one completion: the callback (queued) and the ``analysis_completed`` hooks.

    Runs once per completion: after the task whose result completed the document, or, if that
    worker died in between, from the recovery sweep."""
    ext = current_app.extensions["newsdesk"]
    rec, body = ext.store.load(document_id), ext.store.body(document_id)
    if rec is None or body is None:
        return
    log.info("document finished", extra={"status": body["status"]})
    if rec.get("callback_url"):
        from .webhooks import deliver

        delivery_id = f"{document_id}.{ext.store.completion_number(document_id)}"
        deliver.apply_async((document_id, rec["callback_url"]), {"delivery_id": delivery_id})
    document = {**rec["document"], "id": document_id}
    for impl in ext.host.pm.hook.analysis_completed.get_hookimpls():
        try:  # completion hooks never fail the document
            impl.function(**{k: v for k, v in {"document": document, "results": body["analysis"]}.items()
                             if k in impl.argnames})
        except Exception:
            log.exception("analysis_completed hook failed", extra={"plugin": impl.plugin_name})


def recover_stale(app) -> int:
    """Re-enqueue documents accepted long ago that never finished and whose task is nowhere in the
    broker (a message lost by the broker), and publish completions whose worker died before it
    could. A document merely waiting in a queue, or held by a worker, is left alone."""
    ext = app.extensions["newsdesk"]
    store, settings = ext.store, ext.settings
    if not store.try_lock("recovery", max(10, settings.recovery_after_seconds // 2)):
        return 0  # another worker swept recently
    count = 0
    with app.app_context():
        for doc_id in store.unnotified(settings.recovery_after_seconds):
            if store.notified(doc_id):  # taken from the outbox first, so only one sweep sends it
                log.warning("publishing a completion its worker did not", extra={"document_id": doc_id})
                notify(doc_id)
        stale = store.stale_pending(settings.recovery_after_seconds)
        if stale:
            waiting = _in_broker(ext)
            stale = [d for d in stale if d not in waiting]
        for doc_id in stale:
            rec = store.load(doc_id)
            if rec is None:
                store.delete_document(doc_id)
                continue
            remaining = [n for n in rec["plan"] if rec["sections"].get(n, {}).get("status") not in FINISHED_SECTION]
            store.touch_pending(doc_id)
            if remaining:
                enqueue(doc_id, remaining, rec.get("request_id"))
                count += 1
                log.warning("re-enqueued a stale document", extra={"document_id": doc_id})
    return count


def _in_broker(ext) -> set[str]:
    """Documents whose task is in a queue or held by a worker (a Redis broker only)."""
    settings = ext.settings
    queues = sorted({DEFAULT_QUEUE} | {a.meta.queue for a in ext.pipeline.analyzers.values() if a.meta.queue})
    if settings.broker == settings.redis:
        return queued_document_ids(ext.store.r, queues)
    if not settings.broker.startswith(("redis://", "rediss://", "unix://")):
        return set()
    with redis.Redis.from_url(settings.broker, socket_timeout=5, socket_connect_timeout=2) as client:
        return queued_document_ids(client, queues)
