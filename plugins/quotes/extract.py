"""Rules that find attributions (content, cue, source) on a spaCy dependency parse."""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path

from .marks import DOUBLE_RE, PLAIN_DOUBLE_RE, QuoteSpan, double_quote_spans, single_quote_spans

LEXICON_PATH = Path(__file__).parent / "data" / "cues.json"
#: Gates (``Attribution.gate``) only the ``intentions`` setting opens: intentions and acts, not speech.
INTENTION_GATES = ("intention", "act")
#: Verbs attributing without naming a source: "seems to", and in the passive "is expected to".
SEEM_CUES = {"seem", "appear"}
PASSIVE_CUES = {"expect", "say", "believe", "think", "report", "consider", "know", "rumor", "rumour",
                "project", "predict", "estimate"}
#: Adverbs attributing without a source ("reportedly", "allegedly").
SOURCELESS_ADVERBS = {"reportedly", "allegedly", "seemingly", "purportedly", "reputedly"}
#: Adjectives of stance or knowledge taking a clause ("is confident that ...").
STANCE_ADJECTIVES = {"sure", "certain", "confident", "convinced", "aware", "skeptical", "sceptical",
                     "hopeful", "optimistic", "pessimistic", "worried", "concerned", "afraid", "doubtful",
                     "clear", "obvious", "adamant", "insistent", "unaware", "glad", "happy", "proud",
                     "sorry", "disappointed", "surprised", "upset", "angry", "frustrated", "satisfied"}
#: Adjectives of intention taking an infinitive ("is eager to ...").
EAGER_ADJECTIVES = {"eager", "determined", "willing", "unwilling", "reluctant", "keen", "loath", "anxious", "desperate"}
#: Object cues that attribute only with a predicate ("called him a liar", not "called the police").
PREDICATE_CUES = {"call", "describe", "label", "dub", "brand", "term", "portray", "characterize",
                  "characterise", "deem", "see", "view", "regard"}
#: Pronoun objects that can be the content of an object cue.
OBJECT_PRONOUNS = {"him", "her", "them", "me", "us", "you", "himself", "herself", "themselves", "which", "that",
                   "what", "whom"}
#: Dependency labels cut from a speaker noun phrase ("Cruz, who has seen ..., said").
SPEAKER_CUT = {"relcl", "acl", "appos", "punct", "advcl", "parataxis", "ccomp"}
WORD_RE = re.compile(r"\w")


@lru_cache(maxsize=1)
def lexicon() -> dict:
    raw = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    return {k: frozenset(v) if isinstance(v, list) else v for k, v in raw.items() if not k.startswith("_")}


@dataclass
class Attribution:
    start: int
    end: int
    cue: tuple[int, int] | None
    cue_kind: str
    speaker: tuple[int, int] | None
    speaker_head: object = None          # spaCy Token of the speaker's head, when known
    confidence: float = 0.5
    pattern: str = ""
    direct: bool = False
    cue_token: object = None
    #: how a verb's content qualified: ``clause``, ``infinitive`` (of a verb of saying), ``object``,
    #: or only with ``intentions``: ``intention`` (any verb's infinitive), ``act`` (a bare object)
    gate: str = ""
    #: a quotation that is a fragment of reported speech ("thanked him for “taking these steps”"):
    #: the trained ``embedded`` model's call, reported as a mixed quote
    embedded: bool = False
    #: a learned cue inside another attribution's content ("said he had voted for ...")
    nested: bool = False


def lemma_of(tok) -> str:
    """The lower-case lemma, mending the small model's "hopes" -> "hop"."""
    lemma = tok.lemma_.lower()
    return "hope" if lemma == "hop" and tok.lower_.startswith(("hope", "hoping")) else lemma


def quote_type(text: str, start: int, end: int, typewriter: bool = True) -> str:
    """direct / indirect / mixed from the quotation marks in and right around ``text[start:end]``.

    direct: opens with a mark (or one stands right before) and has no mark inside but a closing one
    at its end; indirect: no mark in it or touching it; mixed: anything else. Single curly marks
    count only at the edges.
    """
    marks = DOUBLE_RE if typewriter else PLAIN_DOUBLE_RE
    frag = text[start:end]
    found = [(m.start(), m.end()) for m in marks.finditer(frag)]
    before = any(m.end() == start for m in marks.finditer(text, max(0, start - 2), start))
    after = bool(marks.match(text, end))
    opens = bool(found and found[0][0] == 0) or before or "\u2018" in (frag[:1], text[start - 1:start])
    inner = [m for m in found if m[0] != 0 and m[1] != len(frag)]
    if opens and not inner:
        return "direct"
    if not found and not before and not after:
        return "indirect"
    return "mixed"


def _trim(doc, i: int, j: int) -> tuple[int, int]:
    """Token range [i, j) without leading/trailing punctuation (quote marks kept) and conjunctions."""
    while i < j and (doc[i].is_punct and not doc[i].is_quote or doc[i].dep_ == "cc" or doc[i].is_space):
        i += 1
    while j > i and (doc[j - 1].is_punct and not doc[j - 1].is_quote or doc[j - 1].is_space
                     or doc[j - 1].dep_ == "cc"):
        j -= 1
    return i, j


def char_range(doc, i: int, j: int) -> tuple[int, int]:
    return doc[i].idx, doc[j - 1].idx + len(doc[j - 1])


def np_span(tok) -> tuple[int, int]:
    """Character span of the noun phrase headed by ``tok`` minus clauses, appositions, punctuation."""
    cut = set()
    for c in tok.children:
        detached = c.left_edge.i > 0 and tok.doc[c.left_edge.i - 1].text in (",", "(")
        if c.dep_ in SPEAKER_CUT and (c.dep_ != "appos" or detached):  # "The diplomat Ivan Horvat" stays
            cut.update(t.i for t in c.subtree)
    i = j = tok.i
    while i - 1 >= tok.left_edge.i and i - 1 not in cut:
        i -= 1
    while j + 1 <= tok.right_edge.i and j + 1 not in cut:
        j += 1
    i, j = _trim(tok.doc, i, j + 1)
    if i >= j:
        return tok.idx, tok.idx + len(tok)
    return char_range(tok.doc, i, j)


def subject_of(verb, strict: bool = False):
    """The token naming who speaks or thinks for ``verb`` (its subject, climbing through chains);
    ``strict``: None rather than an implausible subject borrowed from a conjoined verb."""
    v = verb
    shared = False  # climbed from a conjoined verb: its subject is only borrowed
    for _ in range(5):
        subjects = [c for c in v.children if c.dep_ in ("nsubj", "csubj")]
        if subjects:  # "The diplomat Ivan Horvat said" is sometimes parsed with two subjects
            subj = min(subjects, key=lambda c: (not plausible_source(c), abs(c.i - verb.i)))
            if strict and shared and not plausible_source(subj):
                return None  # "the actions are unacceptable and condemn ...": no speaker to borrow
            return _past_dateline(subj, v)
        for c in v.children:
            if c.dep_ == "nsubjpass":
                return _passive_source(v)  # "she is expected to", "he was told": not the source
        if v.dep_ in ("xcomp", "advcl", "conj", "pcomp", "prep", "advmod", "acomp") and v.head.i != v.i:
            shared = shared or v.dep_ == "conj"
            v = v.head
            continue
        if v.dep_ in ("acl", "relcl") and v.head.pos_ in ("NOUN", "PROPN") and plausible_source(v.head):
            if v.head.dep_ == "dobj" and v.head.lemma_.lower() in lexicon()["document_nouns"]:
                issuer = subject_of(v.head.head)  # "His office issued a statement saying ...": the office
                if issuer is not None and plausible_source(issuer):
                    return issuer
            return v.head  # "a statement saying ...", "officials speaking on condition ..."
        return _misattached_subject(v)
    return None


def _misattached_subject(verb):
    """"In an interview with Sputnik, the head of the ministry said": the parse hangs the subject
    as an apposition inside the fronted phrase; it is the apposition ending right before the verb."""
    if verb.i == 0 or verb.dep_ != "ROOT":
        return None
    t = verb.doc[verb.i - 1]
    for up in t.ancestors:  # up to the apposition, staying before the verb
        if up.i >= verb.i or t.dep_ == "appos":
            break
        t = up
    if t.dep_ == "appos" and t.right_edge.i == verb.i - 1 and t.pos_ in ("NOUN", "PROPN") \
            and plausible_source(t):
        return t
    return None


def _past_dateline(subj, verb):
    """"CLEVELAND, July 19 (UPI) — Former Attorney General Michael Mukasey told": the dateline is
    parsed as the subject and the speaker as its apposition after the dash."""
    if not subj.is_upper or len(subj) < 3:
        return subj
    dash = next((t for t in subj.doc[subj.i + 1:verb.i] if t.text in ("\u2014", "\u2013", "--", "-")), None)
    if dash is None or dash.i + 1 >= verb.i:
        return subj
    return subj.doc[dash.i + 1:verb.i].root


def _passive_source(verb):
    """"was reported by X" -> X; "it was stated in the communique" -> the communique."""
    docs = lexicon()["document_nouns"]
    for c in verb.children:
        if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ in ("in", "by")):
            pobj = next((p for p in c.children if p.dep_ == "pobj"), None)
            if pobj is not None and (c.dep_ == "agent" or pobj.lemma_.lower() in docs):
                return pobj
    return None


