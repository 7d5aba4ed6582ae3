"""Planning and running analyzers without any service (plain data in, plain data out)."""
import pytest
from marshmallow import Schema, fields

from newsdesk.analyzers import AnalyzerError, analyzer
from newsdesk.config import Settings
from newsdesk.pipeline import Pipeline, UnknownAnalyzer, load_nlp, overall_status, plan
from newsdesk.plugins import build_plugin_host, collect_analyzers


class Out(Schema):
    n = fields.Integer()


def make(name, requires=()):
    return analyzer(name, version="1", output_schema=Out, requires=[f"analysis.{r}" for r in requires],
                    description=name)(lambda document, context: {"n": len(context.results)})


def test_plan_orders_by_requirements_and_adds_prerequisites():
    ans = {a.name: a for a in [make("c", ["b"]), make("b", ["a"]), make("a"), make("z")]}
    assert plan(ans) == ["a", "b", "c", "z"]
    assert plan(ans, ["c"]) == ["a", "b", "c"]
    with pytest.raises(UnknownAnalyzer):
        plan(ans, ["nope"])


def test_opt_in_analyzers_run_only_when_named_or_required():
    costly = analyzer("costly", version="1", output_schema=Out, opt_in=True, description="costly")(
        lambda document, context: {"n": 0})
    ans = {a.name: a for a in [make("a"), costly]}
    assert plan(ans) == ["a"]
    assert plan(ans, ["costly"]) == ["costly"]
    ans["b"] = make("b", ["costly"])
    assert plan(ans) == ["a", "costly", "b"]


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "Bad.Name"}, "snake_case"),
    ({"name": "x", "requires": ["document.colour"]}, "unknown requirement"),
    ({"name": "x", "contract": "3.0"}, "contract 3.0"),
    ({"name": "x", "time_limit": -1}, "time_limit"),
])
def test_invalid_metadata_is_refused_at_registration(kwargs, message):
    with pytest.raises(AnalyzerError, match=message):
        analyzer(version="1", output_schema=Out, **kwargs)(lambda d, c: {})


def test_missing_requirement_and_cycle_are_start_up_problems():
    host = build_plugin_host(Settings(load_plugins=()))

    class Plugin:
        @staticmethod
        def register_analyzers():
            return [make("orphan", ["ghost"]), make("p", ["q"]), make("q", ["p"]), make("ok")]

    from newsdesk.hookspecs import hookimpl

    Plugin.register_analyzers = hookimpl(Plugin.register_analyzers)
    host.pm.register(Plugin, name="cyclic")
    collect_analyzers(host)
    assert list(host.analyzers) == ["ok"]
    messages = " ".join(p["message"] for p in host.problems)
    assert "requires ghost" in messages and "cycle" in messages


def test_requirement_outputs_reach_the_dependent():
    host = build_plugin_host(Settings(load_plugins=()))
    for a in [make("a"), make("b", ["a"])]:
        host.analyzers[a.name] = a
    results = Pipeline(host, Settings()).run({"text": "x"}, ["a", "b"])
    assert results["b"]["result"] == {"n": 1} and results["a"]["result"] == {"n": 0}


def test_overall_status():
    plan_ = ["a", "b"]
    assert overall_status(plan_, {}) == "queued"
    assert overall_status(plan_, {"a": {"status": "running"}}) == "running"
    assert overall_status(plan_, {"a": {"status": "done"}}) == "running"
    assert overall_status(plan_, {"a": {"status": "done"}, "b": {"status": "done"}}) == "done"
    assert overall_status(plan_, {"a": {"status": "done"}, "b": {"status": "failed"}}) == "partial"
    assert overall_status(plan_, {"a": {"status": "failed"}, "b": {"status": "failed"}}) == "failed"


def test_shared_parse_splits_sentences_glued_by_a_lost_space():
    doc = load_nlp(Settings().spacy_model)("Vucevic has pledged.Explaining it, he spoke. See www.example.com, e.g.The U.S.")
    words = [t.text for t in doc]
    assert words[2:5] == ["pledged", ".", "Explaining"] and doc[4].is_sent_start
    assert "www.example.com" in words and "e.g." in words and "U.S." in words
