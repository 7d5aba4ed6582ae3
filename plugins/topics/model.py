"""The topics model at run time: what it sees of a document, the IPTC vocabulary and its scorer,
and the trained model read from plain data files (JSON, NumPy arrays without pickles, an ONNX
encoder run by ONNX Runtime with word pieces from `tokenizers`). Nothing here imports PyTorch,
transformers or scikit-learn: they are needed only to train (``newsdesk train topics``)."""
from __future__ import annotations

import gzip
import json
import logging
import math
import os
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The shipped model: a folder of plain data files (see ``save_model``).
MODEL_DIR = DATA_DIR / "model"
VOCAB_FILE = DATA_DIR / "mediatopics.json"

#: The supervised classes: the IPTC top-level topics the corpora label. BBC "politics" and AG
#: "World" are one class (POLITICS_WORLD) whose mass goes to politics, conflict, disaster or crime
#: by the vocabulary evidence.
POLITICS = "medtop:11000000"
WORLD_TOPICS = (POLITICS, "medtop:16000000", "medtop:03000000", "medtop:02000000")
POLITICS_WORLD = "politics-world"
INTERNATIONAL_RELATIONS = "medtop:20000638"
ENTITY_LABELS = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART",
                 "LAW", "MONEY", "PERCENT", "CARDINAL", "QUANTITY", "DATE", "TIME")
WORD_RE = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ"}
SHORT_ITEM = 150  # words of title + text; AG items (title + lede) are below, BBC articles above
#: The encoder reads this many word pieces at most: a headline and a lede; the linear model
#: reads the rest of a long article.
MAX_LENGTH = 128
#: One thread per process: Celery runs one worker process per core.
INFERENCE_THREADS = 1
#: Version of the folder layout written by ``save_model``.
FORMAT = 1


def title_words(title: str | None) -> list[str]:
    """Lower-cased words of the title (the title is not part of the shared parse)."""
    return WORD_RE.findall((title or "").lower())


def encoder_text(title: str | None, text: str) -> str:
    """Title and the beginning of the text (the encoder reads MAX_LENGTH word pieces at most)."""
    title = (title or "").strip()
    if title and title[-1] not in ".!?:":
        title += "."
    return f"{title}\n{text[:4000]}" if title else text[:4000]


def featurize(doc, title: str | None) -> dict:
    """What the models see of one document: the shared parse of the text plus the title."""
    title_tokens = title_words(title)
    words, lemmas, match = [], [], []
    for t in doc:  # one pass: a Token object per visit is most of this function's cost
        if t.pos_ in CONTENT_POS and not t.is_stop:
            lemmas.append(t.lemma_.lower())
        if not (t.is_space or t.is_punct):
            words.append(t.lower_)
            match.append(t.lemma_.lower())
    spans = doc.ents
    ents = Counter(e.label_ for e in spans)
    extras = [f"l:{lemma}" for lemma in lemmas] + [f"t:{w}" for w in title_tokens]
    extras += [f"e:{label}:{min(n, 5)}" for label, n in ents.items()]  # bucketed entity-type counts
    extras += ["e:" + "_".join(e.text.lower().split()) for e in spans
               if e.label_ in ("GPE", "NORP", "ORG", "PERSON")]
    # The vocabulary matcher sees lemmas of the text and naive singulars of title words.
    match += ["."] + [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                      for w in title_tokens]
    return {"words": " ".join(title_tokens + ["|"] + words), "extras": " ".join(extras),
            "length": len(title_tokens) + len(words), "encoder_text": encoder_text(title, doc.text),
            "match": match, "countries": len({e.text.lower() for e in spans if e.label_ in ("GPE", "NORP")})}


