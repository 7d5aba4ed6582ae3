"""The plugin SDK as a third party uses it: the example package installed with pip, the test kit,
``newsdesk plugins check``, broken and incompatible plugins, and the hook reference in the docs."""
from __future__ import annotations

import inspect
import itertools
import os
import shutil
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner
from marshmallow import Schema, fields

from newsdesk import analyzer, hookspecs
from newsdesk.analyzers import AnalyzerError
from newsdesk.config import Settings
from newsdesk.embedded import free_port, stop
from newsdesk.plugins import build_plugin_host
from newsdesk.testing import check, check_analyzer, check_plugin

from .conftest import ROOT, wait_for
from .plugins import faulty

EXAMPLE = ROOT / "examples" / "newsdesk-readability"
DOCS = ROOT / "docs" / "plugins.md"
DENSE = ("Notwithstanding considerable institutional opposition, the parliamentary committee unanimously "
         "recommended comprehensive regulatory modernisation, emphasising environmental sustainability.")
BUILT_INS = ["dates", "entities", "quotes", "topics"]
TEXT = ("The council met on Monday. It voted to rebuild the old bridge over the river, which had been "
        "closed since the floods of last spring destroyed two of its five stone arches and the road. "
        "Work starts in May.")


@pytest.fixture(scope="module")
def example_copy(tmp_path_factory):
    """The example package copied out of the repo, so building it leaves no files behind."""
    dest = tmp_path_factory.mktemp("example") / "newsdesk-readability"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    return dest


@pytest.fixture(scope="module")
def site(example_copy, tmp_path_factory):
    """A real ``pip install`` of the example into its own folder (never into the project's venv)."""
    target = tmp_path_factory.mktemp("site")
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-input",
                          "--disable-pip-version-check", "--target", str(target), str(example_copy)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (target / "newsdesk_readability").is_dir()
    return target


@pytest.fixture(scope="module")
def services(site, example_copy, redis_server, tmp_path_factory):
    """Start a real worker, the API and the example's own test suite, all at once: they boot while
    the in-process tests run. The worker and the API see the example (through its entry point), a
    plugin that cannot be imported and the faulty fixtures, on a database of the session Redis of
    their own (so the session's worker never takes these tasks)."""
    logs = tmp_path_factory.mktemp("sdk-logs")
    path = os.pathsep.join([str(site), str(ROOT)])
    env = {
        **os.environ,
        "NEWSDESK_REDIS_URL": f"redis://127.0.0.1:{redis_server['port']}/3",
        "NEWSDESK_LOAD_PLUGINS": "readability,entities",  # readability reads entities
        "NEWSDESK_PLUGIN_MODULES": "tests.plugins.faulty,tests.plugins.broken_import",
        "NEWSDESK_ANALYZER__READABILITY__LONG_SENTENCE_WORDS": "12",
        "NEWSDESK_LOG_LEVEL": "INFO",
        "PYTHONPATH": path,
    }
    port = free_port()
    commands = {
        "worker": [sys.executable, "-m", "newsdesk.cli", "worker", "--concurrency", "1", "-n", f"sdk-{os.getpid()}@%h"],
        "api": [sys.executable, "-m", "newsdesk.cli", "serve", "--port", str(port), "--workers", "1"],
        # the example's suite (fixtures of newsdesk.testing) against the pip-installed package
        "suite": [sys.executable, "-m", "pytest", str(example_copy / "tests"), "-q",
                  "--rootdir", str(example_copy), "-p", "no:cacheprovider"],
        # the contract check as an author runs it on the installed plugin
        "check": [sys.executable, "-m", "newsdesk.cli", "plugins", "check", "readability", "--huge-chars", "20000"],
    }
    procs = {}
    for name, command in commands.items():
        service = name in ("worker", "api")
        with open(logs / f"{name}.log", "wb") as out:
            procs[name] = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                           env=env if service else {**os.environ, "PYTHONPATH": path},
                                           cwd=ROOT if service else logs)
    yield {"procs": procs, "logs": logs, "url": f"http://127.0.0.1:{port}"}
    for proc in procs.values():  # all shut down at once, then wait for each
        if proc.poll() is None:
            proc.terminate()
    stop(list(procs.values()))


@pytest.fixture(scope="module", autouse=True)
def _boot(services):
    """Every test of this module starts the services, so they boot during the first tests."""


@pytest.fixture(scope="module")
def sdk_worker(services):
    proc, log = services["procs"]["worker"], services["logs"] / "worker.log"
    wait_for(lambda: proc.poll() is not None or b" ready." in log.read_bytes(), 120, what="SDK worker ready")
    assert proc.poll() is None, log.read_text()
    return log


@pytest.fixture(scope="module")
def sdk_api(services, sdk_worker):
    base = services["url"]
    wait_for(lambda: requests.get(base + "/healthz", timeout=1).ok, 120, what="SDK API up")
    return {"url": base, "log": services["logs"] / "api.log"}


