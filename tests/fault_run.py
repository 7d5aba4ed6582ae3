"""A fault run (issue 24): steady load with callbacks on ``newsdesk up`` while the worker is
SIGKILLed and Redis is restarted; prints what happened to every accepted document.

    .venv/bin/python tests/fault_run.py [--seconds 60] [--rate 4]

Uses the fixture analyzers (``tests.plugins.faulty``: ``napper`` sleeps 0.3 s per document) so a
restarted worker is back in seconds; the delivery machinery is the same for every analyzer.
Exits 1 unless every document finished once, every completion was called back once and no
process of ``newsdesk up`` is left dead.
"""
from __future__ import annotations

import argparse
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil
import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from newsdesk.embedded import free_port  # noqa: E402

calls: list[tuple[str, str, str]] = []  # (delivery id, attempt, document id)


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        calls.append((self.headers.get("Newsdesk-Delivery-Id"), self.headers.get("Newsdesk-Delivery-Attempt"),
                      body["document"]["id"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def child(up: psutil.Process, word: str) -> psutil.Process | None:
    return next((c for c in up.children() if word in " ".join(c.cmdline())), None)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rate", type=float, default=4, help="documents submitted per second")
    args = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_port}/hook"
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-fault-run-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_DATA_DIR=str(tmp), NEWSDESK_LOAD_PLUGINS="", NEWSDESK_PLUGIN_MODULES="tests.plugins.faulty",
               NEWSDESK_ANALYZER__NAPPER__SECONDS="0.3", NEWSDESK_WORKER_CONCURRENCY="2",
               NEWSDESK_VISIBILITY_TIMEOUT="10", NEWSDESK_RECOVERY_AFTER_SECONDS="15",
               NEWSDESK_WEBHOOK_SECRET="s", NEWSDESK_WEBHOOK_ALLOW_PRIVATE="1", NEWSDESK_LOG_LEVEL="WARNING",
               PYTHONPATH=str(ROOT))
    log = tmp / "up.log"
    with open(log, "wb") as out:
        up = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "up", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    accepted: list[str] = []
    refused = Counter()
    try:
        deadline = time.monotonic() + 180
        while not (requests.get(base + "/readyz", timeout=2).ok if _alive(base) else False):
            assert time.monotonic() < deadline and up.poll() is None, log.read_text()
            time.sleep(0.5)
        rport = int(re.search(rb"embedded Redis on 127\.0\.0\.1:(\d+)", log.read_bytes()).group(1))
        store = redis.Redis(port=rport)
        upp = psutil.Process(up.pid)
        faults = [(args.seconds * 0.25, "worker"), (args.seconds * 0.6, "redis"), (args.seconds * 0.8, "worker")]
        started = time.monotonic()
        n = 0
        while (elapsed := time.monotonic() - started) < args.seconds:
            if faults and elapsed >= faults[0][0]:
                what = faults.pop(0)[1]
                victim = child(upp, "celery" if what == "worker" else "redis-server")
                if what == "worker":
                    os.killpg(victim.pid, signal.SIGKILL)  # the worker and its children, mid-task
                else:
                    victim.terminate()  # a clean Redis stop; `newsdesk up` starts it again
                print(f"{elapsed:5.1f} s: {'SIGKILL worker' if what == 'worker' else 'Redis restarted'}",
                      flush=True)
            try:
                r = requests.post(base + "/v1/documents", timeout=10, json={
                    "text": f"document {n} of the fault run", "analyzers": ["napper"], "callback_url": hook})
                if r.status_code == 202:
                    accepted.append(r.json()["id"])
                else:
                    refused[r.status_code] += 1
            except requests.RequestException as exc:
                refused[type(exc).__name__] += 1
            n += 1
            time.sleep(max(0.0, started + n / args.rate - time.monotonic()))
        print(f"load over: {len(accepted)} accepted, refused {dict(refused)}; waiting for the rest", flush=True)
        deadline = time.monotonic() + 240
        while True:
            statuses = Counter(_status(base, d) for d in accepted)
            if statuses.get("done", 0) == len(accepted) and {c[2] for c in calls} >= set(accepted):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(2)
        time.sleep(15)  # room for late duplicates (visibility timeout, sweeps)
        completions = Counter(int(store.get(f"test:completions:{d}") or 0) for d in accepted)
        per_doc = Counter(c[2] for c in calls)
        callbacks = Counter(per_doc.get(d, 0) for d in accepted)
        ids = Counter(c[0] for c in calls)
        restarts = log.read_text(errors="replace").count("restarting it")
        alive = {w: (child(upp, k) is not None) for w, k in
                 (("worker", "celery"), ("API", "gunicorn"), ("Redis", "redis-server"))}
        report = {
            "seconds": args.seconds, "accepted": len(accepted), "refused_while_down": dict(refused),
            "statuses": dict(statuses), "documents_by_completions": dict(completions),
            "documents_by_callbacks": dict(callbacks), "callbacks": len(calls),
            "duplicate_delivery_ids": sum(1 for v in ids.values() if v > 1),
            "attempt_headers": dict(Counter(c[1] for c in calls)),
            "completed_counter_done": int(store.hget("newsdesk:metrics:documents", "done") or 0),
            "restarts_reported_by_up": restarts, "alive": alive,
        }
        print(json.dumps(report, indent=1))
        ok = (statuses.get("done", 0) == len(accepted) and set(completions) == {1} and set(callbacks) == {1}
              and report["completed_counter_done"] == len(accepted) and all(alive.values()))
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        os.killpg(up.pid, signal.SIGINT)
        up.wait(60)
        server.shutdown()


def _alive(base: str) -> bool:
    try:
        requests.get(base + "/healthz", timeout=2)
        return True
    except requests.RequestException:
        return False


def _status(base: str, doc_id: str) -> str:
    try:
        return requests.get(f"{base}/v1/documents/{doc_id}", timeout=10).json()["status"]
    except (requests.RequestException, ValueError, KeyError):
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