class Vocabulary:
    """The shipped IPTC Media Topics subset (active concepts) with lemmatised label terms."""

    def __init__(self, data: dict):
        self.concepts = data["concepts"]
        self.children: dict[str, list[str]] = defaultdict(list)
        for qcode, c in self.concepts.items():
            if c["parent"]:
                self.children[c["parent"]].append(qcode)
        self.top_level = sorted(q for q, c in self.concepts.items() if c["level"] == 1)

    def chain(self, qcode: str) -> list[str]:
        """Ancestors of ``qcode``, nearest first, ending at its top-level topic."""
        out = []
        parent = self.concepts[qcode]["parent"]
        while parent:
            out.append(parent)
            parent = self.concepts[parent]["parent"]
        return out

    def top_of(self, qcode: str) -> str:
        chain = self.chain(qcode)
        return chain[-1] if chain else qcode

    def subtree(self, qcode: str) -> list[str]:
        out, todo = [], [qcode]
        while todo:
            q = todo.pop()
            out.append(q)
            todo.extend(self.children.get(q, ()))
        return out


class VocabularyScorer:
    """Evidence for each concept from its label terms (and, weaker, definition terms) in the text.

    Each term weighs its inverse document frequency in news text, so generic words
    ("people", "government") count little and specific ones ("earthquake", "vaccine") much.
    """

    DEFINITION_WEIGHT = 0.2
    MAX_TERM_LEN = 4

    def __init__(self, vocabulary: Vocabulary, idf: dict[str, float], default_idf: float):
        self.vocabulary = vocabulary
        self.index: dict[tuple[str, ...], list[tuple[str, float]]] = defaultdict(list)
        self.labels: dict[tuple[str, ...], list[str]] = defaultdict(list)  # label term -> concepts
        terms_under: Counter = Counter()
        for qcode, c in vocabulary.concepts.items():
            terms = {tuple(t): 1.0 for t in c["terms"]}
            for term in terms:
                self.labels[term].append(qcode)
            for t in c["definition_terms"]:
                terms.setdefault((t,), self.DEFINITION_WEIGHT)
            for term, kind in terms.items():
                weight = kind * sum(idf.get(w, default_idf) for w in term) / len(term) * (1 + 0.5 * (len(term) - 1))
                self.index[term].append((qcode, weight))
            terms_under[vocabulary.top_of(qcode)] += len(terms)
        median = sorted(terms_under.values())[len(terms_under) // 2]
        self.size_factor = {t: math.sqrt(terms_under[t] / median) for t in vocabulary.top_level}

    def concept_evidence(self, tokens: list[str], countries: int = 0) -> dict[str, float]:
        counts: Counter = Counter()
        for i in range(len(tokens)):
            for n in range(1, self.MAX_TERM_LEN + 1):
                term = tuple(tokens[i:i + n])
                if term in self.index:
                    counts[term] += 1
        evidence: dict[str, float] = defaultdict(float)
        for term, n in counts.items():
            for qcode, weight in self.index[term]:
                evidence[qcode] += weight * (1 + math.log(n))
        # Several countries named is itself evidence of international relations.
        if countries > 1:
            evidence[INTERNATIONAL_RELATIONS] += math.log(countries) * 5.0
        norm = math.sqrt(1 + len(tokens) / 100)
        return {q: e / norm for q, e in evidence.items()}

    def named(self, tokens: list[str], countries: int = 0) -> set[str]:
        """Concepts whose own label occurs in the text, and their ancestors: definition words alone
        ("political", "state") are too generic to put a lower-level topic forward."""
        found = {q for i in range(len(tokens)) for n in range(1, self.MAX_TERM_LEN + 1)
                 for q in self.labels.get(tuple(tokens[i:i + n]), ())}
        if countries > 1:
            found.add(INTERNATIONAL_RELATIONS)
        return found | {a for q in found for a in self.vocabulary.chain(q)}

    def subtree_evidence(self, evidence: dict[str, float]) -> dict[str, float]:
        """Each concept's evidence plus that of everything below it."""
        total: dict[str, float] = defaultdict(float)
        for qcode, e in evidence.items():
            total[qcode] += e
            for ancestor in self.vocabulary.chain(qcode):
                total[ancestor] += e
        return total


def domain(feats: dict) -> str:
    """"S" for briefs (a headline and a lede), "L" for full articles."""
    return "S" if feats["length"] <= SHORT_ITEM else "L"


def augment(text: str, feats: dict) -> str:
    """Every feature twice: shared, and specific to short items or to full articles (feature
    augmentation, Daume 2007), since briefs and full articles use words differently."""
    return text + " " + " ".join(f"{domain(feats)}_{w}" for w in text.split())


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class Tfidf:
    """A fitted TF-IDF transform as plain data: the terms in column order and their inverse document
    frequencies. It computes what scikit-learn's ``TfidfVectorizer`` does with the settings training
    uses (tokens are runs of non-space, no lower-casing, word n-grams up to ``ngrams``, sublinear tf,
    rows scaled to unit length)."""

    TOKEN_RE = re.compile(r"\S+")

    def __init__(self, terms: list[str], idf: np.ndarray, ngrams: int):
        self.terms = list(terms)
        self.index = {t: i for i, t in enumerate(self.terms)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.ngrams = ngrams

    def __len__(self) -> int:
        return len(self.terms)

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and values of one text's row."""
        tokens = self.TOKEN_RE.findall(text)
        grams = list(tokens)
        for n in range(2, self.ngrams + 1):
            grams += map(" ".join, zip(*(tokens[k:] for k in range(n))))
        index = self.index
        counts = Counter(j for j in map(index.get, grams) if j is not None)
        cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = (1 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))) * self.idf[cols]
        norm = np.sqrt(np.dot(values, values))
        return cols, (values / norm if norm > 0 else values)


