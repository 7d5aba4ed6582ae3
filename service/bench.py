"""``newsdesk bench``: the service against the in-process pipeline, on the same documents, in one run.

Phases: (a) in-process throughput (``analyze_documents``, batched with ``nlp.pipe``) and the time
of one document alone; (b) end-to-end throughput HTTP → Celery → Redis with the configured
workers, (a) and (b) alternating for several rounds (A B A B …) so a slow minute hits both
sides, reported as medians with their spread; (c) POST-to-``done`` latency at a fixed open-loop arrival rate, and on an idle service;
(d) Redis memory per stored document against the size of its JSON result; plus the CPU time
per document of each side, which stays comparable when other programs load the machine. A real Redis
(append-only, as in production) or, with ``--cluster``, a three-master Redis Cluster (the broker
then a separate plain Redis, or ``--broker``), a worker and the API run as child processes and are
stopped at the end, whatever happens. Times come from the bodies (``completed_at``) so polling adds nothing.
"""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import click
import requests

from .devdata import as_sent, dev_documents

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
GOALS = {"ratio": 0.90, "idle_factor": 2.0, "memory_factor": 4.0}


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of few samples is the slowest one)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(-(-q * len(ordered) // 100)) - 1))]


# --- (a) in process ----------------------------------------------------------------------


def measure_in_process(pipeline, docs: list[dict]) -> dict:
    from .cli import analyze_documents

    items = [(f"b{i}", d) for i, d in enumerate(docs)]
    list(analyze_documents(pipeline, items[:2]))  # warm caches outside the timed run
    start, cpu = time.perf_counter(), time.process_time()
    bodies = list(analyze_documents(pipeline, items))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    sizes = [len(json.dumps(b, ensure_ascii=False, separators=(",", ":")).encode()) for b in bodies]
    return {"docs_per_s": len(docs) / elapsed, "seconds": elapsed, 
            "cpu_ms": 1000 * cpu / len(docs),
            "json_bytes": statistics.mean(sizes)}


# --- the service as child processes ---------------------------------------------------------


class Service:
    """Redis, a worker and the API on free ports; :meth:`close` leaves no process behind."""

    def __init__(self, concurrency: int | None, log_dir: str, api_workers: int = 2,
                 worker_args: tuple[str, ...] = (), cluster: bool = False, broker: str | None = None):
        import redis

        from .embedded import free_cluster_ports, free_port, start_redis, start_redis_cluster
        from .store import Store

        self.procs: list[subprocess.Popen] = []
        os.environ["NEWSDESK_BENCH_PARENT"] = str(os.getpid())  # marks every child, for leak checks
        self.log_dir = log_dir
        if cluster:
            ports = free_cluster_ports(3)
            self.procs += start_redis_cluster(ports, os.path.join(log_dir, "cluster"))
            self.redis_url = f"redis+cluster://127.0.0.1:{ports[0]}"
        else:
            ports = [free_port()]
            self.procs.append(start_redis(ports[0], os.path.join(log_dir, "redis"), appendonly=True))
            self.redis_url = f"redis://127.0.0.1:{ports[0]}/0"
        self.store_nodes = [redis.Redis(port=p) for p in ports]  # INFO, MEMORY and SCAN per node
        self.nodes = list(self.store_nodes)  # every Redis whose commands count
        if cluster and not broker:
            bport = free_port()
            self.procs.append(start_redis(bport, os.path.join(log_dir, "broker"), appendonly=True))
            broker = f"redis://127.0.0.1:{bport}/0"
            self.nodes.append(redis.Redis(port=bport))
        self.n_redis = len(self.procs)
        self.broker = broker or self.redis_url
        self.store = Store.from_url(self.redis_url)
        self.env = {**os.environ, "NEWSDESK_REDIS_URL": self.redis_url, "NEWSDESK_AUTH": "0",
                    "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.env.pop("NEWSDESK_BROKER_URL", None)
        self.env.pop("NEWSDESK_REDIS_CLUSTER", None)
        if broker:
            self.env["NEWSDESK_BROKER_URL"] = broker
        if concurrency:
            self.env["NEWSDESK_WORKER_CONCURRENCY"] = str(concurrency)
        from .config import Settings

        settings = Settings.from_env(self.env)
        self.workers = settings.worker_concurrency or os.cpu_count() or 1
        self.batch_max = settings.batch_max
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        exe = [sys.executable, "-m", "newsdesk.cli"]
        self._spawn([*exe, "worker", "-n", f"bench-{os.getpid()}@%h", *worker_args], "worker.log")
        self._spawn([*exe, "serve", "--port", str(self.port), "--workers", str(api_workers)], "api.log")

    def _spawn(self, args, log_name):
        with open(os.path.join(self.log_dir, log_name), "wb") as out:
            self.procs.append(subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=out,
                                               stderr=subprocess.STDOUT))

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise click.ClickException(f"{' '.join(p.args[:5])} exited with {p.returncode}:\n"
                                               + self.log_tail())
            try:
                if requests.get(self.base + "/readyz", timeout=3).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise click.ClickException(f"the service was not ready within {timeout:g} s:\n" + self.log_tail())

    def log_tail(self, lines: int = 15) -> str:
        out = []
        for name in ("worker.log", "api.log"):
            text = Path(self.log_dir, name).read_text(encoding="utf-8", errors="replace").splitlines()
            out += [f"--- {name}", *text[-lines:]]
        return "\n".join(out)

    def close(self) -> None:
        import psutil

        from .embedded import stop

        stop(self.procs)
        for child in psutil.Process().children(recursive=True):  # orphaned pool children, if any
            try:
                child.kill()
            except psutil.Error:
                pass

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by Redis, the worker tree and the API tree."""
        import psutil

        out = {"redis": 0.0, "worker": 0.0, "api": 0.0}
        groups = (["redis"] * self.n_redis) + ["worker", "api"]
        for name, proc in zip(groups, self.procs):
            try:
                root = psutil.Process(proc.pid)
                for p in [root, *root.children(recursive=True)]:
                    t = p.cpu_times()
                    out[name] += t.user + t.system + t.children_user + t.children_system
            except psutil.Error:
                pass
        return out

    def redis(self):
        """The store's client (a cluster client with ``--cluster``)."""
        return self.store.r


def post(session: requests.Session, base: str, doc: dict) -> tuple[float, str]:
    sent = time.time()
    r = session.post(base + "/v1/documents", json=doc, timeout=30)
    if r.status_code != 202:
        raise RuntimeError(f"POST /v1/documents answered {r.status_code}: {r.text[:200]}")
    return sent, r.json()["id"]


def _finished(body: dict) -> bool:
    # the store shows the final status a moment before it writes completed_at
    return body["status"] in ("done", "partial", "failed") and bool(body.get("completed_at"))


def wait_marks(store, ids: list[str], timeout: float) -> int:
    """Wait until every document has ``completed_at``, read straight from Redis (HTTP polling
    would steal CPU from the worker); return how many commands that took."""
    deadline = time.monotonic() + timeout
    pending, polls = list(ids), 0
    while pending:
        if time.monotonic() > deadline:
            raise click.ClickException(f"{len(pending)} documents unfinished after {timeout:g} s")
        time.sleep(0.25)
        with store.r.pipeline(transaction=False) as p:
            for doc_id in pending:
                p.hexists(store.doc_key(doc_id), "completed_at")
            marks = p.execute()
        polls += len(pending)
        pending = [d for d, done in zip(pending, marks) if not done]
    return polls


def collect(svc: "Service", ids: list[str], timeout: float) -> dict[str, tuple[dict, int]]:
    """Wait for every document, then GET each once; return ``id -> (body, response size)``."""
    wait_marks(svc.store, ids, timeout)
    session = requests.Session()
    out: dict[str, tuple[dict, int]] = {}
    for doc_id in ids:
        r = session.get(f"{svc.base}/v1/documents/{doc_id}", timeout=30)
        body = r.json()
        if not _finished(body):
            raise click.ClickException(f"document {doc_id} has completed_at but shows {body['status']}")
        out[doc_id] = (body, len(r.content))
    return out


# --- (b) throughput, (c) latency, (d) memory -------------------------------------------------


def measure_throughput(svc: Service, docs: list[dict], timeout: float) -> dict:
    """Submit everything at once through the batch endpoint; done when the last one completes."""
    def used_memory() -> int:
        for node in svc.store_nodes:
            node.execute_command("MEMORY", "PURGE")
        return sum(int(node.info("memory")["used_memory"]) for node in svc.store_nodes)

    def commands_so_far() -> int:
        return sum(int(node.info("stats")["total_commands_processed"]) for node in svc.nodes)

    before = used_memory()
    commands = commands_so_far()
    cpu = svc.cpu_seconds()
    session = requests.Session()
    chunk = max(1, min(svc.batch_max, 50))
    ids: list[str] = []
    start = time.time()
    for i in range(0, len(docs), chunk):
        resp = session.post(svc.base + "/v1/batches", json={"documents": docs[i:i + chunk]}, timeout=60)
        if resp.status_code != 202:
            raise click.ClickException(f"POST /v1/batches answered {resp.status_code}: {resp.text[:300]}")
        ids += [item["id"] for item in resp.json()["items"]]
    submitted = time.time() - start
    polls = wait_marks(svc.store, ids, timeout)
    cpu = {k: 1000 * (v - cpu[k]) / len(ids) for k, v in svc.cpu_seconds().items()}
    commands = (commands_so_far() - commands - polls) / len(ids)
    bodies = collect(svc, ids, timeout)
    end = max(_ts(b["completed_at"]) for b, _ in bodies.values())
    time.sleep(0.5)  # let the append-only buffer drain before reading memory
    after = used_memory()
    key_bytes = [int(svc.store.r.memory_usage(svc.store.doc_key(i), samples=0) or 0) for i in ids]
    statuses = [b["status"] for b, _ in bodies.values()]
    return {"docs_per_s": len(ids) / (end - start), "seconds": end - start, "submit_seconds": submitted,
            "redis_bytes": (after - before) / len(ids), "hash_bytes": statistics.mean(key_bytes),
            "json_bytes": statistics.mean(size for _, size in bodies.values()),
            "statuses": {s: statuses.count(s) for s in sorted(set(statuses))}, "cpu_ms": cpu, "commands": commands,
            "families": key_families(svc.store_nodes)}


def key_families(nodes) -> dict[str, float]:
    """Bytes per stored document by key family (``doc``, ``idx:entity`` ...), the largest first,
    over every node (a cluster's bucket tags are left out of the family names)."""
    import re

    sizes: dict[str, float] = {}
    n_docs = 0
    for r in nodes:
        for key in r.scan_iter(count=1000):
            family = re.sub(r"\{[^}]*\}:", "", key.decode(errors="replace"))
            family = re.sub(r":[0-9a-f]{28,64}$", "", family)
            family = re.sub(r"^(newsdesk:idx:(?:display:)?[a-z_]+):.*", r"\1:*", family)  # one family per facet
            family = family if family.startswith("newsdesk:") else "other (broker)"
            n_docs += family == "newsdesk:doc"
            sizes[family] = sizes.get(family, 0) + int(r.memory_usage(key, samples=0) or 0)
    return {k: v / max(1, n_docs) for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])}


