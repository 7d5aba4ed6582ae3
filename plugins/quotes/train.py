"""``newsdesk train quotes``: learn the quotes analyzer's cue lists (``data/cues.json``, see
``learn_cues``) and train its six small models on PolNeAR train (fixed seed), written to
``data/model.json``.

- ``cue`` (trained first; the others see its output): for every verb, noun or adjective that is no cue of
  the rules, with its object, clause, infinitive or prepositional object as content
  (``fresh_candidates``), one example, positive when it matches a gold quote with the gold source;
  the ``intentions`` mode adds those scoring at least ``CUE_THRESHOLD`` (folded into ``_bias``).
- ``speaker``: for every parse-based attribution matching a gold quote, each candidate source
  (noun-phrase heads near the cue, plus "no source") is one example, positive when its span
  overlaps the gold source; the analyzer takes the best-scoring candidate.
- ``direct``: the same for direct quotes attributed by proximity (previous speaker, nearby verb),
  with candidates around the quote.
- ``embedded``: every direct quote the extractor outputs that matches a gold direct or mixed quote
  is one example, positive when the gold is mixed (a quoted fragment of reported speech: "thanked
  him for “taking these steps”"); the analyzer reports those scoring at least ``EMBEDDED_THRESHOLD``
  (folded into ``_bias``) as mixed.
- ``keep``: every reported-speech candidate the extractor outputs is one example, positive when it
  matches a gold quote; the analyzer drops those scoring below the threshold chosen on a fixed
  fifth of the training documents (folded into ``_bias``).
- ``span``: for every reported-speech output matching a gold quote, each boundary alternative of
  its content (``span_alternatives``: a leading "that"/"for" dropped or taken, cut at a comma or
  dash, run on to the sentence end) is one example, positive when it is the gold extent; the
  analyzer takes the best-scoring alternative when it beats the span as found.

Examples come from the ``intentions`` mode (PolNeAR's scope), whose candidates include the default
mode's (the learned cues are only in ``intentions``); the keep model's ``gate`` features set
intention-only candidates apart, so one model serves both modes.

All are logistic regressions over string features, shipped as JSON (feature -> weight): loading
needs no pickle and scoring is a few dictionary look-ups. Dev data is never used.
"""
from __future__ import annotations

import json
import math
import random
import time
from collections import Counter
from pathlib import Path

import click

from newsdesk import dev_data

from .evaluate import exact_key, match, read_gold, score_document, speaker_correct, summary
from .extract import (DIRECT_RANKED, LEXICON_PATH, MODEL_PATH, RANKED_PATTERNS, UNFILTERED, candidates,
                      embedded_features, extract, fresh_candidates, keep_features, learned_features, lemma_of,
                      lexicon, nested_flags, np_span, quote_candidates, quote_features, quote_spans,
                      span_alternatives, span_features, speaker_candidates, speaker_features, use_model)

TRAIN = dev_data("quotes", "train.jsonl")
SEED = 13
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5)
#: The embedded model's probability for "mixed" and its regularisation: by 5-fold cross-validation on
#: train (4480 direct outputs, 290 of them gold mixed), C 0.1 and 0.6 flag 109, 93 of them rightly.
EMBEDDED_THRESHOLD = 0.6
EMBEDDED_C = 0.1
#: The learned-cue model's probability and regularisation: on the fixed fifth of train held out below
#: (models trained on the rest), 0.4 gave the best overall F1 + attribution accuracy of 0.3-0.6
#: (overall 0.785 -> 0.794, attribution 0.914 -> 0.909).
CUE_THRESHOLD = 0.4
CUE_C = 1.0
#: A verb of saying or thinking takes a clause or a direct quote in at least MIN_SHAPE gold attributions
#: and in at least CLAUSE_SHARE of its own ("said that", not "wants to"); a shape is attested for a verb
#: MIN_SHAPE times; a bare object is a verb of saying's usual content when OBJECT_RATIO times as
#: frequent as a clause; a verb's bare object is an act attributed (intentions) when gold content in at
#: least ACT_SHARE of the verb's direct objects ("urged restraint", "sought the nomination").
MIN_SHAPE = 3
CLAUSE_SHARE = 0.05
OBJECT_RATIO = 2
ACT_SHARE = 0.2


