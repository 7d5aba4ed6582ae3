"""The document store: the only module that builds Redis keys or talks to Redis.

One hash per document (``<prefix>:doc:<id>``) holds the submitted document, its analyzer plan,
timestamps and one ``result:<analyzer>`` field per analyzer section, so a document, its results
and its expiry live and die together. ``<prefix>:idx:submitted`` orders documents by submission.

On a Redis Cluster the documents are spread over :data:`CLUSTER_BUCKETS` buckets, each a hash tag
(``<prefix>:{3.17}:doc:<id>``, ``<prefix>:{3.17}:idx:entity:nato`` ...): a document, its index
entries and the submission, pending and outbox indexes of its bucket share one slot, so every
write of a document stays one atomic script, exactly as on a single Redis, and a search runs in
every bucket and merges the results. On a single Redis there is one bucket and no tag.
"""
from __future__ import annotations

import base64
import heapq
import json
import secrets
import time
import zlib
from datetime import datetime, timezone

import redis
from redis.backoff import ExponentialBackoff
from redis.cluster import RedisCluster
from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot
from redis.retry import Retry

from .indexing import PUBLISHED, day_number, index_entries, norm
from .pipeline import document_body, overall_status

#: Buckets on a Redis Cluster: the most masters that can share the documents, and the number of
#: slots a search visits. Fixed, because a document's keys are found from its id through it.
CLUSTER_BUCKETS = 48


