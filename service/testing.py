"""Test kit for plugin authors: pytest fixtures and the analyzer contract check.

In a plugin's own tests (``tests/conftest.py``)::

    pytest_plugins = ["newsdesk.testing"]

    def test_scores(newsdesk_pipeline):
        sections = newsdesk_pipeline("readability").analyze("A short text. Another one.")
        assert sections["readability"]["status"] == "done"

    def test_contract(newsdesk_check):
        newsdesk_check("readability", huge_chars=20_000)

From the shell: ``newsdesk plugins check NAME``. Everything runs on the real host code path
(:meth:`service.pipeline.Pipeline.run_one`) and the real spaCy parse.
"""
from __future__ import annotations

import copy
import os
import hashlib
import json
import logging
import sys
import time
import traceback
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import click

from .analyzers import Analyzer, AnalyzerError, validate_meta
from .config import Settings, SettingsError
from .hookspecs import hookimpl
from .pipeline import Pipeline
from .plugins import PluginHost, build_plugin_host

#: Size of the ``huge`` sample: just under the API's default body limit (1,000,000 bytes).
HUGE_CHARS = 990_000

NEWS = (
    "BRUSSELS (Newsdesk) - European Union energy ministers agreed on Tuesday, 12 March 2024, to "
    "extend the gas storage rules for another year, after talks that ran past midnight. "
    "\"We have avoided the worst, but winter 2025 will be harder,\" said Kadri Simson, the EU "
    "energy commissioner, at a press conference. Germany's Robert Habeck told reporters the deal "
    "would cost \u20ac3.5 billion ($3.8 billion) and that Berlin would pay its share by June.\n\n"
    "Critics were not convinced. Greenpeace called the decision \"a gift to the gas lobby\", while "
    "Hungary's foreign minister, Peter Szijjarto, said Budapest had \"no intention\" of following "
    "it. Prices on the Dutch TTF hub fell 4% to 27 euros per megawatt hour on Wednesday morning, "
    "their lowest level since 2021. The ministers will meet again in Luxembourg on 30 May."
)
NEWS_FIELDS = {
    "title": "EU extends gas storage rules after all-night talks",
    "url": "https://news.example.org/2024/03/12/eu-gas-storage",
    "published_at": "2024-03-12T09:30:00Z",
    "language": "en",
    "source": "Newsdesk test kit",
    "metadata": {"section": "world", "tags": ["energy", "EU"]},
}
#: The texts every analyzer must survive; the document has only ``id`` and ``text``, except for
#: ``news``, which also has every optional field.
SAMPLES: dict[str, str] = {
    "news": NEWS,
    "empty": "",
    "whitespace": " \n\t\u00a0\u3000\r\n ",
    "punctuation": "... !!! ??? --- \u201c\u201d \u00ab\u00bb () [] ;;; ***",
    "cyrillic": (
        "\u041c\u043e\u0441\u043a\u0432\u0430, 3 \u043c\u0430\u0440\u0442\u0430 2024 \u0433\u043e\u0434\u0430. "
        "\u0413\u043b\u0430\u0432\u0430 \u043a\u043e\u043c\u043f\u0430\u043d\u0438\u0438 "
        "\u00ab\u0413\u0430\u0437\u043f\u0440\u043e\u043c\u00bb \u0410\u043b\u0435\u043a\u0441\u0435\u0439 "
        "\u041c\u0438\u043b\u043b\u0435\u0440 \u0437\u0430\u044f\u0432\u0438\u043b: \u00ab\u041c\u044b "
        "\u043f\u0440\u043e\u0434\u043e\u043b\u0436\u0438\u043c \u043f\u043e\u0441\u0442\u0430\u0432\u043a\u0438"
        "\u00bb. \u0410\u043a\u0446\u0438\u0438 \u0432\u044b\u0440\u043e\u0441\u043b\u0438 \u043d\u0430 2,5%."
    ),
    "arabic": (
        "\u0627\u0644\u0642\u0627\u0647\u0631\u0629 (\u0631\u0648\u064a\u062a\u0631\u0632) - \u0642\u0627\u0644 "
        "\u0648\u0632\u064a\u0631 \u0627\u0644\u062e\u0627\u0631\u062c\u064a\u0629 \u064a\u0648\u0645 "
        "\u0627\u0644\u062b\u0644\u0627\u062b\u0627\u0621 \u0625\u0646 \u0627\u0644\u0645\u062d\u0627\u062f"
        "\u062b\u0627\u062a \u0633\u062a\u0633\u062a\u0623\u0646\u0641 \u0627\u0644\u0623\u0633\u0628\u0648\u0639 "
        "\u0627\u0644\u0645\u0642\u0628\u0644. \u0648\u0623\u0636\u0627\u0641: \u00ab\u0646\u062d\u0646 "
        "\u0645\u062a\u0641\u0627\u0626\u0644\u0648\u0646\u00bb. \u0661\u0662 \u0645\u0627\u0631\u0633 \u0662\u0660\u0662\u0664"
    ),
    "cjk": (
        "\u6771\u4eac\uff08\u5171\u540c\uff09\u65e5\u672c\u9280\u884c\u306f3\u670819\u65e5\u3001\u30de\u30a4"
        "\u30ca\u30b9\u91d1\u5229\u653f\u7b56\u306e\u89e3\u9664\u3092\u6c7a\u5b9a\u3057\u305f\u3002\u690d\u7530"
        "\u548c\u7537\u7dcf\u88c1\u306f\u300c\u8cc3\u91d1\u3068\u7269\u4fa1\u306e\u597d\u5faa\u74b0\u304c\u5f37"
        "\u307e\u3063\u3066\u3044\u308b\u300d\u3068\u8ff0\u3079\u305f\u3002\u5317\u4eac\u65f6\u95f42024\u5e74"
        "3\u67085\u65e5\uff0c\u56fd\u52a1\u9662\u603b\u7406\u5728\u4eba\u6c11\u5927\u4f1a\u5802\u4f5c\u62a5"
        "\u544a\u3002\uc11c\uc6b8\uc5d0\uc11c \uc5f4\ub9b0 \ud68c\ub2f4\uc5d0\uc11c \uc591\uad6d \uc815\uc0c1"
        "\uc740 \ud611\ub825\uc744 \uc57d\uc18d\ud588\ub2e4."
    ),
    "control": (
        "Breaking\x00news:\x07 the\x1b[31m council\x1b[0m voted\u200b 7\u20132 on Tuesday.\r\n\x0b\x0c"
        "She said \u202e\"we will appeal\"\u202c.\ufeff\x7f\x85\u2028\u2029 \u0301\ue000\ufffd\uffff"
        "\x01\x02\x03\x04\x05\x06\x08\x0e\x0f\x10\x1f end."
    ),
    "mixed": (
        "Dr. \u041e\u043b\u044c\u0433\u0430 \u041f\u0435\u0442\u0440\u0435\u043d\u043a\u043e told CNN the "
        "\u00abdeal\u00bb was \u00ab\u043d\u0435\u043e\u0431\u0445\u043e\u0434\u0438\u043c\u0430\u00bb \u2014 "
        "\u0642\u0627\u0644 \u0627\u0644\u0645\u062a\u062d\u062f\u062b \u2014 and \u5408\u610f was reached "
        "\U0001f600\U0001f44d\U0001f3fd at 5 p.m. in Z\u00fcrich. \u00c9COLE na\u00efve cafe\u0301 "
        "\ufb01nal x\u00b2 \U0001d400\U0001d401 \u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947"
        "\n\n\n   \t  \u2026"
    ),
    "long_token": "https://example.org/" + "a1b2c3" * 5_000 + " ok",
}