def _gold_spans(doc, gold: dict):
    """The gold cue's token span and the root token of its content, or None without a cue."""
    if gold.get("cue_start") is None:
        return None
    cue = doc.char_span(gold["cue_start"], gold["cue_end"], alignment_mode="expand")
    content = doc.char_span(gold["start"], gold["end"], alignment_mode="expand")
    if cue is None or content is None or not len(content):
        return None
    return cue, content.root


def content_shape(doc, gold: dict) -> tuple[str, str] | None:
    """(cue verb lemma, shape) of one gold attribution: ``clause`` (a finite clausal complement of
    the cue, or a direct quote), ``infinitive`` (its to-infinitive), ``object`` (its direct object),
    ``other``; None without a verb in the cue."""
    spans = _gold_spans(doc, gold)
    if spans is None:
        return None
    cue, root = spans
    # the cue word the content hangs on ("refusing to acknowledge [that ...]": acknowledge), else its first verb
    verb = next((t for t in cue if t.i == root.head.i and t.pos_ == "VERB"), None) \
        or next((t for t in cue if t.pos_ == "VERB"), None)
    if verb is None:
        return None
    lemma = lemma_of(verb)
    if gold["type"] == "direct":
        return lemma, "clause"
    if root.head.i != verb.i:
        return lemma, "other"
    # "wants [him to go]" is parsed as a ccomp too: a clause only when finite (a tense, a modal, a "that")
    tensed = ("VBD", "VBZ", "VBP", "MD")
    finite = root.tag_ in tensed or any(c.dep_ in ("aux", "auxpass", "mark") and (
        c.tag_ in tensed or c.lower_ in ("that", "whether", "if")) for c in root.children)
    if root.dep_ == "ccomp" and finite:
        return lemma, "clause"
    return lemma, {"xcomp": "infinitive", "dobj": "object"}.get(root.dep_, "other")


def noun_prep(doc, gold: dict) -> tuple[str, str, str] | None:
    """(cue word's part of speech, lemma, preposition) when the gold content is the object of the
    cue noun's or verb's preposition ("[criticism] of [the deal]", "[bristled] at [the questions]")."""
    spans = _gold_spans(doc, gold)
    if spans is None:
        return None
    cue, root = spans
    prep = root.head
    if root.dep_ in ("pobj", "pcomp") and prep.dep_ == "prep" and prep.head.pos_ in ("NOUN", "VERB") \
            and cue.start <= prep.head.i < cue.end:
        return prep.head.pos_, lemma_of(prep.head), prep.lower_
    return None


def _verb_preps(doc):
    """(verb lemma, preposition) of every verb's prepositional phrase with an object in ``doc``."""
    return [(lemma_of(p.head), p.lower_) for p in doc if p.dep_ == "prep" and p.head.pos_ == "VERB"
            and any(c.dep_ in ("pobj", "pcomp") for c in p.children)]


