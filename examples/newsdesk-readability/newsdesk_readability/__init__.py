"""Newsdesk plugin: readability scores (Flesch reading ease, Flesch-Kincaid grade) of an article.

The formulas are calibrated for English; on other languages the counts are still right but the
scores mean little.
"""
from __future__ import annotations

import re
import unicodedata

from marshmallow import Schema, fields

from newsdesk import analyzer, hookimpl

__version__ = "0.1.0"

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


def _threshold(config: dict) -> int:
    value = config.get("long_sentence_words", 30)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"setting long_sentence_words must be a positive integer, got {value!r}")
    return value


@analyzer("readability", version="1.0", contract="2.0", requires=["parse"], output_schema=Output,
          default_config={"long_sentence_words": 30})
def readability(document: dict, context) -> dict:
    """Flesch reading ease, Flesch-Kincaid grade, sentence and word counts."""
    threshold = _threshold(context.config)
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
           "long_sentences": sum(n > threshold for n in lengths), "long_sentence_words": threshold}
    if n_words:
        wps, spw = n_words / n_sents, n_syllables / n_words
        out.update(avg_sentence_words=round(wps, 2), avg_word_syllables=round(spw, 3),
                   flesch_reading_ease=round(206.835 - 1.015 * wps - 84.6 * spw, 2),
                   flesch_kincaid_grade=round(0.39 * wps + 11.8 * spw - 15.59, 2))
    return out


@hookimpl
def register_analyzers():
    return [readability]
