"""Reading documents for the CLI: plain text, web pages, JSON and JSON Lines in the API's request format."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterator

from marshmallow import ValidationError

from .html import PageError, decode, document_from_page
from .language import with_language
from .schemas import DocumentIn

TEXT_SUFFIXES = {".txt", ".text", ""}
HTML_SUFFIXES = {".html", ".htm"}


def _validated(raw: dict, origin: str) -> dict:
    try:
        document = DocumentIn().load(raw)
    except ValidationError as exc:
        raise ValueError(f"{origin}: invalid document: {exc.messages}") from None
    if "text" not in document and "html" not in document:
        raise ValueError(f"{origin}: no text or html (newsdesk analyze does not fetch URLs)")
    if "html" in document:  # a web page: its article text and metadata, as the API extracts them
        try:
            document = document_from_page(document)
        except PageError as exc:
            raise ValueError(f"{origin}: {exc.detail}") from None
    return with_language(document)


def read_documents(paths: list[str]) -> Iterator[tuple[str, dict]]:
    """Yield ``(id, document)`` for every file (folders are walked, ``-`` is stdin)."""
    for p in paths:
        if p == "-":
            data = sys.stdin.read()
            stripped = data.lstrip()
            if stripped.startswith("{"):
                yield from _from_json_text(data, "stdin")
            elif stripped[:15].lower().startswith(("<!doctype html", "<html")):
                yield "stdin", _validated({"html": data}, "stdin")
            else:
                yield "stdin", _validated({"text": data}, "stdin")
            continue
        path = Path(p)
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.name.startswith("."):
                continue
            if f.suffix.lower() in HTML_SUFFIXES:
                try:
                    html = decode(f.read_bytes())
                except PageError as exc:
                    raise ValueError(f"{f}: {exc.detail}") from None
                yield f.stem, _validated({"html": html}, str(f))
            elif f.suffix in (".json", ".jsonl"):
                yield from _from_json_text(f.read_text(encoding="utf-8"), str(f))
            elif f.suffix in TEXT_SUFFIXES or path == f:
                yield f.stem, _validated({"text": f.read_text(encoding="utf-8")}, str(f))


def _from_json_text(data: str, origin: str) -> Iterator[tuple[str, dict]]:
    try:
        items = [json.loads(data)]
        if isinstance(items[0], list):
            items = items[0]
    except json.JSONDecodeError:
        items = [json.loads(line) for line in data.splitlines() if line.strip()]
    for i, item in enumerate(items):
        doc_id = str(item.pop("id", None) or item.pop("doc_id", None) or f"{Path(origin).stem}-{i}")
        known = {k: v for k, v in item.items() if k in DocumentIn().fields}
        yield doc_id, _validated(known, f"{origin}[{i}]")
