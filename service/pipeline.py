"""Plan and run analyzers on one shared spaCy parse; used by the worker and the CLI alike."""
from __future__ import annotations

import hashlib
import json
import logging
import signal
import threading
import time
from contextlib import contextmanager
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from .analyzers import Analyzer, Context

log = logging.getLogger(__name__)


class UnknownAnalyzer(LookupError):
    def __init__(self, names):
        self.names = sorted(names)
        super().__init__(f"unknown analyzer(s): {', '.join(self.names)}")


class AnalyzerTimeout(Exception):
    pass


def plan(analyzers: dict[str, Analyzer], wanted: Iterable[str] | None = None) -> list[str]:
    """Order ``wanted`` (default: all but the opt-in ones) plus their prerequisites by
    requirements, ties by name."""
    names = {n for n, a in analyzers.items() if not a.meta.opt_in} if wanted is None else set(wanted)
    unknown = names - set(analyzers)
    if unknown:
        raise UnknownAnalyzer(unknown)
    todo = list(names)
    while todo:  # add prerequisites
        for req in analyzers[todo.pop()].meta.analyzer_requires:
            if req not in names:
                names.add(req)
                todo.append(req)
    order: list[str] = []
    while len(order) < len(names):
        ready = sorted(n for n in names - set(order)
                       if all(r in order for r in analyzers[n].meta.analyzer_requires))
        order.append(ready[0])  # the host dropped cycles at start-up, so there is always one
    return order


#: Sentences glued together by a lost space or line break ("has pledged.Explaining Belgrade's"):
#: the full stop becomes a token of its own, so the parser can end the sentence there.
GLUED_SENTENCE = r"(?<=[a-z]{2})[.!?](?=[A-Z][a-z])"


def load_nlp(name: str, components=None):
    """The shared spaCy pipeline, loaded once per process from an installed package.

    ``components`` is a plugin host's ``spacy_components`` hook caller (``host.pm.hook.spacy_components``):
    its implementations change the pipeline once, when it is loaded; without it the pipeline is stock.
    """
    impls = tuple(i.function for i in components.get_hookimpls()) if components is not None else ()
    return _load_nlp(name, impls)


@lru_cache(maxsize=4)
def _load_nlp(name: str, impls: tuple):
    import re

    import spacy

    nlp = spacy.load(name)
    nlp.max_length = max(nlp.max_length, 5_000_000)
    infixes = nlp.tokenizer.infix_finditer.__self__.pattern
    nlp.tokenizer.infix_finditer = re.compile(f"{infixes}|{GLUED_SENTENCE}").finditer
    nlp.meta.setdefault("newsdesk_components", {})
    for impl in reversed(impls):  # pluggy's order: the last registered runs first
        impl(nlp=nlp)
    return nlp


def parse_cached(nlp, texts: list[str], cache: Path | None, name: str) -> list:
    """spaCy Docs of ``texts`` for the training commands, cached as a DocBin in the folder ``cache``
    (keep it outside the repo) under a key of the texts, the model, the tokenizer rules and the
    components plugins replaced (``spacy_components``)."""
    from spacy.tokens import DocBin

    tokenizer = nlp.tokenizer.infix_finditer.__self__.pattern
    replaced = json.dumps(nlp.meta.get("newsdesk_components", {}), sort_keys=True)  # spacy_components' changes
    key = hashlib.sha256("\x00".join([*texts, nlp.meta["name"], nlp.meta["version"], tokenizer, replaced,
                                      ",".join(nlp.pipe_names)]).encode())
    path = cache / f"{name}-{key.hexdigest()[:16]}.spacy" if cache else None
    if path and path.exists():
        return list(DocBin().from_disk(path).get_docs(nlp.vocab))
    from .evaluation import progress

    docs = list(progress(nlp.pipe(texts, batch_size=32), total=len(texts), desc=f"parse {name}"))
    if path:
        cache.mkdir(parents=True, exist_ok=True)
        DocBin(docs=docs).to_disk(path)
    return docs


@contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`AnalyzerTimeout` in the main thread once ``seconds`` have passed."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise AnalyzerTimeout(f"exceeded its time limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _problem(kind: str, title: str, detail: str) -> dict[str, str]:
    return {"type": f"https://newsdesk.dev/problems/{kind}", "title": title, "detail": detail}


