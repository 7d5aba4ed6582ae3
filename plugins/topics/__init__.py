"""IPTC Media Topics labeller: a trained classifier for the topics the development corpora label,
the IPTC vocabulary itself (labels and definitions) as evidence for every other topic and for the
lower-level topics under the chosen ones."""
from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np
from marshmallow import Schema, fields, validate

from newsdesk import Facet, analyzer, hookimpl

from .encoder import encoder_text
from .view import section_view  # noqa: F401  (a hook: how the page shows this section)

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_FILE = DATA_DIR / "model.joblib"
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


class Parent(Schema):
    qcode = fields.String(required=True)
    label = fields.String(required=True)


class Topic(Schema):
    qcode = fields.String(required=True)
    label = fields.String(required=True)
    level = fields.Integer(required=True, validate=validate.Range(min=1))
    parents = fields.List(fields.Nested(Parent), required=True)
    score = fields.Float(required=True, validate=validate.Range(min=0.0, max=1.0))


class Output(Schema):
    topics = fields.List(fields.Nested(Topic), required=True)


def title_words(title: str | None) -> list[str]:
    """Lower-cased words of the title (the title is not part of the shared parse)."""
    return WORD_RE.findall((title or "").lower())


def featurize(doc, title: str | None) -> dict:
    """What the models see of one document: the shared parse of the text plus the title."""
    title_tokens = title_words(title)
    words = [t.lower_ for t in doc if not (t.is_space or t.is_punct)]
    lemmas = [t.lemma_.lower() for t in doc if t.pos_ in CONTENT_POS and not t.is_stop]
    ents = Counter(e.label_ for e in doc.ents)
    extras = [f"l:{lemma}" for lemma in lemmas] + [f"t:{w}" for w in title_tokens]
    extras += [f"e:{label}:{min(n, 5)}" for label, n in ents.items()]  # bucketed entity-type counts
    extras += ["e:" + "_".join(e.text.lower().split()) for e in doc.ents
               if e.label_ in ("GPE", "NORP", "ORG", "PERSON")]
    # The vocabulary matcher sees lemmas of the text and naive singulars of title words.
    match = [t.lemma_.lower() for t in doc if not (t.is_space or t.is_punct)]
    match += ["."] + [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                      for w in title_tokens]
    return {"words": " ".join(title_tokens + ["|"] + words), "extras": " ".join(extras),
            "length": len(title_tokens) + len(words), "encoder_text": encoder_text(title, doc.text),
            "match": match, "countries": len({e.text.lower() for e in doc.ents if e.label_ in ("GPE", "NORP")})}


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


class NBSVM:
    """One-vs-rest linear SVMs over features scaled by naive-Bayes log-count ratios (NBSVM, Wang &
    Manning 2012), blended with a complement naive Bayes (Rennie et al. 2003) over the same features.
    Both are linear, so the blend folds into one weight matrix; the blend weight and the softmax
    temperatures are fitted on cross-validated scores."""

    BLEND_GRID = np.round(np.linspace(0.0, 1.0, 21), 2)

    def __init__(self, C: float = 0.5, alpha: float = 0.5, nb_alpha: float = 0.1, seed: int = 13):
        self.C, self.alpha, self.nb_alpha, self.seed = C, alpha, nb_alpha, seed

    def _fit_weights(self, X, y, sample_weight):
        from sklearn.naive_bayes import ComplementNB
        from sklearn.svm import LinearSVC

        binary = (X > 0).astype(np.float32)
        weights, biases = [], []
        for c in self.classes_:
            mine = y == c
            p = np.asarray(binary[mine].sum(0)).ravel() + self.alpha
            q = np.asarray(binary[~mine].sum(0)).ravel() + self.alpha
            ratio = np.log((p / p.sum()) / (q / q.sum()))
            svm = LinearSVC(C=self.C, random_state=self.seed).fit(X.multiply(ratio).tocsr(), mine,
                                                                   sample_weight=sample_weight)
            weights.append(svm.coef_[0] * ratio)  # folded: X @ (coef * ratio) == (X * ratio) @ coef
            biases.append(svm.intercept_[0])
        # Complement NB's joint log-likelihood is X @ feature_log_prob_.T (no prior with 2+ classes).
        nb = ComplementNB(alpha=self.nb_alpha).fit(X, y, sample_weight=sample_weight)
        return (np.array(weights, dtype=np.float32), np.array(biases, dtype=np.float32),
                nb.feature_log_prob_.astype(np.float32))

    def fit(self, X, y, sample_weight=None):
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(y)
        self.classes_ = np.array(sorted(set(y)))
        sample_weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
        svm_scores = np.zeros((len(y), len(self.classes_)))
        nb_scores = np.zeros_like(svm_scores)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=self.seed).split(X, y):
            w, b, v = self._fit_weights(X[train], y[train], sample_weight[train])
            svm_scores[test] = X[test] @ w.T + b
            nb_scores[test] = X[test] @ v.T
        truth = np.searchsorted(self.classes_, y)
        t_svm, t_nb = (self._temperature(s, truth) for s in (svm_scores, nb_scores))

        def blended(share):
            return (1 - share) * svm_scores / t_svm + share * nb_scores / t_nb

        # The blend weight with the best cross-validated accuracy (the smaller one on ties).
        self.blend = float(max(self.BLEND_GRID, key=lambda s: ((blended(s).argmax(1) == truth).mean(), -s)))
        self.temperature = self._temperature(blended(self.blend), truth)
        self.cv_probabilities_ = softmax(blended(self.blend) / self.temperature)  # for the trainer; dropped before saving
        w, b, v = self._fit_weights(X, y, sample_weight)
        self.weights = ((1 - self.blend) / t_svm * w + self.blend / t_nb * v).astype(np.float32)
        self.biases = ((1 - self.blend) / t_svm * b).astype(np.float32)
        return self

    def _temperature(self, scores, truth) -> float:
        return float(min(np.geomspace(0.05, 5, 60), key=lambda t: self._nll(scores / t, truth)))

    def _nll(self, z, truth):
        return -np.log(softmax(z)[np.arange(len(truth)), truth] + 1e-12).mean()

    def decision_function(self, X):
        return np.asarray(X @ self.weights.T.astype(np.float32)) + self.biases

    def predict_proba(self, X):
        return softmax(self.decision_function(X) / self.temperature)


