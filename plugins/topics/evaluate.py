"""``newsdesk eval topics GOLD.jsonl --mapping MAP``: accuracy@1 and macro F1 over corpus labels,
side by side with a TF-IDF + logistic regression baseline trained in the same run."""
from __future__ import annotations

import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import click

from newsdesk import dev_data

from .model import DATA_DIR, MODEL_DIR, MODEL_JSON, model_meta

#: The development data beside the repository (``../shared/data``), never inside it.
SHARED = dev_data()
#: Shipped mapping name -> the development file of that corpus (training data for the baseline).
CORPORA = {"bbc-news": SHARED / "bbc-news" / "train.jsonl", "ag-news": SHARED / "ag-news" / "dev.jsonl"}
SEED = 13
#: The model trained on the train split only, written by `newsdesk train topics` (outside the package).
SPLIT_MODEL = Path(tempfile.gettempdir()) / "newsdesk-topics-split"
HELDOUT_FRACTION = 0.2


def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def split(rows: list[dict], seed: int = SEED) -> tuple[list[dict], list[dict]]:
    """Stratified (train, held-out) split: per label, ids sorted, shuffled with ``seed``, 20 % held out."""
    by_label = defaultdict(list)
    for r in rows:
        by_label[r["labels"][0]].append(r)
    train, heldout = [], []
    for label in sorted(by_label):
        items = sorted(by_label[label], key=lambda r: r["doc_id"])
        random.Random(f"{seed}:{label}").shuffle(items)
        cut = round(len(items) * HELDOUT_FRACTION)
        heldout += items[:cut]
        train += items[cut:]
    key = lambda r: r["doc_id"]  # noqa: E731
    return sorted(train, key=key), sorted(heldout, key=key)


def load_mapping(name_or_path: str) -> dict[str, list[str]]:
    """Corpus label -> IPTC qcodes; ``bbc-news``/``ag-news`` are the shipped files."""
    path = DATA_DIR / f"{name_or_path}.json" if name_or_path in CORPORA else Path(name_or_path)
    return {label: list(qcodes) for label, qcodes in json.loads(path.read_text(encoding="utf-8"))["labels"].items()}


def document_text(row: dict) -> str:
    return f"{row.get('title') or ''}\n{row['text']}"


def to_corpus_label(qcode: str | None, mapping: dict[str, list[str]]) -> str:
    return next((label for label, codes in mapping.items() if qcode in codes), "(unmapped)")


def scores(gold: list[str], predicted: list[str]) -> dict[str, float]:
    from sklearn.metrics import f1_score

    labels = sorted(set(gold))
    accuracy = sum(g == p for g, p in zip(gold, predicted)) / max(len(gold), 1)
    return {"accuracy_at_1": round(accuracy, 4),
            "macro_f1": round(float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)), 4)}


def baseline_predictions(train_rows: list[dict], rows: list[dict]) -> list[str]:
    """The plain supervised baseline: TF-IDF + logistic regression on title + text, corpus labels."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer()
    clf = LogisticRegression(max_iter=1000, random_state=SEED)
    clf.fit(vectorizer.fit_transform([document_text(r) for r in train_rows]), [r["labels"][0] for r in train_rows])
    return list(clf.predict(vectorizer.transform([document_text(r) for r in rows])))


@click.command()
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_name", required=True,
              help="Corpus label -> IPTC mapping: a JSON file or `bbc-news` / `ag-news`.")
@click.option("--split", "split_mode", type=click.Choice(["auto", "heldout", "all"]), default="auto",
              show_default=True, help="heldout: only the held-out 20 % of the development split; "
              "auto: heldout when GOLD is a development file, else all.")
@click.option("--train", "train_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Baseline training data (default: the corpus' development file; its train part).")
@click.option("--model", "model_path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Topic model folder to evaluate (default: the shipped one; for --split heldout, the "
              f"train-split model {SPLIT_MODEL} when the shipped one was refitted on all data).")
@click.option("--limit", type=int, help="Evaluate only the first N documents.")
def cli(gold, mapping_name, split_mode, train_path, model_path, limit):
    """Score the topics analyzer against GOLD.jsonl (BBC News / AG News format)."""
    from newsdesk import analyze_documents, in_process_pipeline, interval, progress, tail_figures, timing, timing_line
    from newsdesk import Settings

    mapping = load_mapping(mapping_name)
    train_path = train_path or CORPORA.get(mapping_name, gold)
    if split_mode == "auto":
        split_mode = "heldout" if gold.resolve() == Path(train_path).resolve() else "all"
    rows = load_jsonl(gold)
    train_rows = load_jsonl(train_path)
    if split_mode == "heldout":
        rows = split(rows)[1]
        train_rows = split(train_rows)[0]
        if model_path is None and model_meta(MODEL_DIR).get("trained_on") != "train-split":
            model_path = SPLIT_MODEL if (SPLIT_MODEL / MODEL_JSON).exists() else MODEL_DIR
        model_path = model_path or MODEL_DIR
        trained_on = model_meta(model_path).get("trained_on")
        if trained_on != "train-split":
            raise click.ClickException(
                f"{model_path} was trained on {trained_on!r}, which includes the held-out part; "
                "run `newsdesk train topics` (it writes the train-split model) or pass --model")
    elif Path(train_path).resolve() == gold.resolve():
        raise click.ClickException("--split all on the baseline's own training file would not be honest")
    rows = rows[:limit] if limit else rows
    model_path = model_path or MODEL_DIR

    settings = Settings.from_env()
    settings.analyzer_config.setdefault("topics", {})["model"] = str(model_path)
    pipeline = in_process_pipeline(settings)
    items = [(r["doc_id"], {"text": r["text"], "title": r.get("title")}) for r in rows]
    gold_labels, predicted = [], []
    ms_by_doc: dict[str, float] = {}  # the analyzer's own time, as the host measures it
    for row, body in zip(rows, progress(analyze_documents(pipeline, items, ["topics"]), len(rows), "topics")):
        section = body["analysis"]["topics"]
        ms_by_doc[row["doc_id"]] = section.get("duration_ms", 0.0)
        topics = section.get("result", {}).get("topics", [])
        top = topics[0]["qcode"] if topics else None
        gold_labels.append(row["labels"][0])
        predicted.append(to_corpus_label(top, mapping))
    times = timing(ms_by_doc)
    ours = scores(gold_labels, predicted)
    base = scores(gold_labels, baseline_predictions(train_rows, rows))
    right = [int(g == p) for g, p in zip(gold_labels, predicted)]
    ours["accuracy_at_1_ci95"] = interval(right, lambda docs: sum(docs) / len(docs))
    figures = {**ours, "baseline_accuracy_at_1": base["accuracy_at_1"], "baseline_macro_f1": base["macro_f1"],
               "documents": len(rows), "topics_ms_per_doc": round(sum(ms_by_doc.values()) / max(len(rows), 1), 1),
               **tail_figures(times),
               "split": split_mode, "gold": str(gold), "model": str(model_path)}
    click.echo(f"topics: accuracy@1 {ours['accuracy_at_1']:.4f} (95% interval over documents, bootstrap: "
               f"{ours['accuracy_at_1_ci95'][0]:.3f}-{ours['accuracy_at_1_ci95'][1]:.3f})  macro F1 {ours['macro_f1']:.4f}")
    click.echo(f"baseline (TF-IDF + LR): accuracy@1 {base['accuracy_at_1']:.4f}  macro F1 {base['macro_f1']:.4f}")
    click.echo(f"cost over the shared parse: {timing_line(times, 'topics')}")
    sys.stdout.write(json.dumps(figures) + "\n")
