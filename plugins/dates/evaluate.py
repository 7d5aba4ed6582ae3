"""``newsdesk eval dates GOLD_DIR...``: TempEval-3-style scoring of the dates analyzer on TimeML files."""
from __future__ import annotations

import html
import json
import re
import time
from collections import Counter
from pathlib import Path

import click

from .recogniser import COMBINATIONS

TAG_RE = re.compile(r"<(/?)([A-Za-z0-9_]+)([^>]*?)(/?)>")
ATTR_RE = re.compile(r'(\w+)="([^"]*)"')


def read_tml(path: Path) -> dict:
    """One TimeML file as ``{"id", "text", "dct", "timexes": [{start, end, text, type, value}]}``.

    The text is the content of ``<TEXT>`` with tags removed and entities decoded; gold offsets are
    Python str offsets into it. Only TIMEX3 inside ``<TEXT>`` are gold.
    """
    raw = path.read_text(encoding="utf-8")
    dct = None
    dct_match = re.search(r"<DCT>\s*<TIMEX3([^>]*)>", raw)
    if dct_match:
        dct = dict(ATTR_RE.findall(dct_match.group(1))).get("value")
    body = raw[raw.index("<TEXT>") + len("<TEXT>"):raw.index("</TEXT>")]
    parts: list[str] = []
    length = 0
    open_timex: list[tuple[int, dict]] = []
    timexes = []
    pos = 0
    for tag in TAG_RE.finditer(body):
        piece = html.unescape(body[pos:tag.start()])
        parts.append(piece)
        length += len(piece)
        pos = tag.end()
        if tag.group(2) != "TIMEX3" or tag.group(4):
            continue
        if tag.group(1):
            start, attrs = open_timex.pop()
            timexes.append({"start": start, "end": length, "type": attrs.get("type"),
                            "value": attrs.get("value")})
        else:
            open_timex.append((length, dict(ATTR_RE.findall(tag.group(3)))))
    parts.append(html.unescape(body[pos:]))
    text = "".join(parts)
    for t in timexes:
        t["text"] = text[t["start"]:t["end"]]
    return {"id": path.stem, "text": text, "dct": dct, "timexes": timexes}


