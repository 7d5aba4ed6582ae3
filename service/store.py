"""The document store: the only module that builds Redis keys or talks to Redis.

One hash per document (``<prefix>:doc:<id>``) holds the submitted document, its analyzer plan,
timestamps and one ``result:<analyzer>`` field per analyzer section, so a document, its results
and its expiry live and die together. ``<prefix>:idx:submitted`` orders documents by submission.
"""
from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timezone

import redis

from .pipeline import document_body, overall_status

FINISHED = ("done", "failed")


def new_document_id() -> str:
    """Time-ordered id: 12 hex digits of milliseconds, then 16 random hex digits."""
    return f"{int(time.time() * 1000):012x}{secrets.token_hex(8)}"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    def __init__(self, client: redis.Redis, prefix: str = "newsdesk", ttl_seconds: int = 0):
        self.r = client
        self.prefix = prefix
        self.ttl = ttl_seconds
        # write fields only while the document exists, so a late worker never resurrects a deleted one
        self._hset_existing = client.register_script(
            "if redis.call('exists', KEYS[1]) == 1 then return redis.call('hset', KEYS[1], unpack(ARGV)) end "
            "return false")

    @classmethod
    def from_url(cls, url: str, prefix: str = "newsdesk", ttl_seconds: int = 0) -> "Store":
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2,
                                      health_check_interval=30)
        return cls(client, prefix, ttl_seconds)

    def _doc(self, doc_id: str) -> str:
        return f"{self.prefix}:doc:{doc_id}"

    def _submitted(self) -> str:
        return f"{self.prefix}:idx:submitted"

    def ping(self) -> bool:
        return bool(self.r.ping())

    def save_document(self, doc_id: str, document: dict, plan: list[str], request_id: str | None = None) -> str:
        """Write a new document (status ``queued``) before it is enqueued; return its submit time."""
        submitted = now_iso()
        key = self._doc(doc_id)
        with self.r.pipeline(transaction=True) as p:
            p.hset(key, mapping={"document": json.dumps(document, ensure_ascii=False),
                                 "plan": json.dumps(plan), "submitted_at": submitted,
                                 "request_id": request_id or ""})
            if self.ttl:
                p.expire(key, self.ttl)
            p.zadd(self._submitted(), {doc_id: time.time()})
            p.execute()
        return submitted

    def delete_document(self, doc_id: str) -> bool:
        with self.r.pipeline(transaction=True) as p:
            p.delete(self._doc(doc_id))
            p.zrem(self._submitted(), doc_id)
            deleted, _ = p.execute()
        return bool(deleted)

    def load(self, doc_id: str) -> dict | None:
        """The raw record: document, plan, sections and timestamps; ``None`` if unknown."""
        raw = self.r.hgetall(self._doc(doc_id))
        if not raw or b"document" not in raw:
            return None
        fields = {k.decode(): v.decode() for k, v in raw.items()}
        return {
            "document": json.loads(fields["document"]),
            "plan": json.loads(fields["plan"]),
            "sections": {k[7:]: json.loads(v) for k, v in fields.items() if k.startswith("result:")},
            "submitted_at": fields.get("submitted_at"),
            "completed_at": fields.get("completed_at") or None,
            "request_id": fields.get("request_id") or None,
        }

    def body(self, doc_id: str) -> dict | None:
        """The document as ``GET /v1/documents/{id}`` shows it."""
        rec = self.load(doc_id)
        if rec is None:
            return None
        return document_body(doc_id, rec["document"], rec["plan"], rec["sections"],
                             rec["submitted_at"], rec["completed_at"])

    def mark_running(self, doc_id: str, names: list[str]) -> None:
        value = json.dumps({"status": "running"})
        if names:
            self._hset_existing([self._doc(doc_id)], [x for n in names for x in (f"result:{n}", value)])

    def save_result(self, doc_id: str, name: str, section: dict) -> str | None:
        """Store one analyzer's section; return the overall status once the plan has finished."""
        key = self._doc(doc_id)
        self._hset_existing([key], [f"result:{name}", json.dumps(section, ensure_ascii=False)])
        rec = self.load(doc_id)
        if rec is None:
            return None  # deleted while it was being analysed
        status = overall_status(rec["plan"], rec["sections"])
        if status in ("done", "partial", "failed") and not rec["completed_at"]:
            self.r.hset(key, "completed_at", now_iso())
        return status

    def reset_sections(self, doc_id: str, names: list[str], plan: list[str]) -> None:
        """Forget the sections of ``names`` (for re-analysis) and record the new plan."""
        key = self._doc(doc_id)
        with self.r.pipeline(transaction=True) as p:
            if names:
                p.hdel(key, *[f"result:{n}" for n in names])
            p.hset(key, "plan", json.dumps(plan))
            p.hdel(key, "completed_at")
            p.execute()

    def document_ids(self, limit: int = 50, before: float | None = None) -> list[tuple[str, float]]:
        """Newest first; ``before`` is an exclusive score cursor."""
        top = f"({before}" if before is not None else "+inf"
        rows = self.r.zrevrangebyscore(self._submitted(), top, "-inf", start=0, num=limit, withscores=True)
        return [(k.decode(), s) for k, s in rows]
