"""The ``quotes`` analyzer: who said what — direct, indirect and mixed quotes with their speakers."""
from __future__ import annotations

import logging

from marshmallow import Schema, fields, validate

from newsdesk import Facet, analyzer, hookimpl

from .build import build_quotes
from .extract import lexicon
from .view import section_view  # noqa: F401  (a hook: how the page shows this section)

log = logging.getLogger(__name__)


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
    cue_kind = fields.String(required=True, validate=validate.OneOf(["speech", "cognition", "intention"]))
    speaker = fields.Nested(SpeakerSchema, allow_none=True, required=True)
    confidence = fields.Float(required=True, validate=validate.Range(0, 1))
    pattern = fields.String()  # the rule that found it: verb, object, according_to, quote+near, ...


class Output(Schema):
    quotes = fields.List(fields.Nested(QuoteSchema), required=True)
    scare_quotes = fields.List(fields.Nested(SpanSchema), required=True)


def _flag(value) -> bool:
    """A boolean setting, also when it comes from the environment as a string."""
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


@analyzer("quotes", version="1.0", requires=["parse", "analysis.entities"], output_schema=Output,
          languages=("en",),  # an English spaCy model (and English cue lists)
          description="Direct, indirect and mixed quotes with cue, speaker and linked entity.",
          default_config={"nested": False, "typewriter_quotes": False, "intentions": False})
def quotes(document: dict, context) -> dict:
    """Who said what in the document.

    Settings: ``nested`` also reports attributions inside direct quotes ("I think ..."). Quotes in
    the ``''...''`` pairs of some wire copy are always found, but typed ``direct`` only with
    ``typewriter_quotes`` (off by default: the issue and the PolNeAR conversion count only
    straight/curly double marks, guillemets and curly single marks as quotation marks).
    ``intentions`` also reports intentions and acts as PolNeAR annotates them: the infinitive of any
    verb ("refused to", "sought to") and the bare object of a verb of saying ("claimed responsibility").
    """
    entities = (context.results.get("entities") or {}).get("entities") or []
    out = build_quotes(context.doc, document.get("text") or "", entities,
                       nested=_flag(context.config.get("nested", False)),
                       typewriter=_flag(context.config.get("typewriter_quotes", False)),
                       intentions=_flag(context.config.get("intentions", False)))
    log.debug("quotes extracted", extra={"document_id": document.get("id"), "quotes": len(out["quotes"]),
                                         "scare_quotes": len(out["scare_quotes"])})
    return out


@hookimpl
def register_analyzers():
    return [quotes]


def _speakers(result: dict) -> list[str]:
    """Speaker names: the entity's canonical name, else the mention unless it is a pronoun."""
    out = []
    for q in result["quotes"]:
        sp = q.get("speaker") or {}
        name = sp.get("entity_name") or (sp.get("text") if sp.get("kind") != "pronoun" else None)
        if name:
            out.append(name)
    return out


@hookimpl
def register_facets():
    return [Facet("speaker", "quotes", _speakers, "quote speaker (canonical name, case-insensitive)",
                  normalize=True)]


@hookimpl
def register_commands(cli):
    from .evaluate import cli as evaluate

    cli.commands["eval"].add_command(evaluate, "quotes")
    from .train import cli as train

    cli.commands["train"].add_command(train, "quotes")


@hookimpl
def startup(role):
    if role == "api":
        return  # the API never runs analyzers: keep its processes small
    lexicon()
