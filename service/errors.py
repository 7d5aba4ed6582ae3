"""RFC 9457 problem details: one table of problem types, one exception, the handlers."""
from __future__ import annotations

import logging

import redis
from flask import Flask, g, jsonify, request
from kombu.exceptions import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
BASE = "https://newsdesk.dev/problems/"

#: code -> (status, title). The code is the last segment of the problem ``type`` URI.
PROBLEMS = {
    "malformed-json": (400, "Malformed JSON"),
    "bad-request": (400, "Bad request"),
    "undecodable": (400, "Undecodable page"),
    "unauthorized": (401, "Authentication required"),
    "forbidden": (403, "Forbidden"),
    "not-found": (404, "Not found"),
    "document-not-found": (404, "Document not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "conflict": (409, "Conflict"),
    "payload-too-large": (413, "Payload too large"),
    "uri-too-long": (414, "URI too long"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "validation": (422, "Validation failed"),
    "unknown-analyzer": (422, "Unknown analyzer"),
    "no-article": (422, "No article in the page"),
    "fetch-refused": (422, "Fetching this URL is refused"),
    "idempotency-key-reused": (422, "Idempotency key reused"),
    "rate-limited": (429, "Too many requests"),
    "too-many-waiting": (429, "Too many waiting requests"),
    "headers-too-large": (431, "Request header fields too large"),
    "internal": (500, "Internal server error"),
    "fetch-failed": (502, "The page could not be fetched"),
    "service-unavailable": (503, "Service unavailable"),
}
#: seconds a client should wait after a 503 (store or queue unreachable)
RETRY_AFTER = "5"
_BY_STATUS = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large", 414: "uri-too-long",
              431: "headers-too-large",
              415: "unsupported-media-type", 400: "bad-request", 401: "unauthorized",
              403: "forbidden", 422: "validation", 429: "rate-limited", 503: "service-unavailable"}


def code_for(status: int) -> str:
    """The problem code of an HTTP status the service did not choose a code for."""
    return _BY_STATUS.get(status, "bad-request" if status < 500 else "internal")


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(self, code: str, detail: str, headers: dict | None = None, **extensions):
        super().__init__(detail)
        self.code = code
        self.status, self.title = PROBLEMS[code]
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions


def problem_response(code: str, detail: str, status: int | None = None, headers=None, **extensions):
    status_, title = PROBLEMS[code]
    body = {"type": BASE + code, "title": title, "status": status or status_, "detail": detail,
            "instance": request.script_root + request.path, **extensions}
    rid = getattr(g, "request_id", None)
    if rid:
        body["request_id"] = rid
    resp = jsonify(body)
    resp.status_code = body["status"]
    resp.mimetype = "application/problem+json"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _from_http_exception(exc: HTTPException):
    status = exc.code or 500
    if status == 422 and getattr(exc, "data", None):  # flask-smorest/webargs validation
        messages = exc.data.get("messages", {})
        flat = {k: v for loc in messages.values() for k, v in (loc.items() if isinstance(loc, dict) else [])}
        return problem_response("validation", "The request has invalid fields.", errors=flat or messages)
    code = code_for(status)
    detail = {
        404: f"No resource at {request.path}.",
        405: f"{request.method} is not allowed on {request.path}.",
        413: "The request body is larger than the configured limit "
             f"({request.max_content_length} bytes).",
    }.get(status, exc.description or PROBLEMS[code][1])
    headers = {"Allow": ", ".join(exc.valid_methods)} if status == 405 and getattr(exc, "valid_methods", None) else None
    return problem_response(code, detail, status=status, headers=headers)


def init_app(app: Flask) -> None:
    @app.errorhandler(ProblemError)
    def handle_problem(exc: ProblemError):
        return problem_response(exc.code, exc.detail, headers=exc.headers, **exc.extensions)

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        return _from_http_exception(exc)

    @app.errorhandler(redis.ConnectionError)
    @app.errorhandler(redis.TimeoutError)
    @app.errorhandler(OperationalError)
    def handle_unreachable(exc: Exception):  # any route that meets a Redis outage
        log.error("store or broker unreachable: %s", exc)
        return problem_response("service-unavailable", "The document store or the task queue is unreachable; "
                                "retry later.", headers={"Retry-After": RETRY_AFTER})

    @app.errorhandler(RecursionError)
    def handle_too_deep(exc: RecursionError):  # JSON nested deeper than the parser goes
        return problem_response("malformed-json", "The JSON body is nested too deeply.")

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        log.exception("unhandled error")
        return problem_response("internal", "An unexpected error occurred; quote the request id when "
                                            "reporting it.")
