"""Group mentions into one record per real-world entity: names, acronyms, countries, demonyms."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .lexicon import HONORIFICS, initials, is_acronym, lexicon
from .spans import Span

TYPES = {"PERSON": "person", "ORG": "organization", "GPE": "location", "LOC": "location", "FAC": "location",
         "NORP": "group", "EVENT": "event"}
TYPE_WEIGHT = {"person": 1.0, "organization": 1.0, "location": 1.0, "group": 0.6, "event": 0.8, "other": 0.5}
#: Words too generic to stand for a longer organisation name on their own.
GENERIC = frozenset("""
party ministry council union bank government army police court parliament assembly committee commission
agency company group university club league alliance force forces church office department federation
association organization organisation front movement team national international united state
""".split())


@dataclass
class Mention:
    start: int
    end: int
    text: str
    label: str
    role: str | None
    code: str | None
    words: tuple[str, ...]


@dataclass
class Clusters:
    """Union-find over mention indices."""

    parent: list[int] = field(default_factory=list)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _words(text: str) -> tuple[str, ...]:
    """Lower-cased words of a name, honorifics dropped."""
    return tuple(w.lower() for w in re.findall(r"[\w.'-]+", text) if w.lower().rstrip(".") not in HONORIFICS)


def _contains(short: tuple, long: tuple) -> bool:
    n = len(short)
    return any(long[i:i + n] == short for i in range(len(long) - n + 1))


def mentions_of(doc, spans: list[Span]) -> list[Mention]:
    out = []
    for s in spans:
        span = doc[s.start:s.end]
        out.append(Mention(span.start_char, span.end_char, span.text, s.label, s.role, s.code,
                           _words(span.text)))
    return out


def _bare(token: str) -> str:
    """A token without the full stop that ends a sentence ("KiM." -> "KiM"; "U.S." stays)."""
    return token[:-1] if token.endswith(".") and token.count(".") == 1 else token


def acronym_mentions(doc, spans: list[Span], mentions: list[Mention]) -> dict[str, int]:
    """Acronyms defined in the text -> index of the mention they stand for; adds their untagged uses.

    "Serbian Progressive Party (SNS)" defines SNS; an acronym whose capitals are the initials of a
    longer name in the text ("KiM" for "Kosovo and Metohija") stands for that name.
    """
    lex = lexicon()
    defined: dict[str, int] = {}
    for k, s in enumerate(spans):
        if s.end + 2 < len(doc) and doc[s.end].text == "(" and doc[s.end + 2].text == ")":
            acr = doc[s.end + 1].text
            long = mentions[k]
            known = lex.organizations.get(acr.lower()) or lex.countries.get(acr.lower())
            if is_acronym(acr) and acr != long.text and (
                    initials(long.text) == re.sub(r"[^A-Z]", "", acr) or (len(long.words) > 1 and not known)):
                defined.setdefault(acr, k)
    multiword = [k for k, m in enumerate(mentions) if len(m.words) > 1 and not is_acronym(m.text)]
    by_text = {m.text: k for k, m in enumerate(mentions)}
    covered = {i for m in mentions for i in range(m.start, m.end)}
    for token in doc:
        acr = _bare(token.text)
        if not is_acronym(acr) or acr in defined:
            continue
        if acr in by_text and (lex.organizations.get(acr.lower()) or lex.countries.get(acr.lower())):
            continue  # a known acronym already typed by the gazetteer
        caps = re.sub(r"[^A-Z]", "", acr)
        matches = {initials(mentions[k].text): k for k in multiword if initials(mentions[k].text) == caps}
        if len(matches) == 1:
            defined[acr] = next(iter(matches.values()))
    for m in mentions:  # an acronym has the type of the name it stands for ("BiH" is a place)
        k = defined.get(m.text)
        if k is not None and mentions[k].label in TYPES:
            m.label, m.code = mentions[k].label, mentions[k].code
    for token in doc:  # uses of a defined acronym the NER did not tag
        acr = _bare(token.text)
        k = defined.get(acr)
        if k is not None and token.idx not in covered:
            mentions.append(Mention(token.idx, token.idx + len(acr), acr, mentions[k].label, None,
                                    mentions[k].code, (acr.lower(),)))
            covered.add(token.idx)
    return defined


def cluster(mentions: list[Mention], defined: dict[str, int]) -> list[list[Mention]]:
    """Union mentions of the same entity; return the groups in order of first mention."""
    lex = lexicon()
    uf = Clusters(list(range(len(mentions))))
    first_by_key: dict[tuple, int] = {}
    for k, m in enumerate(mentions):
        kind = TYPES.get(m.label, "other")
        if m.code and kind in ("location", "group"):
            key = (kind, m.code)
        elif kind == "organization" and m.text.lower() in lex.organizations:
            key = (kind, lex.organizations[m.text.lower()])
        else:
            key = (kind, m.words)
        uf.union(first_by_key.setdefault(key, k), k)
    for acr, k in defined.items():
        for j, m in enumerate(mentions):
            if m.text == acr:
                uf.union(k, j)
    # short forms: "Vucic" -> "Aleksandar Vucic"; "Progressive Party" -> "Serbian Progressive Party"
    for label in ("PERSON", "ORG"):
        forms: dict[tuple, int] = {}
        for k, m in enumerate(mentions):
            if m.label == label and m.words:
                forms.setdefault(m.words, k)
        for short, k in sorted(forms.items(), key=lambda kv: len(kv[0])):
            if label == "ORG" and len(short) == 1 and short[0] in GENERIC:
                continue
            longer = {uf.find(j) for words, j in forms.items() if len(words) > len(short) and (
                (words[-len(short):] == short or words[:len(short)] == short) if label == "PERSON"
                else _contains(short, words))}
            if len(longer) == 1:
                uf.union(k, longer.pop())
            elif len(longer) > 1:  # ambiguous ("Bush"): the nearest full name before the first use
                before = [j for words, j in forms.items() if len(words) > len(short) and uf.find(j) in longer
                          and mentions[j].start < mentions[k].start]
                if before:
                    uf.union(k, max(before, key=lambda j: mentions[j].start))
    # one sense per discourse: a lone surname the NER typed otherwise is still the person
    surnames: dict[str, set[int]] = {}
    for k, m in enumerate(mentions):
        if m.label == "PERSON" and len(m.words) > 1:
            surnames.setdefault(m.words[-1], set()).add(uf.find(k))
    for k, m in enumerate(mentions):
        lone = len(m.words) == 1 and (m.label in ("ORG", "MISC", "NORP") or (
            m.label in ("GPE", "LOC") and m.text not in lex.places))
        owners = surnames.get(m.words[-1]) if lone else None
        if owners and len(owners) == 1 and not m.code and m.text.lower() not in lex.organizations:
            m.label = "PERSON"
            uf.union(k, next(iter(owners)))
    groups: dict[int, list[Mention]] = {}
    for k, m in enumerate(mentions):
        groups.setdefault(uf.find(k), []).append(m)
    return sorted((sorted(g, key=lambda m: m.start) for g in groups.values()), key=lambda g: g[0].start)


def record(group: list[Mention], text_length: int) -> dict:
    """One entity record (without id) from its mentions."""
    lex = lexicon()
    labels = Counter(m.label for m in group)
    first = {}
    for i, m in enumerate(group):
        first.setdefault(m.label, i)
    label = max(labels, key=lambda lab: (labels[lab], -first[lab]))  # most frequent, then earliest
    kind = TYPES.get(label, "other")
    codes = Counter(m.code for m in group if m.code)
    code = codes.most_common(1)[0][0] if codes and kind in ("location", "group") else None
    full = [m for m in group if not is_acronym(m.text)] or group
    best = max(full, key=lambda m: (len(m.words), not m.text.isupper(), -m.start))
    name = best.text
    known = [lex.organizations[m.text.lower()] for m in group if m.text.lower() in lex.organizations]
    if kind == "location" and code and code in lex.country_names:
        name = lex.country_names[code]
    elif kind == "organization" and known and not any(known[0] in m.text for m in group if m.text != known[0]):
        name = known[0]  # the gazetteer's full name: "EU" -> "European Union" (unless a mention extends it)
    elif kind == "group":
        name = Counter(m.text for m in group).most_common(1)[0][0]
    score = sum(0.4 + 0.6 * (1 - m.start / max(text_length, 1)) for m in group) * TYPE_WEIGHT[kind]
    acronyms = sorted({m.text for m in group if is_acronym(m.text) and m.text != name})
    out = {
        "name": name, "type": kind, "label": label, "country_code": code, "score": score,
        "mention_count": len(group),
        "mentions": [{"start": m.start, "end": m.end, "text": m.text, "role": m.role} for m in group],
        "aliases": sorted({m.text for m in group} - {name}),
    }
    if acronyms:
        out["acronym"] = acronyms[0]
    return out
