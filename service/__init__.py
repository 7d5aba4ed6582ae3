"""Newsdesk: the host. Plugins import only from here."""
from .analyzers import Analyzer, AnalyzerMeta, Context, analyzer
from .devdata import dev_data
from .hookspecs import CONTRACT_VERSION, hookimpl

__all__ = ["Analyzer", "AnalyzerMeta", "CONTRACT_VERSION", "Context", "analyzer", "dev_data", "hookimpl", "create_app"]


def __getattr__(name):  # create_app pulls in Flask; plugins and workers need not pay for it
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
