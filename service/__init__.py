"""Newsdesk: the host. Plugins import only from here."""
from .analyzers import Analyzer, AnalyzerMeta, Context, Facet, Term, analyzer
from .devdata import dev_data, dev_documents
from .evaluation import in_check_part, interval, progress, summed, tail_figures, timing, timing_line
from .hookspecs import CONTRACT_VERSION, hookimpl

__all__ = ["Analyzer", "AnalyzerMeta", "CONTRACT_VERSION", "Context", "Facet", "Mark", "SectionView", "Settings", "SettingsError", "Term", "analyze_documents", "analyzer",
           "create_app", "dev_data", "dev_documents", "hookimpl", "in_check_part", "in_process_pipeline", "load_nlp", "parse_cached",
           "interval", "progress", "summed", "tail_figures", "timing", "timing_line"]

#: Imported when first used: Flask, Celery and spaCy are not needed by every process that imports us.
_LAZY = {"create_app": "app", "Settings": "config", "SettingsError": "config", "in_process_pipeline": "cli", "analyze_documents": "cli",
         "load_nlp": "pipeline", "parse_cached": "pipeline",
         "Mark": "views", "SectionView": "views"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