def learn_cues(docs, records) -> dict:
    """The cue verbs and content shapes the gold attests: ``clause_cues`` take a finite clause or a
    direct quote (verbs of saying and thinking: "said that", "believes that"); ``infinitive_cues``
    a to-infinitive ("vowed to", and intentions: "refused to", "sought to"); ``object_cues`` are
    clause cues whose bare object is their usual content ("called him a liar", "urged calm");
    ``noun_preps``: nouns whose prepositional object is content ("criticism of", "attack on");
    ``act_verbs`` and ``verb_preps``: verbs whose bare object, or the object of a preposition, is often
    content ("urged restraint", "bristled at"), for the ``intentions`` mode."""
    shapes: dict[str, Counter] = {}
    preps: Counter = Counter()
    objects: Counter = Counter()  # verb lemma -> direct objects it takes in the text
    verb_preps: Counter = Counter()  # (verb lemma, preposition) -> such phrases in the text
    for doc, r in zip(docs, records):
        objects.update(lemma_of(t) for t in doc if t.pos_ == "VERB" and any(c.dep_ == "dobj" for c in t.children))
        verb_preps.update(_verb_preps(doc))
        for g in r["quotes"]:
            found = content_shape(doc, g)
            if found:
                shapes.setdefault(found[0], Counter())[found[1]] += 1
            pair = noun_prep(doc, g)
            if pair:
                preps[pair] += 1
    learned: dict[str, dict[str, list[str]]] = {"NOUN": {}, "VERB": {}}
    for (pos, lemma, prep), n in sorted(preps.items()):
        if n >= MIN_SHAPE and (pos == "NOUN" or n >= ACT_SHARE * verb_preps[lemma, prep]):
            learned[pos].setdefault(lemma, []).append(prep)
    clause = sorted(lemma for lemma, c in shapes.items()
                    if c["clause"] >= MIN_SHAPE and c["clause"] >= CLAUSE_SHARE * sum(c.values()))
    return {"clause_cues": clause,
            "infinitive_cues": sorted(lemma for lemma, c in shapes.items() if c["infinitive"] >= MIN_SHAPE),
            "object_cues": [lemma for lemma in clause
                            if shapes[lemma]["object"] >= OBJECT_RATIO * shapes[lemma]["clause"]],
            "noun_preps": learned["NOUN"], "verb_preps": learned["VERB"],
            "act_verbs": sorted(lemma for lemma, c in shapes.items()
                                if c["object"] >= MIN_SHAPE and c["object"] >= ACT_SHARE * objects[lemma])}


