"""``newsdesk eval quotes GOLD.jsonl``: quote detection and attribution scores, with textacy's baseline.

Matching: a predicted and a gold quote match when their spans overlap by at least half of the
shorter one; pairs are taken by decreasing overlap ratio and each gold and each prediction is used
at most once. ``overall`` ignores the type. Per type T, only gold and predicted quotes of type T are
matched (a type mismatch counts as a miss for the gold type and a false alarm for the predicted one).
Attribution accuracy, over the overall matches: correct when the predicted speaker span overlaps the
gold speaker span; when the gold has no speaker, correct only when none is predicted.
The baseline is ``textacy.extract.triples.direct_quotations`` on the same spaCy parses; its quotes
are all direct, so it is scored against the gold direct quotes (F1) and on its own matches
(attribution).
Exact spans, as CofeNet (COLING 2022) scores PolNeAR: a content fragment, a source (speaker mention)
or a cue counts only when its span matches a gold one exactly once quotation marks, whitespace and
edge punctuation are stripped from both ends; sources and cues are the distinct spans of a document.
``overall`` is the type-blind detection figure beside the per-type ones.
PolNeAR annotates intentions and acts as attributions ("refused to recognise", "claimed
responsibility"); the analyzer reports them only with its ``intentions`` setting, which ``eval``
turns on unless ``--speech-only`` (the default output) is given.
``--part check`` scores only the fixed check part of the file (``newsdesk.in_check_part`` of the
doc id), ``--part tune`` the rest; nothing is tuned on the check part.
"""
from __future__ import annotations

import json
import time
from collections import Counter

import click

TYPES = ("direct", "indirect", "mixed")


def _overlap(a: dict, b: dict) -> int:
    return max(0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def match(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs overlapping by >= half of the shorter span."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            ov = _overlap(g, p)
            shorter = min(g["end"] - g["start"], p["end"] - p["start"])
            if ov and ov * 2 >= shorter:
                pairs.append((ov / max(g["end"] - g["start"], p["end"] - p["start"]), gi, pi))
    used_g, used_p, out = set(), set(), []
    for _, gi, pi in sorted(pairs, reverse=True):
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gi, pi))
    return out


def speaker_correct(gold: dict, pred_speaker: dict | None) -> bool:
    if gold.get("speaker_start") is None:
        return pred_speaker is None
    return pred_speaker is not None and pred_speaker["start"] < gold["speaker_end"] \
        and gold["speaker_start"] < pred_speaker["end"]


#: What exact-span matching strips from both ends of a span: whitespace, quotation marks, edge punctuation.
EDGE = " \t\r\n\"'“”‘’«»„‟`.,;:!?()[]—–-"


def exact_key(text: str, start: int | None, end: int | None) -> tuple[int, int] | None:
    """``(start, end)`` of ``text[start:end]`` without its edge characters (None for no span)."""
    if start is None or end is None:
        return None
    while start < end and text[start] in EDGE:
        start += 1
    while end > start and text[end - 1] in EDGE:
        end -= 1
    return (start, end) if start < end else None


def score_exact(text: str, gold: list[dict], pred: list[dict], c: Counter) -> None:
    """Add one document's exact-span counts for content, source and cue (keys ``exact_{role}_*``)."""
    def keys(spans, distinct: bool = True) -> Counter:
        found = [k for k in (exact_key(text, a, b) for a, b in spans) if k]
        return Counter(set(found) if distinct else found)

    def of(q: dict, field: str) -> tuple:
        return (q.get(field) or {}).get("start"), (q.get(field) or {}).get("end")

    roles = {
        "content": (keys(((q["start"], q["end"]) for q in gold), distinct=False),
                    keys(((q["start"], q["end"]) for q in pred), distinct=False)),
        "source": (keys((q.get("speaker_start"), q.get("speaker_end")) for q in gold),
                   keys(of(q, "speaker") for q in pred)),
        "cue": (keys((q.get("cue_start"), q.get("cue_end")) for q in gold), keys(of(q, "cue") for q in pred)),
    }
    for role, (g, p) in roles.items():
        c[f"exact_{role}_tp"] += sum((g & p).values())
        c[f"exact_{role}_pred"] += sum(p.values())
        c[f"exact_{role}_gold"] += sum(g.values())


