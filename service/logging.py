"""JSON-lines logging shared by the API, the worker and the CLI."""
from __future__ import annotations

import contextvars
import json
import logging
import sys
import time

#: The request id of the HTTP request or task being handled, carried into every log line.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
document_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("document_id", default=None)

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        rid, did = request_id_var.get(), document_id_var.get()
        if rid:
            entry["request_id"] = rid
        if did:
            entry["document_id"] = did
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(settings, stream=None, level: str | None = None) -> None:
    """Send every log record as one JSON line to ``stream`` (stdout by default)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or settings.log_level)
