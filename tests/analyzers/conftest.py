"""Fixtures for the built-in analyzers: one in-process pipeline (real spaCy) for the session."""
from pathlib import Path

import pytest

from newsdesk.cli import analyze_documents
from newsdesk.config import Settings
from newsdesk.pipeline import Pipeline
from newsdesk.plugins import build_plugin_host, run_startup

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="session")
def pipeline():
    settings = Settings()
    host = build_plugin_host(settings)
    run_startup(host, None, "cli")
    return Pipeline(host, settings)


@pytest.fixture(scope="session")
def analyze(pipeline):
    """``analyze(text, analyzers=None, **fields)`` -> the document body, as the API returns it."""

    def run(text, analyzers=None, **fields):
        return next(analyze_documents(pipeline, [("t", {"text": text, **fields})], analyzers))

    return run


@pytest.fixture(scope="session")
def seeds(pipeline):
    """Every seed article analysed once: ``{file stem: document body}``."""
    items = [(p.stem, {"text": p.read_text(encoding="utf-8")}) for p in sorted(SEEDS.glob("*.txt"))]
    return {body["id"]: body for body in analyze_documents(pipeline, items)}
