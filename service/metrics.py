"""Prometheus metrics at ``GET /metrics``: HTTP requests, queue depth, documents and analyzers.

The API runs as several gunicorn processes and the worker as several Celery processes, so the
figures come from two places, each added up across processes:

* HTTP request counts and latencies are kept in-process by ``prometheus_client``. ``newsdesk
  serve`` calls :func:`prepare_multiprocess_dir` before it starts gunicorn, so every gunicorn
  process writes its values to ``PROMETHEUS_MULTIPROC_DIR`` and a scrape of any of them adds up
  all of them (prometheus_client's multiprocess mode). Without that variable (one process, as in
  a test app) the in-process values are exposed as they are. These figures are per API instance.
* What the workers know is counted in Redis hashes under ``<prefix>:metrics:`` by the plugin
  hooks below (analyzer durations and failures, documents completed by status, final section
  statuses) and read at scrape time together with the Celery queue lengths and the number of
  stored documents. These figures are service-wide: every API instance reports the same totals.
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile
import time

import redis
from flask import Flask, Response, current_app, g, has_app_context, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .config import DEFAULT_QUEUE
from .hookspecs import hookimpl
from .pipeline import overall_status

log = logging.getLogger(__name__)

PLUGIN_NAME = "newsdesk.metrics"
#: Upper bounds (seconds) of the analyzer duration histogram buckets; +Inf is implied.
ANALYZER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

#: prometheus_client chose multiprocess values when it was imported (PROMETHEUS_MULTIPROC_DIR set)
MULTIPROCESS = values.ValueClass is not values.MutexValue
_LOCAL = CollectorRegistry()  # this process's request metrics when not in multiprocess mode
REQUESTS = Counter("newsdesk_http_requests", "HTTP requests answered, by route and status.",
                   ["method", "route", "status"], registry=_LOCAL)
LATENCY = Histogram("newsdesk_http_request_duration_seconds",
                    "Time to answer an HTTP request, by route and status.",
                    ["method", "route", "status"], registry=_LOCAL)


def prepare_multiprocess_dir(environ=os.environ) -> str:
    """Point ``PROMETHEUS_MULTIPROC_DIR`` at an empty directory; call before gunicorn starts.

    An existing setting is kept (one directory per ``serve``) and emptied of a previous run's
    values; otherwise a fresh temporary directory is made.
    """
    path = environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="newsdesk-metrics-")
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))
    environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path


def _bucket(seconds: float) -> int:
    """Index of the first bucket whose upper bound holds ``seconds`` (len = +Inf)."""
    return next((i for i, le in enumerate(ANALYZER_BUCKETS) if seconds <= le), len(ANALYZER_BUCKETS))


def _store():
    if not has_app_context():
        return None  # the in-process CLI has no app and no Redis
    ext = current_app.extensions.get("newsdesk")
    return ext.store if ext else None


@hookimpl(wrapper=True)
def run_analyzer(analyzer, document, context):
    """Time every analyzer run in a worker and count it, and its failure, in Redis."""
    start = time.perf_counter()
    failed = True
    try:
        result = yield
        failed = False
        return result
    finally:  # the exception, if any, propagates to the host, which fails only this section
        _record_run(analyzer.name, time.perf_counter() - start, failed)


def _record_run(name: str, seconds: float, failed: bool) -> None:
    store = _store()
    if store is None:
        return
    try:
        store.count_analyzer_run(name, _bucket(seconds), seconds, failed)
    except Exception:  # metrics never fail an analysis
        log.warning("could not record analyzer metrics", exc_info=True, extra={"analyzer": name})


@hookimpl
def analysis_completed(document, results):
    """Count the finished document by overall status and each section by its final status."""
    store = _store()
    if store is None:
        return
    store.count_completed(overall_status(list(results), results),
                          {name: section.get("status") for name, section in results.items()},
                          {name: (section.get("error") or {}).get("type", "").rsplit("/", 1)[-1] or "unknown"
                           for name, section in results.items() if section.get("status") == "failed"})


class StoreCollector:
    """Reads the service-wide figures from Redis at scrape time (a few O(1) commands)."""

    def __init__(self, app: Flask):
        ext = app.extensions["newsdesk"]
        self.store = ext.store
        self.pipeline = ext.pipeline
        broker = ext.settings.broker
        if broker == ext.settings.redis:
            self.broker = self.store.r
        elif broker.startswith(("redis://", "rediss://", "unix://")):
            self.broker = redis.Redis.from_url(broker, socket_timeout=5, socket_connect_timeout=2)
        else:
            self.broker = None  # queue depth is only known for a Redis broker

    def queues(self) -> list[str]:
        return sorted({DEFAULT_QUEUE} | {a.meta.queue for a in self.pipeline.analyzers.values() if a.meta.queue})

    def collect(self):
        up = GaugeMetricFamily("newsdesk_store_up", "1 if Redis answered this scrape, else 0.")
        try:
            queues = self.queues()
            stored, documents, sections, analyzer, failures = self.store.counters()
            lengths = []
            if self.broker is not None:
                with self.broker.pipeline(transaction=False) as p:
                    for q in queues:
                        p.llen(q)
                    p.hlen("unacked")  # kombu's hash of delivered, not yet acknowledged tasks
                    *lengths, unacked = p.execute()
        except redis.RedisError as exc:
            log.warning("metrics: Redis unavailable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        if self.broker is not None:
            depth = GaugeMetricFamily("newsdesk_queue_length", "Tasks waiting in the Celery queue.",
                                      labels=["queue"])
            for q, n in zip(queues, lengths):
                depth.add_metric([q], n)
            yield depth
            yield GaugeMetricFamily("newsdesk_tasks_unacked",
                                    "Tasks delivered to a worker and not yet acknowledged.", value=unacked)
        yield GaugeMetricFamily("newsdesk_documents_stored", "Documents in the store.", value=stored)
        completed = CounterMetricFamily("newsdesk_documents_completed",
                                        "Documents whose analysis finished, by overall status.",
                                        labels=["status"])
        for status in ("done", "partial", "failed"):
            completed.add_metric([status], int(documents.get(status.encode(), 0)))
        yield completed
        yield _pair_counter("newsdesk_analyzer_sections", "Final analyzer sections of finished documents, by status.",
                            ["analyzer", "status"], sections)
        yield _pair_counter("newsdesk_analyzer_sections_failed",
                            "Failed analyzer sections of finished documents, by problem type.", ["analyzer", "type"],
                            failures)
        yield from self._analyzer_families(analyzer)

    @staticmethod
    def _analyzer_families(raw: dict[bytes, bytes]):
        per: dict[str, dict[str, bytes]] = {}
        for field, value in raw.items():
            name, what = field.decode().split("|", 1)
            per.setdefault(name, {})[what] = value
        duration = HistogramMetricFamily("newsdesk_analyzer_duration_seconds",
                                         "Time an analyzer took per document (workers).",
                                         labels=["analyzer"])
        failures = CounterMetricFamily("newsdesk_analyzer_failures",
                                       "Analyzer runs that raised or overran their time limit.",
                                       labels=["analyzer"])
        for name, v in sorted(per.items()):
            cumulative, buckets = 0, []
            for i, le in enumerate((*ANALYZER_BUCKETS, float("inf"))):
                cumulative += int(v.get(f"b{i}", 0))
                buckets.append(("+Inf" if le == float("inf") else repr(le), cumulative))
            duration.add_metric([name], buckets, float(v.get("sum", 0)))
            failures.add_metric([name], int(v.get("failed", 0)))
        yield duration
        yield failures


def _start_timer():
    g.metrics_start = time.perf_counter()


def _observe(response):
    rule = request.url_rule  # the route, never the raw path: ids must not become labels
    labels = (request.method if request.method in _METHODS else "other",
              rule.rule if rule is not None else "unmatched", str(response.status_code))
    REQUESTS.labels(*labels).inc()
    start = g.pop("metrics_start", None)
    if start is not None:
        LATENCY.labels(*labels).observe(time.perf_counter() - start)
    return response


def init_app(app: Flask) -> None:
    """Count requests, serve ``/metrics`` and register the worker-side hooks as a plugin."""
    if PLUGIN_NAME in app.extensions:
        return
    store_collector = StoreCollector(app)

    def metrics():
        if MULTIPROCESS:  # add up the values every gunicorn process wrote
            requests_registry = CollectorRegistry(auto_describe=False)
            MultiProcessCollector(requests_registry)
        else:
            requests_registry = _LOCAL
        store_registry = CollectorRegistry(auto_describe=False)
        store_registry.register(store_collector)
        text = generate_latest(requests_registry) + generate_latest(store_registry)
        return Response(text, content_type=CONTENT_TYPE_LATEST)

    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)  # first, to time it all
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
    pm = app.extensions["newsdesk"].host.pm
    if pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)
    app.extensions[PLUGIN_NAME] = store_collector


def _pair_counter(name: str, documentation: str, labels: list[str], counts: dict) -> CounterMetricFamily:
    """A counter whose Redis hash fields are ``<label1>|<label2>``."""
    family = CounterMetricFamily(name, documentation, labels=labels)
    for field, n in sorted(counts.items()):
        family.add_metric(field.decode().split("|", 1), int(n))
    return family
