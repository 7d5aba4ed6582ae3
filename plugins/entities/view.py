"""The page's view of the entities section: mentions marked in the text, one record per entity."""
from jinja2 import Environment

from newsdesk import Mark, SectionView, hookimpl

TAGS = {"person": "PER", "organization": "ORG", "location": "LOC", "group": "GRP", "event": "EVT", "other": "OTH"}

_PANEL = Environment(autoescape=True).from_string("""
<p>{{ entities|length }} entities, most salient first. Mentions in the text link here; each record links back to its mentions.</p>
<ol class="entities">
{% for e in entities %}
<li id="entity-{{ e.id }}" tabindex="-1" class="entity-record">
  <strong>{{ e.name }}</strong>
  <span class="ent-type ent-{{ e.type }}">{{ e.type }} <abbr title="{{ e.type }}">{{ tags.get(e.type, "") }}</abbr></span>
  <dl>
    <dt>Type</dt><dd>{{ e.type }} (spaCy label {{ e.label }})</dd>
    {% if e.country_code %}<dt>ISO 3166 code</dt><dd>{{ e.country_code }}</dd>{% endif %}
    {% if e.acronym %}<dt>Acronym</dt><dd>{{ e.acronym }}</dd>{% endif %}
    {% if e.aliases %}<dt>Aliases</dt><dd>{{ e.aliases|join(", ") }}</dd>{% endif %}
    <dt>Salience</dt><dd>{{ "%.2f"|format(e.salience) }}</dd>
    <dt>Mentions ({{ e.mention_count }})</dt>
    <dd><ul class="mentions">{% for m in e.mentions %}<li><a href="#entity-{{ e.id }}-m{{ loop.index0 }}">“{{ m.text }}”</a>{% if m.role %} <span class="role">({{ m.role }})</span>{% endif %}</li>{% endfor %}</ul></dd>
  </dl>
</li>
{% endfor %}
</ol>
""")

CSS = """
.mark.ent { border-bottom: 2px solid; }
.mark.ent-person { background: #ddf4ff; border-bottom-style: solid; border-color: #0969da; }
.mark.ent-organization { background: #fbefff; border-bottom-style: double; border-bottom-width: 3px; border-color: #8250df; }
.mark.ent-location { background: #dafbe1; border-bottom-style: dashed; border-color: #1a7f37; }
.mark.ent-group { background: #fff8c5; border-bottom-style: dotted; border-color: #9a6700; }
.mark.ent-event, .mark.ent-other { background: #f6f8fa; border-bottom-style: dotted; border-color: #57606a; }
.entities { padding-left: 1.4rem; }
.entity-record dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.8rem; margin: 0.2rem 0 0.8rem; font-size: 0.9rem; }
.entity-record dd { margin: 0; }
.entity-record .mentions { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 0 0.6rem; }
.ent-type { font-size: 0.8rem; border: 1px solid currentColor; border-radius: 3px; padding: 0 0.3rem; }
.ent-type abbr { text-decoration: none; font-weight: 700; }
"""


@hookimpl
def section_view(name, result):
    if name != "entities":
        return None
    entities = sorted(result["entities"], key=lambda e: -e["salience"])
    marks = [Mark(m["start"], m["end"], kind=f"ent ent-{e['type']}", tag=TAGS.get(e["type"], e["type"]),
                  title=f"{e['name']} ({e['type']})", href=f"#entity-{e['id']}", id=f"entity-{e['id']}-m{i}")
             for e in entities for i, m in enumerate(e["mentions"])]
    return SectionView(html=_PANEL.render(entities=entities, tags=TAGS), marks=marks, css=CSS)
