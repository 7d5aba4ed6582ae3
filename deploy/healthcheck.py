"""Container health check for either role: ``python healthcheck.py [api|worker]``.

Without an argument the role is the one the entrypoint recorded. ``api``: ``GET /healthz`` on
this container answers 200. ``worker``: this host's Celery node answers a ping through the
broker. Neither loads the app or spaCy, so the check stays cheap. Exit status 0 = healthy.
"""
import os
import socket
import sys
import tempfile
import urllib.request


def check_api() -> bool:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.status == 200


def check_worker() -> bool:
    from celery import Celery

    broker = (os.environ.get("NEWSDESK_BROKER_URL") or os.environ.get("NEWSDESK_REDIS_URL")
              or "redis://127.0.0.1:6379/0")
    node = f"celery@{socket.gethostname()}"  # the default node name of `newsdesk worker`
    app = Celery(broker=broker)
    try:
        return bool(app.control.ping(destination=[node], timeout=5, limit=1))
    finally:
        app.close()


def main(argv: list[str]) -> int:
    role = argv[1] if len(argv) > 1 else None
    if role is None:
        try:
            with open(os.path.join(tempfile.gettempdir(), "newsdesk-role")) as f:
                role = f.read().strip()
        except OSError:
            role = "api"
    try:
        ok = {"api": check_api, "worker": check_worker}[role]()
    except Exception as exc:  # any failure to answer is "unhealthy", said in one line
        print(f"unhealthy {role}: {exc}", file=sys.stderr)
        return 1
    print(f"{'healthy' if ok else 'unhealthy'} {role}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
