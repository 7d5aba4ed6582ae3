"""The quotes analyzer's output for one parse: attributions from the rules, speakers linked to
the ``entities`` analyzer's entities, pronouns resolved. Shared by the analyzer and ``train``."""
from __future__ import annotations

import bisect

from .extract import INTENTION_GATES, Attribution, _trim, char_range, extract, lexicon, quote_type

PERSON_PRONOUNS = {"he", "she", "him", "her", "i", "me", "we", "us", "you"}
FIRST_PERSON = {"i", "me", "we", "us"}
ENTITY_KIND = {"person": "person", "organization": "organization", "group": "organization",
               "location": "organization"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
SPACY_KIND = {"PERSON": "person", "ORG": "organization", "NORP": "organization", "GPE": "organization"}


class EntityIndex:
    """Entity mentions by offset, from the ``entities`` analyzer's output."""

    def __init__(self, entities: list[dict]):
        self.mentions = sorted(
            ((m["start"], m["end"], e) for e in entities for m in e.get("mentions", [])),
            key=lambda x: x[0])
        self.starts = [m[0] for m in self.mentions]
        self.longest = max((e - s for s, e, _ in self.mentions), default=0)
        self.persons: dict[str, dict] = {}  # full name and last name -> the first such person
        for _, _, ent in self.mentions:
            name = ent.get("name") or ""
            if name and ent.get("type") == "person":
                self.persons.setdefault(name, ent)
                self.persons.setdefault(name.split()[-1], ent)

    def at(self, start: int, end: int) -> dict | None:
        """The entity with the longest mention overlapping [start, end)."""
        best = None
        # only mentions starting in (start - longest, end) can overlap: bisect, don't scan all
        lo = bisect.bisect_right(self.starts, start - self.longest)
        for s, e, ent in self.mentions[lo:bisect.bisect_left(self.starts, end)]:
            if start < e and (best is None or e - s > best[1] - best[0]):
                best = (s, e, ent)
        return best[2] if best else None

    def by_name(self, text: str) -> dict | None:
        """An entity whose name or last name is the speaker text's last word ("Minister Dacic")."""
        words = text.split()
        return (self.persons.get(text) or self.persons.get(words[-1])) if words else None

    def before(self, pos: int, types: set[str], doc) -> tuple[int, int, dict] | None:
        """The last mention (not a place name) of an entity of one of ``types`` ending before ``pos``,
        at most 3000 characters back."""
        for k in range(bisect.bisect_left(self.starts, pos) - 1, -1, -1):
            s, e, ent = self.mentions[k]
            if s < pos - 3000:
                break
            if e <= pos and ent.get("type") in types and not _place(doc, s, e):
                return s, e, ent
        return None


def _place(doc, start: int, end: int) -> bool:
    """A bare place name ("Belgrade", "Brussels and Ohrid"), whatever the entity linker typed it as:
    tagged GPE/LOC/FAC by spaCy, or conjoined with such a name."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or not len(span):
        return False
    root = span.root
    if root.ent_type_ in PLACE_LABELS:
        return True
    partners = [c for c in root.children if c.dep_ == "conj"] + ([root.head] if root.dep_ == "conj" else [])
    return any(p.ent_type_ in PLACE_LABELS for p in partners)


def _kind(doc, span: tuple[int, int], head, entity: dict | None) -> str:
    """person / organization / document / pronoun / other, from the head word and the linked entity."""
    if head is not None and head.pos_ == "PRON":
        return "pronoun"
    if head is not None and head.lemma_.lower() in lexicon()["document_nouns"] and head.ent_type_ != "PERSON":
        return "document"
    if entity is not None and entity.get("type") in ENTITY_KIND:
        return ENTITY_KIND[entity["type"]]
    if head is not None and head.lemma_.lower() in lexicon()["person_nouns"]:
        return "person"
    label = head.ent_type_ if head is not None else next(
        (e.label_ for e in doc.ents if e.start_char < span[1] and span[0] < e.end_char), "")
    return SPACY_KIND.get(label, "other")


def _self_named(head) -> bool:
    """A description that names its own affiliation: "the Tanjug reporter", "the head of the ministry"."""
    return any(t.ent_type_ in ("ORG", "PERSON", "GPE") for c in head.children
               if c.dep_ in ("compound", "prep", "poss") for t in c.subtree)


def _resolve(att: Attribution, index: EntityIndex, history: list[dict], doc, text: str,
             person: bool = False) -> dict | None:
    """The antecedent of a pronoun speaker (or, with ``person``, of "the minister"): the relative
    clause's head, the last speaker of the right kind, or the last entity mention of that kind."""
    head = att.speaker_head
    word = "he" if person else head.lower_ if head is not None else ""
    if word in ("who", "which", "that") and head.head.dep_ == "relcl":
        noun = head.head.head
        return {"start": noun.left_edge.idx, "end": noun.idx + len(noun), "kind": None}
    pos = att.speaker[0]
    want_person = word in PERSON_PRONOUNS
    last = history[-1] if history else None
    if want_person and not person and last is not None and last["kind"] == "document" \
            and last["end"] <= pos < last["end"] + 400 and "\n" not in text[last["end"]:pos] \
            and not any(e.label_ == "PERSON" and last["end"] <= e.start_char < pos for e in doc.ents):
        # '... the communique states. As he writes, ...': translated copy calls the document "he";
        # with no person named since, the pronoun continues the document in the same paragraph
        return last
    wanted = [{"person"}] if want_person else [{"document"}, {"organization"}] if word == "it" \
        else [{"organization", "other", "document"}]  # "they": a group, rarely one named person
    for kinds in wanted:
        for prev in reversed(history):
            if pos - prev["end"] > 3000:
                break
            if prev["kind"] in kinds and prev["end"] <= pos:  # not the mention itself
                return prev
    hit = index.before(pos, {"person"} if want_person else {"organization", "group"}, doc)
    if hit:
        return {"start": hit[0], "end": hit[1], "kind": None, "entity": hit[2]}
    if want_person:
        persons = [e for e in doc.ents if e.label_ == "PERSON" and e.end_char <= pos]
        if persons:
            return {"start": persons[-1].start_char, "end": persons[-1].end_char, "kind": "person"}
    return None


def mention(att: Attribution, doc, text: str) -> tuple[int, int]:
    """The speaker's whole noun phrase, appositions and clauses included, as PolNeAR marks sources
    ("the other candidate on the stage, former Secretary of State Hillary Clinton"); the compact
    span (what linking reads) where the phrase would reach into the content, the cue or another line."""
    s, e = att.speaker
    head = att.speaker_head
    if head is None:
        return s, e
    i, j = _trim(doc, head.left_edge.i, head.right_edge.i + 1)
    if i >= j:
        return s, e
    fs, fe = char_range(doc, i, j)
    fs, fe = min(fs, s), max(fe, e)
    if fs < att.end and att.start < fe or att.cue is not None and fs < att.cue[1] and att.cue[0] < fe \
            or "\n" in text[fs:fe]:
        return s, e
    return fs, fe


#: Words of the verb group a cue reports with it, as PolNeAR marks cues ("has not yet said",
#: "points out"); adverbs only before the verb ("openly ridiculed", not "said Friday").
CUE_GROUP = {"aux", "auxpass", "neg", "prt", "advmod"}


def cue_phrase(att: Attribution, text: str) -> tuple[int, int] | None:
    """The cue's character span: its word with the auxiliaries, negation, particle and adverbs of
    its verb group, and the preposition that introduces the content ("called for", "criticism of");
    the word alone where the group is not one run of words."""
    tok = att.cue_token
    if tok is None or att.cue is None or not att.cue[0] <= tok.idx < att.cue[1]:
        return att.cue
    doc = tok.doc
    words = doc.char_span(*att.cue, alignment_mode="expand")
    lo, hi = words.start, words.end - 1
    for c in tok.children:
        if c.dep_ in CUE_GROUP and (c.i < tok.i or c.dep_ in ("prt", "neg")):
            lo, hi = min(lo, c.i), max(hi, c.i)
        elif c.dep_ == "prep" and tok.i < c.i <= hi + 2 and c.idx + len(c) <= att.start \
                and not text[c.idx + len(c):att.start].strip(" \"\u201c'\u2018"):
            hi = max(hi, c.i)  # the content follows it
    if any(doc[k].is_punct for k in range(lo, hi + 1)):
        return att.cue
    return doc[lo].idx, doc[hi].idx + len(doc[hi])


def _speaker(att: Attribution, doc, text: str, index: EntityIndex, history: list[dict],
             first_person: dict) -> dict:
    """The speaker dict: mention, kind, linked entity, and the antecedent of a pronoun or of a
    definite description ("the minister")."""
    s, e = att.speaker
    head = att.speaker_head
    entity = index.at(head.idx, head.idx + len(head)) if head is not None else index.at(s, e)
    named = next((c for c in head.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None) \
        if head is not None and head.pos_ == "NOUN" else None
    if entity is None and named is not None:  # "The director of the group, Mira Solvang,": the person named
        entity = index.at(named.idx, named.idx + len(named))
    if _place(doc, s, e):
        if entity is not None and entity.get("type") == "person":
            entity = None  # a place name the entity linker took for a person: "Ohrid"
    elif entity is None or (entity.get("type") != "person" and " " not in text[s:e]):
        entity = index.by_name(text[s:e]) or entity
    kind = _kind(doc, att.speaker, head, entity)
    ante = None
    if kind == "pronoun":
        ante = _resolve(att, index, history, doc, text)
        if head is not None and head.lower_ in FIRST_PERSON:
            ante = next((sp for (qs, qe), sp in first_person.items() if qs <= s < qe), None)
    elif kind == "person" and entity is None and head is not None and head.pos_ in ("NOUN", "PROPN") \
            and head.lemma_.lower() in lexicon()["person_nouns"] \
            and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in head.children) \
            and not _self_named(head):
        # "the minister" refers back; "the Tanjug reporter", "the head of the ministry" introduce someone
        ante = _resolve(att, index, history, doc, text, person=True)
    resolved = None
    if ante is not None:
        resolved = {"text": text[ante["start"]:ante["end"]], "start": ante["start"], "end": ante["end"]}
        entity = ante.get("entity") or index.at(ante["start"], ante["end"]) or index.by_name(resolved["text"])
        if kind != "pronoun":
            history.append({**ante, "kind": "person", "entity": entity})
    elif kind != "pronoun":
        history.append({"start": s, "end": e, "kind": kind, "entity": entity})
    s, e = mention(att, doc, text)  # linking above read the compact span
    return {"text": text[s:e], "start": s, "end": e, "kind": kind,
            "entity_id": entity["id"] if entity else None,
            "entity_name": entity["name"] if entity else None, "resolved": resolved}


def kind_of(att: Attribution, masked: str, typewriter: bool) -> str:
    """The quote's type from its marks; a quotation the embedded model calls a fragment of reported
    speech is mixed."""
    kind = quote_type(masked, att.start, att.end, typewriter)
    return "mixed" if kind == "direct" and att.embedded else kind


def build_quotes(doc, text: str, entities: list[dict], nested: bool = False,
                 typewriter: bool = False, intentions: bool = False) -> dict:
    """The analyzer's output for one parsed text and the ``entities`` analyzer's entity list."""
    atts, scare = extract(doc, text, nested=nested, intentions=intentions)
    index = EntityIndex(entities)
    # scare quotes and titles inside reported speech do not make it a mixed quote
    masked = list(text)
    for s, e in scare:
        for k in (s, s + 1, e - 2, e - 1):
            if masked[k] in "\"\u201c\u201d\u201e\u00ab\u00bb'`":
                masked[k] = " "
    masked = "".join(masked)
    first_person: dict[tuple[int, int], dict] = {}  # direct quote span -> its speaker, for "I"/"we" inside
    history: list[dict] = []  # resolved non-pronoun speakers so far, for pronouns
    quotes = []

    def order(a: Attribution):  # text order, but "I"/"we" after the quotes that contain them
        first = a.speaker_head is not None and a.speaker_head.lower_ in FIRST_PERSON
        return first, a.speaker[0] if a.speaker else a.start

    for att in sorted(atts, key=order):
        speaker = _speaker(att, doc, text, index, history, first_person) if att.speaker else None
        if att.direct and speaker is not None:  # the compact mention: its entity, not one in an apposition
            ts, te = (speaker["resolved"]["start"], speaker["resolved"]["end"]) if speaker["resolved"] else att.speaker
            first_person[(att.start, att.end)] = {"start": ts, "end": te, "entity": index.at(ts, te)}
        span = cue_phrase(att, text)
        cue = {"text": text[span[0]:span[1]], "start": span[0], "end": span[1]} if span else None
        quotes.append({"text": text[att.start:att.end], "start": att.start, "end": att.end,
                       "type": kind_of(att, masked, typewriter), "cue": cue,
                       # what only the ``intentions`` setting admits is told apart from speech and thought
                       "cue_kind": "intention" if att.gate in INTENTION_GATES else att.cue_kind,
                       "speaker": speaker, "confidence": round(max(0.05, min(att.confidence, 1.0)), 2),
                       "pattern": att.pattern})
    quotes.sort(key=lambda q: (q["start"], q["end"]))
    return {"quotes": quotes,
            "scare_quotes": [{"text": text[s:e], "start": s, "end": e} for s, e in scare]}