class Pipeline:
    """Runs a plan of analyzers over documents; knows nothing of Flask, Redis or Celery."""

    def __init__(self, host, settings):
        self.host = host
        self.settings = settings

    @cached_property
    def config(self) -> dict[str, dict]:
        """Each analyzer's settings, checked against its schema (a :class:`SettingsError` names the variable)."""
        from .plugins import check_settings

        return check_settings(self.host, self.settings)

    @property
    def analyzers(self) -> dict[str, Analyzer]:
        return self.host.analyzers

    def plan(self, wanted=None) -> list[str]:
        return plan(self.analyzers, wanted)

    @property
    def nlp(self):
        return load_nlp(self.settings.spacy_model, self.host.pm.hook.spacy_components)

    def parse_many(self, texts: list[str], batch_size: int = 8):
        return list(self.nlp.pipe(texts, batch_size=batch_size))

    def run_one(self, name: str, document: dict, doc, results: dict[str, dict]) -> dict[str, Any]:
        """Run one analyzer; return its result section (never raises for analyzer faults)."""
        an = self.analyzers[name]
        meta = an.meta
        config = dict(self.config.get(name) or meta.default_config)
        context = Context(
            doc=doc if meta.needs_parse else None,
            results={r: results[r].get("result") for r in meta.analyzer_requires if r in results},
            config=config,
        )
        section: dict[str, Any] = {"status": "done", "version": meta.version}
        failed_reqs = [r for r in meta.analyzer_requires if results.get(r, {}).get("status") != "done"]
        skipped_reqs = [r for r in failed_reqs if results.get(r, {}).get("status") == "skipped"]
        language = document.get("language")
        start = time.perf_counter()
        if not meta.supports(language):  # never run as if the document were in another language
            section.update(status="skipped", reason=_problem(
                "language-not-supported", "Language not supported",
                f"{name} supports {', '.join(meta.languages)}; the document is in {language}"))
        elif skipped_reqs and len(skipped_reqs) == len(failed_reqs):
            section.update(status="skipped", reason=_problem(
                "analyzer-requirement-skipped", "A required analyzer was skipped",
                f"requires {', '.join(skipped_reqs)}, which was skipped"))
        elif failed_reqs:
            section.update(status="failed", error=_problem(
                "analyzer-requirement-failed", "A required analyzer failed",
                f"requires {', '.join(failed_reqs)}, which did not complete"))
        else:
            try:
                with time_limit(meta.time_limit or self.settings.analyzer_time_limit):
                    output = self.host.pm.hook.run_analyzer(analyzer=an, document=document, context=context)
                errors = meta.output_schema().validate(output) if isinstance(output, dict) else {
                    "_schema": [f"expected a dict, got {type(output).__name__}"]}
                if errors:
                    raise _InvalidOutput(errors)
                section["result"] = json.loads(json.dumps(output))  # proves it is JSON, detaches it
            except _InvalidOutput as exc:
                section.update(status="failed", error={**_problem(
                    "analyzer-output-invalid", "Analyzer output does not match its schema",
                    f"{name} returned output that fails its declared schema"), "errors": exc.errors})
            except AnalyzerTimeout as exc:
                section.update(status="failed", error=_problem(
                    "analyzer-timeout", "Analyzer exceeded its time limit", f"{name} {exc}"))
            except MemoryError:
                section.update(status="failed", error=_problem(
                    "analyzer-failed", "Analyzer failed", f"{name} ran out of memory"))
            except Exception as exc:  # isolation: one analyzer's bug fails only its section
                log.exception("analyzer failed", extra={"analyzer": name, "document_id": document.get("id")})
                section.update(status="failed", error=_problem(
                    "analyzer-failed", "Analyzer failed", f"{name} raised {type(exc).__name__}: {exc}"))
        section["duration_ms"] = round((time.perf_counter() - start) * 1000, 3)
        extra = {"analyzer": name, "analyzer_version": meta.version, "document_id": document.get("id"),
                 "duration_ms": section["duration_ms"], "status": section["status"]}
        if section["status"] == "failed":  # an operator must see why without reading the document
            error = section["error"]
            log.warning("analyzer failed: %s", error["detail"], extra={
                **extra, "problem": error["type"].rsplit("/", 1)[-1],
                **({"errors": error["errors"]} if "errors" in error else {})})
        else:
            log.info("analyzer finished", extra=extra)
        return section

    def run(self, document: dict, names: list[str], doc=None, results: dict | None = None,
            on_result: Callable[[str, dict], None] | None = None) -> dict[str, dict]:
        """Run ``names`` in order on ``document``; ``results`` holds sections already done."""
        results = dict(results or {})
        if doc is None and any(self.analyzers[n].meta.needs_parse for n in names):
            doc = self.nlp(document.get("text") or "")
        for name in names:
            results[name] = self.run_one(name, document, doc, results)
            if on_result:
                on_result(name, results[name])
        return results


class _InvalidOutput(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__(str(errors))


#: Final section statuses: ``skipped`` (the analyzer does not apply, e.g. the document's language)
#: is finished and no failure.
FINISHED_SECTION = ("done", "skipped", "failed")


def overall_status(plan_names: list[str], sections: dict[str, dict]) -> str:
    """``queued``/``running``/``done``/``partial``/``failed`` from the per-analyzer sections.

    Skipped sections count as finished without a fault: a document whose sections are all done
    or skipped is ``done`` (each skipped section says why)."""
    states = [sections.get(n, {}).get("status") for n in plan_names]
    if not plan_names:
        return "done"
    if all(s is None for s in states):
        return "queued"
    if any(s not in FINISHED_SECTION for s in states):
        return "running"
    if all(s in ("done", "skipped") for s in states):
        return "done"
    if all(s == "failed" for s in states):
        return "failed"
    return "partial"


def document_body(doc_id: str, document: dict, plan_names: list[str], sections: dict[str, dict],
                  submitted_at: str | None = None, completed_at: str | None = None) -> dict:
    """The shape of ``GET /v1/documents/{id}``, shared by the API and ``newsdesk analyze``."""
    return {
        "id": doc_id,
        "status": overall_status(plan_names, sections),
        "document": document,
        "plan": plan_names,
        "analysis": {n: sections.get(n, {"status": "pending"}) for n in plan_names},
        "submitted_at": submitted_at,
        "completed_at": completed_at,
    }