def plausible_source(tok) -> bool:
    """A subject that can speak or think: a name, a pronoun, a person/organisation/document noun."""
    lex = lexicon()
    if tok.pos_ == "PRON":
        return tok.lower_ not in ("it", "this", "that", "what", "there")
    return tok.pos_ == "PROPN" or tok.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") \
        or tok.lemma_.lower() in lex["person_nouns"] or tok.lemma_.lower() in lex["document_nouns"]


def complement(verb, lemma: str, intentions: bool = False):
    """The clausal complement that is the attributed content, or None.

    Of several, the nearest in the verb's paragraph, on its right first; a clause before a colon
    or semicolon ("... as an example: He says ...") is not the verb's content however parsed.
    A to-infinitive is content only after a verb of saying or thinking ("vowed to"), or with
    ``intentions`` after any verb attested with one ("refused to", "sought to").
    """
    doc = verb.doc
    lo, hi = _paragraph_tokens(doc, verb)
    comps = [c for c in verb.children if c.dep_ == "ccomp" and lo <= c.i < hi
             and not (c.i < verb.i and any(t.text in (":", ";") for t in doc[c.right_edge.i:verb.i]))]
    if comps:
        return min(comps, key=lambda c: (c.i < verb.i, abs(c.i - verb.i)))
    if infinitive_content(lemma, intentions):
        for c in verb.children:
            if c.dep_ == "xcomp":
                return c
    return None


def infinitive_content(lemma: str, intentions: bool = False) -> bool:
    """Whether the to-infinitive of cue ``lemma`` is attributed content (lists learnt by ``train``)."""
    lex = lexicon()
    return lemma in lex["infinitive_cues"] and (intentions or lemma in lex["clause_cues"])


_LINES: tuple = (None, [])  # (the last document, its line starts): the shared parse stays untouched


def _paragraph_tokens(doc, anchor) -> tuple[int, int]:
    """Token range of the line (paragraph) holding ``anchor``: content never crosses a newline."""
    global _LINES
    last, starts = _LINES
    if last is not doc:  # once per document: every cue asks, and a walk per cue is quadratic
        starts = [0] + [t.i for t in doc[1:] if "\n" in t.text or "\n" in doc[t.i - 1].whitespace_
                        or "\n" in doc[t.i - 1].text]
        _LINES = (doc, starts)
    k = bisect.bisect_right(starts, anchor.i)
    return starts[k - 1], starts[k] if k < len(starts) else len(doc)


def _detached_end(node):
    """Last token index of ``node``'s phrase before a detached relative clause or apposition:
    "endorsed [Charlie Crist], who has since left the GOP" -> the name only."""
    doc = node.doc
    cuts = [c.left_edge.i for c in node.children if c.dep_ in ("relcl", "appos", "acl") and c.i > node.i
            and doc[c.left_edge.i - 1].text in (",", "\u2014", "\u2013", "--", "(")]
    return min(cuts) - 2 if cuts else node.right_edge.i


def _span_of(doc, node, anchor, also=None, shortest: int = 2, detach: bool = False) -> tuple[int, int] | None:
    """Character span of ``node``'s subtree (and ``also``'s), within ``anchor``'s paragraph, of at
    least ``shortest`` tokens; ``detach``: without ``node``'s detached clauses and appositions."""
    lo, hi = _paragraph_tokens(doc, anchor)
    last = max(n.right_edge.i if n is also or not detach else _detached_end(n) for n in (node, also) if n is not None)
    tokens = [t.i for n in (node, also) if n is not None for t in n.subtree if lo <= t.i < hi and t.i <= last]
    if not tokens:
        return None
    i, j = _trim(doc, min(tokens), max(tokens) + 1)
    if j - i < shortest:
        return None
    return char_range(doc, i, j)


def verb_cues(doc, intentions: bool = False) -> list[Attribution]:
    """Speech and cognition verbs with a clausal complement: "X said (that) ...", "X believes ..."."""
    lex = lexicon()
    out = []
    for tok in doc:
        if tok.pos_ != "VERB":
            continue
        lemma = lemma_of(tok)
        kind = "speech" if lemma in lex["speech_verbs"] else "cognition" if lemma in lex["cognition_verbs"] \
            else None
        if kind is None:
            continue
        comp = complement(tok, lemma, intentions)
        if comp is None:
            continue
        span = _span_of(doc, comp, tok)
        if span is None:
            continue
        subj = subject_of(tok)
        passive = any(c.dep_ == "auxpass" for c in tok.children)  # "is expected to": no source
        if passive and lemma in PASSIVE_CUES and comp.dep_ == "xcomp":
            continue  # sourceless_cues reports the whole proposition
        if kind == "cognition" and (subj is None and not passive
                                    or subj is not None and subj.pos_ == "PRON" and not plausible_source(subj)):
            continue
        gate = "clause" if comp.dep_ == "ccomp" else "infinitive" if infinitive_content(lemma) else "intention"
        out.append(Attribution(
            span[0], span[1], (tok.idx, tok.idx + len(tok)), kind,
            np_span(subj) if subj is not None else None, subj,
            confidence=0.8 if kind == "speech" else 0.6, pattern="verb", cue_token=tok, gate=gate))
    return out


def adjective_cues(doc) -> list[Attribution]:
    """Stance adjectives with a clause or a prepositional object: "Ayres is skeptical Trump can ...",
    "I am aware that ...", "she is critical of the deal"."""
    preps = lexicon()["prep_adjectives"]
    out = []
    for tok in doc:
        lemma = lemma_of(tok)
        if tok.pos_ != "ADJ" or tok.dep_ != "acomp" \
                or lemma not in STANCE_ADJECTIVES and lemma not in preps and lemma not in EAGER_ADJECTIVES:
            continue
        be = tok.head
        comp = next((c for c in list(tok.children) + list(be.children) if c.dep_ == "ccomp"), None)
        if comp is None and lemma in EAGER_ADJECTIVES:  # "is eager to control ..."
            comp = next((c for c in tok.children if c.dep_ == "xcomp"), None)
        prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ in preps.get(lemma, ())), None)
        if comp is None and prep is not None:
            comp = next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None)
        span = _span_of(doc, comp, tok, shortest=1 if comp.pos_ in ("PROPN", "PRON") else 2, detach=prep is not None) \
            if comp is not None else None
        if span is None:
            continue
        subj = subject_of(be)
        if subj is not None and subj.lower_ == "it":  # "it is obvious that ...": no source
            subj = None
        if subj is None and comp.dep_ != "ccomp":
            continue  # "critical of ...", "eager to ..." attribute only with a named holder
        out.append(Attribution(span[0], span[1], (tok.idx, tok.idx + len(tok)), "cognition",
                               np_span(subj) if subj is not None else None, subj,
                               confidence=0.5, pattern="adjective", cue_token=tok))
    return out


def sourceless_cues(doc) -> list[Attribution]:
    """Attributions without a source: "X seems to ...", "X is expected / said / believed to ..."."""
    out = []
    for tok in doc:
        lemma = lemma_of(tok)
        passive = any(c.dep_ == "auxpass" for c in tok.children)
        if tok.pos_ != "VERB" or not (lemma in SEEM_CUES or passive and lemma in PASSIVE_CUES) \
                or any(c.dep_ == "agent" for c in tok.children):
            continue
        comp = next((c for c in tok.children if c.dep_ == "xcomp"
                     or lemma in SEEM_CUES and c.dep_ in ("acomp", "oprd", "attr")), None)  # "seemed so stark"
        if comp is None:
            continue
        # the content is the proposition, split around its cue: "[he] appeared [to be laying ...]"
        subj = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        for part, shortest in ((subj, 1), (comp, 2)):
            span = _span_of(doc, part, tok, shortest=shortest) if part is not None else None
            if span is not None:
                out.append(Attribution(span[0], span[1], (tok.idx, tok.idx + len(tok)), "cognition", None,
                                       confidence=0.4, pattern="sourceless", cue_token=tok))
    return out


def adverb_cues(doc) -> list[Attribution]:
    """Hedging adverbs attributing without a source: "[Bloomberg] reportedly [considering a run]"."""
    out = []
    for tok in doc:
        if tok.lower_ not in SOURCELESS_ADVERBS or tok.dep_ != "advmod" or tok.head.pos_ not in ("VERB", "AUX"):
            continue
        lo, hi = _paragraph_tokens(doc, tok)
        clause = [t.i for t in tok.head.subtree if lo <= t.i < hi and t.i != tok.i]
        # the content is the clause around the cue, in two parts when the cue splits it
        for part in ([i for i in clause if i < tok.i], [i for i in clause if i > tok.i]):
            if not part:
                continue
            i, j = _trim(doc, min(part), max(part) + 1)
            if j > i and any(t.is_alpha for t in doc[i:j]):
                out.append(Attribution(*char_range(doc, i, j), (tok.idx, tok.idx + len(tok)), "speech", None,
                                       confidence=0.4, pattern="adverb", cue_token=tok))
    return out


