"""The ``entities`` analyzer: one canonical record per person, organisation, place, group or event."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from newsdesk import Facet, Term, analyzer, hookimpl

from .lexicon import lexicon
from .view import section_view  # noqa: F401  (a hook: how the page shows this section)
from .records import acronym_mentions, cluster, mentions_of, record
from .spans import (MODEL, assign_roles, candidate_spans, common_words, gazetteer, headlines, hyphen_adjectives,
                    one_type, people, places, remember_words, repair, surnames_are_people, trained_ner)


class MentionSchema(Schema):
    start = fields.Integer(required=True)
    end = fields.Integer(required=True)
    text = fields.String(required=True)
    role = fields.String(required=True, allow_none=True)


TYPES = ("person", "organization", "location", "group", "event", "other")


class EntitySchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    label = fields.String(required=True)
    country_code = fields.String(required=True, allow_none=True, validate=validate.Length(equal=2))
    salience = fields.Float(required=True, validate=validate.Range(0.0, 1.0))
    mention_count = fields.Integer(required=True)
    mentions = fields.List(fields.Nested(MentionSchema), required=True)
    aliases = fields.List(fields.String())
    acronym = fields.String()


class Output(Schema):
    entities = fields.List(fields.Nested(EntitySchema), required=True)


@analyzer("entities", version="1.1", requires=["parse"], output_schema=Output,
          languages=("en",),  # an English spaCy model (and English cue lists)
          description="Canonical entities with mentions, roles, ISO country codes and salience.")
def entities(document: dict, context) -> dict:
    """Tag, repair, merge and rank the entities of ``context.doc``."""
    doc = context.doc
    spans = common_words(doc, repair(doc, candidate_spans(doc)))
    spans = one_type(doc, places(doc, people(doc, gazetteer(doc, headlines(doc, spans)))))
    spans = hyphen_adjectives(doc, spans)
    assign_roles(doc, spans)
    mentions = mentions_of(doc, spans)
    defined = acronym_mentions(doc, spans, mentions)
    length = len(doc.text)
    records = [record(group, length) for group in cluster(mentions, defined)]
    total = sum(r["score"] for r in records) or 1.0
    records.sort(key=lambda r: -r["score"])
    for n, r in enumerate(records, 1):
        r["salience"] = round(r.pop("score") / total, 4)
        r["id"] = f"E{n}"
    return {"entities": records}


@hookimpl
def register_analyzers():
    return [entities]


@hookimpl
def register_facets():
    return [
        Facet("entity", "entities", lambda r: [Term(e["name"], e["name"], e["type"]) for e in r["entities"]],
              "canonical entity name (case-insensitive); with entity_type, an entity of that type",
              normalize=True, qualifier="entity_type", listed=True),
        Facet("entity_type", "entities", lambda r: [e["type"] for e in r["entities"]],
              "documents with an entity of this type", choices=TYPES),
    ]


@hookimpl
def register_commands(cli):
    from .evaluate import cli as evaluate

    cli.commands["eval"].add_command(evaluate, "entities")
    from .train import cli as train

    cli.commands["train"].add_command(train, "entities")


@hookimpl
def spacy_components(nlp):
    """Replace the stock ``ner`` with the CoNLL-trained one and add one person per surname after it: one
    NER pass, the same entities for all."""
    import srsly
    from spacy.language import Language

    remember_words(nlp)
    trained = trained_ner()
    if trained is None or "ner" not in nlp.pipe_names:
        return
    if trained.vocab.vectors.shape[0]:  # the static vectors the trained NER's tok2vec reads
        nlp.vocab.vectors = trained.vocab.vectors
    at = nlp.pipe_names.index("ner")
    nlp.remove_pipe("ner")
    nlp.add_pipe("ner", source=trained, before=at if at < len(nlp.pipe_names) else None)
    meta = srsly.read_json(MODEL / "meta.json")
    nlp.meta["newsdesk_components"]["ner"] = f"newsdesk_entities {meta['name']} {meta['version']}"
    if not Language.has_factory("surnames_are_people"):
        Language.component("surnames_are_people", func=surnames_are_people)
    nlp.add_pipe("surnames_are_people", after="ner")
    nlp.meta["newsdesk_components"]["surnames_are_people"] = "newsdesk_entities 1.0"


@hookimpl
def startup(role):
    if role == "api":
        return  # the API never runs analyzers: keep its processes small
    lexicon()
    trained_ner()
