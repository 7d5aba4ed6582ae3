"""Quotation-mark spans in raw text, for the quotes analyzer.

Pairs double marks (straight, curly, low-9, guillemets, and the ``''``/````` typewriter pairs),
conservative single marks, and quotes continued across paragraphs (an opening mark at the start of
the next paragraph with no closing mark before it). Multi-paragraph quotes come back one span per
paragraph, the later ones flagged ``continued``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: Double marks: glyph -> its default direction when the context is ambiguous (None: either).
DOUBLE = {"\u201c": "open", "\u201e": "open", "\u201f": "open", "\u00ab": "open",
          "\u201d": "close", "\u00bb": "close", '"': None, "''": None, "``": "open"}
SINGLE = {"\u2018": "open", "\u2019": "close", "'": None, "\u2039": "open", "\u203a": "close"}
DOUBLE_RE = re.compile(r"''|``|[\"\u201c\u201d\u201e\u201f\u00ab\u00bb]")
#: Without the typewriter pairs: the marks that make a quote ``direct`` under the strict convention.
PLAIN_DOUBLE_RE = re.compile(r"[\"\u201c\u201d\u201e\u201f\u00ab\u00bb]")
SINGLE_RE = re.compile(r"[\u2018\u2019'\u2039\u203a]")
OPENERS_BEFORE = set(" \t\n([{\u2014\u2013-/:") | {""}
#: Characters that may follow a closing mark.
AFTER_CLOSE = set(" \t\n.,;:!?)]}\u2014\u2013-\u2019'\u201d\"") | {""}


@dataclass
class QuoteSpan:
    start: int          # offset of the opening mark (or paragraph start for a continuation)
    end: int            # offset after the closing mark (or paragraph end when left open)
    closed: bool        # ended with a closing mark in the same paragraph
    continued: bool = False  # continues a quote opened in an earlier paragraph


def _direction(text: str, start: int, end: int, default: str | None) -> str | None:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    open_ctx = before in OPENERS_BEFORE or DOUBLE.get(before) == "open"
    close_ctx = after in AFTER_CLOSE and before not in ("", " ", "\t", "\n")
    if open_ctx and after in ("", " ", "\t", "\n"):
        return None  # free-standing mark (e.g. used as a dash): ignore
    if open_ctx and not close_ctx:
        return "open"
    if close_ctx and not open_ctx:
        return "close"
    return default or "toggle"


def _paragraph_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl


def _trim_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _family(mark: str) -> str:
    return {"\u201c": "curly", "\u201d": "curly", "\u201e": "curly", "\u201f": "curly",
            "\u00ab": "guillemet", "\u00bb": "guillemet", "``": "typewriter"}.get(mark, mark)


def double_quote_spans(text: str) -> list[QuoteSpan]:
    """Spans of double-mark quotes (marks included), sorted by start.

    A quote in another kind of double mark inside an open quote ("... “Bathroom Bill,” ...") is
    skipped as a quote within the quote.
    """
    spans: list[QuoteSpan] = []
    open_at: int | None = None
    family = inner = None
    continued = False
    for m in DOUBLE_RE.finditer(text):
        d = _direction(text, m.start(), m.end(), DOUBLE[m.group()])
        if d is None:
            continue
        if open_at is not None and "\n" in text[open_at:m.start()]:
            # the open quote ran to its paragraph end without a closing mark
            para_end = _paragraph_end(text, open_at)
            spans.append(QuoteSpan(open_at, _trim_end(text, para_end), False, continued))
            para_start = text.rfind("\n", 0, m.start()) + 1
            starts_para = not text[para_start:m.start()].strip()
            between = text[para_end:para_start]
            inner = None
            if d != "close" and starts_para and between.count("\n") <= 3:
                open_at, continued, family = m.start(), True, _family(m.group())
                continue
            open_at, continued = None, False
        if open_at is None:
            if d in ("open", "toggle"):
                open_at, continued, family = m.start(), False, _family(m.group())
        elif inner is not None:
            if _family(m.group()) == inner and d != "open":
                inner = None
        elif _family(m.group()) != family and d == "open":
            inner = _family(m.group())
        elif d in ("close", "toggle"):
            spans.append(QuoteSpan(open_at, m.end(), True, continued))
            open_at, continued = None, False
        else:  # a second opening mark of the same kind: the first was stray
            open_at, continued = m.start(), False
    if open_at is not None:
        spans.append(QuoteSpan(open_at, _trim_end(text, _paragraph_end(text, open_at)), False, continued))
    return spans


def single_quote_spans(text: str) -> list[QuoteSpan]:
    """Single-mark quotes: an opening mark before a word and a closing mark after one, same paragraph.

    Apostrophes (don't, Clinton's, '90s, goin') are ruled out by requiring letters/space context
    on the right sides; spans inside double quotes are kept (quotes within quotes).
    """
    spans = []
    open_at = None
    for m in SINGLE_RE.finditer(text):
        s = m.start()
        before = text[s - 1] if s else ""
        after = text[s + 1] if s + 1 < len(text) else ""
        if before.isalnum() and after.isalnum():
            continue  # word-internal apostrophe
        is_open = (before in OPENERS_BEFORE or before in "\"\u201c") and after.isalpha() \
            and SINGLE[m.group()] != "close" or (SINGLE[m.group()] == "open" and not before.isalnum())
        is_close = before and not before.isspace() and (after in AFTER_CLOSE or after in "\"\u201d") \
            and not (before.lower() == "s" and after == " " and open_at is None)
        if open_at is not None and "\n" in text[open_at:s]:
            open_at = None
        if open_at is None and is_open:
            open_at = s
        elif open_at is not None and is_close and s - open_at > 2:
            spans.append(QuoteSpan(open_at, s + 1, True))
            open_at = None
    return spans