def object_cues(doc, intentions: bool = False) -> list[Attribution]:
    """Speech and stance verbs whose object is the content: "X criticized the plan", "X called for a ban";
    a verb of saying reports a proposition, so its bare object only where that is its usual content
    ("called him a liar", not "claimed responsibility"), unless ``intentions``."""
    lex = lexicon()
    out = []
    for tok in doc:
        if tok.pos_ != "VERB" or any(c.dep_ == "ccomp" for c in tok.children):
            continue
        lemma = lemma_of(tok)
        obj = pred = None
        listed = lemma in lex["object_verbs"]
        preps = set(lex["prep_verbs"].get(lemma, ()))
        if intentions:
            preps |= set(lex["verb_preps"].get(lemma, ()))
        mark = None
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in preps:
                obj = next((p for p in c.children if p.dep_ in ("pobj", "pcomp")), None)
            # "calling for the US to step up ...": the preposition parsed as the mark of a clause
            elif c.dep_ == "advcl" and c.i > tok.i:
                mark = next((m for m in c.children if m.dep_ == "mark" and m.lower_ in preps), None)
                obj = c if mark is not None else obj
        if infinitive_content(lemma, intentions) and any(c.dep_ == "xcomp" for c in tok.children):
            continue  # "called on the US to lead": the infinitive is the content (verb_cues)
        # "claimed responsibility", "declared independence": a verb of saying with a bare object is an act
        usual = lemma not in lex["clause_cues"] or lemma in lex["object_cues"]
        if obj is None and (listed or intentions and lemma in lex["act_verbs"]):
            # "called the suspension 'arbitrary'", "described him as a leader": object and predicate
            objs = [c for c in tok.children if c.dep_ in ("dobj", "oprd")]
            obj = objs[0] if objs else None
            pred = next((c for c in tok.children if c.i != getattr(obj, "i", -1)
                         and (c.dep_ == "oprd" or c.dep_ == "prep" and c.lower_ == "as")), None)
        passive = obj is None and listed and any(c.dep_ == "auxpass" for c in tok.children)
        if passive:  # "[Farook's name] was announced (by the police)": the source may go unsaid
            obj = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
        # a pronoun is content only when it refers to something said or someone judged
        # ("endorsed him", "which she shares"), not an "it" or "something"
        if obj is None or obj.pos_ == "PRON" and pred is None and obj.lower_ not in OBJECT_PRONOUNS \
                or lemma in PREDICATE_CUES and pred is None and obj.dep_ == "dobj" \
                or not (usual or intentions) and pred is None and obj.dep_ in ("dobj", "nsubjpass"):
            continue
        subj = subject_of(tok, strict=True)
        if subj is None and not passive or subj is not None and subj.pos_ == "PRON" and not plausible_source(subj):
            continue
        # a bare name is content too: "endorsed Cruz", "support Clinton"
        span = _span_of(doc, obj, tok, pred, shortest=1 if obj.pos_ in ("PROPN", "PRON") else 2, detach=mark is None)
        if span is None:
            continue
        if mark is not None and span[0] == mark.idx:
            span = (mark.nbor().idx, span[1])
        act = (not usual or not listed) and pred is None and obj.dep_ in ("dobj", "nsubjpass") \
            or obj.head.dep_ == "prep" and obj.head.lower_ not in lex["prep_verbs"].get(lemma, ())
        out.append(Attribution(
            span[0], span[1], (tok.idx, tok.idx + len(tok)),
            "cognition" if lemma in lex["cognition_verbs"] else "speech", np_span(subj) if subj is not None else None,
            subj, confidence=0.5, pattern="object", cue_token=tok, gate="act" if act else "object"))
    return out


def parenthetical_cues(doc) -> list[Attribution]:
    """A speech or cognition verb inserted in or after its content: "Far too many, Barden says, have died",
    "Such a move could alienate his backers, her allies believe", "As he writes, ..."."""
    lex = lexicon()
    out = []
    for tok in doc:
        lemma = lemma_of(tok)
        kind = "speech" if lemma in lex["speech_verbs"] else "cognition" if lemma in lex["cognition_verbs"] else None
        # "As he writes, the escalation is unacceptable": an as-clause is a parenthetical cue too
        aside = tok.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "as" for c in tok.children)
        if tok.pos_ != "VERB" or not (tok.dep_ == "parataxis" or aside) or kind is None \
                or any(c.dep_ in ("ccomp", "dobj", "xcomp") for c in tok.children):
            continue
        subj = subject_of(tok)
        if subj is None or subj.head.i != tok.i:
            continue
        lo, hi = _paragraph_tokens(doc, tok)
        inner = {t.i for t in tok.subtree}
        clause = [t.i for t in tok.head.subtree if lo <= t.i < hi and t.i not in inner]
        for part in ([i for i in clause if i < tok.left_edge.i], [i for i in clause if i > tok.right_edge.i]):
            if not part:
                continue
            i, j = _trim(doc, min(part), max(part) + 1)
            if j - i >= 2:
                out.append(Attribution(*char_range(doc, i, j), (tok.idx, tok.idx + len(tok)), kind,
                                       np_span(subj), subj, confidence=0.7, pattern="parenthetical",
                                       cue_token=tok))
    return out


def colon_cues(doc) -> list[Attribution]:
    """A line opening with a short name and a colon: "Lynch: No outside influence on FBI probe"."""
    out = []
    for tok in doc:
        if tok.text != ":" or tok.i == 0:
            continue
        lo, hi = _paragraph_tokens(doc, tok)
        head = doc[lo:tok.i]
        rest = doc[tok.i + 1:hi]
        if not 1 <= len(head) <= 6 or len(rest) < 3 or any(t.pos_ in ("VERB", "AUX") for t in head) \
                or not any(t.pos_ == "PROPN" for t in head) or not any(t.pos_ in ("VERB", "AUX") for t in rest):
            continue
        end = next((t.i for t in rest if t.is_sent_end), hi - 1) + 1
        i, j = _trim(doc, tok.i + 1, max(end, tok.i + 2))
        if j - i < 3:
            continue
        k = head.start  # not the bullet or the "Added" of '- Added Smith: ...'
        while k < tok.i - 1 and (doc[k].is_punct or _said_word(doc[k])):
            k += 1
        src = doc[k:tok.i].root
        out.append(Attribution(*char_range(doc, i, j), (tok.idx, tok.idx + 1), "speech",
                               char_range(doc, k, tok.i), src, confidence=0.6, pattern="colon",
                               cue_token=tok))
    return out


def according_to(doc) -> list[Attribution]:
    """"according to X, ..." and "..., according to X"."""
    out = []
    for tok in doc:
        if tok.lower_ != "according":
            continue
        to = next((c for c in tok.children if c.lower_ == "to"), None)
        src = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
        if src is None:
            continue
        phrase = {t.i for t in tok.subtree}
        head = tok.head
        if head.pos_ not in ("VERB", "AUX"):
            head = tok.sent.root
        left = [t.i for t in head.subtree if t.i < tok.i and t.i not in phrase]
        right = [t.i for t in head.subtree if t.i > max(phrase) and t.i not in phrase]
        lo, hi = _paragraph_tokens(doc, tok)
        left = [i for i in left if i >= lo]
        right = [i for i in right if i < hi]
        side = left if head.i < tok.i and left else right or left  # the side holding the clause's verb
        if not side:
            continue
        i, j = _trim(doc, min(side), max(side) + 1)
        if j - i < 2:
            continue
        out.append(Attribution(
            *char_range(doc, i, j), (tok.idx, to.idx + len(to)), "speech", np_span(src), src,
            confidence=0.85, pattern="according_to", cue_token=tok))
    return out


def noun_cues(doc) -> list[Attribution]:
    """Nominal cues with a that-clause, an infinitive or a prepositional object: "X's statement that ...",
    "his promise to ...", "her support for ..."."""
    lex = lexicon()
    out = []
    for tok in doc:
        if tok.pos_ != "NOUN":
            continue
        lemma = lemma_of(tok)
        preps = set(lex["prep_nouns"].get(lemma, ())) | set(lex["noun_preps"].get(lemma, ()))
        kind = "speech" if lemma in lex["speech_nouns"] else "cognition" if lemma in lex["cognition_nouns"] \
            else "speech" if preps else None
        if kind is None:
            continue
        # "the claim that ...", "his promise to repeal ...", "her support for the bill"
        comp = next((c for c in tok.children if c.dep_ in ("acl", "ccomp") and any(
            m.dep_ == "mark" and m.lower_ == "that" or m.dep_ == "aux" and m.lower_ == "to" for m in c.children)),
            None)
        # "her support for the bill" as a clause's subject, or as the object of a plain verb ("renewed
        # her attack on ..."; after a cue verb the keep model weighs it); not inside a prepositional
        # phrase, where "after an attack on the police" is rarely speech
        if comp is None and tok.dep_ in ("nsubj", "nsubjpass", "ROOT", "appos", "dobj", "attr"):
            prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ in preps), None)
            comp = next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None) if prep is not None else None
        if comp is None or comp.left_edge.i < tok.i:
            continue
        span = _span_of(doc, comp, tok, shortest=1 if comp.pos_ == "PROPN" else 2, detach=comp.pos_ != "VERB")
        if span is None:
            continue
        src = next((c for c in tok.children if c.dep_ == "poss"), None)
        if src is None:
            by = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ in ("by", "from")), None)
            src = next((c for c in by.children if c.dep_ == "pobj"), None) if by is not None else None
        if tok.dep_ == "dobj" and (src is None or src.pos_ == "PRON"):
            # "He reiterated his support for ...": the clause's subject is the mention annotated
            src = subject_of(tok.head) or src
        if src is None:
            continue
        out.append(Attribution(
            span[0], span[1], (tok.idx, tok.idx + len(tok)), kind,
            np_span(src) if src is not None else None, src,
            confidence=0.6, pattern="noun", cue_token=tok))
    return out


