"""The plugin contract: pluggy markers and every hook a Newsdesk plugin may implement.

Hooks are called with keyword arguments; an implementation may accept any subset of a hook's
arguments, so arguments can be added later without breaking plugins.
"""
import pluggy

#: Version of the plugin contract. A plugin built for another major version is refused.
CONTRACT_VERSION = "1.1"

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
