"""The portal's HTML: Jinja templates kept here (no build step, nothing fetched from the internet), escaped
by default, and the words of the pages in Chinese and English."""

from __future__ import annotations

from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape

from esgflow import display, glossary

# key -> (zh, en)
WORDS: dict[str, tuple[str, str]] = {
    "title": ("ESG 数据填报", "ESG data collection"),
    "signed_in_as": ("已登录：", "Signed in as"),
    "office": ("ESG 工作办公室", "ESG office"),
    "sign_out": ("退出", "Sign out"),
    "period": ("报告期", "Period"),
    "deadline": ("截止日期", "Deadline"),
    "status": ("状态", "Status"),
    "template": ("填报模板", "Template"),
    "download_template": ("下载本期填报模板", "Download this period's template"),
    "upload": ("上传填报文件", "Upload your return"),
    "upload_hint": (
        "请上传填写完毕的模板（.xlsx，不超过 10 MB）；系统将立即校验并反馈结果。",
        "Upload the filled template (.xlsx, at most 10 MB); it is checked at once and you see the result here.",
    ),
    "send": ("上传并校验", "Upload and check"),
    "versions": ("已提交版本", "Versions sent"),
    "no_versions": ("尚未提交。", "Nothing sent yet."),
    "version": ("版本", "Version"),
    "received": ("接收时间", "Received"),
    "file": ("文件", "File"),
    "findings": ("问题", "Findings"),
    "no_findings": ("未发现问题。", "No findings."),
    "figure": ("填报值", "Figure entered"),
    "compared": ("应为/对比", "Expected / compared with"),
    "changes": ("与上一版相比的变动", "Changed since the previous version"),
    "no_changes": ("与上一版相比没有变动。", "No figure changed since the previous version."),
    "first_version": ("第一版。", "The first version."),
    "before": ("上一版", "Before"),
    "after": ("本版", "Now"),
    "annotated": ("下载标注了问题的工作簿", "Download your workbook with the findings marked"),
    "letter": ("反馈函", "Return letter"),
    "result": ("校验结果", "Result"),
    "back": ("返回", "Back"),
    "not_submitted": ("未提交", "not submitted"),
    "accepted": ("已接受", "accepted"),
    "accepted_with_warnings": ("已接受（有提示）", "accepted with warnings"),
    "rejected": ("未接受，请修改后重新上传", "rejected: correct it and upload again"),
    "refused": ("无法读取，未记录", "refused: not read, nothing stored"),
    "duplicate": ("与已提交的文件相同，未作改动", "the same file as one sent before; nothing changed"),
    "late": ("逾期", "late"),
    "signed_out": (
        "您已退出。再次登录请打开您的登录链接。",
        "You are signed out. Open your sign-in link to sign in again.",
    ),
    "signin_failed": ("登录链接无效或已被撤销", "This sign-in link is not valid or was revoked"),
    "signin_failed_text": (
        "请向 ESG 工作办公室索取新的登录链接。",
        "Ask the ESG office for a new sign-in link.",
    ),
    "not_signed_in": ("未登录", "Not signed in"),
    "not_signed_in_text": ("请打开 ESG 工作办公室发给您的登录链接。", "Open the sign-in link the ESG office sent you."),
    "signing_in": ("正在登录……", "Signing in…"),
    "continue": ("继续", "Continue"),
    "entities": ("各单位填报情况", "Entities"),
    "progress": ("进度", "Progress"),
    "accepted_of": ("家单位已接受，共", "entities accepted of"),
    "missing": ("未提交", "missing"),
    "rejected_count": ("未接受", "rejected"),
    "errors": ("错误", "errors"),
    "warnings": ("提示", "warnings"),
    "estimated": ("估算数", "estimated"),
    "links": ("链接", "Links"),
    "data_docs": ("校验结果（Data Docs）", "Validation results (Data Docs)"),
    "report": ("报告附表", "Report appendix"),
    "no_report": ("尚未生成本期报告。", "No report written for this period yet."),
    "audit": ("最近的登录与提交记录", "Recent sign-ins and submissions"),
    "no_period": ("目前没有开放填报的报告期。", "No period is open for collection."),
    "lang_switch": ("English", "中文"),
    # the office's review and sign-off
    "review_link": ("审核与签署", "Review and sign-off"),
    "review_title": ("审核与签署", "Review and sign-off"),
    "review": ("审核", "Review"),
    "check_result": ("校验结果", "Check result"),
    "pending": ("待审核", "pending review"),
    "approved": ("已核准", "approved"),
    "returned": ("已退回修改", "returned for correction"),
    "excused": ("已豁免（本期不报送）", "excused (will not report)"),
    "decide": ("审核操作", "Decision"),
    "approve": ("核准", "Approve"),
    "return_it": ("退回修改", "Return"),
    "excuse": ("豁免", "Excuse"),
    "return_reason": ("退回原因（将邮件通知填报人）", "Why it goes back (mailed to the reporters)"),
    "excuse_reason": ("豁免原因（如：本期停产、不再纳入范围）", "Why it will not report"),
    "reviews_version": ("审核对象为第 {} 版（最新一版未接受）", "Reviewing version {} (the newest was rejected)"),
    "no_usable_return": (
        "没有可审核的填报；如该单位本期不报送，可予豁免。",
        "No usable return; excuse it if it will not report.",
    ),
    "signoff": ("签署报告期", "Sign-off"),
    "signed_by": ("本报告期已签署并锁定。签署人：", "This period is signed off and locked. Signed by"),
    "signed_at": ("签署时间：", "on"),
    "signoff_blocked": ("尚不能签署：", "Cannot be signed off yet:"),
    "signoff_waiting": ("以下单位既未核准也未豁免：", "Neither approved nor excused:"),
    "signoff_errors": ("集团层面校验仍有错误：", "Group check errors are open:"),
    "signoff_ready": (
        "所有单位均已核准或豁免，集团层面校验无错误。签署后本期数据锁定，此后的更正只能通过重述生效。",
        "Every entity is approved or excused and no group check error is open. Signing locks the period's"
        " figures; a later correction changes them only by a restatement.",
    ),
    "signoff_rechecked": (
        "签署时将按已核准的填报重新汇总并再次校验。",
        "Signing consolidates the approved returns again and checks them once more.",
    ),
    "sign_off_button": ("签署并锁定本报告期", "Sign off and lock this period"),
    "signing_as": ("签署人", "Signing as"),
    "refused_heading": ("未执行：", "Not done:"),
    "done_heading": ("已记录：", "Recorded:"),
    "audit_trail": ("审计记录（本报告期，最新在前）", "Audit trail (this period, newest first)"),
    "no_trail": ("暂无记录。", "Nothing recorded yet."),
    "when": ("时间", "When"),
    "who": ("操作人", "Who"),
    "action": ("操作", "Action"),
    "state": ("结果", "State"),
    "reason": ("原因", "Reason"),
    "signed_off": ("已签署", "signed off"),
    "to_overview": ("返回总览", "Back to the overview"),
    "awaiting_return": ("等待可用的填报", "waiting for a usable return"),
    "awaiting_correction": ("等待填报人提交更正版本", "waiting for the reporters' corrected version"),
    # what an audit row did (its state is in the next column)
    "did_judged": ("校验", "checked"),
    "did_approved": ("核准", "approve"),
    "did_returned": ("退回", "return"),
    "did_excused": ("豁免", "excuse"),
    "did_signed_off": ("签署", "sign off"),
    "did_restated": ("重述", "restate"),
    # the shared words: severities and the columns of a list of findings
    **glossary.SEVERITY,
    **glossary.COLUMNS,
}

