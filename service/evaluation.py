"""Helpers every ``newsdesk eval`` command shares: the check part rule, per-document timing and the
bootstrap interval of a figure."""
from __future__ import annotations

import hashlib
import math
import random
import sys
from collections import Counter


def in_check_part(doc_id: str, percent: int = 20) -> bool:
    """Whether ``doc_id`` belongs to the fixed *check* part of a development corpus.

    The rule is chosen once and never changes: the first two bytes of the SHA-256 of the id, as a
    number below 65536, fall in the lowest ``percent`` %. Nothing is tuned on the check part and
    its errors are not read one by one; error analysis happens on the rest.
    """
    h = int.from_bytes(hashlib.sha256(doc_id.encode("utf-8")).digest()[:2], "big")
    return h < 65536 * percent / 100


def timing(ms_by_doc: dict[str, float], slowest: int = 5) -> dict:
    """An analyzer's own time per document: mean, 99th percentile (nearest rank), maximum and the
    ``slowest`` documents as ``[id, ms]``, slowest first."""
    values = sorted(ms_by_doc.values())
    if not values:
        return {"ms_per_doc": 0.0, "p99_ms_per_doc": 0.0, "max_ms_per_doc": 0.0, "slowest": []}
    p99 = values[min(len(values) - 1, math.ceil(0.99 * len(values)) - 1)]
    top = sorted(ms_by_doc.items(), key=lambda kv: -kv[1])[:slowest]
    return {"ms_per_doc": round(sum(values) / len(values), 2), "p99_ms_per_doc": round(p99, 2),
            "max_ms_per_doc": round(values[-1], 2), "slowest": [[k, round(v, 2)] for k, v in top]}


def timing_line(figures: dict, name: str) -> str:
    """The text line every eval prints from :func:`timing`'s figures, so a pathological document
    shows beside the mean: ``quotes 23.9 ms/doc (p99 81.2, max 412.0); slowest: id 412.0, ...``."""
    slow = ", ".join(f"{doc_id} {ms:.1f}" for doc_id, ms in figures["slowest"])
    return (f"{name} {figures['ms_per_doc']:.1f} ms/doc (p99 {figures['p99_ms_per_doc']:.1f}, "
            f"max {figures['max_ms_per_doc']:.1f})" + (f"; slowest: {slow}" if slow else ""))


def tail_figures(figures: dict) -> dict:
    """The keys every eval's JSON line gains from :func:`timing`: the 99th percentile and the maximum."""
    return {"p99_ms_per_doc": figures["p99_ms_per_doc"], "max_ms_per_doc": figures["max_ms_per_doc"]}


def interval(per_doc: list, figure, rounds: int = 1000, seed: int = 0) -> list[float]:
    """A 95 % bootstrap interval of ``figure`` over documents: ``figure`` scores a list of per-document
    items, here ``rounds`` samples of as many documents drawn with replacement (fixed seed, percentile
    method). The check parts are small: this says how far their figures can be trusted."""
    if not per_doc:
        return [0.0, 0.0]
    rng = random.Random(seed)
    n = len(per_doc)
    values = sorted(figure([per_doc[rng.randrange(n)] for _ in range(n)]) for _ in range(rounds))
    return [round(values[int(0.025 * rounds)], 4), round(values[math.ceil(0.975 * rounds) - 1], 4)]


def summed(counts: list[Counter]) -> Counter:
    """Per-document counts added up: a corpus's, or a bootstrap sample's for :func:`interval`."""
    total: Counter = Counter()
    for c in counts:
        total.update(c)
    return total


def progress(iterable, total=None, desc=None):
    """A progress bar on stderr when it is a terminal, else the iterable unchanged."""
    if not sys.stderr.isatty():
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr)
