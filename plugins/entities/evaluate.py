"""``newsdesk eval entities GOLD.conll``: exact-match P/R/F1 for PER, ORG, LOC against bare spaCy."""
from __future__ import annotations

import json
import time
from collections import Counter

import click

from .conll import read_conll

TYPES = ("PER", "ORG", "LOC")
OURS = {"person": "PER", "organization": "ORG", "location": "LOC"}
SPACY = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}


def our_spans(result: dict) -> set[tuple[int, int, str]]:
    return {(m["start"], m["end"], OURS[e["type"]])
            for e in result["entities"] if e["type"] in OURS for m in e["mentions"]}


def spacy_spans(doc) -> set[tuple[int, int, str]]:
    return {(e.start_char, e.end_char, SPACY[e.label_]) for e in doc.ents if e.label_ in SPACY}


def score(counts: Counter) -> dict:
    """Per-type and micro precision/recall/F1 from ``(type, tp|fp|fn)`` counts."""
    def prf(tp, fp, fn):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4),
                "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "support": tp + fn}

    out = {t: prf(counts[t, "tp"], counts[t, "fp"], counts[t, "fn"]) for t in TYPES}
    out["micro"] = prf(*(sum(counts[t, k] for t in TYPES) for k in ("tp", "fp", "fn")))
    return out


def tally(counts: Counter, gold: set, predicted: set) -> None:
    for t in TYPES:
        g = {s for s in gold if s[2] == t}
        p = {s for s in predicted if s[2] == t}
        counts[t, "tp"] += len(g & p)
        counts[t, "fp"] += len(p - g)
        counts[t, "fn"] += len(g - p)


@click.command()
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@click.option("--limit", type=int, help="only the first N documents")
@click.option("--show-errors", default=0, help="print up to N missed/spurious spans to stderr")
def cli(gold, limit, show_errors):
    """Score the entities analyzer and the bare spaCy NER on a CoNLL-2003 file (IOB1)."""
    from newsdesk import in_process_pipeline, progress, tail_figures, timing, timing_line

    documents = read_conll(gold, limit)
    pipeline = in_process_pipeline()
    names = pipeline.plan(["entities"])
    ours, base = Counter(), Counter()
    parse_s = 0.0
    ms_by_doc: dict[str, float] = {}  # the analyzer's own time per document (key: its number)
    errors = []
    batch = 16
    for first in progress(range(0, len(documents), batch), desc="entities eval"):
        chunk = documents[first:first + batch]
        texts = [d.text_and_offsets()[0] for d in chunk]
        started = time.perf_counter()
        docs = pipeline.parse_many(texts, batch)
        parse_s += time.perf_counter() - started
        for n, (document, text, doc) in enumerate(zip(chunk, texts, docs)):
            section = pipeline.run({"id": str(first + n), "text": text}, names, doc=doc)["entities"]
            ms_by_doc[str(first + n)] = section.get("duration_ms", 0.0)  # as the host measures it
            if section["status"] != "done":
                raise click.ClickException(f"document {first + n}: {section.get('error')}")
            gold_spans = set(document.char_entities())
            predicted = our_spans(section["result"])
            tally(ours, gold_spans, predicted)
            tally(base, gold_spans, spacy_spans(doc))
            errors += [("missed", text[s:e], t) for s, e, t in gold_spans - predicted if t in TYPES]
            errors += [("spurious", text[s:e], t) for s, e, t in predicted - gold_spans]
    figures, baseline = score(ours), score(base)
    for name, table in (("entities", figures), ("spacy", baseline)):
        for t in (*TYPES, "micro"):
            row = table[t]
            click.echo(f"{name:9} {t:6} P {row['precision']:.4f} R {row['recall']:.4f} "
                       f"F1 {row['f1']:.4f} (n={row['support']})")
    for kind, text, t in errors[:show_errors]:
        click.echo(f"{kind:8} {t} {text!r}", err=True)
    docs_n = max(len(documents), 1)
    times = timing(ms_by_doc)
    click.echo(f"cost: parse {parse_s * 1000 / docs_n:.1f} ms/doc, {timing_line(times, 'entities')}")
    click.echo(json.dumps({
        "micro_f1": figures["micro"]["f1"], "baseline_micro_f1": baseline["micro"]["f1"],
        "per_type": {t: figures[t] for t in TYPES}, "baseline_per_type": {t: baseline[t] for t in TYPES},
        "documents": len(documents), "parse_ms_per_doc": round(parse_s * 1000 / docs_n, 2),
        "analyzer_ms_per_doc": round(sum(ms_by_doc.values()) / docs_n, 2), **tail_figures(times),
    }))