def huge_text(chars: int = HUGE_CHARS) -> str:
    """News prose repeated in paragraphs up to ``chars`` characters, cut at a space."""
    text = ("\n\n".join([NEWS] * (chars // (len(NEWS) + 2) + 1)))[:chars]
    return text[:text.rfind(" ")] if " " in text and len(text) == chars else text


def samples(huge_chars: int = HUGE_CHARS) -> dict[str, str]:
    """Every sample text, with ``huge`` last (``huge_chars=0`` leaves it out)."""
    return {**SAMPLES, **({"huge": huge_text(huge_chars)} if huge_chars else {})}


# --- the host as a plugin author's tests see it ----------------------------------------------

def kit_settings(config: dict[str, dict] | None = None) -> Settings:
    """``NEWSDESK_*`` settings, with every installed plugin loaded (allow/block/disabled lists are
    ignored so a plugin can be tested wherever it is installed) and only ``config`` as analyzer
    settings: ``NEWSDESK_ANALYZER__*`` variables exported in the shell do not reach the tests.
    """
    settings = Settings.from_env({k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_ANALYZER__")})
    return replace(settings, load_plugins=None, block_plugins=(), disabled_analyzers=(),
                   analyzer_config={name: dict(values) for name, values in (config or {}).items()})


_HOSTS: dict[str, tuple[PluginHost, set[str]]] = {}  # settings -> (host, names of started plugins)


def _shared_host(settings: Settings) -> tuple[PluginHost, set[str]]:
    """One plugin host per set of settings (analyzer settings aside), loaded once."""
    key = repr(replace(settings, analyzer_config={}))
    if key not in _HOSTS:
        host = build_plugin_host(settings)
        host.pm.register(_Where(), name="newsdesk.testing")
        _HOSTS[key] = (host, set())
    return _HOSTS[key]


def _start(host: PluginHost, settings: Settings, names: Iterable[str]) -> None:
    """Call ``startup`` once per plugin, only for the plugins that own ``names`` (and plugins that
    own no analyzer), so a test of one plugin does not warm every installed plugin's models."""
    started = _shared_host(settings)[1]
    wanted = {host.owner.get(n) for n in names} | {p["name"] for p in host.plugins if not p["analyzers"]}
    todo = {name for name, _ in host.pm.list_name_plugin()} & wanted - started
    if todo:
        others = [plugin for name, plugin in host.pm.list_name_plugin() if name not in todo]
        host.pm.subset_hook_caller("startup", remove_plugins=others)(app=None, role="cli")
        started |= todo


class KitPipeline(Pipeline):
    """A :class:`Pipeline` with a shortcut to analyze one text or document."""

    def analyze(self, text_or_document: str | dict, analyzers: Iterable[str] | None = None) -> dict[str, dict]:
        """Run ``analyzers`` (default: all of this pipeline's) and return ``{name: section}``;
        a section has ``status``, ``version``, ``duration_ms`` and ``result`` or ``error``."""
        document = {"text": text_or_document} if isinstance(text_or_document, str) else dict(text_or_document)
        document.setdefault("id", "test")
        return self.run(document, self.plan(analyzers))


def make_pipeline(*analyzers: str | Analyzer, config: dict[str, dict] | None = None) -> KitPipeline:
    """An in-process pipeline with only ``analyzers`` (names of installed analyzers, or
    :class:`Analyzer` objects not installed yet) and the analyzers they require; with no
    ``analyzers``, every installed one. Only the plugins involved are started.

    ``config`` maps analyzer name to settings, as ``NEWSDESK_ANALYZER__<NAME>__<KEY>`` would.
    """
    pipeline = _unstarted_pipeline(config)
    host = pipeline.host
    names = []
    for an in analyzers:
        if isinstance(an, Analyzer):
            validate_meta(an.meta)
            host.analyzers[an.name] = an
            host.owner[an.name] = "(under test)"
            host.declared.add(an.name)
            names.append(an.name)
        else:
            names.append(an)
    keep = pipeline.plan(names or None)  # raises UnknownAnalyzer naming what is not installed
    host.analyzers = {n: host.analyzers[n] for n in keep}
    pipeline.config  # bad settings fail here, as at the service's start-up
    _start(host, pipeline.settings, keep)
    return pipeline


def _unstarted_pipeline(config: dict[str, dict] | None = None) -> KitPipeline:
    """Every installed analyzer, on a copy of the shared host that callers may add to."""
    settings = kit_settings(config)
    shared = _shared_host(settings)[0]
    host = PluginHost(shared.pm, dict(shared.analyzers), shared.plugins, shared.problems, dict(shared.owner),
                      set(shared.declared), list(shared.declared_facets))
    return KitPipeline(host, settings)


def parse(nlp, text: str):
    """The parse of ``text`` by the shared pipeline ``nlp``; up to 100,000 characters it is cached,
    so the checks of several analyzers share it (the parse of a 1 MB text holds too much memory to keep)."""
    return _parse(nlp, text) if len(text) <= 100_000 else nlp(text)


@lru_cache(maxsize=16)
def _parse(nlp, text: str):
    return nlp(text)


# --- the contract check -------------------------------------------------------------------------

class _Where:
    """Remembers where an analyzer's last exception came from, for the report."""

    last: dict[str, str] = {}

    @hookimpl(wrapper=True)
    def run_analyzer(self, analyzer):
        try:
            return (yield)
        except BaseException as exc:
            frames = [f for f in traceback.extract_tb(exc.__traceback__)
                      if Path(f.filename).name != "pipeline.py" and "pluggy" not in f.filename]
            source = Path(getattr(getattr(analyzer.func, "__code__", None), "co_filename", "?"))
            home = source.parent if (source.parent / "__init__.py").exists() else source  # its package
            own = [f for f in frames if Path(f.filename).is_relative_to(home)]
            where = [f"{f.filename}:{f.lineno} in {f.name}" for f in (own[-1:] + frames[-1:])]
            if where:  # the plugin's own line first, then where it was raised if that is elsewhere
                _Where.last[analyzer.name] = where[0] + (f", raised in {where[1]}" if where[1:] != where[:1] else "")
            raise


def _fingerprint(doc) -> str | None:
    """A digest of the parse: annotations, spans and extension values."""
    if doc is None:
        return None
    return hashlib.sha256(doc.to_bytes(exclude=["tensor"])).hexdigest()


def _describe_failure(name: str, section: dict) -> str:
    error = section.get("error") or {}
    text = error.get("detail") or error.get("title") or "failed"
    if "errors" in error:
        text += ": " + json.dumps(error["errors"], ensure_ascii=False)[:500]
    where = _Where.last.pop(name, None)
    return f"{text} (at {where})" if where else text


def _first_difference(a, b, path="result") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return path


def check_analyzer(analyzer: str | Analyzer, *, config: dict[str, dict] | None = None,
                   huge_chars: int = HUGE_CHARS, report: Callable[[str], None] | None = None) -> list[str]:
    """Check one analyzer against the plugin contract; return the problems found (empty: it passes).

    ``analyzer`` is an installed analyzer's name or an :class:`Analyzer` object. Checked: valid
    metadata, a describable output schema, requirements that installed analyzers provide; then on
    every sample text (news with all document fields, empty, whitespace, punctuation, Cyrillic,
    Arabic, CJK, control characters, mixed scripts, a 30,000-character token and ``huge_chars`` of
    prose) that it finishes within its time limit without raising, that its output validates against
    its schema, that it leaves the document, the parse and the outputs it requires unchanged, and
    (except on ``huge``) that a second run gives the same output. ``report`` receives one line per step.
    """
    say = report or (lambda line: None)
    name = analyzer.name if isinstance(analyzer, Analyzer) else analyzer
    problems: list[str] = []
    by_sample: dict[str, list[str]] = {}  # failure -> samples, so a repeated failure is listed once

    def problem(text: str, sample: str | None = None) -> None:
        if sample is None:
            problems.append(f"{name}: {text}")
            say(f"  FAIL  {text}")
        else:
            say(f"  FAIL  {sample}: " + ("the same" if text in by_sample else text))
            by_sample.setdefault(text, []).append(sample)

    def result() -> list[str]:
        return problems + [f"{name}: {', '.join(names)}: {text}" for text, names in by_sample.items()]

    pipeline = _unstarted_pipeline(config)
    host = pipeline.host
    if isinstance(analyzer, Analyzer):
        host.analyzers[name] = analyzer
        host.owner[name] = "(under test)"
        host.declared.add(name)
    try:
        pipeline.config
    except SettingsError as exc:
        problem(str(exc))
        return result()
    if name not in host.analyzers:
        known = [p["message"] for p in host.problems if p.get("analyzer") == name]
        problem("; ".join(known) or f"no installed analyzer is named {name!r} "
                f"(installed: {', '.join(sorted(host.analyzers)) or 'none'})")
        return result()
    meta = host.analyzers[name].meta
    say(f"{name} {meta.version} (plugin {host.owner.get(name)}, contract {meta.contract})")
    if not _check_meta(host.analyzers[name], host, problem):
        return result()
    names = pipeline.plan([name])
    _start(host, pipeline.settings, names)
    needs_parse = any(host.analyzers[n].meta.needs_parse for n in names)
    limit = meta.time_limit or pipeline.settings.analyzer_time_limit
    say(f"  ok    metadata, output schema, requirements ({', '.join(meta.requires) or 'none'}); "
        f"time limit {limit:g} s")
    timeouts = 0
    for sample, text in samples(huge_chars).items():
        document = {"id": f"check-{sample}", "text": text, **(NEWS_FIELDS if sample == "news" else {})}
        before = copy.deepcopy(document)
        if sample == "huge" and needs_parse:
            say(f"  ..    huge: parsing {len(text):,} characters with spaCy first (slow)")
        doc = parse(pipeline.nlp, text) if needs_parse else None
        digest = _fingerprint(doc) if sample != "huge" else None
        earlier = pipeline.run(document, names[:-1], doc=doc)
        failed = [n for n in names[:-1] if earlier[n]["status"] != "done"]
        if failed:
            problem(f"required analyzer {failed[0]} failed: {_describe_failure(failed[0], earlier[failed[0]])}",
                    sample)
            continue
        inputs = json.dumps(earlier, sort_keys=True)
        section = pipeline.run_one(name, document, doc, earlier)
        if section["status"] != "done":
            problem(_describe_failure(name, section), sample)
            timeouts += section["error"]["type"].endswith("/analyzer-timeout")
            if timeouts == 3:
                problem("timed out on 3 samples; the other samples were not tried")
                break
            continue
        if section["duration_ms"] > limit * 1000:
            problem(f"took {section['duration_ms']:.0f} ms, over its time limit of {limit:g} s", sample)
        if document != before:
            problem("changed the document dict it was given", sample)
        if json.dumps(earlier, sort_keys=True) != inputs:
            problem("changed the outputs of the analyzers it requires", sample)
        if digest and _fingerprint(doc) != digest:
            problem("changed the shared spaCy parse (other analyzers read it too)", sample)
        if sample != "huge":
            second = pipeline.run_one(name, document, doc, earlier)
            if second["status"] != "done":
                problem(f"failed on a second run: {_describe_failure(name, second)}", sample)
                continue
            if second["result"] != section["result"]:
                problem("not deterministic: a second run gave a different output (first difference "
                        f"at {_first_difference(section['result'], second['result'])})", sample)
                continue
        say(f"  ok    {sample:<12} {len(text):>9,} chars {section['duration_ms']:>10.1f} ms"
            + ("" if sample == "huge" else "; same output twice"))
    return result()


def _check_meta(an: Analyzer, host: PluginHost, problem: Callable[[str], None]) -> bool:
    """Metadata checks beyond :func:`validate_meta`; False when the analyzer cannot be run."""
    from .schemas import schema_to_jsonschema

    meta = an.meta
    ok = True
    try:
        validate_meta(meta)
    except AnalyzerError as exc:
        problem(f"metadata: {exc}")
        return False
    if not meta.description:
        problem("metadata: no description (pass description= or give the function a docstring)")
    try:
        meta.output_schema()
        schema_to_jsonschema(meta.output_schema)
    except Exception as exc:
        problem(f"metadata: output_schema cannot be described for GET /v1/analyzers: {type(exc).__name__}: {exc}")
        ok = False
    try:
        json.dumps(meta.default_config)
    except (TypeError, ValueError) as exc:
        problem(f"metadata: default_config is not JSON: {exc}")
    missing = [r for r in meta.analyzer_requires if r not in host.analyzers or r == meta.name]
    if missing:
        problem(f"requirements: requires {', '.join('analysis.' + m for m in missing)}, "
                f"which no installed analyzer provides (installed: {', '.join(sorted(host.analyzers))})")
        ok = False
    return ok


def check_plugin(name: str, *, huge_chars: int = HUGE_CHARS, config: dict[str, dict] | None = None,
                 report: Callable[[str], None] | None = None) -> list[str]:
    """Check every analyzer of the installed plugin ``name`` (an entry point name or a module of
    ``NEWSDESK_PLUGIN_MODULES``), with the plugin's own problems (import errors, invalid
    registrations, unmet requirements); a name that is no plugin is checked as an analyzer."""
    say = report or (lambda line: None)
    host = _unstarted_pipeline(config).host
    info = next((p for p in host.plugins if p["name"] == name), None)
    if info is None:
        return check_analyzer(name, huge_chars=huge_chars, config=config, report=report)
    say(f"plugin {name} {info.get('version') or ''} ({info['module']}): {info['status']}")
    problems = [f"{name}: {p['message']}" for p in host.problems if p["plugin"] == name]
    if info["status"] == "loaded" and not info["analyzers"] and not problems:
        problems.append(f"{name}: the plugin registers no analyzers (is register_analyzers a @hookimpl?)")
    for line in problems:
        say(f"  FAIL  {line}")
    for an in info["analyzers"]:
        problems += check_analyzer(an, huge_chars=huge_chars, config=config, report=report)
    return problems


def assert_contract(analyzer: str | Analyzer, **kwargs) -> None:
    """Raise ``AssertionError`` listing every contract problem of ``analyzer`` (see :func:`check_analyzer`)."""
    lines: list[str] = []
    problems = check_analyzer(analyzer, report=lines.append, **kwargs)
    if problems:
        raise AssertionError(f"{len(problems)} contract problem(s):\n  " + "\n  ".join(problems)
                             + "\n\nfull report:\n" + "\n".join(lines))


@click.command("check")
@click.argument("name")
@click.option("--huge-chars", type=click.IntRange(0), default=HUGE_CHARS, show_default=True,
              help="Size of the huge sample text (0 leaves it out).")
def check(name, huge_chars):
    """Run the contract check on an installed plugin or analyzer NAME; exit 1 on problems."""
    start = time.perf_counter()
    logging.disable(logging.CRITICAL)  # the report says what failed and where; tracebacks are noise
    try:
        problems = check_plugin(name, huge_chars=huge_chars, report=click.echo)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        logging.disable(logging.NOTSET)
    took = time.perf_counter() - start
    if problems:
        click.echo(f"\n{name}: {len(problems)} problem(s) ({took:.1f} s):")
        for line in problems:
            click.echo(f"  - {line}")
        sys.exit(1)
    click.echo(f"\n{name}: passes the plugin contract check ({took:.1f} s)")


if "pytest" in sys.modules:  # loaded by pytest (``pytest_plugins = ["newsdesk.testing"]``): fixtures
    import pytest

    @pytest.fixture(scope="session")
    def newsdesk_pipeline():
        """``newsdesk_pipeline(*analyzers, config=None)`` -> a :class:`KitPipeline` (see :func:`make_pipeline`)."""
        return make_pipeline

    @pytest.fixture(scope="session")
    def newsdesk_samples():
        """The contract check's sample texts, without ``huge`` (see :func:`huge_text`)."""
        return samples(huge_chars=0)

    @pytest.fixture(scope="session")
    def newsdesk_check():
        """``newsdesk_check(analyzer, **kwargs)``: :func:`assert_contract`."""
        return assert_contract
