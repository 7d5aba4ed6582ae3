"""IPTC Media Topics labeller: a trained classifier for the topics the development corpora label,
the IPTC vocabulary itself (labels and definitions) as evidence for every other topic and for the
lower-level topics under the chosen ones. The model code is in ``model``; this module holds the
analyzer and its hooks."""
from __future__ import annotations

import logging

from marshmallow import Schema, fields, validate

from newsdesk import Facet, analyzer, hookimpl

from .model import MODEL_DIR, MODEL_JSON, featurize, load_model, load_vocabulary
from .view import section_view  # noqa: F401  (a hook: how the page shows this section)

__all__ = ["Output", "featurize", "load_model", "load_vocabulary", "register_analyzers", "register_commands",
           "register_facets", "startup", "topics"]

log = logging.getLogger(__name__)


class Parent(Schema):
    qcode = fields.String(required=True)
    label = fields.String(required=True)


class Topic(Schema):
    qcode = fields.String(required=True)
    label = fields.String(required=True)
    level = fields.Integer(required=True, validate=validate.Range(min=1))
    parents = fields.List(fields.Nested(Parent), required=True)
    score = fields.Float(required=True, validate=validate.Range(min=0.0, max=1.0))


class Output(Schema):
    topics = fields.List(fields.Nested(Topic), required=True)


@analyzer("topics", version="1.1", requires=["parse", "document.title"], output_schema=Output,
          languages=("en",),  # an English spaCy model (and English cue lists)
          description="IPTC Media Topics with calibrated scores, top-level and lower-level",
          default_config={"min_score": 0.15, "max_subtopics": 4, "model": ""})
def topics(document: dict, context) -> dict:
    """Rank IPTC Media Topics for the article."""
    model = load_model(context.config.get("model") or str(MODEL_DIR))
    feats = featurize(context.doc, document.get("title"))
    result = model.predict([feats], float(context.config["min_score"]), int(context.config["max_subtopics"]))
    return {"topics": result[0]}


@hookimpl
def register_analyzers():
    return [topics]


def _qcodes(result: dict) -> list[str]:
    return [q for t in result["topics"] for q in [t["qcode"], *(p["qcode"] for p in t.get("parents", []))]]


@hookimpl
def register_facets():
    return [Facet("topic", "topics", _qcodes, "IPTC Media Topic qcode (its narrower topics match too)",
                  pattern=r"^medtop:\d{8}$")]


@hookimpl
def register_commands(cli):
    from .evaluate import cli as evaluate

    cli.commands["eval"].add_command(evaluate, "topics")
    from .train import cli as train

    cli.commands["train"].add_command(train, "topics")


@hookimpl
def startup(role):
    if role == "api":
        return  # the API never runs analyzers: keep its processes small
    if (MODEL_DIR / MODEL_JSON).exists():
        model = load_model(str(MODEL_DIR))
        if model.encoder is not None:
            model.encoder.load()  # a forked worker process makes its own session on first use
    else:
        log.warning("topics model missing; run `newsdesk train topics`", extra={"path": str(MODEL_DIR)})
