"""Fetching a page by URL (``NEWSDESK_FETCH_URLS=1``; off by default).

The target and every redirect pass the webhooks' address guard (no loopback, private, link-local
or reserved addresses unless ``NEWSDESK_FETCH_ALLOW_PRIVATE=1``), checked again on the address the
connection really goes to (DNS rebinding); connections and reads time out;
the body is read up to the size limit and no further; only HTML content types are accepted.
"""
from __future__ import annotations

import socket
import urllib.error
import urllib.request
from urllib.parse import urljoin

from . import webhooks
from .html import PageError, decode

MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
USER_AGENT = "Newsdesk/0.1 (+https://newsdesk.dev)"


def fetch_page(url: str, *, allow_private: bool, timeout: float, max_bytes: int) -> tuple[str, str]:
    """``(html, final url)``; :class:`PageError` (``fetch-refused``, ``fetch-failed``,
    ``payload-too-large``, ``undecodable``) otherwise."""
    opener = webhooks.guarded_opener(allow_private)  # redirects are followed by hand, each one guarded
    for _ in range(MAX_REDIRECTS + 1):
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                       "Accept": "text/html,application/xhtml+xml"})
        try:
            webhooks.check_callback_url(url, allow_private)
            resp = opener.open(request, timeout=timeout)  # nosec B310: http(s) only, guarded
        except webhooks.UnsafeCallback as exc:
            raise PageError("fetch-refused", str(exc).replace("callback_url", "url").replace("callback host", "host")
                            ) from None
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303, 307, 308) and exc.headers.get("Location"):
                url = urljoin(url, exc.headers["Location"])
                continue
            raise PageError("fetch-failed", f"The page answered HTTP {exc.code}.") from None
        except (urllib.error.URLError, socket.timeout, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise PageError("fetch-failed", f"The page could not be fetched: {reason}.") from None
        with resp:
            ctype = resp.headers.get_content_type()
            if ctype not in HTML_TYPES:
                raise PageError("fetch-failed", f"The URL serves {ctype}, not a web page (text/html).")
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise PageError("payload-too-large", f"The page has {length} bytes; at most {max_bytes} "
                                "are fetched (NEWSDESK_MAX_BODY_BYTES).")
            try:
                data = resp.read(max_bytes + 1)
            except (socket.timeout, TimeoutError, OSError) as exc:
                raise PageError("fetch-failed", f"Reading the page failed: {exc}.") from None
            if len(data) > max_bytes:
                raise PageError("payload-too-large", f"The page is larger than {max_bytes} bytes "
                                "(NEWSDESK_MAX_BODY_BYTES).")
            return decode(data, resp.headers.get_content_charset()), url
    raise PageError("fetch-failed", f"More than {MAX_REDIRECTS} redirects.")