def finished(base, doc_id):
    return wait_for(lambda: (lambda b: b if b["status"] in ("done", "partial", "failed") else None)(
        requests.get(f"{base}/v1/documents/{doc_id}", params={"wait": 5}, timeout=10).json()),
        120, what=f"document {doc_id}")


# --- (b) the contract check --------------------------------------------------------------------

@pytest.mark.parametrize("name", BUILT_INS)
def test_contract_check_passes_on_built_in(name):
    lines = []
    problems = check_plugin(name, huge_chars=20_000, report=lines.append)
    assert problems == [], "\n".join(lines)
    assert sum(ln.startswith("  ok") for ln in lines) == 12  # metadata + 11 samples


@pytest.mark.parametrize("fixture, expected", [
    (faulty.raiser, "raised RuntimeError: boom from raiser (at "),
    (faulty.liar, "returned output that fails its declared schema"),
    (faulty.sleeper, "exceeded its time limit of 0.5 s"),
])
def test_contract_check_reports_faulty_analyzers(fixture, expected):
    problems = check_analyzer(fixture, huge_chars=0)
    assert problems and any(expected in p for p in problems), problems
    assert all(p.startswith(f"{fixture.name}: ") for p in problems)


def test_contract_check_passes_a_sound_analyzer():
    assert check_analyzer(faulty.wordcount, huge_chars=0) == []


class Words(Schema):
    words = fields.Integer(required=True)


_calls = itertools.count()


@analyzer("flaky", version="1", output_schema=Words)
def flaky(document, context):
    """Gives a different answer each call."""
    return {"words": next(_calls)}


@analyzer("meddler", version="1", requires=["parse"], output_schema=Words)
def meddler(document, context):
    """Writes into the document and the shared parse."""
    document["text"] = document["text"].upper()
    context.doc.cats["meddled"] = context.doc.cats.get("meddled", 0) + 1.0
    return {"words": len(context.doc)}


@analyzer("ascii_only", version="1", output_schema=Words)
def ascii_only(document, context):
    """Breaks on any character outside ASCII."""
    return {"words": len(document["text"].encode("ascii").split())}


@analyzer("orphan", version="1", requires=["analysis.nothing_provides_this"], output_schema=Words)
def orphan(document, context):
    """Requires an analyzer nobody installed."""
    return {"words": 0}


def test_contract_check_finds_nondeterminism():
    problems = check_analyzer(flaky, huge_chars=0)
    assert any("not deterministic" in p and "result.words" in p for p in problems), problems


def test_contract_check_finds_writes_to_the_document_and_the_parse():
    problems = check_analyzer(meddler, huge_chars=0)
    assert any("changed the document dict" in p for p in problems), problems
    assert any("changed the shared spaCy parse" in p for p in problems), problems


def test_contract_check_finds_crashes_on_non_latin_and_control_text():
    problems = check_analyzer(ascii_only, huge_chars=0)
    assert all("raised UnicodeEncodeError" in p for p in problems), problems
    failing = [sample for p in problems for sample in p.split(": ")[1].split(", ")]
    assert {"news", "cyrillic", "arabic", "cjk", "control", "mixed", "whitespace"} <= set(failing)  # news has a €
    assert not {"empty", "long_token"} & set(failing)


def test_contract_check_finds_missing_requirements():
    problems = check_analyzer(orphan)
    assert problems == [problems[0]] and "analysis.nothing_provides_this" in problems[0], problems
    assert "no installed analyzer provides" in problems[0]


def test_plugins_check_command(monkeypatch):
    monkeypatch.setenv("NEWSDESK_PLUGIN_MODULES", "tests.plugins.faulty")
    good = CliRunner().invoke(check, ["wordcount", "--huge-chars", "0"])
    assert good.exit_code == 0, good.output
    assert "passes the plugin contract check" in good.output and "ok    cyrillic" in good.output
    bad = CliRunner().invoke(check, ["liar", "--huge-chars", "0"])
    assert bad.exit_code == 1, bad.output
    assert "liar: 1 problem(s)" in bad.output and "fails its declared schema" in bad.output
    unknown = CliRunner().invoke(check, ["no_such_thing"])
    assert unknown.exit_code == 1 and "no installed analyzer is named 'no_such_thing'" in unknown.output


def test_newsdesk_plugins_check_is_wired(monkeypatch):
    from newsdesk.cli import main

    monkeypatch.setenv("NEWSDESK_PLUGIN_MODULES", "tests.plugins.faulty")
    result = CliRunner().invoke(main, ["plugins", "check", "raiser", "--huge-chars", "0"])
    assert result.exit_code == 1 and "boom from raiser" in result.output, result.output
    result = CliRunner().invoke(main, ["plugins", "check", "wordcount", "--huge-chars", "0"])
    assert result.exit_code == 0 and "passes the plugin contract check" in result.output, result.output


