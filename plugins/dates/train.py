"""``newsdesk train dates``: the TIMEX3 span recogniser, a small spaCy ``ner`` (one label, TIMEX),
trained with spaCy's own training loop on TimeBank, the *tune* corpus, only.

AQUAINT and the MEANTIME files are the *check* part (``newsdesk eval dates --part check``): nothing
is trained, tuned or chosen on them. TimeBank is split by a fixed rule (``in_check_part`` of the
file id, 20 %): the model trains on the rest, spaCy keeps the checkpoint that scores best on that
fifth, and the way learned and rule spans are combined is chosen on the same fifth
(``newsdesk eval dates --part tune-dev``). The model is written as plain spaCy files (config, vocab,
weights as msgpack; no pickle) to ``plugins/dates/data/timex-ner``.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

import click

from newsdesk import dev_data, in_check_part

from .evaluate import read_tml

MODEL_DIR = Path(__file__).parent / "data" / "timex-ner"
TIMEBANK = dev_data("tempeval3", "TimeBank")
SEED = 17
LABEL = "TIMEX"

CONFIG = """
[paths]
train = null
dev = null

[system]
seed = {seed}
gpu_allocator = null

[nlp]
lang = "en"
pipeline = ["tok2vec","ner"]
batch_size = 64
tokenizer = {{"@tokenizers":"spacy.Tokenizer.v1"}}

[components]

[components.tok2vec]
factory = "tok2vec"

[components.tok2vec.model]
@architectures = "spacy.Tok2Vec.v2"

[components.tok2vec.model.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = {width}
attrs = ["NORM","PREFIX","SUFFIX","SHAPE"]
rows = [2000,1000,1000,1000]
include_static_vectors = false

[components.tok2vec.model.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = {width}
depth = 2
window_size = 1
maxout_pieces = 3

[components.ner]
factory = "ner"
moves = null
update_with_oracle_cut_size = 100
incorrect_spans_key = null
scorer = {{"@scorers":"spacy.ner_scorer.v1"}}

[components.ner.model]
@architectures = "spacy.TransitionBasedParser.v2"
state_type = "ner"
extra_state_tokens = false
hidden_width = 64
maxout_pieces = 2
use_upper = true
nO = null

[components.ner.model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = {width}
upstream = "*"

[corpora]

[corpora.train]
@readers = "spacy.Corpus.v1"
path = ${{paths.train}}
max_length = 0

[corpora.dev]
@readers = "spacy.Corpus.v1"
path = ${{paths.dev}}
max_length = 0

[training]
seed = ${{system.seed}}
gpu_allocator = ${{system.gpu_allocator}}
dropout = 0.1
accumulate_gradient = 1
patience = 1600
max_epochs = {epochs}
max_steps = 0
eval_frequency = 200
frozen_components = []
annotating_components = []
dev_corpus = "corpora.dev"
train_corpus = "corpora.train"
before_to_disk = null

[training.batcher]
@batchers = "spacy.batch_by_words.v1"
discard_oversize = false
tolerance = 0.2
size = 1000

[training.logger]
@loggers = "spacy.ConsoleLogger.v1"
progress_bar = false

[training.optimizer]
@optimizers = "Adam.v1"
learn_rate = 0.001

[training.score_weights]
ents_f = 1.0
ents_p = 0.0
ents_r = 0.0
ents_per_type = null

[initialize]
vectors = null
"""


def to_doc(nlp, record: dict):
    """A Doc of the file's text with its TIMEX3 as entities (token-aligned by expanding)."""
    doc = nlp.make_doc(record["text"])
    spans = []
    for t in record["timexes"]:
        span = doc.char_span(t["start"], t["end"], label=LABEL, alignment_mode="expand")
        if span is not None and not any(s.start < span.end and span.start < s.end for s in spans):
            spans.append(span)
    doc.ents = spans
    return doc


def split(files) -> tuple[list[Path], list[Path]]:
    """TimeBank files as (train, dev): dev is the fixed fifth ``in_check_part`` picks by file id."""
    dev = [f for f in files if in_check_part(f.stem)]
    return [f for f in files if not in_check_part(f.stem)], dev


@click.command()
@click.option("--epochs", type=int, default=25, show_default=True, help="Training epochs (bounded).")
@click.option("--width", type=int, default=64, show_default=True, help="tok2vec width (CNN, no vectors).")
@click.option("--output", type=click.Path(path_type=Path), default=MODEL_DIR, show_default=True)
def cli(epochs, width, output):
    """Train the TIMEX3 span recogniser on TimeBank (fixed seed) and write it to plugins/dates/data."""
    import spacy
    from spacy.cli.train import train
    from spacy.tokens import DocBin

    if not TIMEBANK.is_dir():
        raise click.ClickException(f"TimeBank not found at {TIMEBANK}")
    train_files, dev_files = split(sorted(TIMEBANK.glob("*.tml")))
    nlp = spacy.blank("en")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, files in (("train", train_files), ("dev", dev_files)):
            DocBin(docs=[to_doc(nlp, read_tml(f)) for f in files]).to_disk(tmp / f"{name}.spacy")
        (tmp / "config.cfg").write_text(CONFIG.format(seed=SEED, width=width, epochs=epochs))
        click.echo(f"training on {len(train_files)} TimeBank files, choosing on {len(dev_files)}", err=True)
        t0 = time.perf_counter()
        train(tmp / "config.cfg", tmp / "out", overrides={"paths.train": str(tmp / "train.spacy"),
                                                        "paths.dev": str(tmp / "dev.spacy")})
        best = spacy.load(tmp / "out" / "model-best")
        if output.exists():
            shutil.rmtree(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        best.to_disk(output)
    # the training folders were temporary: the shipped config names none (the weights are reproducible)
    cfg = output / "config.cfg"
    cfg.write_text(re.sub(r'(?m)^(train|dev) = "[^"]*"$', r"\1 = null", cfg.read_text()))
    click.echo(f"wrote {output} in {time.perf_counter() - t0:.0f} s", err=True)
