"""The learned TIMEX3 span recogniser and how its spans combine with the rules' expressions.

The model (``newsdesk train dates``) is a small spaCy ``tok2vec`` + ``ner`` with one label, TIMEX.
It runs over the shared parse without re-tokenising and without touching ``doc.ents``: a new Doc
is built from the parse's words and spaces in the model's own vocab and only the model's two
components run on it. Types and values always come from the rules (TimeML normalisation).

Combinations (setting ``recogniser``):

- ``rules``: the rules alone, the model is not loaded;
- ``union``: every rule expression, plus learned spans no rule expression overlaps (normalised by the
  rules on the span's own text; dropped when they give nothing);
- ``bounds``: as ``union``, and where exactly one rule expression overlaps a learned span, the
  learned span's boundaries with the rule's type and value;
- ``vote``: the rules' expressions, except those no learned span overlaps unless they name a calendar
  date or year (their value has four digits): the model vetoes the rules' vaguer guesses.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from .timex import find_timexes

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).parent / "data" / "timex-ner"
COMBINATIONS = ("rules", "union", "bounds", "vote")


@lru_cache(maxsize=1)
def load_model():
    """The trained recogniser (``None`` when it was not built)."""
    if not (MODEL_DIR / "config.cfg").is_file():
        log.warning("dates span model missing; run `newsdesk train dates`", extra={"path": str(MODEL_DIR)})
        return None
    import spacy

    return spacy.load(MODEL_DIR)


def learned_spans(doc, near: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` character offsets of the TIMEX spans the model finds on the shared parse;
    with ``near``, only in the sentences that overlap one of those character ranges (cheaper)."""
    nlp = load_model()
    if nlp is None or doc is None or len(doc) == 0:
        return []
    from spacy.tokens import Doc

    if near is None:
        tokens = list(doc)
    else:
        sents = [s for s in doc.sents if any(a < s.end_char and s.start_char < b for a, b in near)]
        tokens = [t for s in sents for t in s]
    if not tokens:
        return []
    copy = Doc(nlp.vocab, words=[t.text for t in tokens], spaces=[bool(t.whitespace_) for t in tokens])
    for _, proc in nlp.pipeline:
        copy = proc(copy)
    return [(tokens[e.start].idx, tokens[e.end - 1].idx + len(tokens[e.end - 1])) for e in copy.ents]


def _normalised(text: str, start: int, end: int, dct) -> dict | None:
    """The rules' reading of a learned span on its own: one expression covering it, else None."""
    found = find_timexes(text[start:end], dct, None)
    if len(found) != 1:
        return None
    t = found[0]
    if t["end"] - t["start"] < (end - start) // 2:
        return None
    return {**t, "start": start, "end": end, "text": text[start:end]}


def _calendar(timex: dict) -> bool:
    """Whether the rules' value names a calendar date or year (four digits): the vote keeps it."""
    return bool(re.match(r"\d{4}", timex["value"]))


def questioned(rules: list[dict]) -> list[tuple[int, int]]:
    """The spans the vote asks the model about: the rule expressions it may veto."""
    return [(t["start"], t["end"]) for t in rules if not _calendar(t)]


def combine(text: str, rules: list[dict], learned: list[tuple[int, int]], dct, mode: str) -> list[dict]:
    """The rule expressions and the learned spans combined as ``mode`` says (see the module doc)."""
    if mode == "vote":
        return [t for t in rules if _calendar(t)
                or any(t["start"] < end and start < t["end"] for start, end in learned)]
    if mode == "rules" or not learned:
        return rules
    out = list(rules)
    for start, end in learned:
        over = [k for k, t in enumerate(out) if t["start"] < end and start < t["end"]]
        if not over:
            item = _normalised(text, start, end, dct)
            if item is not None:
                out.append(item)
        elif mode == "bounds" and len(over) == 1:
            t = out[over[0]]
            if (t["start"], t["end"]) != (start, end):
                out[over[0]] = {**t, "start": start, "end": end, "text": text[start:end]}
    out.sort(key=lambda t: (t["start"], t["end"]))
    return out