# --- (d) contract versions ---------------------------------------------------------------------

def test_incompatible_contract_version_is_refused_with_a_clear_message():
    host = build_plugin_host(Settings(load_plugins=(), plugin_modules=("tests.plugins.future_contract",)))
    assert "future" not in host.analyzers
    message = f"analyzer 'future' is built for plugin contract 3.0, this host speaks {hookspecs.CONTRACT_VERSION}"
    assert {"plugin": "tests.plugins.future_contract", "analyzer": "future", "message": message} in host.problems
    with pytest.raises(AnalyzerError, match="built for plugin contract 3.0"):
        analyzer("newer", version="1", output_schema=Words, contract="3.0")(lambda document, context: {})
    from tests.plugins.future_contract import future

    assert check_analyzer(future) == [f"future: metadata: {message}"]


# --- (e) the hook reference ----------------------------------------------------------------------

def test_docs_document_every_hook_with_its_signature():
    docs = DOCS.read_text(encoding="utf-8")
    hooks = [(n, f) for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, "newsdesk_spec")]
    assert hooks
    for name, func in hooks:
        assert f"### {name}{inspect.signature(func)}" in docs, f"docs/plugins.md has no heading for hook {name}"


def test_docs_cover_every_analyzer_field_and_setting():
    docs = DOCS.read_text(encoding="utf-8")
    from dataclasses import fields as dc_fields

    from newsdesk.analyzers import AnalyzerMeta

    for f in dc_fields(AnalyzerMeta):
        assert f"`{f.name}`" in docs, f"AnalyzerMeta.{f.name} is not documented"
    for var in ("NEWSDESK_ANALYZER__", "NEWSDESK_LOAD_PLUGINS", "NEWSDESK_BLOCK_PLUGINS",
                "NEWSDESK_DISABLED_ANALYZERS", "NEWSDESK_PLUGIN_MODULES", "newsdesk plugins check",
                "newsdesk worker -Q", "reanalyze", 'pytest_plugins = ["newsdesk.testing"]'):
        assert var in docs, var


# --- (c) a plugin that cannot be imported, in the kit and in a real service ------------------

def test_check_reports_an_unimportable_plugin(monkeypatch):
    monkeypatch.setenv("NEWSDESK_PLUGIN_MODULES", "tests.plugins.broken_import")
    problems = check_plugin("tests.plugins.broken_import", huge_chars=0)
    assert len(problems) == 1 and "ModuleNotFoundError" in problems[0], problems


def test_unimportable_plugin_is_reported_and_the_rest_runs(sdk_api, sdk_worker):
    body = requests.get(sdk_api["url"] + "/v1/analyzers", timeout=10).json()
    problem = next(p for p in body["problems"] if p["plugin"] == "tests.plugins.broken_import")
    assert "could not be loaded" in problem["message"]
    assert "newsdesk_fixture_dependency_not_installed" in problem["message"]
    plugin = next(p for p in body["plugins"] if p["name"] == "tests.plugins.broken_import")
    assert plugin["status"] == "error" and plugin["analyzers"] == []
    assert {"readability", "wordcount"} <= {a["name"] for a in body["analyzers"]}
    for log in (sdk_worker, sdk_api["log"]):  # said at start-up, by the worker and by the API
        lines = [ln for ln in log.read_text().splitlines() if "broken_import" in ln]
        assert any("could not be loaded" in ln and '"level": "ERROR"' in ln for ln in lines), log.read_text()[-3000:]


# --- (a) the example, installed with pip, through the real API and worker ----------------------

def test_installed_example_is_listed_with_its_versions(sdk_api):
    body = requests.get(sdk_api["url"] + "/v1/analyzers", timeout=10).json()
    listed = {a["name"]: a for a in body["analyzers"]}
    assert "readability" in listed, body["problems"]
    ours = listed["readability"]
    assert (ours["version"], ours["plugin"], ours["plugin_version"]) == ("1.1", "readability", "0.2.0")
    assert ours["requires"] == ["parse", "analysis.entities"] and ours["default_config"] == {"long_sentence_words": 30}
    assert "flesch_reading_ease" in ours["output_schema"]["properties"]
    plugin = next(p for p in body["plugins"] if p["name"] == "readability")
    assert (plugin["distribution"], plugin["status"]) == ("newsdesk-readability", "loaded")