#: What a learned cue's content can be: a verb's object, clause or infinitive, or the object of
#: one of these prepositions after a verb, noun or adjective ("voted for ...", "her attack on ...").
LEARNED_DEPS = {"dobj", "ccomp", "xcomp"}
LEARNED_PREPS = {"of", "for", "about", "on", "against", "over", "to", "as", "with", "at", "from", "into", "in",
                 "behind", "by"}


def learned_cues(doc, found: list[Attribution]) -> list[Attribution]:
    """Attributions the cue lists miss, chosen by the trained ``cue`` model (intentions mode only):
    of ``fresh_candidates``, those PolNeAR-style annotators mark ("voted for Trump", "Sanders'
    criticism of the deal", "appeared to endorse ...")."""
    weights = model().get("cue")
    if not weights:
        return []
    text = doc.text  # built anew on every access: once here
    return [a for a in fresh_candidates(doc, found, text) if score(weights, learned_features(a, text)) >= 0.0]


def fresh_candidates(doc, found: list[Attribution], text: str) -> list[Attribution]:
    """Every verb, noun or adjective that is not a cue of ``found``, with its object, clause,
    infinitive or prepositional object as content, unless that content lies mostly inside one of
    ``found`` or holds one."""
    cover = [0] * (len(text) + 2)  # how many found contents hold each character
    for a in found:
        cover[a.start] += 1
        cover[a.end] -= 1
    prefix = [0]
    depth = 0
    for c in cover:
        depth += c
        prefix.append(prefix[-1] + (depth > 0))
    spans = sorted((a.start, a.end) for a in found)
    taken = {a.cue_token.i for a in found if a.cue_token is not None}
    out = []
    for a in _learned_candidates(doc, taken):
        if 2 * (prefix[a.end] - prefix[a.start]) > a.end - a.start:
            continue
        lo, hi = bisect.bisect_left(spans, (a.start, 0)), bisect.bisect_left(spans, (a.end, 0))
        if any(spans[k][1] <= a.end for k in range(lo, min(hi, lo + 50))):
            continue
        a.nested = prefix[a.cue[0] + 1] > prefix[a.cue[0]]
        out.append(a)
    return out


def _learned_candidates(doc, taken: set[int]) -> list[Attribution]:
    out = []
    for tok in doc:
        if tok.i in taken or tok.pos_ not in ("VERB", "NOUN", "ADJ"):
            continue
        for c in tok.children:
            node, rel = None, None
            if tok.pos_ == "VERB" and c.dep_ in LEARNED_DEPS:
                node, rel = c, c.dep_
            elif c.dep_ == "prep" and c.lower_ in LEARNED_PREPS:
                node = next((g for g in c.children if g.dep_ in ("pobj", "pcomp")), None)
                rel = "prep:" + c.lower_
            if node is None:
                continue
            span = _span_of(doc, node, tok, shortest=1)
            if span is None:
                continue
            if tok.pos_ in ("VERB", "ADJ"):  # "was thrilled with": the clause's subject
                src = subject_of(tok)
            else:  # "Sanders' criticism of ...": the possessor; "He renewed his attack on ...": the subject
                src = next((p for p in tok.children if p.dep_ == "poss"), None)
                if tok.dep_ == "dobj" and (src is None or src.pos_ == "PRON"):
                    src = subject_of(tok.head) or src
            out.append(Attribution(span[0], span[1], (tok.idx, tok.idx + len(tok)), "intention",
                                   np_span(src) if src is not None else None, src, confidence=0.5,
                                   pattern="learned", cue_token=tok, gate=rel))
    return out


def learned_features(a: Attribution, text: str) -> list[str]:
    """String features of a ``learned_cues`` candidate: the cue word and how the content hangs off
    it, the source, the content's length and head."""
    cue = a.cue_token
    lemma = lemma_of(cue)
    head = a.speaker_head
    who = "none" if head is None else head.lower_ if head.pos_ == "PRON" else head.pos_ + "/" + head.ent_type_
    plaus = plausible_source(head) if head is not None else "-"
    content = text[a.start:a.end]
    words = content.split()
    n = _bucket(len(words) // 2)
    span = cue.doc.char_span(a.start, a.end, alignment_mode="expand")
    root = span.root if span is not None and len(span) else None
    rootpos = root.pos_ if root is not None else "-"
    verb = span is not None and any(t.pos_ in ("VERB", "AUX") for t in span)
    rel, nested = a.gate, a.nested
    feats = [f"cue={lemma}", f"rel={rel}", f"cue|rel={lemma}|{rel}", f"pos={cue.pos_}", f"pos|rel={cue.pos_}|{rel}",
             f"who={who}", f"plaus={plaus}", f"rel|plaus={rel}|{plaus}", f"len={n}", f"rel|len={rel}|{n}",
             f"cuedep={cue.dep_}", f"tag={cue.tag_}", f"rootpos={rootpos}", f"rel|rootpos={rel}|{rootpos}",
             f"rootent={root.ent_type_ if root is not None else '-'}",
             f"neg={any(c.dep_ == 'neg' for c in cue.children)}", f"verb={verb}", f"rel|verb={rel}|{verb}",
             f"marks={bool(DOUBLE_RE.search(content))}", f"cue|plaus={lemma}|{plaus}",
             f"first={words[0].lower() if words else '-'}", f"nested={nested}",
             f"rel|nested={rel}|{nested}", f"rel|who={rel}|{who}",
             f"cue|who={lemma}|{who if head is None or head.pos_ == 'PRON' else 'NP'}"]
    if cue.pos_ == "NOUN":
        poss = next((c for c in cue.children if c.dep_ == "poss"), None)
        feats += [f"poss={poss.pos_ if poss is not None else '-'}", f"nhead={lemma_of(cue.head)}|{cue.dep_}"]
    return feats


def quote_spans(text: str) -> list[QuoteSpan]:
    """Every quotation in ``text``; the ``''...''`` pairs of some wire copy included."""
    doubles = double_quote_spans(text)
    singles = [s for s in single_quote_spans(text)
               if not any(d.start <= s.start and s.end <= d.end for d in doubles)]
    return sorted(doubles + singles, key=lambda s: s.start)


def _is_title_cued(text: str, start: int) -> bool:
    before = text[max(0, start - 25):start].lower().rstrip()
    return any(before.endswith(cue) for cue in lexicon()["title_cues"])


def _title_like(tokens, text: str, q: QuoteSpan) -> bool:
    """A name or title in quotation marks: cued ("so-called") or capitalised words without a verb."""
    if _is_title_cued(text, q.start):
        return True
    words = [t for t in tokens if t.is_alpha]
    return bool(words) and not any(t.pos_ in ("VERB", "AUX") for t in words) \
        and all(t.text[0].isupper() for t in words if len(t) > 3)


def _name_in_sentence(tokens, text: str, q: QuoteSpan) -> bool:
    """A show's or book's name inside a sentence ('on NBC's "The Apprentice," he ...'): two or more
    words, every one capitalised, no verb, and the sentence began before the quotation."""
    words = [t for t in tokens if t.is_alpha]
    prev = text[max(0, q.start - 80):q.start].rstrip()  # a window: a copy of all text before costs O(n) a quote
    return len(words) >= 2 and all(t.text[0].isupper() and t.pos_ not in ("VERB", "AUX") for t in words) \
        and bool(prev) and prev[-1] not in ".:!?\n"


def _speech_like(tokens, text: str, q: QuoteSpan) -> bool:
    """Whether a quoted span reads as speech (a clause or more) rather than a scare quote or title."""
    words = [t for t in tokens if WORD_RE.search(t.text)]
    if not words or _is_title_cued(text, q.start):
        return False
    has_verb = any(t.pos_ in ("VERB", "AUX") for t in words)
    if not has_verb:
        return False
    if q.continued:
        return True
    prev = text[:q.start].rstrip()
    starts_sentence = not prev or prev[-1] in ".:!?\n" or tokens[0].is_sent_start \
        or (len(tokens) > 1 and tokens[1].is_sent_start)
    return len(words) >= 3 and (starts_sentence or len(words) >= 8)


def _speech_verb(t) -> bool:
    lex = lexicon()
    lemma = t.lemma_.lower()
    return t.pos_ == "VERB" and (lemma in lex["speech_verbs"] or lemma in lex["quote_verbs"])


def _frame_speaker(doc, last, verb):
    """The speaker in '"...," Trump barked' or '"...," exhorted the actress' when the parse missed the
    subject: the words between quote and verb, or the noun phrase right after the verb."""
    between = doc[last.i + 1:verb.i]
    if any(t.is_alpha for t in between):
        return between.root
    after = next((t for t in doc[verb.i + 1:verb.sent.end] if t.pos_ in ("PROPN", "NOUN", "PRON")), None)
    if after is None:
        return None
    for up in after.ancestors:  # the noun phrase's head, ending at the verb or at the root
        if up.i == verb.i or up.pos_ not in ("PROPN", "NOUN") or up.i < verb.i:
            break
        after = up
    return after


def _cue_near(doc, tokens, q: QuoteSpan, text: str, taken: set[int], far: bool = False):
    """The speech verb introducing a quote: in its sentence with nothing but words between them
    (no sentence end, no other quote), or any verb right before a colon opening the quote; ``far``:
    also a verb after a long description of the speaker (not for short quotes, maybe titles)."""
    first, last = tokens[0], tokens[-1]
    reporting_comma = bool(re.search(r"[,?!\u2014-]\W*$", text[q.start:q.end]))
    # '"... my wheelhouse." He said, twice, that ...': a quote closing its sentence is not the
    # content of a verb after it
    closed = bool(re.search(r"(?<!\.)\.[\s\"'\u201d\u2019]*$", text[q.start:q.end]))
    window = doc[max(0, min(first.sent.start, first.i - 40)):min(len(doc), max(last.sent.end, last.i + 12))]
    cands = []
    for t in window:
        if q.start <= t.idx < q.end or t.i in taken or t.pos_ != "VERB":
            continue
        between = text[t.idx + len(t):q.start] if t.idx < q.start else text[q.end:t.idx]
        colon = t.idx < q.start and between.rstrip().endswith(":")
        core = between.rstrip()[:-1] if colon else between  # "He said:" may end the paragraph
        if _sentence_end(core) or re.search(r"[\n\"\u201c\u201d]", core) or (t.idx > q.end and closed):
            continue
        if t.idx > q.end and t.i - last.i > 10 and not (far and _named_right_after(t, last)):
            continue
        # '"Go back to Univision," Trump barked': any verb in the reporting frame after a comma-ended quote
        frame = t.idx > q.end and reporting_comma and t.i - last.i <= 6 and "," not in between
        if colon or frame or _speech_verb(t):
            cands.append((len(between) - 100 * colon, t, frame or _speech_verb(t)))
    for _, t, strong in sorted(cands, key=lambda c: c[0]):
        subj = subject_of(t)
        if t.idx > q.end and (subj is None or q.start <= subj.idx < q.end):
            # the parse hung the frame's verb on the quote ('"...," Ramos, 58, told AFP'): the words between
            subj = _frame_speaker(doc, last, t)
        if subj is not None and not (q.start <= subj.idx < q.end) \
                and (strong or plausible_source(subj) and subj.lower_ != "it"):  # not "it gets better:"
            return t, subj
    return None


def _named_right_after(verb, last) -> bool:
    """'"...," Cecelia Purner, 67, a retired customer service representative, said': a speech verb
    far after the quote, its subject starting right after it with no other verb between."""
    if not _speech_verb(verb) or any(t.pos_ in ("VERB", "AUX") for t in verb.doc[last.i + 1:verb.i]):
        return False
    subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    return subj is not None and last.i < subj.left_edge.i <= last.i + 2


#: Abbreviations ending in a period that do not end a sentence ('"...," Mr. Biden said').
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "sen", "gov", "rep", "reps", "sens", "gen", "lt", "col", "sgt", "capt",
                 "cmdr", "adm", "maj", "jr", "sr", "st", "rev", "prof", "pres", "atty", "supt", "mt", "ft", "messrs",
                 "u.s", "u.n", "d.c", "inc", "co", "corp", "vs", "gov't"}