def _prf(correct: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = correct / predicted if predicted else 0.0
    r = correct / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def counts(gold: list[dict], pred: list[dict]) -> Counter:
    """One document's matches: ``gold``, ``pred``, ``strict``, ``relaxed``, ``value``, ``type`` and per-type counts.

    Strict: identical offsets; relaxed: any overlap, each gold and predicted expression matched once.
    """
    c: Counter = Counter(gold=len(gold), pred=len(pred))
    used: set[int] = set()
    for g in gold:
        c[f"gold_{g['type']}"] += 1
        best = None
        for i, p in enumerate(pred):
            if i in used or p["end"] <= g["start"] or p["start"] >= g["end"]:
                continue
            if best is None or (p["start"], p["end"]) == (g["start"], g["end"]):
                best = i
        if best is None:
            c[f"missed_{g['type']}"] += 1
            continue
        used.add(best)
        p = pred[best]
        c["relaxed"] += 1
        c["strict"] += (p["start"], p["end"]) == (g["start"], g["end"])
        c["value"] += p["value"] == g["value"]
        c["type"] += p["type"] == g["type"]
    for p in pred:
        c[f"pred_{p['type']}"] += 1
    return c


def figures_of(c: Counter) -> dict:
    """TempEval-3 figures from :func:`counts` added up (``newsdesk.summed``). Value/type F1 = attribute
    accuracy on relaxed matches × relaxed F1 (as TempEval-3 defines it)."""
    sp, sr, sf = _prf(c["strict"], c["pred"], c["gold"])
    rp, rr, rf = _prf(c["relaxed"], c["pred"], c["gold"])
    value_acc = c["value"] / c["relaxed"] if c["relaxed"] else 0.0
    type_acc = c["type"] / c["relaxed"] if c["relaxed"] else 0.0
    per_type = {k: v for k, v in sorted(c.items()) if k.startswith(("gold_", "missed_", "pred_"))}
    return {"strict_p": sp, "strict_r": sr, "strict_f1": sf, "relaxed_p": rp, "relaxed_r": rr,
            "relaxed_f1": rf, "value_accuracy": value_acc, "type_accuracy": type_acc,
            "value_f1": value_acc * rf, "type_f1": type_acc * rf, "gold_timex": c["gold"],
            "predicted_timex": c["pred"], "per_type": per_type}


#: The fixed parts of the development data (whole corpora): nothing is tuned on ``check``.
PARTS = {"tune": (("TimeBank", ("tempeval3", "TimeBank")),),
         "check": (("AQUAINT", ("tempeval3", "AQUAINT")), ("MEANTIME", ("meantime", "tml")))}
PARTS["all"] = PARTS["tune"] + PARTS["check"]


def corpora(part: str) -> list[tuple[str, list[Path]]]:
    """``[(corpus name, .tml files)]`` of a part; ``tune-dev`` is TimeBank's held-in fifth
    (``in_check_part`` of the file id), on which the span model and its combination are chosen."""
    from newsdesk import dev_data, in_check_part

    if part == "tune-dev":
        files = sorted(dev_data("tempeval3", "TimeBank").glob("*.tml"))
        return [("TimeBank-dev", [f for f in files if in_check_part(f.stem)])]
    return [(name, sorted(dev_data(*where).glob("*.tml"))) for name, where in PARTS[part]]


def _summary(figures: dict) -> str:
    return (f"strict F1 {figures['strict_f1']:.3f}  relaxed F1 {figures['relaxed_f1']:.3f}  "
            f"value F1 {figures['value_f1']:.3f}  type acc {figures['type_accuracy']:.3f}  "
            f"(gold {figures['gold_timex']}, predicted {figures['predicted_timex']})")


@click.command()
@click.argument("gold_dirs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--part", type=click.Choice(["tune", "check", "all", "tune-dev"]), default=None,
              help="Score a fixed part of ../shared/data instead of GOLD_DIRS: tune = TimeBank, check = "
                   "AQUAINT + MEANTIME (nothing is tuned on it), all = both; tune-dev = TimeBank's held-in fifth.")
@click.option("--recogniser", type=click.Choice(COMBINATIONS), default=None,
              help="Override the analyzer's recogniser setting (rules alone, or with the learned spans).")
@click.option("--limit", type=int, default=None, help="Score only the first N files of each folder.")
@click.option("--errors", "show_errors", is_flag=True, help="Print each mismatch (for development; not on check).")
def cli(gold_dirs, part, recogniser, limit, show_errors):
    """Score the dates analyzer on TimeML (.tml) files; the DCT is passed as ``published_at``.

    Prints figures per corpus and overall; the last line is JSON with the overall figures, a
    ``corpora`` object of per-corpus figures and the analyzer's own cost per document."""
    from newsdesk import Context, in_process_pipeline, interval, progress, summed, tail_figures, timing, timing_line

    if gold_dirs and part:
        raise click.UsageError("give GOLD_DIRS or --part, not both")
    if gold_dirs:
        groups = [(d.name, sorted(d.glob("*.tml")) if d.is_dir() else [d]) for d in gold_dirs]
    else:
        groups = corpora(part or "all")
    if show_errors and part in ("check", "all"):
        raise click.UsageError("--errors is for the tune part: check errors are not read one by one")
    groups = [(name, files[:limit] if limit else files) for name, files in groups]
    docs = [(name, read_tml(f)) for name, files in groups for f in files]
    if not docs:
        raise click.ClickException("no .tml files found")
    pipeline = in_process_pipeline()
    analyzer = pipeline.analyzers["dates"]
    config = dict(pipeline.config["dates"])
    if recogniser:
        config["recogniser"] = recogniser
    if config.get("recogniser", "rules") != "rules":
        from .recogniser import load_model

        load_model()  # loaded once per process, as the worker's startup does: not a document's cost
    start = time.perf_counter()
    parsed = pipeline.parse_many([d["text"] for _, d in docs], batch_size=16)
    parse_s = time.perf_counter() - start
    pairs: dict[str, list] = {name: [] for name, _ in groups}
    ms_by_doc: dict[str, float] = {}  # the analyzer's own time per file, over the shared parse
    for (name, gold), doc in progress(zip(docs, parsed), total=len(docs), desc="dates"):
        document = {"id": gold["id"], "text": gold["text"], "published_at": gold["dct"],
                    "title": None, "url": None}
        t0 = time.perf_counter()
        result = analyzer.analyze(document, Context(doc=doc, config=config))
        ms_by_doc[gold["id"]] = 1000 * (time.perf_counter() - t0)
        pred = result["timexes"]
        pairs[name].append((gold["timexes"], pred))
        if show_errors:
            _print_errors(gold, pred)
    per_doc = {name: [counts(gold, pred) for gold, pred in p] for name, p in pairs.items() if p}
    figures = figures_of(summed([c for docs in per_doc.values() for c in docs]))
    per_corpus = {name: figures_of(summed(docs)) for name, docs in per_doc.items()}
    spread = {name: {f"{k}_ci95": interval(docs, lambda d, k=k: figures_of(summed(d))[k])
                     for k in ("strict_f1", "value_f1")} for name, docs in per_doc.items()}
    n = len(docs)
    analyze_s = sum(ms_by_doc.values()) / 1000
    times = timing(ms_by_doc)
    figures.update(documents=n, part=part or "files", recogniser=config.get("recogniser"),
                   parse_ms_per_doc=round(1000 * parse_s / n, 2),
                   analyzer_ms_per_doc=round(1000 * analyze_s / n, 2), ms_per_doc=times["ms_per_doc"],
                   **tail_figures(times), docs_per_s=round(n / (parse_s + analyze_s), 2))
    for name, f in per_corpus.items():
        click.echo(f"{name:13s} {len(pairs[name]):4d} docs  {_summary(f)}")
        click.echo(f"{'':13s} 95% interval over documents (bootstrap): strict F1 "
                   f"{spread[name]['strict_f1_ci95'][0]:.3f}-{spread[name]['strict_f1_ci95'][1]:.3f}, value F1 "
                   f"{spread[name]['value_f1_ci95'][0]:.3f}-{spread[name]['value_f1_ci95'][1]:.3f}")
    click.echo(f"documents {n}, gold TIMEX3 {figures['gold_timex']}, predicted {figures['predicted_timex']}")
    for kind in ("strict", "relaxed"):
        click.echo(f"{kind:8s} P {figures[kind + '_p']:.4f}  R {figures[kind + '_r']:.4f}  "
                   f"F1 {figures[kind + '_f1']:.4f}")
    click.echo(f"value accuracy {figures['value_accuracy']:.4f}  value F1 {figures['value_f1']:.4f}")
    click.echo(f"type accuracy  {figures['type_accuracy']:.4f}  type F1  {figures['type_f1']:.4f}")
    click.echo("per type: " + ", ".join(f"{k} {v}" for k, v in figures["per_type"].items()))
    click.echo(f"speed: parse {figures['parse_ms_per_doc']} ms/doc, {figures['docs_per_s']} docs/s")
    click.echo(f"cost: {timing_line(times, 'dates')}")
    keys = ("strict_f1", "relaxed_f1", "value_f1", "type_accuracy", "gold_timex", "predicted_timex")
    figures["corpora"] = {name: {k: round(f[k], 4) if isinstance(f[k], float) else f[k] for k in keys}
                          | {"documents": len(pairs[name])} | spread[name] for name, f in per_corpus.items()}
    click.echo(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}))


