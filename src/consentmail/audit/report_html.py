"""A self-contained HTML page for an AuditReport (``consentmail audit --html OUT``).

Jinja2 with autoescaping: every value from the audited message is escaped. No external resources
(the report about trackers loads nothing itself).
"""

from __future__ import annotations

from jinja2 import Environment

from consentmail.audit.model import AuditReport

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Tracker audit: {{ r.source }}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em;max-width:80em;color:#222}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.url{word-break:break-all;font-family:monospace;font-size:12px}
.verdict{padding:.8em 1em;border-radius:4px;font-size:1.2em}
.individual,.individual-refusable{background:#fde2e1}.aggregate{background:#fff4ce}
.none{background:#dff6dd} .muted{color:#666}
</style></head><body>
<h1>Tracker audit</h1>
<p class="muted">{{ r.source }}{% if r.second_source %} compared with {{ r.second_source }}
{% endif %}{% if r.subject %} &middot; subject: {{ r.subject }}{% endif %}</p>
<div class="verdict {{ r.verdict.code }}"><strong>{{ r.verdict.label }}</strong>
{% if not r.verdict.confirmed %}<span class="muted">(one copy: personal vs aggregate presumed)
</span>{% endif %}</div>
<ul>{% for reason in r.verdict.reasons %}<li>{{ reason }}</li>{% endfor %}</ul>
{% if r.verdict.requirements %}<p>Requirements: {{ r.verdict.requirements|join(", ") }}
(REGULATION.md)</p>{% endif %}
{% if r.vendors %}<p>Vendors: {{ r.vendors|join(", ") }}</p>{% endif %}

<h2>Findings ({{ r.findings|length }})</h2>
{% if r.findings %}<table><tr><th>#</th><th>what</th><th>vendor</th><th>element</th><th>line</th>
<th>URL</th><th>personal</th><th>why</th></tr>
{% for f in r.findings %}<tr><td>{{ loop.index }}</td><td>{{ f.category }}</td>
<td>{{ f.vendors|join(", ") }}</td><td>{{ f.element }}</td><td>{{ f.line or "" }}</td>
<td class="url">{{ f.url }}{% if f.destination %}<br>&rarr; {{ f.destination }}{% endif %}</td>
<td>{{ {True: "yes", False: "no", None: "?"}[f.personal] }}
{%- if f.only_in %} ({{ f.only_in }} copy only){% endif %}</td><td>{{ f.reason }}</td></tr>
{% endfor %}</table>{% else %}<p>None.</p>{% endif %}

{% if r.second_source %}<h2>Personal tokens ({{ r.personal_tokens|length }})</h2>
{% if r.personal_tokens %}<table><tr><th>part</th><th>first copy</th><th>second copy</th>
<th>loaded</th><th>purpose</th><th>element</th><th>line</th><th>URL</th></tr>
{% for t in r.personal_tokens %}<tr><td>{{ t.part }}</td><td class="url">{{ t.value_a }}</td>
<td class="url">{{ t.value_b }}</td><td>{{ "on open" if t.auto_loaded else "on click" }}</td>
<td>{{ t.purpose }}</td><td>{{ t.element }}</td><td>{{ t.line_a or "" }}</td>
<td class="url">{{ t.url_a }}</td></tr>{% endfor %}</table>
{% else %}<p>None: every URL is the same in both copies.</p>{% endif %}{% endif %}

<h2>Unsubscribe</h2>
{% set u = r.unsubscribe %}{% if u is none %}<p>No headers (HTML only).</p>{% else %}
<p>List-Unsubscribe: {{ "present" if u.present else "missing" }};
one-click (RFC 8058): {{ "yes" if u.one_click else "no" }}; DKIM: {{ u.dkim }}</p>
{% if u.uris %}<ul>{% for uri in u.uris %}<li class="url">{{ uri }}</li>{% endfor %}</ul>
{% endif %}{% if u.issues %}<ul>{% for i in u.issues %}<li>{{ i }}</li>{% endfor %}</ul>
{% endif %}{% endif %}

{% if r.notes %}<h2>Notes</h2><ul>{% for n in r.notes %}<li>{{ n }}</li>{% endfor %}</ul>
{% endif %}
<p class="muted">Tracker rules from MailTrackerBlocker (BSD-3-Clause, (c) 2020 Aaron Lee),
simplify-trackers (BSD-3-Clause, (c) 2021 Michael Leggett) and Trocker (Apache-2.0);
see consentmail/audit/data/NOTICE.</p>
</body></html>
"""

_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)


def render_html(report: AuditReport) -> str:
    """The report as one HTML page."""
    return _ENV.from_string(_TEMPLATE).render(r=report)
