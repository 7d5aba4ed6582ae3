"""The host's own hook implementations, registered like any plugin's (``trylast``: plugins go first)."""
from .hookspecs import hookimpl


@hookimpl(trylast=True)
def run_analyzer(analyzer, document, context):
    """Default implementation: call the analyzer itself."""
    return analyzer.analyze(document, context)


@hookimpl(trylast=True)
def section_view(result):
    """Default page view of a section: its JSON."""
    from .views import json_view

    return json_view(result)