def write_cues(learned: dict, path: Path = LEXICON_PATH) -> None:
    """Replace the learned lists in the cue lexicon file, keeping the hand-written ones."""
    lex = json.loads(path.read_text(encoding="utf-8"))
    lex.update(learned)
    path.write_text(json.dumps(lex, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lexicon.cache_clear()


def speaker_examples(doc, gold: list[dict]) -> list[list[tuple[list[str], int]]]:
    """One group of (features, label) per parse-based attribution that matches a gold quote."""
    quotes = [(q.start, q.end) for q in quote_spans(doc.text)]
    cands = [a for a in candidates(doc, intentions=True) if a.cue_token is not None and a.pattern in RANKED_PATTERNS
             and not any(s <= a.cue[0] < e for s, e in quotes)]  # cues inside quotes are not ranked
    groups = []
    for gi, ci in match(gold, [{"start": a.start, "end": a.end} for a in cands]):
        g, a = gold[gi], cands[ci]
        gs, ge = g.get("speaker_start"), g.get("speaker_end")
        group = [(speaker_features(a, None), int(gs is None))]
        for t in speaker_candidates(a):
            s, e = np_span(t)
            group.append((speaker_features(a, t), int(gs is not None and s < ge and gs < e)))
        groups.append(group)
    return groups


def direct_examples(doc, gold: list[dict]) -> list[list[tuple[list[str], int]]]:
    """One group of (features, label) per direct quote attributed by proximity that matches a gold quote."""
    atts, _ = extract(doc, doc.text, intentions=True)
    groups = []
    for gi, ai in match(gold, [{"start": a.start, "end": a.end} for a in atts]):
        g, a = gold[gi], atts[ai]
        if a.pattern not in DIRECT_RANKED:
            continue
        gs, ge = g.get("speaker_start"), g.get("speaker_end")
        group = [(quote_features(a, None, doc.text), int(gs is None))]
        for t in quote_candidates(a, doc):
            s, e = np_span(t)
            group.append((quote_features(a, t, doc.text), int(gs is not None and s < ge and gs < e)))
        groups.append(group)
    return groups


def embedded_examples(doc, gold: list[dict], atts: list) -> list[tuple[list[str], int]]:
    """(features, gold is mixed) for each direct quote of the extractor (``atts``) matching a gold
    direct or mixed quote."""
    pairs = match(gold, [{"start": a.start, "end": a.end} for a in atts])
    return [(embedded_features(atts[ai], doc, doc.text), int(gold[gi]["type"] == "mixed")) for gi, ai in pairs
            if atts[ai].direct and gold[gi]["type"] in ("direct", "mixed")]


def cue_examples(doc, gold: list[dict]) -> list[tuple[list[str], int]]:
    """(features, right) for each learned-cue candidate beside the rules' (``candidates``): right when
    it matches a gold quote and its source is the gold one (or both have none), so the model learns
    the attributions the analyzer would report correctly, not contents with someone else's source."""
    text = doc.text
    fresh = fresh_candidates(doc, candidates(doc, intentions=True), text)
    right = {pi for gi, pi in match(gold, [{"start": a.start, "end": a.end} for a in fresh])
             if speaker_correct(gold[gi], None if fresh[pi].speaker is None
                                else {"start": fresh[pi].speaker[0], "end": fresh[pi].speaker[1]})}
    return [(learned_features(a, text), int(k in right)) for k, a in enumerate(fresh)]


def span_examples(doc, gold: list[dict], atts: list) -> list[tuple[list[str], int]]:
    """(features, exact) for each boundary alternative of each reported-speech output that matches a
    gold quote: positive when it is the gold content's extent (``exact_key``)."""
    text, rows = doc.text, []
    for gi, ai in match(gold, [{"start": a.start, "end": a.end} for a in atts]):
        a = atts[ai]
        if a.direct:
            continue
        want = exact_key(text, gold[gi]["start"], gold[gi]["end"])
        rows += [(span_features(doc, a, alt, text), int(exact_key(text, alt[2], alt[3]) == want))
                 for alt in span_alternatives(doc, a)]
    return rows


def keep_examples(doc, gold: list[dict], atts: list) -> list[tuple[list[str], int]]:
    """(features, matched a gold quote) for each reported-speech output of the extractor (``atts``)."""
    matched = {pi for _, pi in match(gold, [{"start": a.start, "end": a.end} for a in atts])}
    nested = nested_flags(atts)
    return [(keep_features(a, doc.text, nested[k]), int(k in matched)) for k, a in enumerate(atts)
            if not a.direct and a.pattern not in UNFILTERED]


def fit(rows: list[tuple[list[str], int]], c: float) -> dict:
    """Logistic-regression weights (feature -> weight, ``_bias``)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    x = vec.fit_transform([{f: 1 for f in feats} for feats, _ in rows])
    lr = LogisticRegression(C=c, max_iter=3000, random_state=SEED).fit(x, [y for _, y in rows])
    weights = {f: round(float(w), 4) for f, w in zip(vec.get_feature_names_out(), lr.coef_[0]) if abs(w) >= 1e-4}
    weights["_bias"] = round(float(lr.intercept_[0]), 4)
    return weights


def evaluate(docs, records, intentions: bool = True) -> dict:
    """The eval command's figures (speaker mentions only, no entity linking) on parsed ``docs``."""
    from .build import build_quotes

    c: Counter = Counter()
    for doc, rec in zip(docs, records):
        score_document(rec["quotes"], build_quotes(doc, rec["text"], [], intentions=intentions)["quotes"], c)
    return summary(c, len(records))


def train_models(docs, records, c: float = 0.5) -> dict:
    """The six models on ``docs``; ``keep`` before its threshold is folded in (see ``with_threshold``)."""
    use_model({})
    cue = fit([ex for doc, r in zip(docs, records) for ex in cue_examples(doc, r["quotes"])], CUE_C)
    cue["_bias"] = round(cue["_bias"] - math.log(CUE_THRESHOLD / (1 - CUE_THRESHOLD)), 4)
    use_model({"cue": cue})
    groups = [g for doc, r in zip(docs, records) for g in speaker_examples(doc, r["quotes"])]
    speaker = fit([ex for g in groups for ex in g], c)
    use_model({"cue": cue, "speaker": speaker})
    groups = [g for doc, r in zip(docs, records) for g in direct_examples(doc, r["quotes"])]
    direct = fit([ex for g in groups for ex in g], c)
    use_model({"speaker": speaker, "direct": direct, "cue": cue})
    outputs = [extract(doc, doc.text, intentions=True)[0] for doc in docs]  # with the speaker rankers
    keep = fit([ex for doc, r, atts in zip(docs, records, outputs) for ex in keep_examples(doc, r["quotes"], atts)], c)
    embedded = fit([ex for doc, r, atts in zip(docs, records, outputs)
                    for ex in embedded_examples(doc, r["quotes"], atts)], EMBEDDED_C)
    embedded["_bias"] = round(embedded["_bias"] - math.log(EMBEDDED_THRESHOLD / (1 - EMBEDDED_THRESHOLD)), 4)
    span = fit([ex for doc, r, atts in zip(docs, records, outputs)
                for ex in span_examples(doc, r["quotes"], atts)], c=1.0)
    return {"speaker": speaker, "direct": direct, "cue": cue, "keep": keep, "embedded": embedded, "span": span}


def with_threshold(models: dict, threshold: float) -> dict:
    """``models`` with ``keep`` shifted so that a score >= 0 means a probability >= ``threshold``."""
    keep = {**models["keep"], "_bias": round(models["keep"]["_bias"] - math.log(threshold / (1 - threshold)), 4)}
    return {**models, "keep": keep}


@click.command()
@click.option("--data", type=click.Path(exists=True, dir_okay=False), default=str(TRAIN), show_default=True,
              help="PolNeAR train split (JSON lines with gold quotes).")
@click.option("--out", type=click.Path(dir_okay=False), default=str(MODEL_PATH), show_default=True)
@click.option("--parse-cache", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for cached parses of DATA (keep it outside the repo, e.g. /tmp).")
def cli(data, out, parse_cache):
    """Train the quotes models on DATA; pick the keep threshold on a fixed fifth of its documents."""
    from newsdesk import in_process_pipeline
    from newsdesk import parse_cached

    t0 = time.time()
    records = read_gold(data, None)
    docs = parse_cached(in_process_pipeline().nlp, [r["text"] for r in records], parse_cache, "quotes-train")
    learned = learn_cues(docs, records)  # the extractor's cue lists, before the models that score its output
    write_cues(learned)
    click.echo("learned cues: " + json.dumps({k: len(v) for k, v in learned.items()}))
    order = list(range(len(records)))
    random.Random(SEED).shuffle(order)
    held = sorted(order[:len(order) // 5])
    rest = order[len(order) // 5:]
    held_docs, held_recs = [docs[k] for k in held], [records[k] for k in held]
    keys = ("direct_f1", "indirect_f1", "mixed_f1", "overall_f1", "attribution_accuracy")
    use_model({})
    rules = evaluate(held_docs, held_recs)
    click.echo("held-out, rules only: " + json.dumps({k: rules[k] for k in keys}))
    best = None
    split_models = train_models([docs[k] for k in rest], [records[k] for k in rest])
    for t in THRESHOLDS:
        use_model(with_threshold(split_models, t))
        s = evaluate(held_docs, held_recs)
        click.echo(f"held-out, threshold {t}: " + json.dumps({k: s[k] for k in keys}))
        if best is None or s["indirect_f1"] + s["overall_f1"] > best[0]:
            best = (s["indirect_f1"] + s["overall_f1"], t)
    models = with_threshold(train_models(docs, records), best[1])
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps({
        "about": "Quotes analyzer models: logistic-regression weights over string features "
                 "(plugins/quotes/extract.py learned_features, speaker_features, quote_features, keep_features, "
                 "embedded_features, span_features), "
                 "trained by `newsdesk train quotes` on PolNeAR train (Newell, Margolin & Ruths, LREC 2018).",
        "seed": SEED, "keep_threshold": best[1], **models}, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    use_model({})
    click.echo(f"wrote {out} (threshold {best[1]}) in {time.time() - t0:.0f} s")