def spread(values: list[float]) -> dict:
    """Median, minimum and maximum of the rounds' figures (few rounds: the range, not an IQR)."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def measure_open_loop(svc: Service, docs: list[dict], rate: float, seconds: float, timeout: float) -> dict:
    """Submit at ``rate`` per second on a fixed schedule, whatever the completions do."""
    n = max(1, int(rate * seconds))
    sent: dict[str, float] = {}
    errors: list[str] = []
    local = threading.local()
    lag: list[float] = []

    def fire(i: int) -> None:
        local.s = getattr(local, "s", None) or requests.Session()
        try:
            t, doc_id = post(local.s, svc.base, docs[i % len(docs)])
            sent[doc_id] = t
        except Exception as exc:  # counted and reported, never hidden
            errors.append(str(exc))

    start = time.time() + 0.2
    with ThreadPoolExecutor(max_workers=8) as pool:
        for i in range(n):
            due = start + i / rate
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            lag.append(max(0.0, -delay))
            pool.submit(fire, i)
    bodies = collect(svc, list(sent), timeout)
    lat = [(_ts(b["completed_at"]) - sent[i]) * 1000 for i, (b, _) in bodies.items()]
    return {"latencies": lat, "errors": errors, "n": n, "max_schedule_lag_ms": max(lag) * 1000}


def measure_idle(svc: Service, pipeline, docs: list[dict]) -> tuple[list[float], list[float]]:
    """One document at a time on an otherwise idle service (POST until ``completed_at``), each
    right after the same document in-process, so both see the same machine load."""
    from .cli import analyze_documents

    session = requests.Session()
    service, alone = [], []
    for i, doc in enumerate(docs):
        t = time.perf_counter()
        list(analyze_documents(pipeline, [(f"s{i}", doc)]))
        alone.append((time.perf_counter() - t) * 1000)
        time.sleep(0.2)
        sent, doc_id = post(session, svc.base, doc)
        body = session.get(f"{svc.base}/v1/documents/{doc_id}", params={"wait": 60}, timeout=90).json()
        if not _finished(body):
            body = collect(svc, [doc_id], 60)[doc_id][0]
        service.append((_ts(body["completed_at"]) - sent) * 1000)
        time.sleep(0.2)
    return service, alone


def _table(rows: list[tuple[str, str, str]]) -> str:
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    return "\n".join(f"{a:<{w0}}  {b:>{w1}}  {c}" for a, b, c in rows)


@click.command()
@click.option("--fast", is_flag=True, help="CI mode: the seeds twice, short phases, two rounds (about a minute).")
@click.option("--docs", "n_docs", type=int, help="Documents per throughput run (default 200; --fast 10).")
@click.option("--rounds", type=int, help="Rounds of (a) in-process then (b) service, alternating (default 3; --fast 2).")
@click.option("--rate", type=float, help="Open-loop arrival rate, docs/s (default: 50% of the measured service throughput).")
@click.option("--seconds", type=float, help="Length of the open-loop phase in seconds (default 30; --fast 4).")
@click.option("--concurrency", type=int, help="Worker processes (default: NEWSDESK_WORKER_CONCURRENCY or one per CPU).")
@click.option("--cluster", is_flag=True, help="Store in a local three-master Redis Cluster (broker: a plain Redis).")
@click.option("--broker", help="Broker URL instead of the store's Redis, e.g. amqp://guest:guest@127.0.0.1:5672//.")
@click.option("--worker-arg", "worker_args", multiple=True,
              help="Extra argument for `celery worker`, to try a setting (e.g. --worker-arg=--prefetch-multiplier=4).")
def cli(fast, n_docs, rounds, rate, seconds, concurrency, cluster, broker, worker_args):
    """Measure in-process vs service throughput, open-loop latency and Redis memory per document."""
    if fast:
        from .documents import read_documents

        docs = [as_sent(d) for _, d in read_documents([str(SEEDS)])] * 2
        docs = docs[:n_docs] if n_docs else docs
        singles = docs[:2]
    else:
        docs = dev_documents(n_docs or 200)
        singles = docs[:5]
    seconds = seconds or (4 if fast else 30)
    rounds = max(1, rounds or (2 if fast else 3))
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    svc = None
    t0 = time.monotonic()

    def say(message):
        click.echo(f"bench [{time.monotonic() - t0:5.1f} s]: {message}", err=True)

    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        try:
            say(f"{len(docs)} documents; starting {'a Redis Cluster' if cluster else 'Redis'}, worker and API")
            svc = Service(concurrency, tmp, api_workers=1 if fast else 2, worker_args=worker_args,
                          cluster=cluster, broker=broker)  # one API worker starts faster
            from .cli import in_process_pipeline

            pipeline = in_process_pipeline()  # loads while the service starts
            svc.wait_ready()
            warm = docs[:svc.workers if fast else 2 * svc.workers]
            collect(svc, [post(requests.Session(), svc.base, d)[1] for d in warm], 120)
            runs_a, runs_b = [], []
            for i in range(rounds):  # A B A B ...: both sides see the same slow minutes
                say(f"round {i + 1}/{rounds}: (a) in-process")
                runs_a.append(measure_in_process(pipeline, docs))
                say(f"round {i + 1}/{rounds}: (b) service throughput")
                runs_b.append(measure_throughput(svc, docs, timeout=max(120, 20 * len(docs))))
                say(f"round {i + 1}/{rounds}: ratio {runs_b[-1]['docs_per_s'] / runs_a[-1]['docs_per_s']:.3f}")
            service_rate = statistics.median(b["docs_per_s"] for b in runs_b)
            rate_used = rate or max(0.2, 0.5 * service_rate)
            say(f"(c) open loop at {rate_used:.2f} docs/s for {seconds:g} s")
            c = measure_open_loop(svc, docs, rate_used, seconds, timeout=max(120, 10 * len(docs)))
            time.sleep(0.5)
            say("(c) idle service, one document at a time")
            idle, alone = measure_idle(svc, pipeline, singles)
            say("stopping")
        except KeyboardInterrupt:
            click.echo("bench: interrupted", err=True)
            sys.exit(130)
        finally:
            if svc is not None:
                svc.close()
    click.echo(report(docs, svc, runs_a, runs_b, c, idle, alone, rate_used, cluster))


def report(docs, svc, runs_a, runs_b, c, idle, alone, rate_used, cluster) -> str:
    """The table and, on its last line, the figures as JSON: medians over the rounds, with spread."""
    ratios = [b["docs_per_s"] / a["docs_per_s"] for a, b in zip(runs_a, runs_b)]
    cpu_b = [sum(b["cpu_ms"].values()) for b in runs_b]
    med = lambda values: statistics.median(values)  # noqa: E731
    a = {"docs_per_s": med([x["docs_per_s"] for x in runs_a]), "cpu_ms": med([x["cpu_ms"] for x in runs_a])}
    b = {key: med([x[key] for x in runs_b]) for key in ("docs_per_s", "redis_bytes", "hash_bytes", "json_bytes",
                                                         "commands", "seconds")}
    b["cpu_ms"] = {k: med([x["cpu_ms"][k] for x in runs_b]) for k in runs_b[0]["cpu_ms"]}
    families = runs_b[-1]["families"]
    lat = c["latencies"]
    single_ms = statistics.median(alone)
    r = spread(ratios)
    cpu_ratios = [x["cpu_ms"] / cb for x, cb in zip(runs_a, cpu_b)]
    result = {
        "documents": len(docs), "workers": svc.workers, "rounds": len(ratios),
        "store": "redis-cluster (3 masters)" if cluster else "redis",
        "broker": svc.broker.split("://", 1)[0],
        "inprocess_docs_per_s": round(a["docs_per_s"], 3),
        "inprocess_ms_per_doc": round(1000 / a["docs_per_s"], 2),
        "inprocess_single_ms": round(single_ms, 2),
        "service_docs_per_s": round(b["docs_per_s"], 3),
        "ratio": round(r["median"], 3), "ratio_min": round(r["min"], 3), "ratio_max": round(r["max"], 3),
        "ratios": [round(x, 3) for x in ratios],
        "rate": round(rate_used, 3), "latency_docs": len(lat), "errors": len(c["errors"]),
        "p50_ms": round(_pct(lat, 50), 1), "p95_ms": round(_pct(lat, 95), 1), "p99_ms": round(_pct(lat, 99), 1),
        "idle_p50_ms": round(statistics.median(idle), 1),
        "idle_factor": round(statistics.median(idle) / single_ms, 2),
        "redis_bytes_per_doc": round(b["redis_bytes"]),
        "redis_bytes_per_doc_by_round": [round(x["redis_bytes"]) for x in runs_b],  # as the store fills
        "redis_hash_bytes_per_doc": round(b["hash_bytes"]),
        "json_bytes_per_doc": round(b["json_bytes"]),
        "memory_factor": round(b["redis_bytes"] / b["json_bytes"], 2),
        "statuses": runs_b[-1]["statuses"], "statuses_by_round": [x["statuses"] for x in runs_b],
        "inprocess_cpu_ms_per_doc": round(a["cpu_ms"], 1),
        "inprocess_cpu_ms_per_doc_range": [round(min(x["cpu_ms"] for x in runs_a), 1),
                                           round(max(x["cpu_ms"] for x in runs_a), 1)],
        "service_cpu_ms_per_doc": round(med(cpu_b), 1),
        "service_cpu_ms_per_doc_range": [round(min(cpu_b), 1), round(max(cpu_b), 1)],
        **{f"service_cpu_ms_{k}": round(v, 1) for k, v in b["cpu_ms"].items()},
        "cpu_ratio": round(med(cpu_ratios), 3),
        "cpu_ratio_range": [round(min(cpu_ratios), 3), round(max(cpu_ratios), 3)],
        "redis_commands_per_doc": round(b["commands"], 1),
    }
    result["goals_met"] = {"ratio": result["ratio"] >= GOALS["ratio"],
                           "idle": result["idle_factor"] <= GOALS["idle_factor"],
                           "memory": result["memory_factor"] <= GOALS["memory_factor"]}
    ok = lambda met: "ok" if met else "MISSED"  # noqa: E731
    g = result["goals_met"]
    rng = lambda key, unit="", f=".0f": f"{min(x[key] for x in runs_a):{f}}–{max(x[key] for x in runs_a):{f}}{unit}"  # noqa: E731
    table = _table([
        ("figure", "value", "meaning"),
        ("documents", str(len(docs)), f"per throughput run; {svc.workers} worker process(es); store "
                                      f"{result['store']}, broker {result['broker']}"),
        ("rounds", str(len(ratios)), "(a) then (b), alternating; figures are medians over the rounds"),
        ("(a) in-process", f"{a['docs_per_s']:.2f}/s", f"{1000 / a['docs_per_s']:.1f} ms per document, batched "
                                                       f"nlp.pipe; rounds {rng('docs_per_s', '/s', '.2f')}"),
        ("(a) one document", f"{single_ms:.0f} ms", "in-process, one document alone (median, measured beside (c) idle)"),
        ("(b) service", f"{b['docs_per_s']:.2f}/s", "HTTP → Celery → Redis, all submitted at once; rounds "
         f"{min(x['docs_per_s'] for x in runs_b):.2f}–{max(x['docs_per_s'] for x in runs_b):.2f}/s"),
        ("ratio b/a", f"{r['median']:.3f}", f"median; range {r['min']:.3f}–{r['max']:.3f} "
                                            f"({', '.join(f'{x:.2f}' for x in ratios)}); goal ≥ {GOALS['ratio']}: "
                                            f"{ok(g['ratio'])}"),
        ("(c) open loop", f"{rate_used:.2f}/s", f"{len(lat)} documents, {len(c['errors'])} errors, "
                                                f"schedule lag ≤ {c['max_schedule_lag_ms']:.0f} ms"),
        ("    p50", f"{result['p50_ms']:.0f} ms", "POST → done"),
        ("    p95", f"{result['p95_ms']:.0f} ms", "POST → done"),
        ("    p99", f"{result['p99_ms']:.0f} ms", "POST → done"),
        ("(c) idle p50", f"{result['idle_p50_ms']:.0f} ms",
         f"one at a time; {result['idle_factor']:.2f} × one document in-process, goal ≤ "
         f"{GOALS['idle_factor']:g}: {ok(g['idle'])}"),
        ("CPU in-process", f"{a['cpu_ms']:.0f} ms", f"CPU time per document in the in-process runs; rounds "
                                                    f"{rng('cpu_ms', ' ms')}"),
        ("CPU service", f"{result['service_cpu_ms_per_doc']:.0f} ms",
         "per document: " + ", ".join(f"{k} {v:.0f}" for k, v in b["cpu_ms"].items())
         + f"; rounds {min(cpu_b):.0f}–{max(cpu_b):.0f} ms; efficiency a/b {result['cpu_ratio']:.2f}"),
        ("Redis commands", f"{b['commands']:.0f}", "per document (store, broker, polling)"),
        ("(d) Redis / doc", f"{result['redis_bytes_per_doc']} B", f"used_memory delta of the store (doc hash alone "
                                                                   f"{result['redis_hash_bytes_per_doc']} B)"),
        ("    JSON / doc", f"{result['json_bytes_per_doc']} B", f"GET body; ratio {result['memory_factor']:.2f}, "
                                                             f"goal ≤ {GOALS['memory_factor']:g}: {ok(g['memory'])}"),
        *[(f"    {family}", f"{size:.0f} B", "MEMORY USAGE per stored document")
          for family, size in list(families.items())[:6]],
    ])
    return table + "\n" + json.dumps(result)


if __name__ == "__main__":
    cli()
