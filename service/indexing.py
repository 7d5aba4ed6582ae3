"""What the search indexes hold for each analyzer's result (the built-in output shapes)."""
from __future__ import annotations

import datetime as dt
import re


def norm(name: str) -> str:
    """Index form of a name: case- and whitespace-insensitive."""
    return re.sub(r"\s+", " ", name).strip().lower()


def index_terms(analyzer: str, result: dict) -> list[tuple[str, str | None]]:
    """``(term, display name)`` pairs for one result; terms become ``idx:<term>`` sorted sets."""
    terms: list[tuple[str, str | None]] = []
    if analyzer == "entities":
        for e in result.get("entities", []):
            n = norm(e.get("name") or "")
            if n:
                terms += [(f"entity:{n}", None), (f"entity:{e.get('type')}:{n}", e["name"]),
                          (f"entity_type:{e.get('type')}", None)]
    elif analyzer == "topics":
        for t in result.get("topics", []):
            terms.append((f"topic:{t['qcode']}", None))
            terms += [(f"topic:{p['qcode']}", None) for p in t.get("parents", [])]
    elif analyzer == "quotes":
        for q in result.get("quotes", []):
            sp = q.get("speaker") or {}
            name = sp.get("entity_name") or (sp.get("text") if sp.get("kind") != "pronoun" else None)
            if name:
                terms.append((f"speaker:{norm(name)}", None))
    return sorted(set(terms), key=lambda t: t[0])


def publication_day(result: dict | None, document: dict) -> float | None:
    """Days since 1970-01-01 of the publication date (the dates analyzer's, else the request's)."""
    value = ((result or {}).get("publication_date") or {}).get("value") or document.get("published_at")
    if not value:
        return None
    try:
        return float((dt.date.fromisoformat(str(value)[:10]) - dt.date(1970, 1, 1)).days)
    except ValueError:
        return None
