"""``newsdesk eval entities GOLD.conll``: exact-match P/R/F1 for PER, ORG, LOC against bare spaCy.

The baseline is the stock pipeline (en_core_web_sm, without the plugins' ``spacy_components``) on
the same texts. ``--part check`` scores only the fixed check part of the file (article ``n``, 0-based,
where ``newsdesk.in_check_part(f"{file name}:{n}")``), ``--part tune`` the rest; nothing is tuned
or chosen on the check part. ``--speed N`` also times ``newsdesk analyze`` (every default analyzer,
in process) against the bare stock parse of the same N development documents, in one run.
"""
from __future__ import annotations

import json
import time
from collections import Counter

import click

from .conll import read_conll, split_parts

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
@click.option("--part", type=click.Choice(["all", "tune", "check"]), default="all", show_default=True,
              help="Score the whole file, or only its tune or check part (newsdesk.in_check_part).")
@click.option("--show-errors", default=0, help="print up to N missed/spurious spans to stderr (not on check)")
@click.option("--speed", type=int, default=0, help="also time `newsdesk analyze` against the bare parse on N documents")
def cli(gold, limit, part, show_errors, speed):
    """Score the entities analyzer and the bare spaCy NER on a CoNLL-2003 file (IOB1)."""
    from pathlib import Path

    from newsdesk import in_process_pipeline, interval, load_nlp, progress, summed, tail_figures, timing, timing_line

    documents = read_conll(gold, limit)
    if part != "all":
        documents = split_parts(documents, Path(gold).name)[part == "check"]
    if part == "check":
        show_errors = 0  # the check part's errors are not read one by one
    pipeline = in_process_pipeline()
    stock = load_nlp(pipeline.settings.spacy_model)  # the bare pipeline: stock NER, no plugin components
    names = pipeline.plan(["entities"])
    ours, base = Counter(), Counter()
    per_doc: list[Counter] = []  # each document's counts, for the bootstrap interval
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
        bare = list(stock.pipe(texts, batch_size=batch))
        for n, (document, text, doc, bare_doc) in enumerate(zip(chunk, texts, docs, bare)):
            section = pipeline.run({"id": str(first + n), "text": text}, names, doc=doc)["entities"]
            ms_by_doc[str(first + n)] = section.get("duration_ms", 0.0)  # as the host measures it
            if section["status"] != "done":
                raise click.ClickException(f"document {first + n}: {section.get('error')}")
            gold_spans = set(document.char_entities())
            predicted = our_spans(section["result"])
            per_doc.append(Counter())
            tally(per_doc[-1], gold_spans, predicted)
            ours.update(per_doc[-1])
            tally(base, gold_spans, spacy_spans(bare_doc))
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
    spread = {f"{key}_f1_ci95": interval(per_doc, lambda docs, t=t: score(summed(docs))[t]["f1"])
              for key, t in (("micro", "micro"), ("org", "ORG"))}
    click.echo(f"95% interval over documents (bootstrap): micro F1 {spread['micro_f1_ci95'][0]:.3f}-"
               f"{spread['micro_f1_ci95'][1]:.3f}, ORG F1 {spread['org_f1_ci95'][0]:.3f}-{spread['org_f1_ci95'][1]:.3f}")
    docs_n = max(len(documents), 1)
    times = timing(ms_by_doc)
    click.echo(f"cost: parse {parse_s * 1000 / docs_n:.1f} ms/doc, {timing_line(times, 'entities')}")
    out = {
        "micro_f1": figures["micro"]["f1"], "baseline_micro_f1": baseline["micro"]["f1"],
        **spread, "per_type": {t: figures[t] for t in TYPES}, "baseline_per_type": {t: baseline[t] for t in TYPES},
        "documents": len(documents), "part": part, "parse_ms_per_doc": round(parse_s * 1000 / docs_n, 2),
        "analyzer_ms_per_doc": round(sum(ms_by_doc.values()) / docs_n, 2), "ms_per_doc": times["ms_per_doc"],
        **tail_figures(times),
    }
    if speed:
        out.update(speed_ratio(pipeline, stock, speed))
        click.echo(f"speed: analyze {out['analyze_docs_per_s']} docs/s, bare parse {out['bare_docs_per_s']} "
                   f"docs/s, ratio {out['speed_ratio']} on {out['speed_documents']} documents (rounds: "
                   f"{', '.join(map(str, out['speed_ratio_rounds']))})")
    click.echo(json.dumps(out))


def speed_ratio(pipeline, stock, n: int, rounds: int = 3, batch: int = 16) -> dict:
    """``newsdesk analyze`` (every default analyzer, in process) against the bare stock parse of the
    same ``n`` development documents (``newsdesk.dev_documents``), paired batch by batch: each batch
    of ``batch`` documents is parsed bare and analysed back to back, in alternating order, so a slow
    spell of a shared machine weighs on both sides alike. Docs per second come from the summed times;
    ``speed_ratio_rounds`` gives each round's ratio, to show the spread."""
    from newsdesk import analyze_documents, dev_documents

    docs = dev_documents(n)
    items = [(f"s{i}", d) for i, d in enumerate(docs)]
    batches = [items[i:i + batch] for i in range(0, len(items), batch)]
    list(analyze_documents(pipeline, items[:2]))  # warm-up: lazy loads are not a document's cost
    list(stock.pipe([d.get("text") or "" for _, d in items[:2]]))

    def bare(chunk):
        list(stock.pipe([d.get("text") or "" for _, d in chunk], batch_size=batch))

    def full(chunk):
        list(analyze_documents(pipeline, chunk, batch_size=batch))

    per_round = []
    for r in range(rounds):
        spent = {bare: 0.0, full: 0.0}
        for k, chunk in enumerate(batches):
            for run in ((bare, full) if (r + k) % 2 == 0 else (full, bare)):
                started = time.perf_counter()
                run(chunk)
                spent[run] += time.perf_counter() - started
        per_round.append((spent[bare], spent[full]))
    bare_s, analyze_s = (sum(t[i] for t in per_round) for i in (0, 1))
    n = len(items)
    return {"analyze_docs_per_s": round(rounds * n / analyze_s, 2), "bare_docs_per_s": round(rounds * n / bare_s, 2),
            "speed_ratio": round(bare_s / analyze_s, 3),
            "speed_ratio_rounds": [round(b / a, 3) for b, a in per_round], "speed_documents": n}
