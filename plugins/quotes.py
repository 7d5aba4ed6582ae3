"""The ``quotes`` analyzer: who said what — direct, indirect and mixed quotes with their speakers."""
from __future__ import annotations

import logging

from marshmallow import Schema, fields, validate

from service import analyzer, hookimpl

from .quotes_extract import Attribution, extract, lexicon, quote_type

log = logging.getLogger(__name__)

PERSON_PRONOUNS = {"he", "she", "him", "her", "i", "me", "we", "us", "you"}
FIRST_PERSON = {"i", "me", "we", "us"}
ENTITY_KIND = {"person": "person", "organization": "organization", "group": "organization",
               "location": "organization"}
SPACY_KIND = {"PERSON": "person", "ORG": "organization", "NORP": "organization", "GPE": "organization"}


class SpanSchema(Schema):
    text = fields.String(required=True)
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)


class SpeakerSchema(SpanSchema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ["person", "organization", "document", "pronoun", "other"]))
    entity_id = fields.String(allow_none=True, required=True)
    entity_name = fields.String(allow_none=True, required=True)
    resolved = fields.Nested(SpanSchema, allow_none=True)


class QuoteSchema(SpanSchema):
    type = fields.String(required=True, validate=validate.OneOf(["direct", "indirect", "mixed"]))
    cue = fields.Nested(SpanSchema, allow_none=True, required=True)
    cue_kind = fields.String(required=True, validate=validate.OneOf(["speech", "cognition"]))
    speaker = fields.Nested(SpeakerSchema, allow_none=True, required=True)
    confidence = fields.Float(required=True, validate=validate.Range(0, 1))
    pattern = fields.String()


class Output(Schema):
    quotes = fields.List(fields.Nested(QuoteSchema), required=True)
    scare_quotes = fields.List(fields.Nested(SpanSchema), required=True)


class EntityIndex:
    """Entity mentions by offset, from the ``entities`` analyzer's output."""

    def __init__(self, entities: list[dict]):
        self.mentions = sorted(
            ((m["start"], m["end"], e) for e in entities for m in e.get("mentions", [])),
            key=lambda x: x[0])

    def at(self, start: int, end: int) -> dict | None:
        """The entity with the longest mention overlapping [start, end)."""
        best = None
        for s, e, ent in self.mentions:
            if s < end and start < e and (best is None or e - s > best[1] - best[0]):
                best = (s, e, ent)
        return best[2] if best else None

    def by_name(self, text: str) -> dict | None:
        """An entity whose name or last name is the speaker text's last word ("Minister Dacic")."""
        words = text.split()
        if not words:
            return None
        for _, _, ent in self.mentions:
            name = ent.get("name") or ""
            if name and (name == text or name.split()[-1] == words[-1]) and ent.get("type") == "person":
                return ent
        return None

    def before(self, pos: int, types: set[str]) -> tuple[int, int, dict] | None:
        """The last mention of an entity of one of ``types`` ending before ``pos``."""
        hit = None
        for s, e, ent in self.mentions:
            if e > pos:
                break
            if ent.get("type") in types:
                hit = (s, e, ent)
        return hit


def _kind(doc, text: str, span: tuple[int, int], head, entity: dict | None) -> str:
    if head is not None and head.pos_ == "PRON":
        return "pronoun"
    if head is not None and head.lemma_.lower() in lexicon()["document_nouns"] and head.ent_type_ != "PERSON":
        return "document"
    if entity is not None and entity.get("type") in ENTITY_KIND:
        return ENTITY_KIND[entity["type"]]
    ents = [e for e in doc.ents if e.start_char < span[1] and span[0] < e.end_char]
    for e in ents:
        if e.label_ in SPACY_KIND:
            return SPACY_KIND[e.label_]
    if head is not None and head.lemma_.lower() in lexicon()["person_nouns"]:
        return "person"
    return "other"


