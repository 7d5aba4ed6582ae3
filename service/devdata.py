"""Where the development corpora are: ``NEWSDESK_DEV_DATA``, else ``../shared/data`` beside the repository."""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

ENV = "NEWSDESK_DEV_DATA"


def dev_data(*parts: str) -> Path:
    """The path of ``parts`` under the development data folder (which may not exist here).

    The corpora are for development only: they stay out of the repository, the package and the
    image; evaluation, training and the tests that need them read them from here.
    """
    if os.environ.get(ENV):
        base = Path(os.environ[ENV])
    else:
        candidates = [Path(__file__).resolve().parents[1].parent / "shared" / "data",  # editable install
                      Path.cwd().parent / "shared" / "data"]
        base = next((c for c in candidates if c.is_dir()), candidates[0])
    return base.joinpath(*parts)


def as_sent(doc: dict) -> dict:
    """What a client sends: ``read_documents`` also adds what the service derives (the language)."""
    return {k: doc[k] for k in ("text", "title", "published_at") if doc.get(k)}


def dev_documents(limit: int | None) -> list[dict]:
    """Documents to time the pipeline on: the seeds, then (when the development corpora exist) PolNeAR dev
    and BBC News texts, as a client would send them (``newsdesk bench`` and ``eval entities --speed``).

    The corpora are read at run time and never copied; the order is a fixed shuffle so any
    ``limit`` mixes the sources. Fewer documents than ``limit`` are repeated.
    """
    from .documents import read_documents

    seeds = [as_sent(doc) for _, doc in read_documents([str(Path(__file__).resolve().parents[1] / "seeds")])]
    extra: list[dict] = []
    for path, date_key in ((dev_data("quotes") / "dev.jsonl", "publication_date"),
                           (dev_data("bbc-news") / "train.jsonl", None)):
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                doc = {"text": row["text"], "title": row.get("title")}
                if date_key and row.get(date_key):
                    doc["published_at"] = row[date_key]
                extra.append({k: v for k, v in doc.items() if v})
    random.Random(0).shuffle(extra)
    pool = seeds + extra
    if limit is None:
        return pool
    return [pool[i % len(pool)] for i in range(limit)]
