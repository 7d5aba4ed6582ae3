"""gunicorn's worker for ``newsdesk serve``: the answers gunicorn gives by itself, before the app
sees a request (414 URI too long, 431 header fields too large, 400 bad request line ...), are
RFC 9457 problem documents like every answer of the app, not HTML pages."""
from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from .errors import BASE, code_for


def write_problem(sock, status_int, reason, mesg):
    """Drop-in for ``gunicorn.util.write_error``."""
    code = code_for(status_int)
    body = json.dumps({"type": BASE + code, "title": reason, "status": status_int,
                       "detail": mesg or reason}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin1") + body)


class ProblemWorker(ThreadWorker):
    """gunicorn's gthread worker answering its own errors with problem documents."""

    def init_process(self):
        util.write_error = write_problem  # gunicorn has no hook for its error page
        super().init_process()