def bucket_tags(n: int) -> list[str]:
    """Key infixes of ``n`` buckets: ``""`` for one; else hash tags whose slots are spread evenly
    over the slot range, so the masters of an evenly split cluster hold equal shares."""
    if n <= 1:
        return [""]
    tags = []
    for i in range(n):
        lo = REDIS_CLUSTER_HASH_SLOTS * i // n
        width = max(1, (REDIS_CLUSTER_HASH_SLOTS * (i + 1) // n - lo) // 4)
        k = 0
        while not lo <= key_slot(f"{i}.{k}".encode()) < lo + width:
            k += 1
        tags.append(f"{{{i}.{k}}}:")
    return tags


def new_document_id() -> str:
    """Time-ordered id: 12 hex digits of milliseconds, then 16 random hex digits."""
    return f"{int(time.time() * 1000):012x}{secrets.token_hex(8)}"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    def __init__(self, client: redis.Redis | RedisCluster, prefix: str = "newsdesk", ttl_seconds: int = 0,
                 facets=None, buckets: int | None = None):
        self.r = client
        self.cluster = isinstance(client, RedisCluster)
        self.tags = bucket_tags(buckets if buckets is not None else CLUSTER_BUCKETS if self.cluster else 1)
        self.prefix = prefix
        self.ttl = ttl_seconds
        self.facets = facets or (lambda: {})  # () -> {name: [Facet]} of the loaded analyzers
        # write fields only while the document exists, so a late worker never resurrects a deleted
        # one, and has not completed, so a duplicate task never marks a finished one running again
        self._hset_existing = client.register_script(
            "if redis.call('exists', KEYS[1]) == 1 and redis.call('hexists', KEYS[1], 'completed_at') == 0 "
            "then return redis.call('hset', KEYS[1], unpack(ARGV)) end return false")
        # a result, its index entries and (once every planned section has finished) completed_at
        # in one step, so no reader sees a finished status without completed_at. Completion
        # happens once: only the call that sets completed_at gets 3 (and queues the document's
        # notification); a redelivered task finds it set and gets 2.
        # KEYS = doc, its index list, the pending index, the notification index, index keys...;
        # ARGV = field, value, doc id, completion time, now, then one score per index key
        self._save_indexed = client.register_script("""
            if redis.call('exists', KEYS[1]) == 0 then return 0 end
            redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
            for i = 5, #KEYS do
                redis.call('zadd', KEYS[i], ARGV[i + 1], ARGV[3])
                redis.call('sadd', KEYS[2], KEYS[i])
            end
            if redis.call('hexists', KEYS[1], 'completed_at') == 1 then return 2 end
            for _, n in ipairs(cjson.decode(redis.call('hget', KEYS[1], 'plan'))) do
                local s = redis.call('hget', KEYS[1], 'result:' .. n)
                if not s then return 1 end
                local st = cjson.decode(s)['status']
                if st ~= 'done' and st ~= 'failed' and st ~= 'skipped' then return 1 end
            end
            redis.call('hset', KEYS[1], 'completed_at', ARGV[4])
            redis.call('hincrby', KEYS[1], 'completions', 1)
            redis.call('zrem', KEYS[3], ARGV[3])
            redis.call('zadd', KEYS[4], ARGV[5], ARGV[3])
            return 3""")
        # a webhook attempt: none once delivered, else the attempt's number (1, 2, ...)
        self._webhook_attempt = client.register_script("""
            if redis.call('hexists', KEYS[1], 'delivered') == 1 then return 0 end
            local n = redis.call('hincrby', KEYS[1], 'attempts', 1)
            redis.call('expire', KEYS[1], ARGV[1])
            return n""")
        # KEYS = doc, its index list, then the submission, pending and outbox indexes
        self._delete_indexed = client.register_script("""
            for _, key in ipairs(redis.call('smembers', KEYS[2])) do redis.call('zrem', key, ARGV[1]) end
            for i = 3, #KEYS do redis.call('zrem', KEYS[i], ARGV[1]) end
            redis.call('del', KEYS[2])
            return redis.call('del', KEYS[1])""")

    @classmethod
    def from_url(cls, url: str, prefix: str = "newsdesk", ttl_seconds: int = 0, facets=None,
                 patient: bool = False) -> "Store":
        """``patient``: retry a lost connection for about 30 s (a worker riding out a Redis
        restart) instead of under a second (the API answers 503 at once). A ``redis+cluster://``
        URL (any one node) opens a Redis Cluster."""
        retry = Retry(ExponentialBackoff(cap=2, base=0.1), 20) if patient else None
        options = {"socket_timeout": 5, "socket_connect_timeout": 2, **({"retry": retry} if retry else {})}
        if url.startswith(("redis+cluster://", "rediss+cluster://")):
            client = RedisCluster.from_url(url.replace("+cluster://", "://", 1), **options)
        else:
            client = redis.Redis.from_url(url, health_check_interval=30, **options)
        return cls(client, prefix, ttl_seconds, facets)

    def _tag(self, doc_id: str) -> str:
        """The bucket of a document (``""`` on a single Redis)."""
        return self.tags[zlib.crc32(doc_id.encode()) % len(self.tags)] if len(self.tags) > 1 else ""

    def _doc(self, doc_id: str) -> str:
        return f"{self.prefix}:{self._tag(doc_id)}doc:{doc_id}"

    doc_key = _doc  # the benchmark reads documents' marks straight from Redis

    def _submitted(self, tag: str = "") -> str:
        return f"{self.prefix}:{tag}idx:submitted"

    def _merged(self, method: str, keys: list[str], limit: int, reverse: bool, **kwargs) -> list[tuple[str, float]]:
        """``method`` (a ZRANGE… with scores) on the same index of every bucket, merged by score."""
        with self.r.pipeline(transaction=False) as p:
            for key in keys:
                getattr(p, method)(key, withscores=True, **kwargs)
            rows = [(k.decode(), s) for part in p.execute() for k, s in part]
        return (heapq.nlargest if reverse else heapq.nsmallest)(limit, rows, key=lambda r: r[1])

    def ping(self) -> bool:
        return bool(self.r.ping())

    def save_document(self, doc_id: str, document: dict, plan: list[str], request_id: str | None = None,
                      callback_url: str | None = None) -> str:
        """Write a new document (status ``queued``) before it is enqueued; return its submit time."""
        submitted = now_iso()
        key = self._doc(doc_id)
        fields = {"document": json.dumps(document, ensure_ascii=False), "plan": json.dumps(plan),
                  "submitted_at": submitted, "request_id": request_id or ""}
        if callback_url:
            fields["callback_url"] = callback_url
        tag = self._tag(doc_id)
        with self.r.pipeline(transaction=True) as p:  # one slot: a transaction on a cluster too
            p.hset(key, mapping=fields)
            if self.ttl:
                p.expire(key, self.ttl)
            p.zadd(self._submitted(tag), {doc_id: time.time()})
            p.zadd(self._pending(tag), {doc_id: time.time()})
            day = day_number(document.get("published_at"))
            if day is not None:
                p.zadd(self._idx(PUBLISHED, tag), {doc_id: day})
                p.sadd(self._doc_index(doc_id), self._idx(PUBLISHED, tag))
            p.execute()
        return submitted

    def _pending(self, tag: str = "") -> str:
        return f"{self.prefix}:{tag}idx:pending"

    def stale_pending(self, older_than: float, limit: int = 100) -> list[str]:
        """Documents accepted more than ``older_than`` seconds ago that have not finished."""
        rows = self._merged("zrangebyscore", [self._pending(t) for t in self.tags], limit, False,
                            min="-inf", max=time.time() - older_than, start=0, num=limit)
        return [d for d, _ in rows]

    def touch_pending(self, doc_id: str) -> None:
        self.r.zadd(self._pending(self._tag(doc_id)), {doc_id: time.time()}, xx=True)

    # -- completion notifications (webhook, analysis_completed hooks): an outbox --------------

    def _notify(self, tag: str = "") -> str:
        return f"{self.prefix}:{tag}idx:notify"

    def completion_number(self, doc_id: str) -> int:
        """How many times the document has completed (re-analysis completes it again)."""
        return int(self.r.hget(self._doc(doc_id), "completions") or 0)

    def notified(self, doc_id: str) -> bool:
        """The completion's notification went out; ``False`` if someone else took it first."""
        return bool(self.r.zrem(self._notify(self._tag(doc_id)), doc_id))

    def unnotified(self, older_than: float, limit: int = 100) -> list[str]:
        """Documents completed more than ``older_than`` seconds ago whose notification never went
        out (their worker died in between)."""
        rows = self._merged("zrangebyscore", [self._notify(t) for t in self.tags], limit, False,
                            min="-inf", max=time.time() - older_than, start=0, num=limit)
        return [d for d, _ in rows]

    def webhook_attempt(self, delivery_id: str, ttl: int = 7 * 86400) -> int:
        """Count an attempt to deliver ``delivery_id``: its number, or 0 if it was delivered."""
        return int(self._webhook_attempt([f"{self.prefix}:webhook:{delivery_id}"], [ttl]))

    def webhook_delivered(self, delivery_id: str) -> None:
        self.r.hset(f"{self.prefix}:webhook:{delivery_id}", "delivered", now_iso())

    def try_lock(self, name: str, seconds: int) -> bool:
        return bool(self.r.set(f"{self.prefix}:lock:{name}", "1", nx=True, ex=seconds))

    def _doc_index(self, doc_id: str) -> str:
        return f"{self.prefix}:{self._tag(doc_id)}idx:doc:{doc_id}"

    def _idx(self, term: str, tag: str = "") -> str:
        return f"{self.prefix}:{tag}idx:{term}"

    # -- service-wide counters, read by /metrics at scrape time ------------------------------

    def _metrics(self, what: str) -> str:
        return f"{self.prefix}:metrics:{what}"

    def count_analyzer_run(self, name: str, bucket: int, seconds: float, failed: bool) -> None:
        """One analyzer run: count, total seconds, histogram bucket ``bucket`` and failure."""
        key = self._metrics("analyzer")
        with self.r.pipeline(transaction=False) as p:
            p.hincrby(key, f"{name}|count", 1)
            p.hincrbyfloat(key, f"{name}|sum", seconds)
            p.hincrby(key, f"{name}|b{bucket}", 1)
            if failed:
                p.hincrby(key, f"{name}|failed", 1)
            p.execute()

    def count_completed(self, status: str, sections: dict[str, str], failures: dict[str, str] | None = None) -> None:
        """One finished document: its overall status, each section's final status and, for failed
        sections, the problem type."""
        with self.r.pipeline(transaction=False) as p:
            p.hincrby(self._metrics("documents"), status, 1)
            for name, section_status in sections.items():
                p.hincrby(self._metrics("sections"), f"{name}|{section_status}", 1)
            for name, kind in (failures or {}).items():
                p.hincrby(self._metrics("failures"), f"{name}|{kind}", 1)
            p.execute()

    def counters(self) -> tuple[int, dict, dict, dict, dict]:
        """Documents stored, and the raw document, section, analyzer and failure counter hashes.

        Documents past their retention leave the submission index here first, so the count
        is exact (their hashes expired with the TTL set at submission)."""
        with self.r.pipeline(transaction=False) as p:
            for tag in self.tags:
                if self.ttl:
                    p.zremrangebyscore(self._submitted(tag), "-inf", time.time() - self.ttl)
                p.zcard(self._submitted(tag))
            for what in ("documents", "sections", "analyzer", "failures"):
                p.hgetall(self._metrics(what))
            *cards, documents, sections, analyzer, failures = p.execute()
        return sum(cards[1::2] if self.ttl else cards), documents, sections, analyzer, failures

    def delete_document(self, doc_id: str) -> bool:
        """Remove the document, its results and every index entry, atomically."""
        tag = self._tag(doc_id)
        keys = [self._doc(doc_id), self._doc_index(doc_id), self._submitted(tag), self._pending(tag), self._notify(tag)]
        return bool(self._delete_indexed(keys, [doc_id]))

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
            "callback_url": fields.get("callback_url") or None,
        }

    def body(self, doc_id: str) -> dict | None:
        """The document as ``GET /v1/documents/{id}`` shows it."""
        rec = self.load(doc_id)
        if rec is None:
            return None
        return document_body(doc_id, rec["document"], rec["plan"], rec["sections"],
                             rec["submitted_at"], rec["completed_at"])

    def mark_running(self, doc_id: str, names: list[str], worker: str | None = None) -> None:
        value = json.dumps({"status": "running", "worker": worker})
        if names:
            self._hset_existing([self._doc(doc_id)], [x for n in names for x in (f"result:{n}", value)])

    def save_result(self, doc_id: str, name: str, section: dict) -> str | None:
        """Store one analyzer's section; return the overall status when this section completed the
        document (once per completion, however often the task runs)."""
        key, tag = self._doc(doc_id), self._tag(doc_id)
        value = json.dumps(section, ensure_ascii=False)
        score = self.r.zscore(self._submitted(tag), doc_id) or time.time()
        index: list[tuple[str, float]] = []
        if section.get("status") == "done":
            facets = [f for fs in self.facets().values() for f in fs if f.analyzer == name]
            terms, displays, dates = index_entries(facets, section.get("result") or {})
            index = [(self._idx(t, tag), score) for t in terms] + [(self._idx(f, tag), day) for f, day in dates.items()]
            if displays:  # one round trip per facet, not one per value
                with self.r.pipeline(transaction=False) as p:
                    for facet, mapping in displays.items():
                        p.hset(self._idx(f"display:{facet}"), mapping=mapping)
                    p.execute()
        finished = self._save_indexed(
            [key, self._doc_index(doc_id), self._pending(tag), self._notify(tag), *[k for k, _ in index]],
            [f"result:{name}", value, doc_id, now_iso(), time.time(), *[s for _, s in index]])
        if finished != 3:
            return None  # sections to come, completed before, or deleted while it was being analysed
        rec = self.load(doc_id)
        return overall_status(rec["plan"], rec["sections"]) if rec else None

    def reset_sections(self, doc_id: str, names: list[str], plan: list[str]) -> None:
        """Forget the sections of ``names`` (for re-analysis) and record the new plan."""
        key = self._doc(doc_id)
        with self.r.pipeline(transaction=True) as p:
            if names:
                p.hdel(key, *[f"result:{n}" for n in names])
            p.hset(key, "plan", json.dumps(plan))
            p.hdel(key, "completed_at")
            p.zadd(self._pending(self._tag(doc_id)), {doc_id: time.time()})
            p.execute()

    def search(self, terms: list[str], limit: int, before: float | None = None,
               ranges: dict[str, tuple[float, float]] | None = None,
               status: str | None = None) -> list[tuple[str, float]]:
        """Document ids (newest first) in every ``idx:<term>`` and date range, after the ``before`` cursor.

        Each bucket intersects its own indexes (all in one slot); the buckets' pages are merged."""
        sources = [self._submitted(tag) for tag in self.tags]
        if terms or ranges:
            with self.r.pipeline(transaction=False) as p:
                for i, tag in enumerate(self.tags):
                    keys = [self._idx(t, tag) for t in terms]
                    for facet, (lo, hi) in (ranges or {}).items():
                        tmp_range = f"{self.prefix}:{tag}tmp:{secrets.token_hex(8)}"
                        p.zrangestore(tmp_range, self._idx(facet, tag), lo, hi, byscore=True)
                        p.expire(tmp_range, 30)
                        keys.append(tmp_range)
                    tmp = f"{self.prefix}:{tag}tmp:{secrets.token_hex(8)}"
                    # scores from the submission index, membership from all
                    p.zinterstore(tmp, {sources[i]: 1, **{k: 0 for k in keys}})
                    p.expire(tmp, 30)
                    sources[i] = tmp
                p.execute()
        out: list[tuple[str, float]] = []
        top = f"({before}" if before is not None else "+inf"
        while len(out) < limit:
            rows = self._merged("zrevrangebyscore", sources, max(limit, 50), True,
                                max=top, min="-inf", start=0, num=max(limit, 50))
            if not rows:
                break
            states = self.statuses([d for d, _ in rows])
            for doc_id, score in rows:
                if states[doc_id] is None:  # expired by retention: clean lazily
                    self.r.zrem(self._submitted(self._tag(doc_id)), doc_id)
                elif status is None or states[doc_id] == status:
                    out.append((doc_id, score))
                    if len(out) == limit:
                        break
            top = f"({rows[-1][1]}"
        return out

    def facet_values(self, facet: str, query: str, limit: int = 20, qualified: bool = False) -> list[dict]:
        """Values of a listed facet containing ``query``, with their document counts."""
        q = norm(query).replace("*", "").replace("?", "").replace("[", "")
        found = [(k.decode(), d.decode()) for k, d in
                 self.r.hscan_iter(self._idx(f"display:{facet}"), match=f"*{q}*", count=500)]
        with self.r.pipeline(transaction=False) as p:
            for key, _ in found:
                for tag in self.tags:
                    p.zcard(self._idx(f"{facet}:{key}", tag))
            cards = p.execute()
        rows = []
        for i, (key, display) in enumerate(found):
            count = sum(cards[i * len(self.tags):(i + 1) * len(self.tags)])
            if count:
                qualifier, _, value = key.partition(":") if qualified else (None, "", key)
                rows.append({"name": display, "value": value, "qualifier": qualifier, "documents": count,
                             "key": key})
        rows.sort(key=lambda r: (-r["documents"], r["name"]))
        return rows[:limit]

    def facet_documents(self, facet: str, key: str, limit: int = 10) -> list[str]:
        """The newest documents with ``key`` (``[qualifier:]value``) in ``facet``."""
        keys = [self._idx(f"{facet}:{key}", tag) for tag in self.tags]
        return [d for d, _ in self._merged("zrevrange", keys, limit, True, start=0, end=limit - 1)]

    # --- API keys (only hashes are stored) ---------------------------------------------

    def _key(self, key_id: str) -> str:
        return f"{self.prefix}:key:{key_id}"

    def save_key(self, key_id: str, digest: str, name: str, scopes: list[str], rate_limit: int) -> None:
        self.r.hset(self._key(key_id), mapping={"digest": digest, "name": name, "scopes": ",".join(scopes),
                                                "rate_limit": rate_limit, "created_at": now_iso()})

    def get_key(self, key_id: str) -> dict | None:
        raw = self.r.hgetall(self._key(key_id))
        if not raw:
            return None
        rec = {k.decode(): v.decode() for k, v in raw.items()}
        rec["scopes"] = [s for s in rec.get("scopes", "").split(",") if s]
        rec["rate_limit"] = int(rec.get("rate_limit") or 0)
        return {"id": key_id, **rec}

    def list_keys(self) -> list[dict]:
        ids = sorted(k.decode().rsplit(":", 1)[1] for k in self.r.scan_iter(self._key("*")))
        return [{k: v for k, v in self.get_key(i).items() if k != "digest"} for i in ids]

    def delete_key(self, key_id: str) -> bool:
        return bool(self.r.delete(self._key(key_id)))

    def hit_rate_limit(self, who: str, limit: int, window: int = 60) -> int:
        """Count one request in a fixed window; return seconds to wait (0 when allowed)."""
        now = time.time()
        slot = int(now // window)
        key = f"{self.prefix}:rate:{who}:{slot}"
        with self.r.pipeline(transaction=True) as p:
            p.incr(key)
            p.expire(key, window + 1)
            count, _ = p.execute()
        return 0 if count <= limit else max(1, int((slot + 1) * window - now + 0.999))

    # --- idempotency --------------------------------------------------------------------

    def _idem(self, scope: str, key: str) -> str:
        return f"{self.prefix}:idem:{scope}:{key}"

    def claim_idempotency(self, scope: str, key: str, fingerprint: str, ttl: int) -> dict | None:
        """Reserve ``key``; return the stored record if it was already used (else ``None``)."""
        k = self._idem(scope, key)
        if self.r.set(k, json.dumps({"fingerprint": fingerprint}), nx=True, ex=ttl):
            return None
        raw = self.r.get(k)
        return json.loads(raw) if raw else None

    def finish_idempotency(self, scope: str, key: str, fingerprint: str, response: dict, ttl: int) -> None:
        self.r.set(self._idem(scope, key), json.dumps({"fingerprint": fingerprint, "response": response}), ex=ttl)

    def release_idempotency(self, scope: str, key: str) -> None:
        self.r.delete(self._idem(scope, key))

    # --- deduplication of identical text ------------------------------------------------

    def _text(self, digest: str) -> str:
        return f"{self.prefix}:idx:text:{digest}"

    def document_with_text(self, digest: str) -> str | None:
        doc_id = self.r.get(self._text(digest))
        if doc_id and self.r.exists(self._doc(doc_id.decode())):
            return doc_id.decode()
        return None

    def remember_text(self, digest: str, doc_id: str) -> None:
        self.r.set(self._text(digest), doc_id, ex=self.ttl or None)
        self.r.hset(self._doc(doc_id), "text_digest", digest)

    # --- batches ------------------------------------------------------------------------

    def _batch(self, batch_id: str) -> str:
        return f"{self.prefix}:batch:{batch_id}"

    def save_batch(self, batch_id: str, items: list[dict]) -> str:
        submitted = now_iso()
        self.r.hset(self._batch(batch_id), mapping={"items": json.dumps(items), "submitted_at": submitted})
        if self.ttl:
            self.r.expire(self._batch(batch_id), self.ttl)
        return submitted

    def get_batch(self, batch_id: str) -> dict | None:
        raw = self.r.hgetall(self._batch(batch_id))
        if not raw:
            return None
        return {"items": json.loads(raw[b"items"]), "submitted_at": raw[b"submitted_at"].decode()}

    def statuses(self, doc_ids: list[str]) -> dict[str, str | None]:
        """Overall status per document (``None`` when it no longer exists), in one round trip."""
        with self.r.pipeline(transaction=False) as p:
            for d in doc_ids:
                p.hgetall(self._doc(d))
            rows = p.execute()
        out = {}
        for d, raw in zip(doc_ids, rows):
            if not raw or b"plan" not in raw:
                out[d] = None
                continue
            sections = {k.decode()[7:]: json.loads(v) for k, v in raw.items() if k.startswith(b"result:")}
            out[d] = overall_status(json.loads(raw[b"plan"]), sections)
        return out


def queued_document_ids(client: redis.Redis, queues: list[str]) -> set[str]:
    """Ids of the documents whose task waits in a Celery queue or is held, unacknowledged, by a
    worker (kombu's ``unacked`` hash; a dead worker's messages return after the visibility
    timeout): what the recovery sweep must not send again."""
    ids: set[str] = set()

    def add(raw: bytes) -> None:
        try:
            message = json.loads(raw)
            if isinstance(message, list):  # unacked: [message, exchange, routing key]
                message = message[0]
            if message.get("headers", {}).get("task") not in ("analysis.run", "analysis.run_batch"):
                return
            body = message["body"]
            if message.get("properties", {}).get("body_encoding") == "base64":
                body = base64.b64decode(body)
            first = json.loads(body)[0][0]
            ids.update(first if isinstance(first, list) else [first])
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            pass

    for queue in queues:
        start = 0
        while rows := client.lrange(queue, start, start + 999):
            for raw in rows:
                add(raw)
            start += len(rows)
    for _, raw in client.hscan_iter("unacked", count=1000):
        add(raw)
    return ids
