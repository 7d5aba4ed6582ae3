"""The plugin contract: pluggy markers and every hook a Newsdesk plugin may implement.

Hooks are called with keyword arguments; an implementation may accept any subset of a hook's
arguments, so arguments can be added later without breaking plugins.
"""
import pluggy

#: Version of the plugin contract. A plugin built for another major version is refused.
#: 2.1: hook ``spacy_components`` (plugins change the shared spaCy pipeline once, when it is loaded).
#: 2.0: the host is imported as ``newsdesk`` (was ``service``); hooks ``register_facets``,
#: ``register_commands`` and ``section_view``; ``@analyzer(config_schema=...)`` and settings checked at start-up;
#: ``@analyzer(languages=...)`` (documents in other languages get a ``skipped`` section) and the
#: ``document.page`` requirement (what was extracted from a web page, with its publication date).
#: 1.1: ``@analyzer(opt_in=True)``. 1.0: the first contract.
CONTRACT_VERSION = "2.1"

hookspec = pluggy.HookspecMarker("newsdesk")
hookimpl = pluggy.HookimplMarker("newsdesk")


@hookspec
def startup(app, role):
    """Run once per process after the plugins are loaded.

    ``app`` is the Flask app (``None`` in the in-process CLI); ``role`` is ``"api"``, ``"worker"``
    or ``"cli"``. Warm models here when ``role`` runs analyzers (not ``"api"``), never at import.
    """


@hookspec
def register_analyzers():
    """Return a list of :class:`newsdesk.Analyzer` objects this plugin provides."""


@hookspec(firstresult=True)
def run_analyzer(analyzer, document, context):
    """Run one analyzer and return its output (a JSON-able dict).

    ``document`` is the stored document dict, ``context`` a :class:`newsdesk.Context`.
    The host's default implementation (``trylast``) calls ``analyzer.analyze(document, context)``;
    plugins add ``wrapper=True`` implementations for timing, caching or retries.
    """


@hookspec
def analysis_completed(document, results):
    """Called once a document's plan has finished (``results`` maps analyzer name to section).

    Return values are ignored; an exception is logged and never fails the document.
    """


@hookspec
def register_facets():
    """Return a list of :class:`newsdesk.Facet`: search filters your analyzers' results contribute.

    Each facet names the analyzer whose result it indexes; the host writes the index entries when
    that result is stored, adds ``?<name>=`` (or ``<name>_from``/``<name>_to`` for dates) to
    ``GET /v1/documents`` and its OpenAPI parameters, and drops facets of analyzers not loaded.
    """


@hookspec
def register_commands(cli):
    """Add click commands to the ``newsdesk`` command line.

    ``cli`` is the root group; its ``eval`` and ``train`` groups take an analyzer's evaluation and
    training commands: ``cli.commands["eval"].add_command(command, name="<analyzer>")``. Import
    heavy modules inside the command, not here: this runs on every ``newsdesk`` invocation.
    """


@hookspec(firstresult=True)
def section_view(name, result, document):
    """Return a :class:`newsdesk.SectionView` showing analyzer ``name``'s ``result`` on the page.

    ``result`` is the section's output (only finished sections are shown this way), ``document``
    the stored document dict (``text``, ``title``, ...). Return ``None`` for analyzers that are not
    yours. The host's fallback (``trylast``) shows the result as JSON.
    """


@hookspec
def spacy_components(nlp):
    """Change the shared spaCy pipeline ``nlp`` once, when a process loads it (add, replace or
    remove components), so every analyzer sees one parse.

    Record each change in ``nlp.meta["newsdesk_components"]`` (component name -> what replaced it,
    with a version): caches of parses (``parse_cached``) are keyed on it.
    """