def _resolve(att: Attribution, kind: str, index: EntityIndex, history: list[dict], doc) -> dict | None:
    """The antecedent of a pronoun speaker: the relative clause's head, the last speaker, or an entity."""
    head = att.speaker_head
    word = head.lower_ if head is not None else ""
    if word in ("who", "which", "that") and head.head.dep_ == "relcl":
        noun = head.head.head
        return {"start": noun.left_edge.idx, "end": noun.idx + len(noun), "kind": None}
    pos = att.speaker[0]
    want_person = word in PERSON_PRONOUNS
    wanted = [{"person"}] if want_person else [{"document"}, {"organization"}] if word == "it" \
        else [{"organization", "document", "person", "other"}]
    for kinds in wanted:
        for prev in reversed(history):
            if pos - prev["end"] > 3000:
                break
            if prev["kind"] in kinds:
                return prev
    hit = index.before(pos, {"person"} if want_person else {"organization", "group"})
    if hit:
        return {"start": hit[0], "end": hit[1], "kind": None, "entity": hit[2]}
    if want_person:
        persons = [e for e in doc.ents if e.label_ == "PERSON" and e.end_char <= pos]
        if persons:
            return {"start": persons[-1].start_char, "end": persons[-1].end_char, "kind": "person"}
    return None


def build_quotes(doc, text: str, entities: list[dict], nested: bool = False) -> dict:
    """The analyzer's output for one parsed text and the ``entities`` analyzer's entity list."""
    atts, scare = extract(doc, text, nested=nested)
    index = EntityIndex(entities)
    # scare quotes and titles inside reported speech do not make it a mixed quote
    masked = list(text)
    for s, e in scare:
        for k in (s, s + 1, e - 2, e - 1):
            if masked[k] in "\"\u201c\u201d\u201e\u00ab\u00bb'`":
                masked[k] = " "
    masked = "".join(masked)
    first_person: dict[int, dict] = {}  # direct quote start -> its speaker, for "I"/"we" inside it
    history: list[dict] = []  # resolved non-pronoun speakers so far, for pronouns
    quotes = []
    for att in sorted(atts, key=lambda a: a.speaker[0] if a.speaker else a.start):
        speaker = None
        if att.speaker is not None:
            s, e = att.speaker
            entity = index.at(s, e)
            if entity is None or (entity.get("type") != "person" and " " not in text[s:e]):
                entity = index.by_name(text[s:e]) or entity
            kind = _kind(doc, text, att.speaker, att.speaker_head, entity)
            resolved = None
            if kind == "pronoun":
                ante = _resolve(att, kind, index, history, doc)
                if att.speaker_head is not None and att.speaker_head.lower_ in FIRST_PERSON:
                    ante = next((sp for (qs, qe), sp in first_person.items() if qs <= s < qe), None)
                if ante is not None:
                    resolved = {"text": text[ante["start"]:ante["end"]], "start": ante["start"],
                                "end": ante["end"]}
                    entity = ante.get("entity") or index.at(ante["start"], ante["end"]) \
                        or index.by_name(resolved["text"])
            else:
                history.append({"start": s, "end": e, "kind": kind, "entity": entity})
            speaker = {"text": text[s:e], "start": s, "end": e, "kind": kind,
                       "entity_id": entity["id"] if entity else None,
                       "entity_name": entity["name"] if entity else None, "resolved": resolved}
        if att.direct and speaker is not None:
            target = speaker["resolved"] or speaker
            first_person[(att.start, att.end)] = {"start": target["start"], "end": target["end"],
                                                  "entity": index.at(target["start"], target["end"])}
        cue = {"text": text[att.cue[0]:att.cue[1]], "start": att.cue[0], "end": att.cue[1]} if att.cue else None
        quotes.append({"text": text[att.start:att.end], "start": att.start, "end": att.end,
                       "type": quote_type(masked, att.start, att.end), "cue": cue, "cue_kind": att.cue_kind,
                       "speaker": speaker, "confidence": round(max(0.05, min(att.confidence, 1.0)), 2),
                       "pattern": att.pattern})
    quotes.sort(key=lambda q: (q["start"], q["end"]))
    return {"quotes": quotes,
            "scare_quotes": [{"text": text[s:e], "start": s, "end": e} for s, e in scare]}


@analyzer("quotes", version="1.0", requires=["parse", "analysis.entities"], output_schema=Output,
          description="Direct, indirect and mixed quotes with cue, speaker and linked entity.",
          default_config={"nested": False})
def quotes(document: dict, context) -> dict:
    """Who said what in the document."""
    entities = (context.results.get("entities") or {}).get("entities") or []
    return build_quotes(context.doc, document.get("text") or "", entities,
                        nested=str(context.config.get("nested", False)).lower() not in ("0", "false", "no"))


@hookimpl
def register_analyzers():
    return [quotes]


@hookimpl
def startup(app):
    lexicon()