def _prf(c: Counter, key: str) -> dict:
    tp, npred, ngold = c[f"{key}_tp"], c[f"{key}_pred"], c[f"{key}_gold"]
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "pred": npred, "gold": ngold}


def score_document(gold: list[dict], pred: list[dict], c: Counter, prefix: str = "") -> None:
    """Add one document's counts to ``c`` (keys ``{prefix}{type|overall}_{tp|pred|gold}``, attribution)."""
    pairs = match(gold, pred)
    c[f"{prefix}overall_tp"] += len(pairs)
    c[f"{prefix}overall_pred"] += len(pred)
    c[f"{prefix}overall_gold"] += len(gold)
    for gi, pi in pairs:
        c[f"{prefix}attr_n"] += 1
        c[f"{prefix}attr_ok"] += speaker_correct(gold[gi], pred[pi].get("speaker"))
    for t in TYPES:
        g_t = [g for g in gold if g["type"] == t]
        p_t = [p for p in pred if p["type"] == t]
        c[f"{prefix}{t}_tp"] += len(match(g_t, p_t))
        c[f"{prefix}{t}_pred"] += len(p_t)
        c[f"{prefix}{t}_gold"] += len(g_t)


def score_baseline(gold: list[dict], doc, c: Counter) -> None:
    """textacy's direct quotations on ``doc``, scored against the gold direct quotes."""
    from textacy.extract.triples import direct_quotations

    pred = []
    try:
        triples = list(direct_quotations(doc))
    except ValueError:  # textacy bails out on an odd number of quotation marks: no predictions
        triples = []
    for triple in triples:
        speaker = None
        if triple.speaker:
            speaker = {"start": min(t.idx for t in triple.speaker),
                       "end": max(t.idx + len(t) for t in triple.speaker)}
        pred.append({"start": triple.content.start_char, "end": triple.content.end_char,
                     "type": "direct", "speaker": speaker})
    g_direct = [g for g in gold if g["type"] == "direct"]
    pairs = match(g_direct, pred)
    c["base_direct_tp"] += len(pairs)
    c["base_direct_pred"] += len(pred)
    c["base_direct_gold"] += len(g_direct)
    for gi, pi in pairs:
        c["base_attr_n"] += 1
        c["base_attr_ok"] += speaker_correct(g_direct[gi], pred[pi]["speaker"])


def summary(c: Counter, documents: int) -> dict:
    out = {f"{k}_{m}": round(_prf(c, k)[m], 4) for k in (*TYPES, "overall") for m in ("p", "r", "f1")}
    out.update({f"exact_{role}_f1": round(_prf(c, f"exact_{role}")["f1"], 4)
                for role in ("content", "source", "cue")})
    out["attribution_accuracy"] = round(c["attr_ok"] / c["attr_n"], 4) if c["attr_n"] else 0.0
    out["baseline_direct_f1"] = round(_prf(c, "base_direct")["f1"], 4)
    out["baseline_attribution_accuracy"] = \
        round(c["base_attr_ok"] / c["base_attr_n"], 4) if c["base_attr_n"] else 0.0
    out["documents"] = documents
    return out


def read_gold(path: str, limit: int | None, part: str = "all") -> list[dict]:
    """The records of a JSON-lines gold file; ``part``: ``all``, or only the ``check`` or ``tune`` part."""
    from newsdesk import in_check_part

    records = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                record = json.loads(line)
                if part == "all" or in_check_part(record["doc_id"]) == (part == "check"):
                    records.append(record)
            if limit and len(records) >= limit:
                break
    return records


@click.command()
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@click.option("--limit", type=int, default=None, help="Score only the first N documents.")
@click.option("--part", type=click.Choice(["all", "tune", "check"]), default="all", show_default=True,
              help="Score the whole file, or only its tune or check part (newsdesk.in_check_part).")
