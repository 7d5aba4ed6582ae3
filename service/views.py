"""What a plugin's ``section_view`` hook returns, and how the page lays marks over the text."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Mark:
    """A span of the document's text to mark on the page.

    ``start``/``end`` are character offsets into ``document.text``; ``kind`` holds CSS classes
    (the plugin's ``css`` styles them); ``tag`` is a short visible label shown after the marked
    text, so colour is never the only cue; ``title`` a longer description (tooltip); ``href`` makes
    the mark a link (e.g. ``"#readability-3"`` to an element of the plugin's panel); ``id`` an anchor
    the panel can link back to.
    """

    start: int
    end: int
    kind: str = ""
    tag: str = ""
    title: str = ""
    href: str | None = None
    id: str | None = None


@dataclass
class SectionView:
    """How one analyzer's result section is shown: ``html`` for its panel (a trusted fragment:
    escape what comes from the text, e.g. with a Jinja template with autoescape), ``marks``
    over the article text and ``css`` for both (scope selectors to your own classes)."""

    html: str = ""
    marks: list[Mark] = field(default_factory=list)
    css: str = ""


def json_view(result) -> SectionView:
    """The fallback for any section no plugin shows: its JSON."""
    body = json.dumps(result, ensure_ascii=False, indent=2)
    return SectionView(html=Markup('<pre class="json" tabindex="0">{}</pre>').format(body))


def _open(mark: Mark, first: bool) -> str:
    attrs = [f'class="mark {escape(mark.kind)}"']
    if mark.title:
        attrs.append(f'title="{escape(mark.title)}"')
    if mark.id and first:
        attrs.append(f'id="{escape(mark.id)}"')
        if not mark.href:
            attrs.append('tabindex="-1"')  # a link to it moves the keyboard focus there
    if mark.href:
        return f'<a href="{escape(mark.href)}" {" ".join(attrs)}>'
    return f'<mark {" ".join(attrs)}>'


def _close(mark: Mark, last: bool) -> str:
    tag = f'<span class="tag">{escape(mark.tag)}</span>' if last and mark.tag else ""
    return tag + ("</a>" if mark.href else "</mark>")


def render_text(text: str, marks: list[Mark]) -> Markup:
    """The text as HTML with ``marks`` as nested elements; a mark that crosses another is split
    (its ``id`` stays on the first part, its ``tag`` on the last). Marks outside the text are
    dropped."""
    good = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    starts = defaultdict(list)
    for m in good:
        starts[m.start].append(m)
    bounds = sorted({0, len(text), *(m.start for m in good), *(m.end for m in good)})
    out: list[str] = []
    stack: list[Mark] = []
    pos = 0
    for b in bounds:
        out.append(str(escape(text[pos:b])))
        pos = b
        if any(m.end == b for m in stack):
            reopen = []
            while any(m.end == b for m in stack):
                m = stack.pop()
                out.append(_close(m, m.end == b))
                if m.end != b:
                    reopen.append(m)
            for m in reversed(reopen):
                out.append(_open(m, False))
                stack.append(m)
        for m in sorted(starts.get(b, ()), key=lambda m: -m.end):
            out.append(_open(m, True))
            stack.append(m)
    return Markup("".join(out))  # nosec B704: the text and every attribute were escaped above
