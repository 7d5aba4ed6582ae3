"""``newsdesk up``: a real Redis, a worker and the API from one command; Ctrl-C leaves nothing."""
import os
import signal
import stat
import subprocess
import sys

import psutil
import requests

from newsdesk.embedded import free_port

from .conftest import ROOT, SEEDS, wait_for


def test_up_serves_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_DATA_DIR=str(tmp_path / "redis"), NEWSDESK_ANALYZER_TIME_LIMIT="120")
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "up", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(base + "/readyz", timeout=2).ok, 180, what="newsdesk up ready")
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any("redis-server" in (c.name() + " ".join(c.cmdline())) for c in children)
        text = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")
        doc_id = requests.post(base + "/v1/documents", json={"text": text}).json()["id"]
        body = wait_for(lambda: (lambda b: b if b["status"] != "queued" and b["status"] != "running" else None)(
            requests.get(f"{base}/v1/documents/{doc_id}", params={"wait": 5}).json()), 180, what="done")
        assert body["status"] == "done" and len(body["analysis"]) == 4
        data = tmp_path / "redis"  # holds every submitted article: its owner's only
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        assert all(stat.S_IMODE(f.stat().st_mode) & 0o077 == 0 for f in data.rglob("*") if f.is_file())
    finally:
        children = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        proc.wait(60)
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, [p.cmdline() for p in alive]


def test_data_folder_is_per_user_and_private(tmp_path):
    from newsdesk.embedded import data_dir, private_dir

    assert data_dir({"NEWSDESK_DATA_DIR": str(tmp_path / "mine")}) == tmp_path / "mine"
    assert data_dir({"XDG_DATA_HOME": str(tmp_path / "xdg")}) == tmp_path / "xdg" / "newsdesk"
    assert str(data_dir({})).startswith(os.path.expanduser("~"))
    shared = tmp_path / "planted"
    shared.mkdir(mode=0o755)
    assert stat.S_IMODE(private_dir(shared).stat().st_mode) == 0o700


def test_up_restarts_a_dead_worker_and_says_so(tmp_path):
    """Finding 1: a worker that ended stayed dead and `newsdesk up` did not notice."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_DATA_DIR=str(tmp_path / "redis"), NEWSDESK_LOAD_PLUGINS="",
               NEWSDESK_PLUGIN_MODULES="tests.plugins.faulty", PYTHONPATH=str(ROOT))
    out = tmp_path / "up.log"
    with open(out, "wb") as f:
        proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "up", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(base + "/readyz", timeout=2).ok, 180, what="newsdesk up ready")
        worker = next(c for c in psutil.Process(proc.pid).children() if "worker" in c.cmdline())
        worker.kill()
        wait_for(lambda: b"worker exited" in out.read_bytes() and b"restarting" in out.read_bytes(), 30,
                 what="the restart message")
        wait_for(lambda: requests.get(base + "/readyz", timeout=2).ok, 180, what="a worker again")
        assert worker.pid not in [c.pid for c in psutil.Process(proc.pid).children()]
        doc_id = requests.post(base + "/v1/documents", json={"text": "a b c", "analyzers": ["wordcount"]}).json()["id"]
        assert requests.get(f"{base}/v1/documents/{doc_id}", params={"wait": 30}).json()["status"] == "done"
    finally:
        children = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(60)
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