class LinearClassifier:
    """The trained linear classifier over the supervised classes: one weight row per class (the
    NBSVM and complement naive Bayes blend, folded) and a softmax temperature."""

    def __init__(self, classes: list[str], weights: np.ndarray, biases: np.ndarray, temperature: float,
                 blend: float):
        self.classes_ = np.array(classes)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.biases = np.asarray(biases, dtype=np.float32)
        self.temperature = float(temperature)
        self.blend = float(blend)  # complement NB's share (for the model card)

    def decision_rows(self, rows: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        out = np.empty((len(rows), len(self.classes_)), dtype=np.float32)
        for i, (cols, values) in enumerate(rows):
            out[i] = self.weights[:, cols] @ values + self.biases
        return out

    def proba_rows(self, rows: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        return softmax(self.decision_rows(rows) / self.temperature)


class Encoder:
    """The fine-tuned sentence encoder and its head as an ONNX graph (word pieces in, class logits
    out), run by ONNX Runtime; the word pieces come from the `tokenizers` library. The session is
    made on first use in each process (a forked worker makes its own)."""

    def __init__(self, path: Path, tokenizer_path: Path, classes: list[str], max_length: int = MAX_LENGTH,
                 meta: dict | None = None):
        self.path = Path(path)
        self.tokenizer_path = Path(tokenizer_path)
        self.classes = list(classes)
        self.max_length = max_length
        self.meta = meta or {}
        self._loaded: tuple[int, object, object] | None = None

    def load(self):
        if self._loaded is None or self._loaded[0] != os.getpid():
            import onnxruntime
            from tokenizers import Tokenizer

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = INFERENCE_THREADS
            options.inter_op_num_threads = 1
            options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
            session = onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
            tokenizer.enable_truncation(self.max_length)
            tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0, pad_token="[PAD]")
            self._loaded = (os.getpid(), session, tokenizer)
        return self._loaded[1], self._loaded[2]

    def encode(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The ONNX graph's inputs for ``texts``: word-piece ids and attention mask, padded to the longest."""
        _, tokenizer = self.load()
        batch = tokenizer.encode_batch(texts)
        return {"input_ids": np.array([e.ids for e in batch], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64)}

    def predict_proba(self, texts: list[str], batch_size: int = 1) -> np.ndarray:
        """Class probabilities, one text per run by default: the int8 graph quantises activations
        with one scale per tensor, so a text batched with others (and their padding) can score
        differently from the same text alone, which is how the worker runs it."""
        session, _ = self.load()
        out = [session.run(["logits"], self.encode(texts[i:i + batch_size]))[0]
               for i in range(0, len(texts), batch_size)]
        return softmax(np.concatenate(out).astype(np.float64)) if out else np.zeros((0, len(self.classes)))


class TopicModel:
    """The trained model: vectorizers and a calibrated linear classifier over the supervised
    classes, a fine-tuned encoder blended with it, the vocabulary scorer's term weights and the
    Platt scaling of its evidence."""

    def __init__(self, word_vectorizer, extra_vectorizer, classifier, idf, default_idf,
                 vocab_scaling, world_prior, half_evidence, vocab_weight, meta):
        self.word_vectorizer = word_vectorizer
        self.extra_vectorizer = extra_vectorizer
        self.classifier = classifier
        self.encoder = None  # an Encoder over the classifier's classes (at training, the torch one)
        self.encoder_weight = {"S": 0.0, "L": 0.0}  # its share of the log-probability blend, per domain
        self.blend_temperature = 1.0
        self.idf = idf
        self.default_idf = default_idf
        self.vocab_scaling = vocab_scaling  # (a, c, b): sigmoid(a * log1p(evidence) + c * share + b)
        self.vocab_weight = vocab_weight  # discount of scores that come from the vocabulary alone
        self.half_evidence = half_evidence  # a lower-level topic with this evidence gets half its parent's score
        self.world_prior = world_prior  # added to politics' vocabulary probability when splitting the world class
        self.meta = meta
        self.vocabulary: Vocabulary | None = None
        self.scorer: VocabularyScorer | None = None

    def attach(self, vocabulary: Vocabulary) -> "TopicModel":
        self.vocabulary = vocabulary
        self.scorer = VocabularyScorer(vocabulary, self.idf, self.default_idf)
        return self

    def rows(self, feats: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each document's features: column indices and TF-IDF values over words, then extras."""
        out = []
        offset = len(self.word_vectorizer)
        for f in feats:
            wc, wv = self.word_vectorizer.row(augment(f["words"], f))
            ec, ev = self.extra_vectorizer.row(augment(f["extras"], f))
            out.append((np.concatenate([wc, ec + offset]), np.concatenate([wv, ev])))
        return out

    def matrix(self, feats: list[dict]):
        """The same features as a sparse matrix (for training; needs SciPy)."""
        from scipy.sparse import csr_matrix

        rows = self.rows(feats)
        indptr = np.cumsum([0] + [len(c) for c, _ in rows])
        cols = np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
        values = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, dtype=np.float32)
        shape = (len(rows), len(self.word_vectorizer) + len(self.extra_vectorizer))
        return csr_matrix((values, cols, indptr), shape=shape, dtype=np.float32)

    def class_probabilities(self, feats: list[dict]) -> list[dict[str, float]]:
        """Probabilities of the supervised classes: a weighted geometric mean of the linear
        classifier's and the encoder's (the weight depends on the domain: the encoder reads a
        brief whole but only the start of a long article), softened by a fitted temperature."""
        proba = self.classifier.proba_rows(self.rows(feats))
        if self.encoder is not None and len(feats):
            encoded = self.encoder.predict_proba([f["encoder_text"] for f in feats])
            proba = self.blend(proba, encoded, [domain(f) for f in feats])
        return [dict(zip(self.classifier.classes_, row.tolist())) for row in proba]

    def blend(self, linear: np.ndarray, encoded: np.ndarray, domains: list[str]) -> np.ndarray:
        w = np.array([self.encoder_weight[d] for d in domains])[:, None]
        z = (1 - w) * np.log(linear + 1e-9) + w * np.log(encoded + 1e-9)
        return softmax(z / self.blend_temperature)

    def vocab_probability(self, evidence: float, share: float) -> float:
        """P(topic) from its vocabulary evidence and its share of all top-level evidence."""
        a, c, b = self.vocab_scaling
        return sigmoid(a * math.log1p(evidence) + c * share + b)

    def vocab_scores(self, subtree: dict[str, float]) -> dict[str, float]:
        """Vocabulary probability of each top-level topic; evidence is divided by the square root
        of the topic's relative vocabulary size, so that sport (213 concepts) and weather (5)
        compete evenly."""
        return {t: self.vocab_probability(e, share) for t, (e, share) in self.vocab_features(subtree).items()}

    def vocab_features(self, subtree: dict[str, float]) -> dict[str, tuple[float, float]]:
        ev = {t: subtree.get(t, 0.0) / self.scorer.size_factor[t] for t in self.vocabulary.top_level}
        total = sum(ev.values()) or 1.0
        return {t: (e, e / total) for t, e in ev.items()}

    def top_level_scores(self, probs: dict[str, float], subtree: dict[str, float]) -> dict[str, float]:
        """Score each of the 17 top-level topics (see the model card for how)."""
        vocab = self.vocab_scores(subtree)
        # Topics the classifier was never taught score by the vocabulary alone, discounted so that
        # they outrank a taught topic only on strong evidence.
        scores = {t: self.vocab_weight * v for t, v in vocab.items()}
        scores.update(probs)
        # The politics/world mass goes in full to the world topic with the highest vocabulary
        # probability (politics favoured by a prior) and in proportion to the others.
        adj = {t: vocab[t] + (self.world_prior if t == POLITICS else 0.0) for t in WORLD_TOPICS}
        best = max(adj.values())
        pw = scores.pop(POLITICS_WORLD, 0.0)
        for t in WORLD_TOPICS:
            share = pw * math.exp(4.0 * (adj[t] - best))
            scores[t] = share if t == POLITICS else max(share, scores[t])
        return scores

    def predict(self, feats: list[dict], min_score: float = 0.15, max_subtopics: int = 4) -> list[list[dict]]:
        out = []
        for f, probs in zip(feats, self.class_probabilities(feats)):
            evidence = self.scorer.concept_evidence(f["match"], f["countries"])
            subtree = self.scorer.subtree_evidence(evidence)
            scores = self.top_level_scores(probs, subtree)
            ranked = sorted(scores.items(), key=lambda kv: -kv[1])
            chosen = [(q, s) for q, s in ranked if s >= min_score] or ranked[:1]
            named = self.scorer.named(f["match"], f["countries"])
            topics = []
            for top, score in chosen:
                topics.append(self.describe(top, score))
                topics.extend(self.subtopics(top, score, subtree, named, min_score, max_subtopics))
            topics.sort(key=lambda t: (-t["score"], t["level"]))
            out.append(topics)
        return out

    def subtopics(self, top: str, score: float, subtree: dict[str, float], named: set[str], min_score: float,
                  limit: int) -> list[dict]:
        """Lower-level topics under ``top`` named in the text (they or a narrower concept), scored
        by the evidence of their label and definition terms."""
        found = []
        for qcode in self.vocabulary.subtree(top)[1:]:
            e = subtree.get(qcode, 0.0)
            if e <= 0 or qcode not in named:
                continue
            s = score * e / (e + self.half_evidence)
            if s >= min_score:
                found.append((s, qcode))
        found.sort(reverse=True)
        return [self.describe(q, s) for s, q in found[:limit]]

    def describe(self, qcode: str, score: float) -> dict:
        c = self.vocabulary.concepts
        return {"qcode": qcode, "label": c[qcode]["label"], "level": c[qcode]["level"],
                "parents": [{"qcode": p, "label": c[p]["label"]} for p in self.vocabulary.chain(qcode)],
                "score": round(min(max(score, 0.0), 1.0), 4)}


def load_vocabulary(path: Path = VOCAB_FILE) -> Vocabulary:
    return Vocabulary(json.loads(path.read_text(encoding="utf-8")))


#: The files of a model folder (written by ``save_model``, read by ``load_model``).
MODEL_JSON, ARRAYS_FILE, TERMS_FILE, ENCODER_FILE, TOKENIZER_FILE = (
    "model.json", "arrays.npz", "terms.json.gz", "encoder.onnx", "tokenizer.json")


def save_model(model: TopicModel, folder: Path) -> None:
    """Write the model as plain data: its constants as JSON, its term lists as (gzipped) JSON, its
    weights and inverse document frequencies as NumPy arrays. The encoder's ONNX graph and
    tokenizer are written beside them by the trainer (``encoder.export``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    clf = model.classifier
    constants = {
        "format": FORMAT,
        "classes": [str(c) for c in clf.classes_],
        "classifier": {"temperature": clf.temperature, "blend": clf.blend},
        "tfidf": {"words": {"ngrams": model.word_vectorizer.ngrams}, "extras": {"ngrams": model.extra_vectorizer.ngrams}},
        "encoder": None if model.encoder is None else {
            "file": ENCODER_FILE, "tokenizer": TOKENIZER_FILE, "max_length": model.encoder.max_length,
            "classes": [str(c) for c in model.encoder.classes], "meta": model.encoder.meta},
        "encoder_weight": model.encoder_weight,
        "blend_temperature": model.blend_temperature,
        "default_idf": model.default_idf,
        "vocab_scaling": list(model.vocab_scaling),
        "vocab_weight": model.vocab_weight,
        "half_evidence": model.half_evidence,
        "world_prior": model.world_prior,
        "idf": dict(sorted(model.idf.items())),
        "meta": model.meta,
    }
    (folder / MODEL_JSON).write_text(json.dumps(constants, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    terms = {"words": model.word_vectorizer.terms, "extras": model.extra_vectorizer.terms}
    # mtime=0: the same model gives the same bytes
    with gzip.GzipFile(folder / TERMS_FILE, "wb", mtime=0) as fh:
        fh.write(json.dumps(terms, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    np.savez_compressed(folder / ARRAYS_FILE, weights=clf.weights, biases=clf.biases,
                        words_idf=model.word_vectorizer.idf, extras_idf=model.extra_vectorizer.idf)


def read_model(folder: Path) -> TopicModel:
    """The model in ``folder`` (without its vocabulary: see ``load_model``)."""
    folder = Path(folder)
    constants = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
    if constants.get("format") != FORMAT:
        raise ValueError(f"{folder}: model format {constants.get('format')!r}, this code reads {FORMAT}")
    with gzip.open(folder / TERMS_FILE, "rb") as fh:
        terms = json.loads(fh.read().decode("utf-8"))
    with np.load(folder / ARRAYS_FILE, allow_pickle=False) as arrays:
        weights, biases = arrays["weights"], arrays["biases"]
        words = Tfidf(terms["words"], arrays["words_idf"], constants["tfidf"]["words"]["ngrams"])
        extras = Tfidf(terms["extras"], arrays["extras_idf"], constants["tfidf"]["extras"]["ngrams"])
    clf = constants["classifier"]
    classifier = LinearClassifier(constants["classes"], weights, biases, clf["temperature"], clf["blend"])
    model = TopicModel(words, extras, classifier, constants["idf"], constants["default_idf"],
                       tuple(constants["vocab_scaling"]), constants["world_prior"], constants["half_evidence"],
                       constants["vocab_weight"], constants["meta"])
    model.encoder_weight = constants["encoder_weight"]
    model.blend_temperature = constants["blend_temperature"]
    enc = constants["encoder"]
    if enc is not None:
        model.encoder = Encoder(folder / enc["file"], folder / enc["tokenizer"], enc["classes"], enc["max_length"],
                                enc["meta"])
    return model


def model_meta(folder: Path) -> dict:
    """The ``meta`` of the model in ``folder`` (what it was trained on), without loading it."""
    return json.loads((Path(folder) / MODEL_JSON).read_text(encoding="utf-8"))["meta"]


@lru_cache(maxsize=2)
def load_model(path: str = str(MODEL_DIR)) -> TopicModel:
    """The model in folder ``path`` (default: the shipped one) with its vocabulary, loaded once per process."""
    return read_model(Path(path)).attach(load_vocabulary())