SENTENCE_END_RE = re.compile(r"([\w.'’]*)[.!?]\s")


def _sentence_end(text: str) -> bool:
    """Whether ``text`` holds a sentence end: a period, ! or ? and a space, not after a title or an initial."""
    for m in SENTENCE_END_RE.finditer(text):
        word = m.group(1).lower().strip(".")
        initials = re.fullmatch(r"(?:[^\W\d_]\.)*[^\W\d_]", word)  # "H.W.", "J."
        if text[m.end(1)] != "." or word not in ABBREVIATIONS and not initials:
            return True
    return False


def _named_colon(doc, first, q: QuoteSpan) -> Attribution | None:
    """A quote introduced by a bare name and a colon: '- Jane Roe: "..."' in lists of quoted sources
    (the name starts its line or follows a dash), or 'Added Stone: "..."'."""
    i = first.i - 1
    if i < 1 or doc[i].text != ":" or doc[i - 1].pos_ != "PROPN" or doc[i - 1].ent_type_ not in ("", "PERSON", "ORG"):
        return None
    name, j = doc[i - 1], i - 1
    while j > 0 and name.i - j < 4 and doc[j - 1].pos_ == "PROPN" and not _said_word(doc[j - 1]):
        j -= 1  # back to the start of the name
    cue = doc[j - 1] if j > 0 and _said_word(doc[j - 1]) and doc[j - 1].is_sent_start else None
    if cue is None and j > 0 and doc[j - 1].text not in ("-", "\u2014", "\u2013", "--") \
            and "\n" not in doc[j - 1].text_with_ws:
        return None
    return Attribution(q.start, q.end, (cue.idx, cue.idx + len(cue)) if cue is not None else None, "speech",
                       (doc[j].idx, name.idx + len(name)), name, confidence=0.7, pattern="quote+name",
                       direct=True, cue_token=cue)


def _said_word(t) -> bool:
    """A past-tense speech verb, also when tagged as a name at the start of a line ("Added")."""
    verbs = lexicon()["speech_verbs"]
    low = t.lower_
    return t.lemma_.lower() in verbs or low[:-1] in verbs or low[:-2] in verbs or low in ("said", "wrote", "told")


def _cue_after(doc, last, q: QuoteSpan, text: str, taken: set[int]) -> Attribution | None:
    """A speaker named in the sentence right after the quote: '"..." Smith made the remarks at ...'."""
    if last.i + 1 >= len(doc) or "\n" in text[q.end:doc[last.i + 1].idx]:
        return None
    for t in doc[last.i + 1].sent:
        said = t.pos_ == "VERB" and t.i not in taken and _speech_verb(t)
        if said or t.lemma_.lower() in ("remark", "comment"):  # "... Smith made the remarks at ..."
            verb = t if t.pos_ == "VERB" else t.head
            subj = subject_of(verb)
            if subj is not None and plausible_source(subj) and subj.pos_ != "PRON":
                taken.add(verb.i)
                return Attribution(q.start, q.end, (t.idx, t.idx + len(t)), "speech", np_span(subj), subj,
                                   confidence=0.6, pattern="quote+after", direct=True, cue_token=verb)
    return None


def candidates(doc, intentions: bool = False) -> list[Attribution]:
    """Every attribution the parse-based patterns find, before quotation marks are looked at."""
    found = (verb_cues(doc, intentions) + object_cues(doc, intentions) + parenthetical_cues(doc) + colon_cues(doc)
             + adjective_cues(doc) + sourceless_cues(doc) + adverb_cues(doc) + according_to(doc) + noun_cues(doc))
    return found + learned_cues(doc, found) if intentions else found


