"""``newsdesk bench --fast`` runs end to end (on a single Redis and on a Redis Cluster) and reports
its figures as one JSON line: medians over alternating rounds, with their range.

The goals (ratio ≥ 0.9 and so on) are reported by the bench, not asserted: a shared CI machine
is too noisy for that. Here we check that every figure exists and is sane, and that the bench
leaves no process behind.
"""
import json
import subprocess
import sys

import psutil
import pytest

from .conftest import ROOT

KEYS = {"inprocess_docs_per_s", "service_docs_per_s", "ratio", "ratio_min", "ratio_max", "p50_ms", "p95_ms", "p99_ms",
        "inprocess_ms_per_doc", "redis_bytes_per_doc", "idle_p50_ms", "json_bytes_per_doc",
        "documents", "workers"}


def left_behind(bench_pid: int) -> list[str]:
    """Processes the bench started (they carry NEWSDESK_BENCH_PARENT) that are still alive."""
    out = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        try:
            if p.environ().get("NEWSDESK_BENCH_PARENT") == str(bench_pid):
                out.append(" ".join(p.info["cmdline"] or [])[:120])
        except psutil.Error:
            continue
    return out


@pytest.mark.parametrize("args", [(), ("--cluster",)], ids=["redis", "cluster"])
def test_bench_fast_prints_sane_figures_and_cleans_up(args):
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk.bench", "--fast", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = proc.communicate(timeout=240)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr[-3000:]
    assert left_behind(proc.pid) == []
    lines = stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert KEYS <= set(figures), KEYS - set(figures)
    assert figures["documents"] == 10 and figures["workers"] >= 1
    assert figures["errors"] == 0 and sum(figures["statuses"].values()) == figures["documents"]
    assert figures["rounds"] == 2 and len(figures["ratios"]) == 2
    assert figures["ratio_min"] <= figures["ratio"] <= figures["ratio_max"]
    assert figures["store"].startswith("redis-cluster" if args else "redis")
    for key in KEYS - {"documents", "workers"}:
        assert figures[key] > 0, (key, figures[key])
    assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    # a body holds every section, so it is at least as large as the text of a seed
    assert figures["json_bytes_per_doc"] > 2000
    assert any(line.startswith("ratio b/a") for line in lines), stdout
