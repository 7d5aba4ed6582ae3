"""Completion callbacks: address guard, HMAC-SHA256 signature, delivery retried with backoff."""
from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from celery import shared_task
from flask import current_app

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "Newsdesk-Signature"
#: the same for every attempt of one completion (``<document id>.<completion number>``): receivers
#: deduplicate on it
DELIVERY_HEADER = "Newsdesk-Delivery-Id"


class UnsafeCallback(ValueError):
    pass


def public(ip) -> bool:
    """Whether the guard lets a connection go to ``ip``."""
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int, allow_private: bool) -> list[tuple]:
    """``getaddrinfo`` of ``host``, refused when any address is loopback, private, link-local or reserved."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise UnsafeCallback(f"callback host {host!r} does not resolve") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if not allow_private and not public(ip):
            raise UnsafeCallback(f"callback host {host!r} resolves to a non-public address ({ip})")
    return infos


def check_callback_url(url: str, allow_private: bool) -> None:
    """Refuse URLs whose host resolves to loopback, private, link-local or reserved addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeCallback("callback_url must be an http(s) URL with a host")
    if not allow_private:
        resolve(parts.hostname, parts.port or 443, allow_private)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect could lead past the address guard
        return None


def guarded_opener(allow_private: bool) -> urllib.request.OpenerDirector:
    """A urllib opener that follows no redirect, uses no proxy and connects only to an address the
    guard accepted in the same resolution, so a DNS answer that changes after the check (DNS
    rebinding) cannot lead it to a private address."""
    def connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **kwargs):
        family, kind, proto, _, sockaddr = resolve(address[0], address[1], allow_private)[0]
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
        except BaseException:
            sock.close()
            raise
        return sock

    def guarded(cls):
        def make(host, **kwargs):
            conn = cls(host, **kwargs)
            conn._create_connection = connect  # http.client's own hook for opening the socket
            return conn
        return make

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(guarded(http.client.HTTPConnection), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(guarded(http.client.HTTPSConnection), req, context=self._context)

    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect, HTTP, HTTPS)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``; receivers reject old timestamps."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """What a receiver does: check the signature and that it is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        ts = int(fields["t"])
    except (ValueError, KeyError):
        return False
    return abs(time.time() - ts) <= tolerance and hmac.compare_digest(sign(secret, body, ts), header)


@shared_task(name="webhook.deliver", bind=True)
def deliver(self, document_id: str, url: str, attempt: int = 1, delivery_id: str | None = None):
    """POST the finished document to ``url``; retry with exponential backoff on failure.

    Attempts are counted in the store, so ``Newsdesk-Delivery-Attempt`` is the real number even
    when a worker died mid-delivery and the task ran again; a delivered callback is not sent again.
    """
    ext = current_app.extensions["newsdesk"]
    settings = ext.settings
    if delivery_id:
        attempt = ext.store.webhook_attempt(delivery_id)
        if not attempt:
            log.info("webhook already delivered", extra={"document_id": document_id, "delivery_id": delivery_id})
            return
    body = ext.store.body(document_id)
    if body is None:
        return
    payload = json.dumps({"event": "document.completed", "document": body}, ensure_ascii=False).encode()
    try:
        check_callback_url(url, settings.webhook_allow_private)  # again: DNS may have changed
        req = urllib.request.Request(url, data=payload, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "newsdesk-webhook/1",
            SIGNATURE_HEADER: sign(settings.webhook_secret or "", payload, int(time.time())),
            "Newsdesk-Delivery-Attempt": str(attempt), DELIVERY_HEADER: delivery_id or document_id})
        with guarded_opener(settings.webhook_allow_private).open(req, timeout=10) as resp:  # nosec B310: guarded
            if resp.status >= 300:
                raise urllib.error.HTTPError(url, resp.status, "not 2xx", resp.headers, None)
        if delivery_id:
            ext.store.webhook_delivered(delivery_id)
        log.info("webhook delivered", extra={"document_id": document_id, "attempt": attempt})
    except UnsafeCallback as exc:
        log.warning("webhook refused: %s", exc, extra={"document_id": document_id})
    except Exception as exc:
        if attempt >= settings.webhook_max_attempts:
            log.error("webhook given up after %d attempts: %s", attempt, exc, extra={"document_id": document_id})
            return
        delay = settings.webhook_backoff_seconds * 2 ** (attempt - 1)
        log.warning("webhook failed (%s); retry in %.1f s", exc, delay, extra={"document_id": document_id})
        deliver.apply_async((document_id, url, attempt + 1), {"delivery_id": delivery_id}, countdown=delay)
