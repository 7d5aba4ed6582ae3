"""Every hook is documented and has a test named after it."""
import inspect
import sys

from newsdesk import hookspecs
from newsdesk.config import Settings
from newsdesk.plugins import build_plugin_host

HOOKS = [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, "newsdesk_spec")]


def test_every_hook_has_a_docstring_and_a_test():
    tests = {n for mod in list(sys.modules.values()) if getattr(mod, "__name__", "").startswith("tests.")
             for n in dir(mod) if n.startswith("test_hook_")}
    for name in HOOKS:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name
        assert f"test_hook_{name}" in tests, f"hook {name} has no test_hook_{name}"


def _host_with(plugin):
    host = build_plugin_host(Settings(load_plugins=(), plugin_modules=("tests.plugins.faulty",)))
    host.pm.register(plugin)
    return host


def test_hook_startup():
    seen = []

    class P:
        @hookspecs.hookimpl
        def startup(app, role):
            seen.append((app, role))

    _host_with(P).pm.hook.startup(app="the-app", role="worker")
    assert seen == [("the-app", "worker")]


def test_hook_register_analyzers():
    host = build_plugin_host(Settings(load_plugins=(), plugin_modules=("tests.plugins.faulty",)))
    assert {"wordcount", "raiser", "sleeper", "liar"} <= set(host.analyzers)
    assert host.owner["wordcount"] == "tests.plugins.faulty"


def test_hook_run_analyzer():
    """A wrapper sees the analyzer's output and may change it."""
    from newsdesk.pipeline import Pipeline

    class Doubler:
        @hookspecs.hookimpl(wrapper=True)
        def run_analyzer(analyzer):
            out = yield
            return {"words": out["words"] * 2} if analyzer.name == "wordcount" else out

    host = _host_with(Doubler)
    results = Pipeline(host, Settings()).run({"text": "a b c"}, ["wordcount"])
    assert results["wordcount"]["result"] == {"words": 6}


def test_hook_analysis_completed(submit, finished, worker):
    """The worker calls the hook; the fixture plugin writes what it received to Redis."""
    doc_id = submit({"text": "a b", "analyzers": ["wordcount"]})["id"]
    finished(doc_id)
    from .conftest import wait_for

    seen = wait_for(lambda: worker["redis"].get(f"test:completed:{doc_id}"), 10, what="completion hook")
    assert seen == b"wordcount:done"


def test_a_plugin_failing_at_startup_loses_only_its_analyzers():
    from newsdesk.plugins import run_startup

    class Broken:
        @hookspecs.hookimpl
        def startup():
            raise RuntimeError("no model")

    host = _host_with(Broken)
    host.owner["wordcount"] = host.pm.get_name(Broken)  # pretend it owns one analyzer
    run_startup(host, None, "cli")
    assert "wordcount" not in host.analyzers and "raiser" in host.analyzers
    assert any("no model" in p["message"] for p in host.problems)


def test_hook_register_facets():
    """A plugin's facet is collected, indexed from its analyzer's result and offered to search."""
    from newsdesk import Facet, Term
    from newsdesk.indexing import index_entries

    class P:
        @hookspecs.hookimpl
        def register_facets():
            return [Facet("word_band", "wordcount", lambda r: ["many" if r["words"] > 2 else "few"],
                          choices=("few", "many")),
                    Facet("Bad-Name", "wordcount", lambda r: [])]

    host = _host_with(P)
    from newsdesk.plugins import collect_facets

    collect_facets(host)
    assert "word_band" in host.facets and "Bad-Name" not in host.facets
    assert any("Bad-Name" in p["message"] for p in host.problems)
    terms, displays, dates = index_entries(host.facets["word_band"], {"words": 3})
    assert terms and all("many" in t for t in terms) and not dates
    assert Term("x").display is None


def test_hook_register_commands():
    """Commands a plugin adds appear on the ``newsdesk`` command line and run."""
    import subprocess

    out = subprocess.run([sys.executable, "-m", "newsdesk.cli", "eval", "--help"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for name in ("dates", "entities", "quotes", "topics"):  # each built-in adds its own
        assert name in out.stdout


def test_hook_section_view():
    """A plugin shows its own sections; anything else falls back to the host's JSON view."""
    from newsdesk import Mark, SectionView

    class Shower:
        @hookspecs.hookimpl
        def section_view(name, result, document):
            if name != "wordcount":
                return None
            return SectionView(html=f"<p>{result['words']} words</p>", marks=[Mark(0, len(document["text"]), "wc")])

    host = _host_with(Shower)
    mine = host.pm.hook.section_view(name="wordcount", result={"words": 3}, document={"text": "a b c"})
    assert mine.html == "<p>3 words</p>" and mine.marks == [Mark(0, 5, "wc")]
    other = host.pm.hook.section_view(name="raiser", result={"words": 1}, document={"text": "x"})
    assert isinstance(other, SectionView) and "&#34;words&#34;: 1" in other.html and not other.marks  # escaped JSON


def test_hook_spacy_components():
    """A plugin changes the shared pipeline once, when it is loaded; parse caches see the change."""
    from spacy.language import Language

    from newsdesk.pipeline import load_nlp

    @Language.component("test_marker")
    def marker(doc):
        return doc

    class P:
        @hookspecs.hookimpl
        def spacy_components(nlp):
            nlp.add_pipe("test_marker")
            nlp.meta["newsdesk_components"]["test_marker"] = "tests 1.0"

    model = Settings().spacy_model
    nlp = load_nlp(model, _host_with(P).pm.hook.spacy_components)
    assert nlp.pipe_names[-1] == "test_marker" and load_nlp(model) is not nlp
    assert "test_marker" not in load_nlp(model).pipe_names  # without the hook: the stock pipeline
    assert nlp is load_nlp(model, _host_with(P).pm.hook.spacy_components)  # loaded once


def test_parse_cache_key_sees_replaced_components(tmp_path):
    from newsdesk.pipeline import load_nlp, parse_cached

    nlp = load_nlp(Settings().spacy_model)
    parse_cached(nlp, ["A text."], tmp_path, "k")
    nlp.meta["newsdesk_components"]["ner"] = "someone else's ner"
    try:
        parse_cached(nlp, ["A text."], tmp_path, "k")
    finally:
        del nlp.meta["newsdesk_components"]["ner"]
    assert len(list(tmp_path.glob("k-*.spacy"))) == 2