def extract(doc, text: str, nested: bool = False,
            intentions: bool = False) -> tuple[list[Attribution], list[tuple[int, int]]]:
    """All attributions in ``doc`` plus the spans of scare quotes and titles.

    ``nested``: keep attributions whose cue is inside a direct quote ("I think ..." within a quote);
    ``intentions``: also intentions and acts, as PolNeAR annotates them ("refused to", "claimed victory").
    """
    cands = candidates(doc, intentions)
    quotes = quote_spans(text)
    rank_speakers(cands, quotes)
    q_starts = [q.start for q in quotes]
    q_longest = max((q.end - q.start for q in quotes), default=0)
    for a in cands:
        lo = bisect.bisect_left(q_starts, a.start - q_longest)
        _snap_to_marks(a, quotes[lo:bisect.bisect_left(q_starts, a.end)], text)
    # candidates by start, so each quote looks only at those that can lie inside or around it
    # (long texts have thousands of both); +2: a candidate may be stretched onto its quote's marks
    by_start = sorted(range(len(cands)), key=lambda k: cands[k].start)
    c_starts = [cands[k].start for k in by_start]
    c_longest = max((a.end - a.start for a in cands), default=0) + 2
    # who speaks next is not "we" of "we are finding that ..." inside a quote, nor the "whose
    # organization does not endorse ..." of a relative clause describing the last speaker
    spoken = sorted((a for a in cands if a.speaker is not None and not _in_quote(a.cue, quotes)
                     and (a.cue_token is None or a.cue_token.dep_ != "relcl")), key=lambda a: a.end)
    spoken_ends = [a.end for a in spoken]
    result: list[Attribution] = []
    scare: list[tuple[int, int]] = []
    used: set[int] = set()
    taken_cues: set[int] = set()
    prev_direct: Attribution | None = None
    chain: list[Attribution] = []  # the paragraphs of one continued quote
    for q in quotes:
        span = doc.char_span(q.start, q.end, alignment_mode="expand")
        tokens = list(span) if span is not None else []
        if not any(WORD_RE.search(t.text) for t in tokens):
            continue  # empty or punctuation-only marks
        # a parse-based candidate whose content lies inside this quote, cue outside: a direct quote
        near = sorted(by_start[bisect.bisect_left(c_starts, q.start - c_longest - 2):
                               bisect.bisect_right(c_starts, q.end + 2)])
        inside = [(k, cands[k]) for k in near if k not in used
                  and cands[k].start >= q.start - 1 and cands[k].end <= q.end + 1
                  and cands[k].cue is not None and not (q.start <= cands[k].cue[0] < q.end)]
        if not q.continued:
            chain = []
        # "Cox says the NRA won't allow “law-abiding gun owners to …”": the inner cue is part of the
        # outer attribution's content, and so is the quote (one mixed quote, not also a direct one)
        inside = [(k, a) for k, a in inside if not any(
            c.start <= a.cue[0] and q.end <= c.end and c.start < q.start and c.cue is not None
            and c.cue[1] <= c.start for c in (cands[j] for j in near))]
        if inside:
            k, a = min(inside, key=lambda ka: abs(ka[1].cue[0] - q.start))
            used.add(k)
            if a.cue_token is not None:
                taken_cues.add(a.cue_token.i)
            a.start, a.end, a.direct, a.pattern = q.start, q.end, True, "quote+" + a.pattern
            a.confidence = max(a.confidence, 0.9)
            _add_direct(a, chain, result)
            prev_direct = a
            continue
        for a in (cands[k] for k in near):
            # reported speech that runs into the quote ("that Cruz has “taken every punch, and ...”"),
            # cut inside it where the parse split at the quote's own punctuation, or just before it
            # ("that he was the only one to spend his life “fighting ...”"): one mixed quote
            if a.cue is not None and a.start < q.start - 1 and a.cue[1] <= a.start \
                    and "\n" not in text[a.start:q.start] and (q.start < a.end < q.end or (
                        a.pattern == "verb" and a.end < q.start and not text[a.end:q.start].strip()
                        and text[a.end - 1].isalnum())):
                a.end = q.end
        container = any(a.start <= q.start and q.end <= a.end and a.cue is not None
                        and not (q.start <= a.cue[0] < q.end) for a in (cands[k] for k in near))
        if container:
            if _title_like(tokens, text, q):
                scare.append((q.start, q.end))
            continue  # a quoted fragment of reported speech: the candidate becomes a mixed quote
        near = None
        # the second half of '"A," Smith said, "B."' belongs to the same speaker whatever its length
        split = prev_direct is not None and prev_direct.cue is not None \
            and prev_direct.end <= prev_direct.cue[0] < q.start \
            and re.fullmatch(r"[^\n\"\u201c\u201d]{0,80},\s*", text[prev_direct.end:q.start]) \
            and not _sentence_end(text[prev_direct.end:q.start])
        if split:
            _add_direct(_copy(prev_direct, q, 0.85, "quote+split"), chain, result)
            continue
        if not _speech_like(tokens, text, q):
            # a short quote in a reporting frame is still speech: '"Okay," I said'
            if re.search(r"[,?!]\W*$", text[q.start:q.end]) and not _is_title_cued(text, q.start) \
                    and not _name_in_sentence(tokens, text, q):
                near = _cue_near(doc, tokens, q, text, taken_cues)
            if near is None or not _speech_verb(near[0]):
                scare.append((q.start, q.end))
                continue
        att = None
        if q.continued and prev_direct is not None and prev_direct.speaker is not None:
            # the continued paragraph's own '... ," she said' names the speaker again: take that mention
            near = near or _cue_near(doc, tokens, q, text, taken_cues, far=True)
            if near is None or near[0].idx < q.start:
                att = _copy(prev_direct, q, 0.85, "continued")
        if att is None:
            near = near or _cue_near(doc, tokens, q, text, taken_cues, far=True)
            if near is not None:
                verb, subj = near
                taken_cues.add(verb.i)
                att = Attribution(q.start, q.end, (verb.idx, verb.idx + len(verb)), "speech", np_span(subj),
                                  subj, confidence=0.85, pattern="quote+near", direct=True, cue_token=verb)
        if att is None:
            att = _named_colon(doc, tokens[0], q)
        prev = _previous(prev_direct, spoken, spoken_ends, q.start)
        if att is None and prev is not None and _close(text, prev, q.start):
            att = _copy(prev, q, 0.7, "quote+previous")
        if att is None:
            att = _cue_after(doc, tokens[-1], q, text, taken_cues)
        if att is None and prev is not None and _close(text, prev, q.start, loose=True):
            att = _copy(prev, q, 0.5, "quote+previous")
        if att is None:
            att = Attribution(q.start, q.end, None, "speech", None, confidence=0.5, pattern="quote",
                              direct=True)
        _add_direct(att, chain, result)
        prev_direct = att
    rank_quote_speakers(result, doc, text)
    weights = model().get("embedded")
    if weights:
        for a in result:
            a.embedded = score(weights, embedded_features(a, doc, text)) >= 0.0
    direct_spans = [(a.start, a.end) for a in result]
    for k, a in enumerate(cands):
        if k in used:
            continue
        if a.cue_token is not None and a.cue_token.i in taken_cues:
            continue
        in_quote = any(s <= a.cue[0] < e for s, e in direct_spans)
        if in_quote and not nested:
            continue
        if in_quote:
            a.confidence -= 0.2
        result.append(a)
    result = _respan(_keep(_dedupe(result), text), doc, text)
    return sorted(result, key=lambda a: (a.start, a.end)), scare


def _add_direct(att: Attribution, chain: list[Attribution], result: list[Attribution]) -> None:
    """Keep a direct quote; a speaker named after the last paragraph of a long quote also goes to
    the earlier paragraphs."""
    if att.speaker is not None:
        for earlier in chain:
            if earlier.speaker is None:
                earlier.speaker, earlier.speaker_head, earlier.cue = att.speaker, att.speaker_head, att.cue
                earlier.cue_token, earlier.confidence, earlier.pattern = att.cue_token, 0.7, "continued"
    result.append(att)
    chain.append(att)


def _previous(prev_direct: Attribution | None, spoken: list[Attribution], ends: list[int],
              pos: int) -> Attribution | None:
    """The attribution with a speaker that ends last before ``pos``: ``prev_direct`` or one of
    ``spoken`` (candidates with a speaker, sorted by their ``ends``), found by bisection."""
    best = prev_direct if prev_direct is not None and prev_direct.end <= pos else None
    k = bisect.bisect_right(ends, pos)
    if k:
        a = spoken[bisect.bisect_left(ends, ends[k - 1])]  # the first of those ending there
        if a.end <= pos and (best is None or a.end > best.end):
            best = a
    return best


def _in_quote(cue: tuple[int, int] | None, quotes: list[QuoteSpan]) -> bool:
    """Whether ``cue`` starts inside one of ``quotes`` (sorted by start, not nested)."""
    if cue is None:
        return False
    k = bisect.bisect_right(quotes, cue[0], key=lambda q: q.start) - 1
    return k >= 0 and cue[0] < quotes[k].end


def _copy(prev: Attribution, q: QuoteSpan, confidence: float, pattern: str) -> Attribution:
    speaker, head = prev.speaker, prev.speaker_head
    if head is not None and head.lower_ in ("who", "that") and head.head.dep_ == "relcl":
        # '..., said Gov. Bryant, who has since called ... "Realistically, ..."': the next quote is Bryant's
        head = head.head.head
        speaker = np_span(head)
    return Attribution(q.start, q.end, prev.cue, prev.cue_kind, speaker, head,
                       confidence=min(confidence, prev.confidence), pattern=pattern, direct=True,
                       cue_token=prev.cue_token)


def _close(text: str, prev: Attribution, start: int, loose: bool = False) -> bool:
    """The previous attribution ended in this or the previous paragraph, with little text between
    (or only its own "X said at ..." tail); ``loose``: within a few short paragraphs."""
    gap = text[prev.end:start]
    if loose:
        return gap.count("\n") <= 4 and len(gap) < 600
    if gap.count("\n") > 2 or re.search(r"[\"\u201c\u201d]", gap):
        return False
    return len(gap.strip()) < 40 or (prev.cue is not None and prev.end <= prev.cue[0] < start and len(gap) < 250)


def _dedupe(atts: list[Attribution]) -> list[Attribution]:
    """Drop a candidate whose content repeats another's (conjoined cues: "said and added that")."""
    best: dict[tuple[int, int], Attribution] = {}
    for a in atts:
        key = (a.start, a.end)
        if key not in best or a.confidence > best[key].confidence:
            best[key] = a
    return list(best.values())


def _snap_to_marks(a: Attribution, quotes: list[QuoteSpan], text: str) -> None:
    """Stretch content over a quotation mark the parse left outside ("were "senseless."")."""
    for q in quotes:
        if a.start <= q.start < a.end < q.end and not text[a.end:q.end].strip(" .,;:!?'\"\u201d\u2019"):
            a.end = q.end
        if q.start < a.start < q.end <= a.end and not text[q.start:a.start].strip(" '\"\u201c\u2018`"):
            a.start = q.start


# --- the trained speaker ranker -------------------------------------------------------------------

MODEL_PATH = Path(__file__).parent / "data" / "model.json"
#: Patterns whose speaker the ranker may re-choose: those found on the parse around a cue.
RANKED_PATTERNS = {"verb", "object", "noun", "adjective", "parenthetical", "according_to", "learned"}
NP_POS = {"PROPN", "PRON", "NOUN"}
#: Direct-quote patterns whose speaker the ranker may re-choose: found by proximity, not a parse link.
DIRECT_RANKED = {"quote+previous", "quote+near", "quote+after", "quote", "continued"}
#: Patterns the keep model leaves alone: hedging adverbs are too rare in the training data (~80)
#: for their weights to overrule the rule; learned cues were chosen by their own model.
UNFILTERED = {"adverb", "learned"}
_model: dict = {}


def model() -> dict:
    """The trained weights (``newsdesk train quotes``): ``cue`` chooses the learned cues, ``speaker``
    ranks the sources of parse-based attributions, ``direct`` those of direct quotes found by
    proximity, ``keep`` scores reported-speech candidates, ``embedded`` tells mixed from direct;
    empty when not built (the rules alone then decide)."""
    if "weights" not in _model:
        _model["weights"] = json.loads(MODEL_PATH.read_text(encoding="utf-8")) if MODEL_PATH.exists() else {}
    return _model["weights"]


