"""Load run on loopback: a sustained open-loop mix of requests against the real API and worker.

Bounded in time by ``NEWSDESK_LOAD_SECONDS`` (default 10; the full run in docs/performance.md is
60) at ``NEWSDESK_LOAD_RATE`` requests per second (default 20). Asserts zero errors, every accepted
document finished, and no memory growth in the API (gunicorn) or worker (celery) process trees.
"""
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import psutil
import requests

from .conftest import SEEDS, wait_for

SECONDS = float(os.environ.get("NEWSDESK_LOAD_SECONDS", "10"))
RATE = float(os.environ.get("NEWSDESK_LOAD_RATE", "20"))
BUILTIN = ["dates", "entities", "quotes", "topics"]
#: Allowed RSS growth of a process tree between the warm-up and the end of the run. Measured
#: growth after warm-up is a few MB (allocator noise); a leak of one body per request is not.
TOLERANCE_BYTES = 50 * 2**20
TOLERANCE_FACTOR = 1.25

WORDS = ("minister agreed talks border trade energy council vote court market election "
         "spokesman report economy protest treaty summit").split()


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def api_process(base: str) -> psutil.Process:
    """The gunicorn master serving ``base`` (``newsdesk serve`` execs into gunicorn)."""
    bind = f"127.0.0.1:{urlsplit(base).port}"
    for p in psutil.Process().children(recursive=True):
        try:
            if "gunicorn" in " ".join(p.cmdline()) and bind in p.cmdline():
                return p
        except psutil.Error:
            continue
    raise LookupError(f"no gunicorn process bound to {bind}")


class Mix:
    """Request ``i`` of the schedule: mostly cheap documents, some real ones, reads and searches."""

    def __init__(self, base: str):
        self.base = base
        self.seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
        self.ids: list[str] = []
        self.real: list[str] = []
        self.errors: list[str] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.local = threading.local()

    def request(self, i: int) -> None:
        s = getattr(self.local, "s", None) or requests.Session()
        self.local.s = s
        slot = i % 20
        try:
            if slot == 0:  # a real article through every built-in analyzer
                kind, expected = "post-real", 202
                r = s.post(self.base + "/v1/documents", timeout=30, json={
                    "text": self.seeds[(i // 20) % len(self.seeds)], "analyzers": BUILTIN})
            elif slot % 2 == 1:
                kind, expected = "post", 202
                text = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(5 + i % 40))
                r = s.post(self.base + "/v1/documents", json={"text": text, "analyzers": ["wordcount"]}, timeout=30)
            elif slot in (2, 6, 10, 14) and self.ids:
                kind, expected = "get", 200
                r = s.get(f"{self.base}/v1/documents/{self.ids[-1 - i % len(self.ids)]}", timeout=30)
            elif slot in (4, 12):
                kind, expected = "search", 200
                r = s.get(self.base + "/v1/documents", params={"limit": 10}, timeout=30)
            elif slot == 8:
                kind, expected = "search-entity", 200
                r = s.get(self.base + "/v1/documents", params={"entity": "NATO", "limit": 5}, timeout=30)
            else:
                kind, expected = "analyzers", 200
                r = s.get(self.base + "/v1/analyzers", timeout=30)
        except requests.RequestException as exc:
            with self.lock:
                self.errors.append(f"request {i}: {type(exc).__name__}: {exc}")
            return
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            if r.status_code != expected:
                self.errors.append(f"{kind} answered {r.status_code}: {r.text[:200]}")
            elif kind.startswith("post"):
                self.ids.append(r.json()["id"])
                if kind == "post-real":
                    self.real.append(r.json()["id"])

    def run(self, seconds: float, rate: float, start_index: int = 0) -> int:
        """Fire requests on a fixed schedule (open loop); return the next index."""
        n = int(seconds * rate)
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            for k in range(n):
                delay = start + k / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self.request, start_index + k)
        return start_index + n


def test_sustained_mixed_load_has_no_errors_and_no_memory_growth(api, worker):
    gunicorn = api_process(api)
    celery = psutil.Process(worker["proc"].pid)
    mix = Mix(api)
    warm = max(2.0, SECONDS / 5)
    index = mix.run(warm, RATE)
    wait_for(lambda: all_finished(api, mix.ids), 120, interval=0.5, what="warm-up documents")
    base_api, base_worker = tree_rss(gunicorn), tree_rss(celery)

    mix.run(SECONDS, RATE, index)
    wait_for(lambda: all_finished(api, mix.ids), 180, interval=0.5, what="every accepted document")
    end_api, end_worker = tree_rss(gunicorn), tree_rss(celery)

    assert mix.errors == [], mix.errors[:10]
    assert sum(mix.counts.values()) == index + int(SECONDS * RATE), mix.counts
    assert {"post", "post-real", "get", "search", "search-entity", "analyzers"} <= set(mix.counts)
    real = [requests.get(f"{api}/v1/documents/{d}", timeout=30).json() for d in mix.real]
    # finished with every section settled; an analyzer's own failure is its section's business
    assert real and all(b["status"] in ("done", "partial") and set(b["analysis"]) == set(BUILTIN)
                        and all(s["status"] in ("done", "failed") for s in b["analysis"].values()) for b in real)
    mb = 2**20
    for name, before, after in (("API", base_api, end_api), ("worker", base_worker, end_worker)):
        allowed = max(before * TOLERANCE_FACTOR, before + TOLERANCE_BYTES)
        print(f"load: {name} RSS {before / mb:.0f} MB after warm-up, {after / mb:.0f} MB at the end")
        assert after <= allowed, f"{name} RSS grew from {before / mb:.0f} MB to {after / mb:.0f} MB"


_FINISHED: set[str] = set()


def all_finished(api: str, ids: list[str]) -> bool:
    """Every listed document has finished (those seen finished are not asked again)."""
    for doc_id in ids:
        if doc_id in _FINISHED:
            continue
        body = requests.get(f"{api}/v1/documents/{doc_id}", timeout=30).json()
        if body["status"] not in ("done", "partial", "failed"):
            return False
        _FINISHED.add(doc_id)
    return True
