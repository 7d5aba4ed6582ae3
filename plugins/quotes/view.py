"""The page's view of the quotes section: quotes and cues marked, speakers linked to entities."""
from jinja2 import Environment

from newsdesk import Mark, SectionView, hookimpl

_PANEL = Environment(autoescape=True).from_string("""
<p>{{ quotes|length }} quotes.</p>
<ol class="quotes">
{% for q in quotes %}
<li id="quote-{{ loop.index0 }}-info" class="quote-record">
  <span class="quote-kind quote-{{ q.type }}">{{ q.type }}</span>
  <a href="#quote-{{ loop.index0 }}">in the text</a>
  <blockquote>{{ q.text }}</blockquote>
  <dl>
    <dt>Speaker</dt><dd>{% if q.speaker %}{% if q.speaker.entity_id %}<a href="#entity-{{ q.speaker.entity_id }}">{{ q.speaker.entity_name or q.speaker.text }}</a>{% else %}{{ q.speaker.text }}{% endif %}
      ({{ q.speaker.kind }}{% if q.speaker.resolved %}, “{{ q.speaker.text }}” resolved to “{{ q.speaker.resolved.text }}”{% endif %}){% else %}unknown{% endif %}</dd>
    <dt>Cue</dt><dd>{% if q.cue %}“{{ q.cue.text }}”{% else %}none{% endif %} ({{ q.cue_kind }})</dd>
    <dt>Confidence</dt><dd>{{ "%.2f"|format(q.confidence) }}</dd>
  </dl>
</li>
{% endfor %}
</ol>
{% if scare %}<p>Scare quotes: {% for s in scare %}“{{ s.text }}”{% if not loop.last %}, {% endif %}{% endfor %}</p>{% endif %}
""")

CSS = """
.mark.quote { background: #fff1e5; border-left: 3px solid #bc4c00; }
.mark.quote-indirect { background: #fff8f2; border-left-style: dashed; }
.mark.quote-mixed { border-left-style: double; border-left-width: 4px; }
.mark.cue { font-weight: 700; border-bottom: 2px dotted #bc4c00; }
.quote-record blockquote { margin: 0.3rem 0; padding-left: 0.6rem; border-left: 3px solid #bc4c00; font-style: italic; }
.quote-record dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.8rem; margin: 0 0 0.8rem; font-size: 0.9rem; }
.quote-record dd { margin: 0; }
.quote-kind { font-size: 0.8rem; font-weight: 700; border: 1px solid currentColor; border-radius: 3px; padding: 0 0.3rem; }
.quotes { padding-left: 1.4rem; }
"""


@hookimpl
def section_view(name, result):
    if name != "quotes":
        return None
    quotes = result["quotes"]
    marks = []
    for i, q in enumerate(quotes):
        who = (q["speaker"] or {}).get("entity_name") or (q["speaker"] or {}).get("text") or "unknown speaker"
        marks.append(Mark(q["start"], q["end"], kind=f"quote quote-{q['type']}", tag=f"{q['type']} quote: {who}",
                          title=f"{q['type']} quote by {who}", id=f"quote-{i}"))
        if q["cue"]:
            marks.append(Mark(q["cue"]["start"], q["cue"]["end"], kind="cue", tag=f"{q['cue_kind']} cue",
                              title=f"cue of quote {i + 1}"))
    return SectionView(html=_PANEL.render(quotes=quotes, scare=result.get("scare_quotes", [])), marks=marks, css=CSS)