def use_model(weights: dict) -> None:
    """Use ``weights`` instead of the shipped file (training and its held-out check)."""
    _model["weights"] = weights


def _bucket(n: int) -> str:
    return str(n) if n <= 3 else "4-6" if n <= 6 else "7-10" if n <= 10 else "11-20" if n <= 20 else "far"


def speaker_candidates(att: Attribution) -> list:
    """Noun-phrase heads that could be the source of ``att``: in the cue's sentence and the one
    before, outside the content; the rule's choice is always among them."""
    cue = att.cue_token
    doc = cue.doc
    sent = cue.sent
    lo = doc[sent.start - 1].sent.start if sent.start > 0 else sent.start
    lo = max(lo, cue.i - 60)
    hi = min(sent.end, cue.i + 40)
    out = [t for t in doc[lo:hi] if t.pos_ in NP_POS and t.dep_ not in ("compound", "flat")
           and not att.start <= t.idx < att.end and t.i != cue.i]
    head = att.speaker_head
    if head is not None and not any(t.i == head.i for t in out):
        out.append(head)
    return out


def _relation(cue, t) -> list[str]:
    """How ``t`` hangs off the cue: its subject, an ancestor's subject (and how far up), an agent..."""
    feats = []
    chain = [cue, *islice(cue.ancestors, 4)]  # the cue and its heads, at most five
    for depth, v in enumerate(chain):
        if t.head.i == v.i and t.i != v.i:
            feats.append(f"child{min(depth, 3)}={t.dep_}")
            break
        if depth == 0 and len(chain) > 1:
            feats.append(f"up={v.dep_}")
    if t.head.i == t.i or t.i in {a.i for a in cue.ancestors}:
        feats.append("ancestor")
    if t.dep_ == "pobj" and t.head.dep_ == "agent":
        feats.append("agent")
    if t.dep_ == "pobj" and t.head.lower_ == "to" and t.head.head.lower_ == "according":
        feats.append("according")
    return feats


def speaker_features(att: Attribution, t) -> list[str]:
    """String features of candidate ``t`` (None: no source) for ``att``."""
    cue = att.cue_token
    lemma = lemma_of(cue)
    base = [f"pat={att.pattern}", f"cuedep={cue.dep_}", f"cuepos={cue.pos_}"]
    rule_none = att.speaker_head is None
    if t is None:
        passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in cue.children)
        return ["none", f"none|rule_none={rule_none}", f"none|pass={passive}", f"none|cue={lemma}",
                *(f"none|{b}" for b in base)]
    lex = lexicon()
    rule = att.speaker_head is not None and t.i == att.speaker_head.i
    side = "before" if t.i < cue.i else "after"
    same = t.sent.start == cue.sent.start
    rel = _relation(cue, t)
    word = t.lower_ if t.pos_ == "PRON" else t.pos_
    feats = [f"rule={rule}", f"dep={t.dep_}", f"word={word}", f"ent={t.ent_type_}", f"side={side}",
             f"dist={_bucket(abs(t.i - cue.i))}", f"same={same}", f"plaus={plausible_source(t)}",
             f"person={t.lemma_.lower() in lex['person_nouns']}",
             f"docnoun={t.lemma_.lower() in lex['document_nouns']}", f"dep|side={t.dep_}|{side}",
             f"word|side={word}|{side}", f"rule|pat={rule}|{att.pattern}",
             f"rule|cuedep={rule}|{cue.dep_}", f"headdep={t.head.dep_}", f"cue={lemma}|rule={rule}",
             *rel, *(f"{r}|{att.pattern}" for r in rel), *(f"{r}|cuedep={cue.dep_}" for r in rel)]
    return feats


def quote_candidates(att: Attribution, doc) -> list:
    """Noun-phrase heads around a direct quote (its sentences and one on each side), outside it;
    the rule's choice is always among them."""
    span = doc.char_span(att.start, att.end, alignment_mode="expand")
    if span is None or not len(span):
        return [att.speaker_head] if att.speaker_head is not None else []
    first, last = span[0], span[-1]
    lo = first.sent.start
    lo = max(doc[lo - 1].sent.start if lo > 0 else lo, first.i - 60)
    hi = last.sent.end
    hi = min(doc[hi].sent.end if hi < len(doc) else hi, last.i + 40)
    out = [t for t in doc[lo:hi] if t.pos_ in NP_POS and t.dep_ not in ("compound", "flat")
           and not att.start <= t.idx < att.end]
    head = att.speaker_head
    if head is not None and not any(t.i == head.i for t in out):
        out.append(head)
    return out