def _print_errors(gold: dict, pred: list[dict]) -> None:
    """Mismatches of one document, one per line: MISS, FP, SPAN (relaxed only) and VALUE/TYPE."""
    def key(t):
        return (t["start"], t["end"])

    spans = {key(p): p for p in pred}
    matched = set()
    for g in gold["timexes"]:
        over = [p for p in pred if p["start"] < g["end"] and p["end"] > g["start"]]
        if not over:
            click.echo(f"MISS\t{gold['dct']}\t{g['text']!r}\t{g['type']}\t{g['value']}")
            continue
        p = spans.get(key(g)) or over[0]
        matched.add(key(p))
        if key(p) != key(g):
            click.echo(f"SPAN\t{g['text']!r}\t{p['text']!r}")
        if p["value"] != g["value"] or p["type"] != g["type"]:
            click.echo(f"VALUE\t{gold['dct']}\t{g['text']!r}\tgold {g['type']} {g['value']}\t"
                       f"got {p['type']} {p['value']}")
    for p in pred:
        if key(p) not in matched and not any(p["start"] < g["end"] and p["end"] > g["start"]
                                             for g in gold["timexes"]):
            ctx = gold["text"][max(0, p["start"] - 30):p["end"] + 30].replace("\n", " ")
            click.echo(f"FP\t{p['text']!r}\t{p['type']} {p['value']}\t…{ctx}…")
