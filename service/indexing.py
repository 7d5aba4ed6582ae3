"""Search index entries from the facets plugins declare (the host knows no result's shape)."""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Iterable

from .analyzers import Facet, Term

log = logging.getLogger(__name__)

#: The publication date is the host's own facet (``published_from``/``published_to``), indexed from
#: the request's ``published_at``; an analyzer may refine it with a date facet of the same name.
PUBLISHED = "published"
PUBLISHED_FACET = Facet(PUBLISHED, analyzer="", terms=lambda result: None, kind="date",
                        description="publication date (the request's published_at, or an analyzer's)")


def search_facets(facets: dict[str, list[Facet]]) -> dict[str, list[Facet]]:
    """The facets a search accepts: the host's publication date and the loaded analyzers' ones."""
    return {PUBLISHED: [PUBLISHED_FACET], **facets}


def norm(name: str) -> str:
    """Index form of a name: case- and whitespace-insensitive."""
    return re.sub(r"\s+", " ", name).strip().lower()


def day_number(value) -> float | None:
    """Days since 1970-01-01 of an ISO date or date-time (its first ten characters), else None."""
    if not value:
        return None
    try:
        return float((dt.date.fromisoformat(str(value)[:10]) - dt.date(1970, 1, 1)).days)
    except ValueError:
        return None


def index_entries(facets: Iterable[Facet], result: dict):
    """``(terms, displays, dates)`` that one analyzer's ``result`` adds to the search indexes.

    ``terms`` become ``idx:<term>`` sets (``<facet>:<value>``, and ``<facet>:<qualifier>:<value>``
    for qualified facets); ``displays`` maps a listed facet to ``{[qualifier:]value: display name}``;
    ``dates`` maps a date facet to its day number.
    """
    terms: set[str] = set()
    displays: dict[str, dict[str, str]] = {}
    dates: dict[str, float] = {}
    for f in facets:
        try:
            produced = f.terms(result)
        except Exception as exc:  # a facet's bug must not lose the result it indexes
            log.warning("facet failed", extra={"facet": f.name, "analyzer": f.analyzer,
                                               "error": f"{type(exc).__name__}: {exc}"})
            continue
        if f.kind == "date":
            day = day_number(produced)
            if day is not None:
                dates[f.name] = day
            continue
        for t in produced or ():
            t = t if isinstance(t, Term) else Term(str(t))
            value = norm(t.value) if f.normalize else str(t.value)
            if not value:
                continue
            terms.add(f"{f.name}:{value}")
            key = value
            if f.qualifier and t.qualifier:
                key = f"{t.qualifier}:{value}"
                terms.add(f"{f.name}:{key}")
            if f.listed:
                displays.setdefault(f.name, {})[key] = t.display or t.value
    return sorted(terms), displays, dates


def query_terms(facets: dict[str, list[Facet]], args: dict) -> tuple[list[str], dict[str, tuple[float, float]]]:
    """Index terms and date ranges (day numbers) for the facet parameters of a search."""
    terms, ranges = [], {}
    qualifiers = {f[0].qualifier for f in facets.values() if f[0].qualifier and args.get(f[0].name)}
    for name, declared in sorted(facets.items()):
        f = declared[0]
        if f.kind == "date":
            lo, hi = args.get(f"{name}_from"), args.get(f"{name}_to")
            if lo or hi:
                ranges[name] = (day_number(lo) if lo else float("-inf"), day_number(hi) if hi else float("inf"))
            continue
        value = args.get(name)
        if not value or name in qualifiers:  # a qualifier narrows the facet it qualifies instead
            continue
        value = norm(value) if f.normalize else value
        qualifier = args.get(f.qualifier) if f.qualifier else None
        terms.append(f"{name}:{qualifier}:{value}" if qualifier else f"{name}:{value}")
    return terms, ranges
