"""The portal's pages: their words in Chinese and English, written through the one Jinja environment
and stylesheet of esgflow.pages (template files, no build step, nothing fetched from the internet),
escaped by default."""

from __future__ import annotations

from typing import Any

from esgflow import EsgflowError, glossary, pages

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
    "evidence": ("证明材料", "Evidence"),
    "evidence_hint": (
        "电费单、抄表记录、绿电证书、燃料发票等：PDF、PNG、JPEG 或 xlsx，每份不超过 20 MB，不得含脚本或宏。",
        "Bills, meter readings, green-power certificates, fuel invoices: PDF, PNG, JPEG or xlsx, "
        "at most 20 MB each, with no scripts or macros.",
    ),
    "evidence_for": ("对应指标", "For"),
    "evidence_needed": ("以下数据尚需上传证明材料：", "These figures still need their documents:"),
    "evidence_missing": ("缺少证明材料", "Evidence missing"),
    "whole_return": ("整份填报", "The whole return"),
    "attach": ("上传材料", "Attach"),
    "no_evidence": ("尚未上传证明材料。", "No document attached yet."),
    "sent_by": ("上传人", "Sent by"),
    "evidence_refused": (
        "未保存：只接受不含脚本或宏的 PDF、PNG、JPEG 或 xlsx 文件，每份不超过 20 MB，且须对应本单位的指标。",
        "Not kept: only PDF, PNG, JPEG or xlsx files without scripts or macros, at most 20 MB, "
        "for one of your entity's figures.",
    ),
    "read_only": ("此登录只能查看，不能提交。", "This sign-in can read, not submit."),
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
    "rejected": ("未接受，请修改后重新上传", "rejected: correct it and upload again"),
    "refused": ("无法读取，未记录", "refused: not read, nothing stored"),
    "duplicate": ("与已提交的文件相同，未作改动", "the same file as one sent before; nothing changed"),
    "late": ("逾期", "late"),
    "signed_out": (
        "您已退出。再次登录请打开您的登录链接。",
        "You are signed out. Open your sign-in link to sign in again.",
    ),
    "signin_failed": (
        "登录链接无效、已使用、已过期或已被撤销",
        "This sign-in link is not valid, was already used, has expired or was revoked",
    ),
    "signin_failed_text": (
        "每个登录链接只能使用一次；请向 ESG 工作办公室索取新的登录链接。",
        "Each sign-in link works once; ask the ESG office for a new sign-in link.",
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
    **glossary.REVIEW,  # pending, approved, returned, excused: one word with the commands
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
        "所有单位均已核准或豁免，集团层面校验没有未关闭的错误（未关闭的提示见上表）。签署后本期数据锁定，"
        "此后的更正只能通过重述生效。",
        "Every entity is approved or excused and no group check error is open (the open warnings are listed"
        " above). Signing locks the period's figures; a later correction changes them only by a restatement.",
    ),
    "signoff_rechecked": (
        "签署时将按已核准的填报重新汇总并再次校验。",
        "Signing consolidates the approved returns again and checks them once more.",
    ),
    "sign_off_button": ("签署并锁定本报告期", "Sign off and lock this period"),
    "signoff_what": ("签署的内容", "What is being signed"),
    "signoff_report": ("临时报告", "Provisional report"),
    "signoff_no_report": (
        "尚未生成本期报告：请先生成临时报告（esgflow report）并核对，再签署。",
        "No report written for this period yet: write the provisional report (esgflow report) and read it first.",
    ),
    "signoff_coverage": ("覆盖范围", "Coverage"),
    "signoff_checks": ("集团层面校验：{} 个错误、{} 个提示未关闭", "Group checks: {} errors and {} warnings open"),
    "signoff_unchecked": (
        "各单位均已核准或豁免后，才运行集团层面校验。",
        "The group checks run once every entity is approved or excused.",
    ),
    "explanation": ("说明情况", "Explanation"),
    "explained": ("已有填报单位说明", "explained by the reporters"),
    "unexplained": ("未说明", "not explained"),
    "signer_name": ("签署人姓名", "Your name"),
    "signoff_confirm": (
        "我已核对以上临时报告、覆盖范围和未关闭的校验项，确认签署并锁定本报告期。",
        "I have read the provisional report, the coverage and the open checks above; I sign off and lock this period.",
    ),
    "signoff_unconfirmed": (
        "未签署：请填写签署人姓名并勾选确认。",
        "Not signed: give your name and tick the confirmation.",
    ),
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
    "pending_review": ("待审核", "pending review"),
    "superseded": ("已被新版本取代", "superseded by a newer version"),
    "in_figures": ("计入数据的版本", "Version in the figures"),
    "in_signed_figures": ("计入已签署数据的版本", "Version in the signed-off figures"),
    "late_correction": (
        "签署后收到的更正：在 ESG 工作办公室重述本报告期之前，不改变任何已发布数据",
        "late correction, received after sign-off: it changes no published figure unless the ESG office"
        " restates the period",
    ),
    "other_year": (
        "这是 {} 报告期的填报，不是当前收集的 {} 报告期。",
        "This is a return for {}, not for {}, the period collected now.",
    ),
    "awaiting_return": ("等待可用的填报", "waiting for a usable return"),
    "awaiting_correction": ("等待填报人提交更正版本", "waiting for the reporters' corrected version"),
    # what an audit row did (its state is in the next column)
    "did_judged": ("校验", "checked"),
    "did_approved": ("核准", "approve"),
    "did_returned": ("退回", "return"),
    "did_excused": ("豁免", "excuse"),
    "did_signed_off": ("签署", "sign off"),
    "did_restated": ("重述", "restate"),
    # the assurance provider's read-only pages, its results and the office's answers (issue 29)
    "auditor": ("鉴证机构（只读）", "Assurance provider (read only)"),
    "assurance_title": ("鉴证", "Assurance"),
    "assurance_hint": (
        "本页只供查阅：集团数据的计算过程、各单位的证明材料和审计记录；只能记录抽样测试结果。",
        "Read only: how each group figure was made, every entity's documents and the audit trail; "
        "you record only your test results.",
    ),
    "group_figures": ("集团数据", "Group figures"),
    "no_figures": ("本报告期尚无汇总数据。", "No consolidated figures for this period yet."),
    "value": ("数值", "Value"),
    "explain": ("计算过程", "How it was made"),
    "formula": ("公式或加总", "Formula or sum"),
    "as_typed": ("填报原文", "As typed"),
    "approved_by": ("核准人", "Approved by"),
    "factor": ("排放因子/折算系数", "Factor"),
    "vintage": ("年份", "Vintage"),
    "source": ("出处", "Source"),
    "basis": ("口径", "basis"),
    "disagrees": (
        "按来源重新计算的结果与存储的数据不一致。",
        "Recomputed from its sources, it differs from the stored figure.",
    ),
    "parts_count": ("{} 个组成部分", "{} parts"),
    "inputs_count": ("{} 个填报值", "{} inputs"),
    "factors_count": ("{} 个因子", "{} factors"),
    "parts_one": ("{} 个组成部分", "{} part"),
    "inputs_one": ("{} 个填报值", "{} input"),
    "factors_one": ("{} 个因子", "{} factor"),
    "fold_hint": (
        "点击任一行展开其组成部分、填报单元格和所用因子。",
        "Open any line to see what it is made of, down to the reported cells and the factors used.",
    ),
    "channel": ("途径", "Channel"),
    "via_portal": ("门户网站", "portal"),
    "via_api": ("接口", "API"),
    "via_mail": ("电子邮件", "e-mail"),
    "all_evidence": ("全部证明材料", "Every document"),
    "audit_trail_link": ("审计记录", "Audit trail"),
    "sample": ("抽样与测试结果", "Sample and test results"),
    "no_sample": (
        "本报告期尚未抽样（esgflow assurance sample）。",
        "No sample drawn for this period yet (esgflow assurance sample).",
    ),
    "results": ("测试结果", "Results"),
    "untested": ("尚未测试", "not tested yet"),
    "test_result": ("记录结果", "Record a result"),
    "agreed": ("与证明材料一致", "agreed to evidence"),
    "difference": ("存在差异", "difference"),
    "not_supported": ("无证明材料支持", "not supported"),
    "result_agreed": ("与证明材料一致", "agreed to evidence"),
    "result_difference": ("存在差异", "difference"),
    "result_not_supported": ("无证明材料支持", "not supported"),
    "amount": ("差异金额", "Amount"),
    "comment": ("说明", "Comment"),
    "record": ("记录", "Record"),
    "open_requests": ("鉴证机构的待办请求", "The assurance provider's open requests"),
    "no_requests": ("没有待答复的请求。", "No request is open."),
    "answer": ("上传证明材料答复", "Answer with a document"),
    "did_assurance_sampled": ("抽样", "draw a sample"),
    "did_assurance_result": ("测试结果", "record a test result"),
    "did_assurance_answered": ("答复鉴证请求", "answer a request"),
    "did_evidence_waived": ("免除证明材料", "waive evidence"),
    # the shared words: severities, the columns of a list of findings, the statuses (a rejected return's is a
    # sentence here, above)
    **glossary.SEVERITY,
    **glossary.COLUMNS,
    **{s: w for s, w in glossary.STATUS.items() if s != "rejected"},
    **glossary.SIGNATORIES,
}


