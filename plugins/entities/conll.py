"""CoNLL-2003 reading for the entities eval and trainer (IOB1 tags, documents at ``-DOCSTART-``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ConllDocument:
    """One article: sentences of tokens with their CoNLL tags, and the text rebuilt from them."""

    sentences: list[list[tuple[str, str]]] = field(default_factory=list)

    def text_and_offsets(self) -> tuple[str, list[list[tuple[int, int]]]]:
        """Tokens joined by spaces, sentences by newlines; the char span of every token."""
        parts: list[str] = []
        offsets: list[list[tuple[int, int]]] = []
        pos = 0
        for s, sentence in enumerate(self.sentences):
            if s:
                parts.append("\n")
                pos += 1
            spans = []
            for t, (word, _) in enumerate(sentence):
                if t:
                    parts.append(" ")
                    pos += 1
                parts.append(word)
                spans.append((pos, pos + len(word)))
                pos += len(word)
            offsets.append(spans)
        return "".join(parts), offsets

    def char_entities(self) -> list[tuple[int, int, str]]:
        """Gold entities as ``(start, end, TYPE)`` char spans of :meth:`text_and_offsets`."""
        _, offsets = self.text_and_offsets()
        out = []
        for sentence, spans in zip(self.sentences, offsets):
            for first, last, label in token_chunks([tag for _, tag in sentence]):
                out.append((spans[first][0], spans[last][1], label))
        return out


def token_chunks(tags: list[str]) -> list[tuple[int, int, str]]:
    """IOB1 (or IOB2) tags -> ``(first, last, TYPE)`` token chunks, ``last`` inclusive."""
    chunks: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, kind = tag.partition("-")
        if start is not None and (tag == "O" or prefix == "B" or kind != label):
            chunks.append((start, i - 1, label))
            start, label = None, None
        if tag != "O" and start is None:
            start, label = i, kind
    return chunks


def read_conll(path: str | Path, limit: int | None = None) -> list[ConllDocument]:
    """The documents of a CoNLL-2003 file (first ``limit`` ones if given)."""
    docs: list[ConllDocument] = []
    sentence: list[tuple[str, str]] = []

    def end_sentence():
        if sentence:
            if not docs:
                docs.append(ConllDocument())
            docs[-1].sentences.append(list(sentence))
            sentence.clear()

    with open(path, encoding="utf-8") as fh:
        for line in fh:
            cols = line.split()
            if not cols:
                end_sentence()
            elif cols[0] == "-DOCSTART-":
                end_sentence()
                if limit is not None and len(docs) >= limit:
                    break
                docs.append(ConllDocument())
            else:
                sentence.append((cols[0], cols[-1]))
    end_sentence()
    docs = [d for d in docs if d.sentences]
    return docs[:limit] if limit is not None else docs


def split_parts(documents: list[ConllDocument], name: str) -> tuple[list[ConllDocument], list[ConllDocument]]:
    """``(tune, check)``: article ``n`` (0-based, file order) is in the check part when
    ``newsdesk.in_check_part(f"{name}:{n}")``; nothing is tuned or chosen on the check part."""
    from newsdesk import in_check_part

    tune, check = [], []
    for n, document in enumerate(documents):
        (check if in_check_part(f"{name}:{n}") else tune).append(document)
    return tune, check