@click.option("--intentions/--speech-only", default=True, show_default=True,
              help="Score with the analyzer's `intentions` setting on, PolNeAR's own scope (it annotates "
                   "intentions and acts: \"refused to\", \"claimed responsibility\"), or its default output.")
def cli(gold, limit, part, intentions):
    """Score the quotes analyzer on GOLD (JSON lines: doc_id, text, quotes) against textacy."""
    from newsdesk import in_process_pipeline, interval, progress, summed, tail_figures, timing, timing_line

    records = read_gold(gold, limit, part)
    pipeline = in_process_pipeline()
    pipeline.config["quotes"]["intentions"] = intentions
    names = pipeline.plan(["quotes"])
    c: Counter = Counter()
    per_doc: list[Counter] = []  # each document's counts, for the bootstrap interval
    parse_s = 0.0
    ms_by_doc: dict[str, float] = {}  # the quotes analyzer's own time, as the host measures it
    failed = 0
    batch = 16
    for k in progress(range(0, len(records), batch), total=-(-len(records) // batch), desc="quotes"):
        chunk = records[k:k + batch]
        t0 = time.perf_counter()
        docs = pipeline.parse_many([r["text"] for r in chunk], batch)
        parse_s += time.perf_counter() - t0
        for rec, doc in zip(chunk, docs):
            document = {"id": rec["doc_id"], "text": rec["text"], "title": rec.get("title"),
                        "published_at": rec.get("publication_date"), "source": rec.get("publisher")}
            section = pipeline.run(document, names, doc=doc)["quotes"]
            ms_by_doc[rec["doc_id"]] = section.get("duration_ms", 0.0)
            pred = (section.get("result") or {}).get("quotes", [])
            failed += section["status"] != "done"
            per_doc.append(Counter())
            score_document(rec["quotes"], pred, per_doc[-1])
            score_exact(rec["text"], rec["quotes"], pred, per_doc[-1])
            score_baseline(rec["quotes"], doc, per_doc[-1])
            c.update(per_doc[-1])
    n = len(records)
    for key in (*TYPES, "overall"):
        s = _prf(c, key)
        click.echo(f"{key if key != 'overall' else 'any type':9s} P {s['p']:.3f}  R {s['r']:.3f}  F1 {s['f1']:.3f}  "
                   f"(tp {s['tp']}, pred {s['pred']}, gold {s['gold']})")
    click.echo("exact spans: " + ", ".join(
        f"{role} F1 {_prf(c, f'exact_{role}')['f1']:.3f}" for role in ("content", "source", "cue")))
    b = _prf(c, "base_direct")
    click.echo(f"attribution accuracy {c['attr_ok'] / max(c['attr_n'], 1):.3f} on {c['attr_n']} matched quotes")
    click.echo(f"textacy baseline: direct P {b['p']:.3f}  R {b['r']:.3f}  F1 {b['f1']:.3f}; "
               f"attribution {c['base_attr_ok'] / max(c['base_attr_n'], 1):.3f} on {c['base_attr_n']}")
    times = timing(ms_by_doc)
    click.echo(f"cost: parse {1000 * parse_s / max(n, 1):.1f} ms/doc, {timing_line(times, 'quotes')}"
               f"{f', {failed} failed' if failed else ''}")
    spread = {f"{key}_f1_ci95": interval(per_doc, lambda docs, key=key: _prf(summed(docs), key)["f1"])
              for key in ("overall", "exact_content")}
    click.echo(f"95% interval over documents (bootstrap): overall F1 {spread['overall_f1_ci95'][0]:.3f}-"
               f"{spread['overall_f1_ci95'][1]:.3f}, exact content F1 {spread['exact_content_f1_ci95'][0]:.3f}-"
               f"{spread['exact_content_f1_ci95'][1]:.3f}")
    out = summary(c, n) | spread
    out.update(scope="intentions" if intentions else "speech", parse_ms_per_doc=round(1000 * parse_s / max(n, 1), 1),
               quotes_ms_per_doc=round(sum(ms_by_doc.values()) / max(n, 1), 1), **tail_figures(times))
    click.echo(json.dumps(out))