def quote_features(att: Attribution, t, text: str) -> list[str]:
    """String features of candidate speaker ``t`` (None: no source) of the direct quote ``att``."""
    pat = att.pattern
    head = att.speaker_head
    if t is None:
        return ["none", f"none|pat={pat}", f"none|rule_none={head is None}"]
    lex = lexicon()
    rule = head is not None and t.i == head.i
    side = "before" if t.idx < att.start else "after"
    gap = text[t.idx + len(t):att.start] if side == "before" else text[att.end:t.idx]
    par = "\n" not in gap
    dist = _bucket(len(gap.split()) // 2)
    word = t.lower_ if t.pos_ == "PRON" else t.pos_
    speech = t.dep_ in ("nsubj", "nsubjpass") and _speech_verb(t.head)
    verb_side = ("before" if t.head.idx < att.start else "after") if speech else "-"
    return [f"rule={rule}", f"rule|pat={rule}|{pat}", f"word={word}", f"ent={t.ent_type_}", f"dep={t.dep_}",
            f"headdep={t.head.dep_}", f"side={side}", f"dist={dist}", f"par={par}", f"speech={speech}|{verb_side}",
            f"side|speech={side}|{speech}", f"side|dist={side}|{dist}", f"side|par={side}|{par}",
            f"side|word={side}|{word}", f"plaus={plausible_source(t)}", f"rule|word={rule}|{word}",
            f"person={t.lemma_.lower() in lex['person_nouns']}",
            f"docnoun={t.lemma_.lower() in lex['document_nouns']}", f"par|speech={par}|{speech}|{verb_side}"]


def rank_quote_speakers(atts: list[Attribution], doc, text: str) -> None:
    """Re-choose the speaker of direct quotes attributed by proximity (not by a parse link to
    their cue) with the trained ranker (if shipped)."""
    weights = model().get("direct")
    if not weights:
        return
    for a in atts:
        if a.pattern not in DIRECT_RANKED:
            continue
        best, best_score = None, score(weights, quote_features(a, None, text))
        for t in quote_candidates(a, doc):
            s = score(weights, quote_features(a, t, text))
            if s > best_score:
                best, best_score = t, s
        if best is None:
            a.speaker = a.speaker_head = None
        elif a.speaker_head is None or best.i != a.speaker_head.i:
            a.speaker, a.speaker_head = np_span(best), best


def score(weights: dict, feats: list[str]) -> float:
    return weights.get("_bias", 0.0) + sum(weights.get(f, 0.0) for f in feats)


def rank_speakers(cands: list[Attribution], quotes: list[QuoteSpan]) -> None:
    """Re-choose each parse-based candidate's speaker with the trained ranker (if shipped); not
    for cues inside quotations (dropped unless ``nested``, and their speaker is the quote's)."""
    weights = model().get("speaker")
    if not weights:
        return
    for a in cands:
        if a.cue_token is None or a.pattern not in RANKED_PATTERNS or _in_quote(a.cue, quotes):
            continue
        explicit = _passive_source(a.cue_token)
        if explicit is not None and a.speaker_head is not None and explicit.i == a.speaker_head.i:
            continue  # the cue names its source ("was stated in the communique", "reported by X")
        best, best_score = None, score(weights, speaker_features(a, None))
        for t in speaker_candidates(a):
            s = score(weights, speaker_features(a, t))
            if s > best_score:
                best, best_score = t, s
        head = a.speaker_head
        if best is None:
            a.speaker = a.speaker_head = None
        elif head is None or best.i != head.i:
            a.speaker, a.speaker_head = np_span(best), best


def keep_features(a: Attribution, text: str, nested: bool = False) -> list[str]:
    """String features of a reported-speech candidate for the keep/drop model; ``nested``: it
    contains or lies inside another candidate."""
    cue = a.cue_token
    lemma = lemma_of(cue) if cue is not None else "-"
    head = a.speaker_head
    who = "none" if head is None else head.lower_ if head.pos_ == "PRON" else head.pos_ + "/" + head.ent_type_
    content = text[a.start:a.end]
    words = len(content.split())
    side = "-" if a.cue is None else "after" if a.cue[0] < a.start else "before"
    marks = "marks" if DOUBLE_RE.search(content) else "plain"
    feats = [f"pat={a.pattern}", f"cue={lemma}", f"kind={a.cue_kind}", f"who={who}", f"len={_bucket(words // 2)}",
             f"side={side}", marks, f"pat|who={a.pattern}|{who}", f"pat|cue={a.pattern}|{lemma}",
             f"pat|len={a.pattern}|{_bucket(words // 2)}", f"pat|side={a.pattern}|{side}",
             f"first={content.split()[0].lower() if words else '-'}", f"nested={nested}",
             f"pat|nested={a.pattern}|{nested}", "headline=" + str("\n" not in text[:a.start])]
    if a.gate:  # one model for both modes: intention-only candidates weigh apart from speech ones
        feats += [f"gate={a.gate}", f"gate|cue={a.gate}|{lemma}", f"gate|who={a.gate}|{who}",
                  f"gate|len={a.gate}|{_bucket(words // 2)}"]
    if head is not None:
        feats += [f"plaus={plausible_source(head)}", f"pat|plaus={a.pattern}|{plausible_source(head)}"]
    if cue is not None:
        span = cue.doc.char_span(a.start, a.end, alignment_mode="expand")
        root = span.root if span is not None and len(span) else None
        verb = span is not None and any(t.pos_ in ("VERB", "AUX") for t in span)
        feats += [f"cuedep={cue.dep_}", f"cuetag={cue.tag_}", f"pat|cuedep={a.pattern}|{cue.dep_}",
                  f"neg={any(c.dep_ == 'neg' for c in cue.children)}", f"verb={verb}", f"pat|verb={a.pattern}|{verb}",
                  f"root={root.pos_ if root is not None else '-'}/{root.dep_ if root is not None else '-'}"]
    return feats


def embedded_features(a: Attribution, doc, text: str) -> list[str]:
    """String features of a direct quote for the embedded-fragment model: what stands before its
    opening mark, how it starts and ends, and how the parse hangs it off the words outside."""
    line = text[:a.start]
    line = line[line.rfind("\n") + 1:].rstrip()
    prevc = "para" if not line else "word" if WORD_RE.search(line[-1]) else line[-1]
    content = text[a.start:a.end]
    cap = bool(re.match(r"\W*[A-Z0-9]", content))
    endp = "sent" if re.search(r"[.?!]\W*$", content) else "comma" if re.search(r",\W*$", content) else "none"
    feats = [f"prevc={prevc}", f"cap={cap}", f"endp={endp}", f"len={_bucket(len(content.split()) // 2)}",
             f"pat={a.pattern}", f"prevc|cap={prevc}|{cap}", f"prevc|endp={prevc}|{endp}", f"cap|endp={cap}|{endp}"]
    span = doc.char_span(a.start, a.end, alignment_mode="expand")
    if span is None or not len(span):
        return feats
    k = span.start - 1
    while k >= 0 and doc[k].is_space:
        k -= 1
    if k >= 0:
        p = doc[k]
        feats += [f"prev={p.lower_ if p.is_alpha else p.text}", f"prevpos={p.pos_}", f"prevdep={p.dep_}"]
    inside = range(span.start, span.end)
    roots = [t for t in span if t.head.i not in inside or t.head.i == t.i]
    root = max(roots, key=lambda t: t.right_edge.i - t.left_edge.i)
    out = root.head.i not in inside
    feats += [f"rootdep={root.dep_ if out else 'ROOT'}", f"headpos={root.head.pos_ if out else '-'}",
              f"headcue={out and a.cue_token is not None and root.head.i == a.cue_token.i}",
              f"nroots={min(len(roots), 3)}"]
    return feats


def nested_flags(atts: list[Attribution]) -> list[bool]:
    """For each of ``atts``, whether another one's content contains it or lies inside it."""
    spans = [(a.start, a.end) for a in atts]
    return [any(k != j and (s <= a.start and a.end <= e or a.start <= s and e <= a.end)
                for j, (s, e) in enumerate(spans)) for k, a in enumerate(atts)]


def _keep(atts: list[Attribution], text: str) -> list[Attribution]:
    """Drop reported-speech candidates the trained keep model scores as unlikely attributions."""
    weights = model().get("keep")
    if not weights:
        return atts
    return [a for a, n in zip(atts, nested_flags(atts))
            if a.direct or a.pattern in UNFILTERED or score(weights, keep_features(a, text, n)) >= 0.0]


# --- the trained content-span chooser -------------------------------------------------------------

#: Words a reported content may start with or take in front of it ("that ...", "for ...").
SPAN_LEADS = {"that", "whether", "if", "to", "for", "of", "about", "on", "as", "against", "with", "how",
              "what", "why", "when"}
SPAN_CUTS = {",", "\u2014", "--", "\u2013", "(", ";", ":"}
#: Word classes the span model sees as the word itself after a content's end ("which", "and", "in").
CLOSED_POS = {"ADP", "SCONJ", "CCONJ", "PRON"}


def span_alternatives(doc, a: Attribution) -> list[tuple[str, str, int, int]]:
    """Other boundaries of ``a``'s content: (start kind, end kind, start, end). The start may drop
    or take a leading word of ``SPAN_LEADS``; the end may be cut at one of the last three commas,
    dashes or colons inside, or run on to the end of the sentence. ``keep``/``keep`` is the span as found."""
    span = doc.char_span(a.start, a.end, alignment_mode="expand")
    if span is None or not len(span):
        return []
    i, j = span.start, span.end
    starts = {("keep", i)}
    if j - i > 1 and doc[i].lower_ in SPAN_LEADS:
        starts.add(("drop:" + doc[i].lower_, i + 1))
    k = i - 1
    while k >= 0 and doc[k].is_space:
        k -= 1
    if k >= 0 and doc[k].lower_ in SPAN_LEADS:
        starts.add(("add:" + doc[k].lower_, k))
    ends = {("keep", j)}
    for c in [t.i for t in span[2:] if t.text in SPAN_CUTS][-3:]:
        ends.add(("cut:" + doc[c].text + ":" + (doc[c + 1].lower_ if c + 1 < len(doc) else "-"), c))
    sent_end = doc[j - 1].sent.end
    while sent_end > j and (doc[sent_end - 1].is_punct or doc[sent_end - 1].is_space):
        sent_end -= 1
    if sent_end > j:
        ends.add(("tosent:" + doc[j].lower_, sent_end))
    return sorted((sn, en, doc[si].idx, doc[ej - 1].idx + len(doc[ej - 1]))
                  for sn, si in starts for en, ej in ends if ej > si)


def span_features(doc, a: Attribution, alt: tuple[str, str, int, int], text: str) -> list[str]:
    """String features of one boundary alternative of ``a``: its kinds, with the cue and pattern; the
    words at its edges and the one after it; for a run-on, how the added words hang off the content;
    for a cut, what is cut off."""
    sn, en, s, e = alt
    sb, eb = sn.split(":")[0], en.split(":")[0]
    lemma = lemma_of(a.cue_token) if a.cue_token is not None else "-"
    feats = [f"s={sn}", f"e={en}", f"sb|eb={sb}|{eb}", f"pat|sb={a.pattern}|{sb}", f"pat|eb={a.pattern}|{eb}",
             f"cue|eb={lemma}|{eb}", f"cue|sb={lemma}|{sb}", f"gate|eb={a.gate}|{eb}", f"cue|s={lemma}|{sn}"]
    alt_span = doc.char_span(s, e, alignment_mode="expand")
    if alt_span is not None and len(alt_span):
        first, last = alt_span[0], alt_span[-1]
        after = doc[last.i + 1] if last.i + 1 < len(doc) else None
        follow = "-" if after is None else after.lower_ if after.is_punct or after.pos_ in CLOSED_POS else after.pos_
        feats += [f"first={first.pos_}|{first.dep_}", f"last={last.pos_}|{last.dep_}", f"after={follow}",
                  f"last|after={last.pos_}|{follow}", f"eb|after={eb}|{follow}"]
    if eb == "tosent":
        span = doc.char_span(a.start, a.end, alignment_mode="expand")
        added = doc.char_span(a.end, e, alignment_mode="expand")
        if span is not None and added is not None and len(added):
            first = next((t for t in added if not t.is_space), added[0])
            verb = any(t.pos_ in ("VERB", "AUX") for t in added)
            inside = span.start <= first.head.i < span.end
            feats += [f"add_dep={first.dep_}", f"add_verb={verb}", f"add_in={inside}",
                      f"add_len={_bucket(len(added) // 2)}", f"add_dep|in={first.dep_}|{inside}", f"pat|add_dep={a.pattern}|{first.dep_}",
                      f"add_cue={a.cue_token is not None and first.head.i == a.cue_token.i}"]
    elif eb == "cut":
        cut = doc.char_span(e, a.end, alignment_mode="expand")
        if cut is not None and len(cut) > 1:
            feats += [f"cut_dep={cut[1].dep_}", f"cut_len={_bucket(len(cut) // 2)}",
                      f"cut_verb={any(t.pos_ in ('VERB', 'AUX') for t in cut)}",
                      f"cut_dep|pat={cut[1].dep_}|{a.pattern}",
                      f"cut_marks={DOUBLE_RE.search(text[e:a.end]) is not None}"]
    return feats


def _respan(atts: list[Attribution], doc, text: str) -> list[Attribution]:
    """Move each reported content's boundaries to the alternative the trained ``span`` model prefers
    (PolNeAR's extents: "said [the plan would fail, but ...]" runs on; "[X], which ..." is cut)."""
    weights = model().get("span")
    if not weights:
        return atts
    for a in atts:
        if a.direct:
            continue
        alts = span_alternatives(doc, a)
        if not alts:
            continue
        scores = [score(weights, span_features(doc, a, alt, text)) for alt in alts]
        best = max(range(len(alts)), key=scores.__getitem__)
        kept = next(k for k, alt in enumerate(alts) if alt[0] == "keep" and alt[1] == "keep")
        if scores[best] > scores[kept]:
            a.start, a.end = alts[best][2], alts[best][3]
    return atts
