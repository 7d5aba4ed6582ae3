"""Property-based input for every built-in analyzer: no crash, no hang, output fits its schema."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BUILT_INS = ["dates", "entities", "quotes", "topics"]
SCRIPTS = st.sampled_from([
    "", " ", "\x00\x01\x1f\x7f", "שלום עולם, זה טקסט.", "مرحبا بالعالم «اقتباس»", "Привет, мир. «Цитата».",
    "東京で会議が開かれた。", "NATO 北约 НАТО الناتو", "\u202eevil\u202c text", "a\u0301\u0302\u0303",
    '"', "«", "'' \"\" “” ‘’", "\n\n\n", "said said said that that",
    "Jens Stoltenberg said: \"We are ready.\"", "On 2020-07-22 and tomorrow at 5 p.m.",
])


def run_all(pipeline, text):
    names = pipeline.plan(BUILT_INS)
    doc = pipeline.nlp(text)
    sections = pipeline.run({"id": "p", "text": text}, names, doc=doc)
    for name in names:
        assert sections[name]["status"] == "done", (name, sections[name].get("error"))
    return sections


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=300), st.lists(SCRIPTS, max_size=6).map(" ".join),
                      st.text(alphabet=st.characters(categories=["Cc", "Zs", "Po", "Pi", "Pf"]), max_size=50)))
def test_arbitrary_unicode(pipeline, text):
    run_all(pipeline, text)


def test_text_at_the_size_limit(pipeline):
    paragraph = ('Serbian President Aleksandar Vucic said on Wednesday that "the talks were useful". '
                 "NATO Secretary General Jens Stoltenberg met him in Brussels last year.\n\n")
    text = (paragraph * (1_000_000 // len(paragraph)))[:999_000]
    sections = run_all(pipeline, text)
    assert len(sections["quotes"]["result"]["quotes"]) > 1000
