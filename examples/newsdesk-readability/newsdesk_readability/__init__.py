"""Newsdesk plugin: readability scores (Flesch reading ease, Flesch-Kincaid grade) of an article.

It uses every part of the plugin contract a third party needs: an analyzer with a settings schema,
one that reads another analyzer's output (``entities``), a search facet (``?reading_level=easy``)
and a command (``newsdesk readability FILE...``). The formulas are calibrated for English; on other
languages the counts are still right but the scores mean little.
"""
from __future__ import annotations

import re
import unicodedata

import click
from marshmallow import Schema, fields, validate

from newsdesk import Facet, analyzer, hookimpl

__version__ = "0.2.0"

_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """Estimate the syllables of ``word``: one per group of vowels (a, e, i, o, u, y), accents
    folded, less a silent final ``e`` (``make``) and a silent ``-ed`` (``asked``, not ``voted``);
    at least one, so numbers and words in other scripts count as one syllable.
    """
    lower = word.lower()
    letters = "".join(c for c in unicodedata.normalize("NFKD", lower) if "a" <= c <= "z")
    count = len(_VOWEL_GROUPS.findall(letters))
    if count > 1 and lower.endswith("e") and not lower.endswith(("le", "ee", "ye")):
        count -= 1  # "make", but not "table", "agree" nor "café"
    elif count > 1 and lower.endswith("ed") and letters[-3:-2] not in ("", *"aeiouytd"):
        count -= 1  # "asked", but not "voted", "agreed" nor "played"
    return max(1, count)


def is_word(token) -> bool:
    """A token with at least one letter or digit, that is not punctuation (``U.S.`` is a word)."""
    return not (token.is_punct or token.is_space) and any(c.isalnum() for c in token.text)


LEVELS = ("easy", "standard", "difficult")


class Output(Schema):
    sentences = fields.Integer(required=True, metadata={"description": "sentences with at least one word"})
    words = fields.Integer(required=True)
    syllables = fields.Integer(required=True, metadata={"description": "estimated, see syllables()"})
    avg_sentence_words = fields.Float(required=True, allow_none=True)
    avg_word_syllables = fields.Float(required=True, allow_none=True)
    flesch_reading_ease = fields.Float(required=True, allow_none=True, metadata={
        "description": "206.835 - 1.015 words/sentence - 84.6 syllables/word; higher is easier"})
    flesch_kincaid_grade = fields.Float(required=True, allow_none=True, metadata={
        "description": "0.39 words/sentence + 11.8 syllables/word - 15.59; a US school grade"})
    long_sentences = fields.Integer(required=True, metadata={
        "description": "sentences with more words than long_sentence_words"})
    long_sentence_words = fields.Integer(required=True, metadata={"description": "the threshold used"})
    reading_level = fields.String(required=True, allow_none=True, validate=validate.OneOf(LEVELS), metadata={
        "description": "easy (grade up to 8), standard (up to 12) or difficult; searchable as ?reading_level="})
    names_per_100_words = fields.Float(required=True, allow_none=True, metadata={
        "description": "mentions of named entities (from the entities analyzer) per 100 words"})


class Settings(Schema):
    """``NEWSDESK_ANALYZER__READABILITY__LONG_SENTENCE_WORDS``, checked when the service starts."""

    long_sentence_words = fields.Integer(validate=validate.Range(min=1), load_default=30, metadata={
        "description": "a sentence with more words than this is long"})


def level(grade: float | None) -> str | None:
    if grade is None:
        return None
    return LEVELS[0] if grade <= 8 else LEVELS[1] if grade <= 12 else LEVELS[2]


@analyzer("readability", version="1.1", contract="2.0", requires=["parse", "analysis.entities"],
          output_schema=Output, config_schema=Settings)
def readability(document: dict, context) -> dict:
    """Flesch reading ease, Flesch-Kincaid grade, sentence and word counts, density of names."""
    threshold = context.config["long_sentence_words"]  # already checked and typed by Settings
    lengths, n_syllables = [], 0
    for sent in context.doc.sents:
        words = [t.text for t in sent if is_word(t)]
        if words:
            lengths.append(len(words))
            n_syllables += sum(syllables(w) for w in words)
    n_sents, n_words = len(lengths), sum(lengths)
    out = {"sentences": n_sents, "words": n_words, "syllables": n_syllables,
           "avg_sentence_words": None, "avg_word_syllables": None,
           "flesch_reading_ease": None, "flesch_kincaid_grade": None,
           "long_sentences": sum(n > threshold for n in lengths), "long_sentence_words": threshold,
           "reading_level": None, "names_per_100_words": None}
    if n_words:
        wps, spw = n_words / n_sents, n_syllables / n_words
        # context.results holds the bare results of the analyzers this one requires
        names = sum(e["mention_count"] for e in context.results["entities"]["entities"])
        out.update(avg_sentence_words=round(wps, 2), avg_word_syllables=round(spw, 3),
                   flesch_reading_ease=round(206.835 - 1.015 * wps - 84.6 * spw, 2),
                   flesch_kincaid_grade=round(0.39 * wps + 11.8 * spw - 15.59, 2),
                   names_per_100_words=round(100 * names / n_words, 2))
        out["reading_level"] = level(out["flesch_kincaid_grade"])
    return out


@hookimpl
def register_analyzers():
    return [readability]


@hookimpl
def register_facets():
    return [Facet("reading_level", "readability", lambda result: [result["reading_level"] or "unknown"],
                  "documents of this reading level", choices=(*LEVELS, "unknown"))]


@hookimpl
def register_commands(cli):
    @cli.command("readability")
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
    def score(files):
        """Print the reading level and grade of each text FILE, analysed in this process."""
        from newsdesk import analyze_documents, in_process_pipeline

        items = [(path, {"text": open(path, encoding="utf-8").read()}) for path in files]
        for body in analyze_documents(in_process_pipeline(), items, ["readability"]):
            section = body["analysis"]["readability"]
            out = section.get("result") or {}
            click.echo(f"{body['id']}\t{out.get('reading_level')}\t{out.get('flesch_kincaid_grade')}"
                       if section["status"] == "done" else f"{body['id']}\tfailed: {section['error']['detail']}")