# A refused page in Chinese: the known refusals word for word, any other by its status, never an English
# sentence (a refusal that already carries Chinese, like a spent sign-in link's, is shown as it is).
REFUSALS_ZH: dict[str, str] = {
    "not your entity": "这不是本单位的页面，无权查看。",
    "no such entity": "没有这个单位。",
    "this sign-in is for another period": "此登录链接适用于另一个报告期。",
    "for the ESG office": "此页面仅供 ESG 工作办公室使用。",
    "not found": "未找到。",
    "no annotated workbook for this version": "此版本没有批注版工作簿。",
    "no letter for this version": "此版本没有反馈函。",
    "decide approved, returned or excused": "请选择批准、退回或免报。",
    "an auditor's sign-in is read-only: it sends no returns": "审验人员的登录只能查看，不能提交报表。",
    "the form is not from this session (CSRF token missing or wrong); reload the page": (
        "表单已过期或不属于本次登录，请刷新页面后重试。"
    ),
    "for the assurance provider and the ESG office": "此页面仅供审验机构和 ESG 工作办公室使用。",
    "no such document in this period": "本报告期没有这份证明材料。",
    "the document is not in the archive": "档案中找不到这份证明材料的文件。",
    "no such indicator": "没有这个指标。",
    "only an auditor of this period records test results": "只有本报告期的审验人员可以记录检验结果。",
    "too many sign-in attempts; wait a minute": "登录尝试次数过多，请一分钟后再试。",
    "too many sign-in attempts from this address; wait a minute": "登录尝试次数过多，请一分钟后再试。",
}
STATUS_ZH: dict[int, str] = {
    400: "请求有误，请返回重试。",
    401: "尚未登录或登录已失效，请打开 ESG 工作办公室发给您的登录链接。",
    403: "无权执行此操作。",
    404: "未找到所请求的内容。",
    409: "操作未执行。",
    413: "文件过大。",
    422: "无法处理所提交的内容。",
    429: "请求过于频繁，请稍后再试。",
}


def refusal(status: int, detail: str, lang: str) -> str:
    """What a refused page says: the detail in English; in Chinese its Chinese words, else its status's."""
    if lang != "zh":
        return detail
    if detail in REFUSALS_ZH:
        return REFUSALS_ZH[detail]
    if any("\u4e00" <= ch <= "\u9fff" for ch in detail):
        return detail
    return STATUS_ZH.get(status, "请求未能完成。")


def refused_why(exc: EsgflowError, lang: str) -> str:
    """Why a document was not kept, after the sentence that says so, in the page's language (a reason with no
    Chinese words is left out of a Chinese page: the sentence before it says enough)."""
    if lang == "zh":
        return f"（{exc.zh}）" if exc.zh else ""
    return f" ({exc})"


def word(key: str, lang: str) -> str:
    zh, en = WORDS.get(key, (key, key))
    return zh if lang == "zh" else en


def render(template: str, lang: str, **context: Any) -> str:
    """A page in `lang`; every value is escaped unless the template says otherwise (it never does)."""
    page = pages.environment().get_template(template)
    return page.render(css=pages.stylesheet(), lang=lang, t=lambda key: word(key, lang), **context)
