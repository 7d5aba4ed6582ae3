"""The page's view of the dates section: temporal expressions with their values, the publication date."""
from jinja2 import Environment

from newsdesk import Mark, SectionView, hookimpl

_PANEL = Environment(autoescape=True).from_string("""
<h3>Publication date</h3>
{% set p = result.publication_date %}
<dl class="pubdate">
  <dt>Value</dt><dd>{{ p.value or "unknown (no evidence)" }}</dd>
  <dt>Source</dt><dd>{{ p.source or "none" }}</dd>
  <dt>Confidence</dt><dd>{{ "%.2f"|format(p.confidence) }}</dd>
  {% if p.evidence %}<dt>Evidence</dt><dd>{% if p.evidence.start is not none %}<a href="#pubdate-evidence">“{{ p.evidence.text }}”</a>{% else %}“{{ p.evidence.text }}”{% endif %}{% if p.evidence.url %} in {{ p.evidence.url }}{% endif %}</dd>{% endif %}
</dl>
<h3>Temporal expressions ({{ result.timexes|length }})</h3>
<div class="table-scroll" tabindex="0"><table class="timexes">
<thead><tr><th scope="col">Text</th><th scope="col">Type</th><th scope="col">Value</th><th scope="col">Anchor</th></tr></thead>
<tbody>
{% for t in result.timexes %}<tr><td><a href="#timex-{{ loop.index0 }}">{{ t.text }}</a></td><td>{{ t.type }}</td>
<td>{{ t.value }}{% if t.mod %} ({{ t.mod }}){% endif %}</td><td>{{ t.anchor or "" }}</td></tr>
{% endfor %}
</tbody></table></div>
""")

CSS = """
.mark.timex { border: 1px dashed #0a7b83; background: #e6fbfc; }
.mark.pubdate-evidence { outline: 2px solid #0a7b83; }
.pubdate { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.8rem; }
.pubdate dd { margin: 0; }
.table-scroll { overflow-x: auto; }
.timexes { border-collapse: collapse; font-size: 0.9rem; }
.timexes th, .timexes td { border-bottom: 1px solid #d0d7de; padding: 0.15rem 0.5rem 0.15rem 0; text-align: left; vertical-align: top; }
"""


@hookimpl
def section_view(name, result):
    if name != "dates":
        return None
    marks = [Mark(t["start"], t["end"], kind=f"timex timex-{t['type'].lower()}", tag=t["value"],
                  title=f"{t['type']} {t['value']}" + (f" (anchor {t['anchor']})" if t.get("anchor") else ""),
                  id=f"timex-{i}") for i, t in enumerate(result["timexes"])]
    evidence = result["publication_date"].get("evidence") or {}
    if evidence.get("start") is not None and evidence.get("end") is not None:
        marks.append(Mark(evidence["start"], evidence["end"], kind="pubdate-evidence", tag="publication date",
                          title=f"evidence for the publication date {result['publication_date']['value']}",
                          id="pubdate-evidence"))
    return SectionView(html=_PANEL.render(result=result), marks=marks, css=CSS)