def test_example_section_comes_from_the_real_worker(sdk_api):
    r = requests.post(sdk_api["url"] + "/v1/documents", timeout=10,
                      json={"text": TEXT, "analyzers": ["readability", "wordcount", "raiser", "liar"]})
    assert r.status_code == 202, r.text
    body = finished(sdk_api["url"], r.json()["id"])
    section = body["analysis"]["readability"]
    assert (section["status"], section["version"]) == ("done", "1.1"), section
    out = section["result"]
    assert (out["sentences"], out["words"]) == (3, 39)
    assert out["long_sentences"] == 1 and out["long_sentence_words"] == 12  # the setting from the env
    assert 0 < out["flesch_reading_ease"] < 100
    assert body["analysis"]["entities"]["status"] == "done"  # required by readability, so planned
    assert out["names_per_100_words"] is not None and out["reading_level"] in ("easy", "standard", "difficult")
    # the faulty plugins fail only their own sections
    assert body["status"] == "partial"
    assert body["analysis"]["wordcount"]["result"] == {"words": len(TEXT.split())}
    assert body["analysis"]["raiser"]["status"] == body["analysis"]["liar"]["status"] == "failed"


def test_search_by_the_example_plugins_facet(sdk_api):
    """The example declares ``reading_level``; the host indexes it and searches by it, knowing nothing of it."""
    base = sdk_api["url"]
    ids = {}
    for kind, text in (("easy", "The cat sat on the mat. It was happy. We ran home."), ("hard", DENSE)):
        r = requests.post(base + "/v1/documents", json={"text": text, "analyzers": ["readability"]}, timeout=10)
        assert r.status_code == 202, r.text
        ids[kind] = finished(base, r.json()["id"])["analysis"]["readability"]["result"]["reading_level"], r.json()["id"]
    assert ids["easy"][0] == "easy" and ids["hard"][0] != "easy"
    found = requests.get(base + "/v1/documents", params={"reading_level": "easy", "limit": 100}, timeout=10)
    assert found.status_code == 200, found.text
    got = {d["id"] for d in found.json()["documents"]}
    assert ids["easy"][1] in got and ids["hard"][1] not in got
    bad = requests.get(base + "/v1/documents", params={"reading_level": "trivial"}, timeout=10)
    assert bad.status_code == 422 and "reading_level" in bad.text
    unknown = requests.get(base + "/v1/documents", params={"tone": "negative"}, timeout=10)
    assert unknown.status_code == 422 and unknown.headers["Content-Type"].startswith("application/problem+json")
    assert "tone" in unknown.text and "reading_level" in unknown.text and "entity" in unknown.text
    spec = requests.get(base + "/v1/openapi.json", timeout=10).json()
    params = {p["name"] for p in spec["paths"]["/v1/documents"]["get"]["parameters"]}
    assert {"reading_level", "entity", "entity_type"} <= params and "topic" not in params


def test_the_example_command_is_on_the_command_line(site, tmp_path):
    """``register_commands``: the example's ``newsdesk readability FILE`` runs from the installed package."""
    text = tmp_path / "a.txt"
    text.write_text("The cat sat on the mat. It was happy.", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "newsdesk.cli", "readability", str(text)], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])})
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split("\t")[:2] == [str(text), "easy"]


def test_bad_analyzer_settings_stop_the_start_naming_the_variable(site, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
           "NEWSDESK_ANALYZER__READABILITY__LONG_SENTENCE_WORDS": "many",
           "NEWSDESK_ANALYZER__READABLITY__X": "1", "NEWSDESK_ANALYZER__TOPICS__NO_SUCH_KEY": "1"}
    (tmp_path / "a.txt").write_text("Some text.", encoding="utf-8")
    for command in (["serve", "--port", str(free_port())], ["worker"], ["analyze", "a.txt"]):
        out = subprocess.run([sys.executable, "-m", "newsdesk.cli", *command], capture_output=True, text=True,
                             timeout=300, env=env, cwd=tmp_path)
        assert out.returncode != 0, command
        for var in ("NEWSDESK_ANALYZER__READABILITY__LONG_SENTENCE_WORDS", "NEWSDESK_ANALYZER__READABLITY__",
                    "NEWSDESK_ANALYZER__TOPICS__NO_SUCH_KEY"):
            assert var in out.stderr, (command, out.stderr[-3000:])


def test_example_own_tests_pass_with_the_kit(services):
    """The example's suite, started by ``services``, passed against the pip-installed package."""
    proc = services["procs"]["suite"]
    proc.wait(300)
    output = (services["logs"] / "suite.log").read_text()
    assert proc.returncode == 0, output[-4000:]
    assert " passed" in output and "failed" not in output


def test_plugins_check_passes_on_the_installed_example(services):
    """``newsdesk plugins check readability``, started by ``services``, found no problem."""
    proc = services["procs"]["check"]
    proc.wait(300)
    output = (services["logs"] / "check.log").read_text()
    assert proc.returncode == 0, output[-4000:]
    assert "plugin readability 0.2.0" in output and "readability: passes the plugin contract check" in output
    assert "ok    huge" in output and "ok    cyrillic" in output
