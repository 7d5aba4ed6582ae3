"""Tests of the readability analyzer, on the real host pipeline and spaCy parse (the test kit)."""
import pytest

from newsdesk import SettingsError
from newsdesk_readability import level, readability, syllables

SIMPLE = "The cat sat on the mat. It was happy."
DENSE = ("Notwithstanding considerable institutional opposition, the parliamentary committee "
         "unanimously recommended comprehensive regulatory modernisation, emphasising "
         "environmental sustainability and intergovernmental accountability.")


@pytest.mark.parametrize("word, expected", [
    ("cat", 1), ("make", 1), ("table", 2), ("happy", 2), ("asked", 1), ("voted", 2),
    ("agreed", 2), ("played", 1), ("café", 2), ("university", 5), ("2024", 1), ("Москва", 1),
])
def test_syllable_heuristic(word, expected):
    assert syllables(word) == expected


def test_counts_and_scores_of_a_simple_text(newsdesk_pipeline):
    section = newsdesk_pipeline("readability").analyze(SIMPLE)["readability"]
    assert section["status"] == "done", section
    out = section["result"]
    assert (out["sentences"], out["words"], out["syllables"]) == (2, 9, 10)
    assert out["avg_sentence_words"] == 4.5
    # 206.835 - 1.015 * 9/2 - 84.6 * 10/9 and 0.39 * 9/2 + 11.8 * 10/9 - 15.59
    assert out["flesch_reading_ease"] == pytest.approx(108.27, abs=0.01)
    assert out["flesch_kincaid_grade"] == pytest.approx(-0.72, abs=0.01)


def test_dense_prose_reads_harder(newsdesk_pipeline):
    sections = newsdesk_pipeline("readability").analyze(DENSE)
    dense = sections["readability"]["result"]
    simple = newsdesk_pipeline("readability").analyze(SIMPLE)["readability"]["result"]
    assert dense["flesch_reading_ease"] < 0 < simple["flesch_reading_ease"]
    assert dense["flesch_kincaid_grade"] > 18


def test_long_sentence_setting(newsdesk_pipeline):
    """The setting arrives as context.config, as NEWSDESK_ANALYZER__READABILITY__LONG_SENTENCE_WORDS would."""
    text = SIMPLE + " " + DENSE
    default = newsdesk_pipeline("readability").analyze(text)["readability"]["result"]
    strict = newsdesk_pipeline("readability", config={"readability": {"long_sentence_words": 5}}) \
        .analyze(text)["readability"]["result"]
    assert (default["long_sentences"], default["long_sentence_words"]) == (0, 30)
    assert (strict["long_sentences"], strict["long_sentence_words"]) == (2, 5)


@pytest.mark.parametrize("value", ["many", 0])
def test_a_bad_setting_fails_at_start_up_naming_the_variable(newsdesk_pipeline, value):
    with pytest.raises(SettingsError, match="NEWSDESK_ANALYZER__READABILITY__LONG_SENTENCE_WORDS"):
        newsdesk_pipeline("readability", config={"readability": {"long_sentence_words": value}})


def test_reading_level_and_names_from_the_entities_analyzer(newsdesk_pipeline):
    text = "Angela Merkel met Emmanuel Macron in Paris. They spoke."
    sections = newsdesk_pipeline("readability").analyze(text)
    assert sections["entities"]["status"] == "done"  # required, so it ran first
    out = sections["readability"]["result"]
    assert out["names_per_100_words"] == pytest.approx(100 * 3 / out["words"], abs=0.01)
    assert out["reading_level"] == level(out["flesch_kincaid_grade"])
    assert [level(g) for g in (None, 5, 8, 10, 12.5)] == [None, "easy", "easy", "standard", "difficult"]


def test_no_words_gives_no_scores(newsdesk_pipeline, newsdesk_samples):
    for sample in ("empty", "whitespace", "punctuation"):
        out = newsdesk_pipeline("readability").analyze(newsdesk_samples[sample])["readability"]["result"]
        assert out["words"] == 0 and out["flesch_reading_ease"] is None, sample


def test_contract_as_installed(newsdesk_check):
    """The installed plugin (found through its entry point) passes the host's contract check."""
    newsdesk_check("readability", huge_chars=20_000)


def test_contract_of_the_analyzer_object(newsdesk_check):
    """The same check on the decorated function, as during development before installing."""
    newsdesk_check(readability, huge_chars=0)