class TopicModel:
    """The trained model: vectorizers and a calibrated linear classifier over the supervised
    classes, a fine-tuned encoder blended with it, the vocabulary scorer's term weights and the
    Platt scaling of its evidence."""

    def __init__(self, word_vectorizer, extra_vectorizer, classifier, idf, default_idf,
                 vocab_scaling, world_prior, half_evidence, vocab_weight, meta):
        self.word_vectorizer = word_vectorizer
        self.extra_vectorizer = extra_vectorizer
        self.classifier = classifier
        self.encoder = None  # topics_encoder.Encoder over the classifier's classes
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

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("vocabulary", "scorer")}

    def __setstate__(self, state):
        self.__dict__.update({"encoder": None, "encoder_weight": {"S": 0.0, "L": 0.0}, "blend_temperature": 1.0},
                             **state, vocabulary=None, scorer=None)

    def matrix(self, feats: list[dict]):
        from scipy.sparse import hstack

        return hstack([self.word_vectorizer.transform([augment(f["words"], f) for f in feats]),
                       self.extra_vectorizer.transform([augment(f["extras"], f) for f in feats])]).tocsr()

    def class_probabilities(self, feats: list[dict]) -> list[dict[str, float]]:
        """Probabilities of the supervised classes: a weighted geometric mean of the linear
        classifier's and the encoder's (the weight depends on the domain: the encoder reads a
        brief whole but only the start of a long article), softened by a fitted temperature."""
        proba = self.classifier.predict_proba(self.matrix(feats))
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


@lru_cache(maxsize=2)
def load_model(path: str = str(MODEL_FILE)) -> TopicModel:
    """The shipped model with its vocabulary, loaded once per process."""
    import sys
    import types

    import joblib

    from . import encoder

    # the file was written when this package was ``plugins.topics``; plain data replaces it (issue 21)
    old = {"plugins": types.ModuleType("plugins"), "plugins.topics": sys.modules[__name__],
           "plugins.topics_encoder": encoder}
    sys.modules.update(old)
    try:
        model = joblib.load(path)
    finally:
        for name in old:
            sys.modules.pop(name, None)
    return model.attach(load_vocabulary())


@analyzer("topics", version="1.1", requires=["parse", "document.title"], output_schema=Output,
          description="IPTC Media Topics with calibrated scores, top-level and lower-level",
          default_config={"min_score": 0.15, "max_subtopics": 4, "model": ""})
def topics(document: dict, context) -> dict:
    """Rank IPTC Media Topics for the article."""
    model = load_model(context.config.get("model") or str(MODEL_FILE))
    feats = featurize(context.doc, document.get("title"))
    result = model.predict([feats], float(context.config["min_score"]), int(context.config["max_subtopics"]))
    return {"topics": result[0]}


@hookimpl
def register_analyzers():
    return [topics]


def _qcodes(result: dict) -> list[str]:
    return [q for t in result["topics"] for q in [t["qcode"], *(p["qcode"] for p in t.get("parents", []))]]


@hookimpl
def register_facets():
    return [Facet("topic", "topics", _qcodes, "IPTC Media Topic qcode (its narrower topics match too)",
                  pattern=r"^medtop:\d{8}$")]


@hookimpl
def register_commands(cli):
    from .evaluate import cli as evaluate

    cli.commands["eval"].add_command(evaluate, "topics")
    from .train import cli as train

    cli.commands["train"].add_command(train, "topics")


@hookimpl
def startup(role):
    if role == "api":
        return  # the API never runs analyzers: keep its processes small
    if MODEL_FILE.exists():
        model = load_model(str(MODEL_FILE))
        if model.encoder is not None:
            model.encoder.load()  # before the worker pool forks: its children share the weights
    else:
        log.warning("topics model missing; run `newsdesk train topics`", extra={"path": str(MODEL_FILE)})
