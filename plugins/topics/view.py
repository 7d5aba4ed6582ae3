"""The page's view of the topics section: IPTC Media Topics ranked by score, with their hierarchy."""
from jinja2 import Environment

from newsdesk import SectionView, hookimpl

_PANEL = Environment(autoescape=True).from_string("""
<p>IPTC Media Topics, highest score first.</p>
<ol class="topics">
{% for t in topics %}
<li class="topic">
  <strong>{{ t.label }}</strong> <code>{{ t.qcode }}</code>
  <span class="score">score {{ "%.3f"|format(t.score) }}</span>
  <meter min="0" max="1" value="{{ t.score }}" aria-hidden="true"></meter>
  <div class="hierarchy">level {{ t.level }}{% if t.parents %}: {% for p in t.parents %}{{ p.label }} <code>{{ p.qcode }}</code> › {% endfor %}{{ t.label }}{% endif %}</div>
</li>
{% endfor %}
</ol>
""")

CSS = """
.topics { padding-left: 1.4rem; }
.topic { margin-bottom: 0.4rem; }
.topic meter { width: 6rem; vertical-align: middle; }
.topic .hierarchy { font-size: 0.85rem; color: #57606a; }
"""


@hookimpl
def section_view(name, result):
    if name != "topics":
        return None
    topics = sorted(result["topics"], key=lambda t: -t["score"])
    return SectionView(html=_PANEL.render(topics=topics), css=CSS)
