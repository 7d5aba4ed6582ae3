"""The document's language: the client's, else detected from the text with py3langid.

py3langid's model ships inside its wheel (no download at run time) and covers 97 languages. A
detection below :data:`MIN_CONFIDENCE` leaves the language unknown (``None``) rather than guess:
analyzers then run as they would without a language, and the detection is kept in the document as
``language_detection`` so a client can see why.
"""
from __future__ import annotations

from functools import lru_cache

#: A normalised probability under this leaves the language unknown (short or mixed texts).
MIN_CONFIDENCE = 0.9
#: Characters of text the identifier reads: enough for a confident answer, bounded time.
SAMPLE_CHARS = 5000


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> dict:
    """``{"value": code or None, "candidate": code, "confidence": p, "method": "py3langid"}``."""
    code, prob = _identifier().classify(text[:SAMPLE_CHARS])
    prob = round(float(prob), 4)
    return {"value": code if prob >= MIN_CONFIDENCE else None, "candidate": code, "confidence": prob,
            "method": "py3langid"}


def with_language(document: dict) -> dict:
    """``document`` with ``language`` set: the client's if given, else the detected one (if sure),
    else the one a web page declares (``<html lang>``)."""
    if document.get("language"):
        return document
    found = detect(document.get("text") or "")
    declared = (((document.get("page") or {}).get("fields") or {}).get("language") or {}).get("value")
    if not found["value"] and declared:
        found = {**found, "value": declared, "method": "page"}
    document = {**document, "language_detection": found}
    if found["value"]:
        document["language"] = found["value"]
    return document


def primary(tag: str | None) -> str | None:
    """The primary subtag of a BCP 47 tag: ``"en"`` for ``"en-GB"``."""
    return tag.split("-", 1)[0].lower() if tag else None