_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
margin:0;color:#1d2a33;background:#f5f7f6}
header{background:#1f5f4a;color:#fff;padding:.8rem 1.5rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header h1{font-size:1.15rem;margin:0;flex:1}header a{color:#fff}header form{margin:0}
main{max-width:72rem;margin:1.2rem auto;padding:0 1.2rem}
section{background:#fff;border:1px solid #d8e0dc;border-radius:6px;padding:1rem 1.2rem;margin-bottom:1rem}
h2{font-size:1.05rem;margin:.2rem 0 .8rem}h3{font-size:.98rem;margin:.6rem 0}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #e3e8e5;padding:.35rem .5rem;
text-align:left;vertical-align:top}th{background:#eef3f0}
.accepted{color:#176b3a}.accepted_with_warnings{color:#8a6100}.rejected,.refused,.late{color:#b3261e}
.not_submitted{color:#5d6b73}.duplicate{color:#5d6b73}
tr.error td:first-child{border-left:4px solid #b3261e}tr.warning td:first-child{border-left:4px solid #d49a00}
.banner{padding:.8rem 1rem;border-radius:6px;font-weight:600;margin-bottom:1rem;border:1px solid}
.banner.accepted{background:#e6f4ea;border-color:#9fd3b0}.banner.accepted_with_warnings{background:#fff6dc;border-color:#e9cf7a
}
.banner.rejected,.banner.refused{background:#fdeceb;border-color:#f1aaa5}.banner.duplicate{background:#eef1f3;border-color:#ccd
}
.bar{background:#e3e8e5;border-radius:4px;height:.8rem;overflow:hidden}.bar
 span{display:block;height:100%;background:#2e8b57}
.muted{color:#5d6b73;font-size:.88rem}
button{background:#1f5f4a;color:#fff;border:0;border-radius:4px;padding:.45rem 1rem;cursor:pointer}
header button{background:#fff;color:#1f5f4a}a.button{display:inline-block;background:#1f5f4a;color:#fff;
padding:.45rem 1rem;border-radius:4px;text-decoration:none}dl{display:grid;grid-template-columns:max-content
 1fr;gap:.3rem 1rem}
dt{color:#5d6b73}dd{margin:0}
table.findings td:nth-child(-n+3),table.findings th{white-space:nowrap}
.pending{color:#8a6100}.approved{color:#176b3a}.returned{color:#b3261e}.excused{color:#5d6b73}
.banner.refusal{background:#fdeceb;border-color:#f1aaa5}.banner.done{background:#e6f4ea;border-color:#9fd3b0}
td.decide form{display:flex;gap:.4rem;margin:0 0 .35rem}td.decide input[type=text]{flex:1;min-width:12rem;padding:.3rem}
table.trail td:first-child{white-space:nowrap}
button.secondary{background:#fff;color:#1f5f4a;border:1px solid #1f5f4a}button.warn{background:#9c2a20}
"""

_TEMPLATES = {
    "base.html": """<!doctype html><html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ t('title') }}</title>
<style>{{ css }}</style></head><body><header><h1>{{ t('title') }}</h1>
{% if viewer %}<span>{{ t('signed_in_as') }} {{ viewer.grant.email }} ·
{{ viewer.grant.entity or t('office') }}</span>
{% if viewer.grant.is_office %}<a href="?lang={{ 'en' if lang == 'zh' else 'zh' }}">{{ t('lang_switch') }}</a>{%
 endif %}
<form method="post" action="/signout"><input type="hidden" name="csrf" value="{{ csrf }}">
<button type="submit">{{ t('sign_out') }}</button></form>{% endif %}</header>
<main>{% block main %}{% endblock %}</main>
</body></html>""",
    "message.html": """{% extends 'base.html' %}{% block main %}<section><h2>{{ heading }}</h2><p>{{ text }}</p>
{% if back %}<p><a href="{{ back }}">{{ t('back') }}</a></p>{% endif %}</section>{% endblock %}""",
    "findings.html": """{% if rows %}<table class="findings"><thead><tr><th>{{ t('severity') }}</th>
<th>{{ t('sheet') }}</th>
<th>{{ t('cell') }}</th><th>{{ t('indicator') }}</th><th>{{ t('figure') }}</th><th>{{ t('rule') }}</th>
<th>{{ t('compared') }}</th><th>{{ t('todo') }}</th></tr></thead><tbody>{% for f in rows %}
<tr class="{{ f.severity }}"><td>{{ t(f.severity) }}</td><td>{{ f.sheet }}</td><td>{{ f.cell }}</td>
<td>{{ f.indicator }}{% if f.code %} <span class="muted">{{ f.code }}</span>{% endif %}</td><td>{{ f.figure }}</td>
<td>{{ f.rule }}</td><td>{{ f.compared }}</td><td>{{ f.action }}<br><span class="muted">{{ f.message }}</span>
</td></tr>
{% endfor %}</tbody></table>{% else %}<p>{{ t('no_findings') }}</p>{% endif %}""",
    "entity.html": """{% extends 'base.html' %}{% block main %}
<section><h2>{{ entity_name }} · {{ t('period') }} {{ period }}</h2><dl>
<dt>{{ t('deadline') }}</dt><dd>{{ deadline }}{% if late %} <span class="late">{{ t('late') }}</span>{% endif %}</dd>
<dt>{{ t('status') }}</dt><dd class="{{ status }}">{{ t(status) }}</dd></dl>
<p><a class="button" href="{{ base }}/template">{{ t('download_template') }}</a></p></section>
<section><h2>{{ t('upload') }}</h2><p class="muted">{{ t('upload_hint') }}</p>
<form method="post" action="{{ base }}/returns" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{ csrf }}"><input type="file" name="file" accept=".xlsx" required>
<button type="submit">{{ t('send') }}</button></form></section>
<section><h2>{{ t('versions') }}</h2>{% if not versions %}<p>{{ t('no_versions') }}</p>{% endif %}
{% for v in versions %}<article id="v{{ v.version }}"><h3>{{ t('version') }} {{ v.version }} ·
<span class="{{ v.status }}">{{ t(v.status) }}</span></h3><p class="muted">{{ t('received') }}
{{ v.received_at | moment }} · {{ t('file') }} {{ v.file }} ·
<a href="{{ base }}/versions/{{ v.version }}/letter">{{ t('letter') }}</a>
{% if v.findings %} · <a href="{{ base }}/versions/{{ v.version }}/annotated">{{ t('annotated') }}</a>{% endif %}</p>
{% with rows = v.findings %}{% include 'findings.html' %}{% endwith %}
<h3>{{ t('changes') }}</h3>{% if v.changes is none %}<p>{{ t('first_version') }}</p>
{% elif not v.changes %}<p>{{ t('no_changes') }}</p>{% else %}<table><thead><tr><th>{{ t('indicator') }}</th>
<th>{{ t('before') }}</th><th>{{ t('after') }}</th></tr></thead><tbody>{% for c in v.changes %}<tr>
<td>{{ c.indicator }} <span class="muted">{{ c.code }}</span></td><td>{{ c.before }} {{ c.unit }}</td>
<td>{{ c.after }} {{ c.unit }}</td>
</tr>{% endfor %}</tbody></table>{% endif %}</article>{% endfor %}</section>{% endblock %}""",
    "result.html": """{% extends 'base.html' %}{% block main %}<section><h2>{{ t('result') }} · {{ file }}</h2>
<div class="banner {{ status }}">{% if version %}{{ t('version') }} {{ version }}: {% endif %}{{ t(status) }}</div>
{% include 'findings.html' %}<p>{% if annotated %}<a class="button" href="{{ annotated }}">{{ t('annotated')
 }}</a> {% endif %}
<a href="{{ back }}">{{ t('back') }}</a></p></section>{% endblock %}""",
    "office.html": """{% extends 'base.html' %}{% block main %}
<section><h2>{{ t('entities') }} · {{ t('period') }} {{ period }} · {{ t('deadline') }} {{ deadline }}</h2>
<p>{{ t('progress') }}: {{ done.accepted }} {{ t('accepted_of') }} {{ done.expected }} ·
{{ t('missing') }} {{ counts.not_submitted }} · {{ t('rejected_count') }} {{ counts.rejected }} · {{ t('late') }} {{
 counts.late }}</p>
<div class="bar"><span style="width:{{ '%.0f' % done.percent }}%"></span></div></section>
<section><h2>{{ t('links') }}</h2><ul><li><a href="/review?period={{ period }}&amp;lang={{ lang }}">{{
 t('review_link') }}</a></li><li>{% if docs %}<a href="/docs/index.html">{{ t('data_docs') }}</a>{% else %}
<span class="muted">{{ t('data_docs') }} —</span>{% endif %}</li>{% for name in reports %}<li>
<a href="/reports/{{ period }}/{{ name }}">{{ t('report') }}: {{ name }}</a></li>{% else %}<li class="muted">
{{ t('no_report') }}</li>{% endfor %}</ul></section>
<section><table><thead><tr><th>{{ t('entity') }}</th><th>{{ t('status') }}</th><th>{{ t('version') }}</th>
<th>{{ t('received') }}</th><th>{{ t('errors') }}</th><th>{{ t('warnings') }}</th><th>{{ t('estimated') }}</th>
<th>{{ t('late') }}</th><th>{{ t('review') }}</th></tr>
</thead>
<tbody>{% for s, late, name in rows %}<tr><td><a href="/entities/{{ s.entity }}?period={{ period }}">{{ s.entity }}</a>
<span class="muted">{{ name }}</span></td>
<td class="{{ s.status }}">{{ t(s.status) }}</td><td>{{ s.version or '' }}</td>
<td>{{ s.received_at | moment if s.received_at else '' }}</td><td>{{ s.errors }}</td>
<td>{{ s.warnings }}</td><td class="estimated">{{ s.estimated }}</td>
<td class="late">{{ t('late') if late else '' }}</td>
<td class="{{ s.review }}">{{ t(s.review) }}</td></tr>{% endfor %}</tbody></table>
</section>
<section><h2>{{ t('audit') }}</h2><table><tbody>{% for a in audit %}<tr>
<td>{{ a.at | moment if a.at }}</td>
<td>{{ a.action }}</td><td>{{ a.outcome }}</td><td>{{ a.email or '' }}</td><td>{{ a.entity or '' }}</td>
<td>{{ a.client or '' }}</td>
<td>{{ a.detail or '' }}</td></tr>{% endfor %}</tbody></table></section>{% endblock %}""",
    "review.html": """{% extends 'base.html' %}{% block main %}
<section><h2>{{ t('review_title') }} · {{ t('period') }} {{ period }}</h2>
<p>{% for r in ('pending', 'approved', 'returned', 'excused') %}<span class="{{ r }}">{{ t(r) }} {{ counts[r] }}</span>
{% if not loop.last %} · {% endif %}{% endfor %} · <a href="/?{{ query }}">{{ t('to_overview') }}</a></p>
{% if refusal %}<div class="banner refusal" role="alert">{{ t('refused_heading') }} {{ refusal }}</div>{% endif %}
{% if done %}<div class="banner done">{{ t('done_heading') }} {{ done.entity }} · {{ t(done.review) }}</div>{% endif %}
</section>
<section id="signoff"><h2>{{ t('signoff') }}</h2>{% if signoff.signed %}
<div class="banner done">{{ t('signed_by') }} {{ signoff.signed.actor }} · {{ t('signed_at') }} {{
 signoff.signed.at | moment }}</div>
{% elif signoff.ready %}<p>{{ t('signoff_ready') }}</p><p class="muted">{{ t('signoff_rechecked') }}</p>
<form method="post" action="/signoff?{{ query }}"><input type="hidden" name="csrf" value="{{ csrf }}">
<button type="submit">{{ t('sign_off_button') }} {{ period }}</button>
<span class="muted">{{ t('signing_as') }} {{ viewer.grant.email }}</span></form>
{% else %}<p><strong>{{ t('signoff_blocked') }}</strong></p>{% if signoff.waiting %}<p>{{ t('signoff_waiting') }}
{% for e, state in signoff.waiting %}<a href="#{{ e }}">{{ e }}</a>
<span class="{{ state }}">（{{ t(state) }}）</span>{% if not loop.last %}{{
 '、' if lang == 'zh' else ', ' }}{% endif %}{% endfor %}</p>{% endif %}
{% if signoff.errors %}<p>{{ t('signoff_errors') }}</p><ul>
{% for e in signoff.errors %}<li>{{ e }}</li>{% endfor %}</ul>{% endif %}{% endif %}</section>
<section><h2>{{ t('entities') }}</h2><table class="review"><thead><tr><th>{{ t('entity') }}</th>
<th>{{ t('check_result') }}</th><th>{{ t('review') }}</th><th>{{ t('links') }}</th><th>{{ t('decide') }}</th></tr>
</thead><tbody>{% for r in rows %}{% set s = r.status %}<tr id="{{ s.entity }}"><td>
<a href="/entities/{{ s.entity }}?{{ query }}">{{ s.entity }}</a><br><span class="muted">{{ r.name }}</span></td>
<td><span class="{{ s.status }}">{{ t(s.status) }}</span>{% if s.version %}<br><span class="muted">{{ t('version') }}
{{ s.version }} · {{ t('errors') }} {{ s.errors }} · {{ t('warnings') }} {{ s.warnings }}</span>{% endif %}
{% if r.target and r.target != s.version %}<br><span class="muted">{{ t('reviews_version').format(r.target) }}</span>
{% endif %}</td><td><span class="{{ s.review }}">{{ t(s.review) }}</span>{% if r.decision %}<br><span class="muted">{{
 r.decision.actor }} · {{ r.decision.at | moment }}{% if r.decision.reason %}<br>{{ t('reason') }}：{{
 r.decision.reason }}{% endif %}</span>{% endif %}
{% if s.review == 'returned' %}<br><span class="muted">{{ t('awaiting_correction') }}</span>
{% elif r.excusable %}<br><span class="muted">{{ t('awaiting_return') }}</span>{% endif %}</td><td>{% if r.letter %}
<a href="/entities/{{ s.entity }}/versions/{{ s.version }}/letter?period={{ period }}">{{ t('letter') }}</a>{% endif %}
{% if r.annotated %}<br><a href="/entities/{{ s.entity }}/versions/{{ s.version }}/annotated?period={{ period }}">
{{ t('annotated') }}</a>{% endif %}</td><td class="decide">{% if signoff.signed %}—
{% elif r.reviewable %}
<form method="post" action="/review/{{ s.entity }}?{{ query }}"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="version" value="{{ r.target }}"><input type="hidden" name="decision" value="approved">
<button type="submit">{{ t('approve') }} {{ t('version') }} {{ r.target }}</button></form>
<form method="post" action="/review/{{ s.entity }}?{{ query }}"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="version" value="{{ r.target }}"><input type="hidden" name="decision" value="returned">
<input type="text" name="reason" required placeholder="{{ t('return_reason') }}" aria-label="{{ t('return_reason') }}">
<button type="submit" class="warn">{{ t('return_it') }}</button></form>
{% elif r.excusable %}<span class="muted">{{ t('no_usable_return') }}</span>
<form method="post" action="/review/{{ s.entity }}?{{ query }}"><input type="hidden" name="csrf" value="{{ csrf }}">
<input type="hidden" name="decision" value="excused">
<input type="text" name="reason" required placeholder="{{ t('excuse_reason') }}" aria-label="{{ t('excuse_reason') }}">
<button type="submit" class="secondary">{{ t('excuse') }}</button></form>
{% else %}—{% endif %}</td></tr>{% endfor %}</tbody></table></section>
<section><h2>{{ t('audit_trail') }}</h2>{% if trail %}<table class="trail"><thead><tr>
<th>{{ t('when') }}</th><th>{{ t('who') }}</th>
<th>{{ t('action') }}</th><th>{{ t('entity') }}</th><th>{{ t('version') }}</th><th>{{ t('state') }}</th>
<th>{{ t('reason') }}</th></tr></thead><tbody>{% for a in trail %}<tr><td>{{ a.at | moment }}</td>
<td>{{ a.actor }}</td><td>{{ t('did_' ~ a.action) }}</td><td>{{ a.entity or '' }}</td><td>{{ a.version or '' }}</td>
<td>{{ t(a.state) if a.state else '' }}</td><td>{{ a.reason or '' }}</td></tr>{% endfor %}</tbody></table>
{% else %}<p>{{ t('no_trail') }}</p>{% endif %}</section>{% endblock %}""",
}

_ENV = Environment(loader=DictLoader(_TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True))
_ENV.filters["moment"] = display.moment  # Beijing time with its offset, as everywhere people read a time


def word(key: str, lang: str) -> str:
    zh, en = WORDS.get(key, (key, key))
    return zh if lang == "zh" else en


def render(template: str, lang: str, **context: Any) -> str:
    """A page in `lang`; every value is escaped unless the template says otherwise (it never does)."""
    return _ENV.get_template(template).render(css=_CSS, lang=lang, t=lambda key: word(key, lang), **context)
