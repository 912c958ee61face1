"""The evaluation report's content, shared by the Markdown and HTML formats.

NJ-ECCS 9.3.4.3 asks an evaluation report for the scope or area, the
objects or groups evaluated, the process, the conclusion and improvement
suggestions. `build()` fills each from the bundle and the findings, as plain
data; the templates only lay it out. Every wording the report uses is a
bilingual `Text` here, so both formats say the same thing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker import __version__
from checker.engine import Result
from checker.findings import SEVERITY, Finding, Status, Text, exit_code, summarize, worst
from checker.reporters.common import (
    DIRECTION_WORDS,
    STATUS_WORDS,
    TOOL_NAME,
    VERIFICATION_WORDS,
    WAIVER_STATE_WORDS,
    bundle_file,
    evaluated_standards,
    finding_change_text,
    grouped_by_policy,
    overruled_by_declaration,
    run_uuid,
    standard_texts,
    tailoring_of,
    waiver_text,
    waivers_of,
)
from checker.reporters.grading import NO_GRADE, WITHHELD, GradeView, grade_of
from checker.reporters.templating import number

ROLE_WORDS = {"platform": Text("电子商务第三方平台", "e-commerce platform"),
              "operator": Text("电子商务经营者", "e-commerce operator")}

SECTION_WORDS: dict[str, Text] = {
    "documents": Text("受控文件", "controlled documents"),
    "channels": Text("服务渠道", "service channels"),
    "staff": Text("客服人员", "customer service staff"),
    "enquiries": Text("咨询记录", "enquiries"),
    "orders": Text("订单记录", "orders"),
    "complaints": Text("投诉", "complaints"),
    "refunds": Text("退款", "refunds"),
    "exchanges": Text("退换货", "returns and exchanges"),
    "disputes": Text("争议", "disputes"),
    "tech_service_requests": Text("售后技术服务", "technical service requests"),
    "quality_audits": Text("质检记录", "quality audits"),
    "attestations": Text("声明", "attestations"),
    "emergency": Text("应急演练与事件", "emergency drills and incidents"),
    "satisfaction_evaluations": Text("满意度评价", "satisfaction evaluations"),
    "improvements": Text("改进措施", "improvement actions"),
    "privacy": Text("隐私保护记录", "privacy records"),
}

LABELS: dict[str, Text] = {
    "title": Text("电子商务客户服务评价报告", "E-commerce customer service evaluation report"),
    "scope": Text("评价范围", "Scope"),
    "objects": Text("评价对象", "Objects evaluated"),
    "process": Text("评价过程", "Evaluation process"),
    "conclusion": Text("评价结论", "Conclusion"),
    "results": Text("逐条评价结果", "Results by clause"),
    "suggestions": Text("改进建议", "Improvement suggestions"),
    "provenance": Text("可复现信息", "Provenance"),
    "organization": Text("被评价组织", "Organization"),
    "credit_code": Text("统一社会信用代码", "Unified social credit code"),
    "role": Text("组织类型", "Type"),
    "platforms": Text("经营平台", "Platforms"),
    "period": Text("评价期", "Evaluation period"),
    "as_of": Text("评价日", "As of"),
    "time_zone": Text("时区", "Time zone"),
    "standards": Text("依据标准", "Standards"),
    "policy_set": Text("规则集", "Policy set"),
    "standard_text": Text("标准文本", "Standard text"),
    "policies": Text("条规则", "policies"),
    "bundle": Text("证据包", "Evidence bundle"),
    "attachments": Text("附件", "Attachments"),
    "records": Text("记录数", "Records"),
    "section": Text("证据类别", "Evidence"),
    "channels": Text("服务渠道", "Service channels"),
    "method": Text("核验方式", "Verification method"),
    "findings_count": Text("结果数", "Findings"),
    "interpretations": Text("适用的解释", "Interpretations applied"),
    "status": Text("状态", "Status"),
    "count": Text("数量", "Count"),
    "grade": Text("评级", "Grade"),
    "score": Text("得分", "Score"),
    "not_graded": Text("未评级", "Not graded"),
    "not_graded_reason": Text(
        "本次运行没有 NJ-ECCS 评分结果（未选择 NJ-ECCS 或未运行评分模型），故不给出等级、B.1 分项得分与升级建议。",
        "This run has no NJ-ECCS score (NJ-ECCS not selected or the scoring model not run), so there is no grade, "
        "Table B.1 breakdown or next-grade advice.",
    ),
    "withheld": Text("不予评级", "Grade withheld"),
    "no_grade": Text("无等级（低于 AAA）", "No grade (below AAA)"),
    "score_band": Text("得分所在等级", "score band"),
    "below": Text("低于 AAA", "below AAA"),
    "breakdown": Text("表 B.1 分项得分", "Table B.1 breakdown"),
    "chart": Text("一级指标得分率", "Score by first-level indicator"),
    "row": Text("序号", "Row"),
    "indicator": Text("指标", "Indicator"),
    "level": Text("达到级别", "Level"),
    "points": Text("得分", "Points"),
    "max_points": Text("满分", "Maximum"),
    "kpis": Text("表 A.1、A.2 考核指标", "Table A.1 and A.2 indicators"),
    "table": Text("表", "Table"),
    "value": Text("数值", "Value"),
    "target": Text("目标", "Target"),
    "meets": Text("达到", "met"),
    "does_not_meet": Text("未达到", "not met"),
    "next_grade": Text("升级建议", "Next grade"),
    "gain": Text("可提高分值", "Points gained"),
    "highest_grade": Text("已是最高等级。", "Already the highest grade."),
    "evidence": Text("证据", "Evidence"),
    "message": Text("说明", "Finding"),
    "requirement": Text("要求", "Requirement"),
    "parameters": Text("参数", "Parameters"),
    "notes": Text("附注", "Notes"),
    "no_evidence": Text("无可定位的证据", "no located evidence"),
    "no_suggestions": Text("没有需要改进的项目。", "Nothing needs improving."),
    "gain_unknown": Text("未量化", "not quantified"),
    "no_grade_effect": Text("不影响评级", "does not affect the grade"),
    "tool": Text("评价工具", "Tool"),
    "run_id": Text("运行标识", "Run id"),
    "scoring_model": Text("评分模型", "Scoring model"),
    "none": Text("无", "none"),
    "process_text": Text(
        "依据各条款的声明式规则，对证据包中的记录、文件和声明逐条自动核验；文件以 SHA-256 核对，"
        "声明类证据只作为具名人员的陈述采信。无法由机器判定的事项标为“需人工评审”。",
        "Each clause's declarative policy was applied to the records, documents and attestations in the evidence "
        "bundle. Files were checked against their SHA-256; attestations count only as statements by named people. "
        "What a machine cannot judge is marked for manual review.",
    ),
    "profile": Text("配置文件", "Profile"),
    "no_profile": Text("未使用配置文件（按标准原文及默认参数检查）", "none (the standards as written, default parameters)"),
    "profile_changes": Text("配置文件设定的参数", "Parameters set by the profile"),
    "policy": Text("规则", "Policy"),
    "parameter": Text("参数", "Parameter"),
    "default": Text("默认值", "Default"),
    "direction": Text("方向", "Direction"),
    "reason": Text("理由", "Reason"),
    "loosened_warning": Text("以下参数被放宽（标准允许调整的要求）：", "These parameters are loosened (requirements the standard allows to be adjusted):"),
    "overruled_warning": Text("以下不适用声明取代了不符合或证据不足的结论（计为放宽）：",
                              "These declarations of not applicable replaced a fail or insufficient-evidence result "
                              "(counted as loosened):"),
    "excluded": Text("未检查的规则", "Policies not checked"),
    "declared_na": Text("声明不适用的条款", "Clauses declared not applicable"),
    "justification": Text("说明", "Justification"),
    "waivers": Text("豁免", "Waivers"),
    "no_waivers": Text("未使用豁免文件", "no waivers file"),
    "waiver": Text("豁免", "Waiver"),
    "waiver_state": Text("状态", "State"),
    "approved": Text("批准", "Approved"),
    "expires": Text("到期", "Expires"),
    "waived_findings": Text("豁免的结论", "Findings waived"),
    "waivers_and_grade": Text(
        "豁免是企业自行接受的例外，不改变原结论，也不提高 NJ-ECCS 评级：被豁免的结论按其原结论计分（INT-084）。",
        "A waiver is an exception the enterprise accepted; it keeps the original verdict and never raises the NJ-ECCS "
        "grade: a waived finding scores as its original status (INT-084).",
    ),
    "conforms": Text("结论：未发现不符合项。", "Conclusion: no non-conformity found."),
    "does_not_conform": Text("结论：存在不符合、证据不足或无法评估的项目，详见下文。",
                             "Conclusion: some findings fail, lack evidence or could not be evaluated; see below."),
    "conforms_with_waivers": Text("结论：除经批准豁免的项目外，未发现不符合项。",
                                  "Conclusion: no non-conformity found, apart from findings under an approved waiver."),
}


@dataclass(frozen=True)
class EvidenceLine:
    where: str
    path: str
    note: str | None


@dataclass(frozen=True)
class ItemView:
    citation: str
    item: str | None
    title: Text
    status: Status
    status_word: Text
    message: Text
    evidence: tuple[EvidenceLine, ...]
    notes: tuple[Text, ...]
    interpretations: tuple[str, ...]
    parameters: tuple[tuple[str, Any], ...]
    verification: Text
    waiver: Text | None = None  # "waived by W-1 until ... (was fail ...)"
    overrides: tuple[tuple[Text, bool], ...] = ()  # each profile change to its parameters, and whether it loosens


@dataclass(frozen=True)
class ClauseView:
    anchor: str
    policy_id: str
    citation: str
    title: Text
    requirement: Text | None
    status: Status
    status_word: Text
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class ChangeView:
    policy_id: str
    name: str
    default: Any
    value: Any
    direction: Text
    loosened: bool
    reason: Text


@dataclass(frozen=True)
class ProfileView:
    id: str
    title: Text
    file: str
    sha256: str
    changes: tuple[ChangeView, ...]
    loosened: tuple[ChangeView, ...]
    excluded: tuple[tuple[str, Text], ...]
    declared: tuple[tuple[str, Text], ...]
    overruled: tuple[tuple[str, Text], ...] = ()  # declarations that covered fail or insufficient_evidence, and what it was


@dataclass(frozen=True)
class WaiverRow:
    id: str
    target: str
    state: str
    state_word: Text
    approved: str
    expires_on: str
    justification: Text
    reason: Text
    findings: tuple[str, ...]


@dataclass(frozen=True)
class WaiversView:
    file: str
    sha256: str
    rows: tuple[WaiverRow, ...]


@dataclass(frozen=True)
class Suggestion:
    rank: int
    citation: str
    subject: Text
    action: Text
    gain: float | None
    gain_note: Text | None
    status: Status | None


@dataclass(frozen=True)
class Bar:
    label: Text
    points: float
    max_points: float
    percent: float
    y: int


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    bar_width: int


@dataclass(frozen=True)
class Report:
    lang: str
    labels: Mapping[str, Text]
    organization: Mapping[str, Any]
    role: Text
    period: tuple[str, str]
    as_of: str
    time_zone: str
    standards: tuple[str, ...]
    policy_count: int
    policy_set_sha256: str
    bundle_file: str
    bundle_sha256: str
    attachments: tuple[Mapping[str, Any], ...]
    sections: tuple[tuple[Text, int], ...]
    channels: tuple[Mapping[str, Any], ...]
    methods: tuple[tuple[Text, int], ...]
    interpretations: tuple[tuple[str, Text], ...]
    summary: tuple[tuple[Status, Text, int], ...]
    total: int
    conforms: bool
    grade: GradeView | None
    grade_word: Text | None  # the grade, 不予评级 / grade withheld, or 无等级 / no grade; None when not graded
    next_grade_note: Text | None  # the score the next grade needs and what raising the listed rows gives
    chart: Chart | None
    clauses: tuple[ClauseView, ...]
    suggestions: tuple[Suggestion, ...]
    tool: str
    run_id: str
    scoring_model_sha256: str | None
    profile: ProfileView | None = None
    waivers: WaiversView | None = None
    waived: int = 0
    standard_texts: tuple[Mapping[str, Any], ...] = ()


def _count(value: Any) -> int | None:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, Mapping):
        lists = [v for v in value.values() if isinstance(v, list)]
        return sum(len(v) for v in lists) if lists else None
    return None


def _sections(data: Mapping[str, Any]) -> tuple[tuple[Text, int], ...]:
    rows = []
    for key, words in SECTION_WORDS.items():
        if key in data:
            n = _count(data[key])
            if n is not None:
                rows.append((words, n))
    return tuple(rows)


def _item(finding: Finding, bundle: str) -> ItemView:
    evidence = tuple(
        EvidenceLine(f"{bundle}:{ref.line}:{ref.column}" if ref.line is not None else bundle, ref.path, ref.note)
        for ref in finding.evidence
    )
    return ItemView(
        citation=finding.citation,
        item=finding.item,
        title=finding.title,
        status=finding.status,
        status_word=STATUS_WORDS[finding.status],
        message=finding.message,
        evidence=evidence,
        notes=finding.notes,
        interpretations=finding.interpretations,
        parameters=tuple(finding.parameters.items()),
        verification=VERIFICATION_WORDS.get(finding.verification, Text(finding.verification, finding.verification)),
        waiver=waiver_text(finding.waiver, finding.original_status) if finding.waiver else None,
        overrides=tuple((finding_change_text(change), change.loosened) for change in finding.overrides
                        if finding.status is not Status.NOT_APPLICABLE),
    )


def _profile(result: Result) -> ProfileView | None:
    tailoring = tailoring_of(result)
    if tailoring is None:
        return None
    changes = tuple(ChangeView(c.policy_id, c.name, c.default, c.value, DIRECTION_WORDS[c.direction], c.loosened, c.reason)
                    for c in tailoring.changes)
    return ProfileView(
        id=tailoring.id,
        title=tailoring.title,
        file=tailoring.file,
        sha256=tailoring.sha256,
        changes=changes,
        loosened=tuple(c for c in changes if c.loosened),
        excluded=tuple((e.policy_id, e.reason) for e in tailoring.excluded),
        declared=tuple((d.policy_id + d.citation_suffix, d.justification) for d in tailoring.not_applicable),
        overruled=tuple((policy_id + (f" {item}" if item else ""), gave)
                        for (policy_id, item), gave in sorted(overruled_by_declaration(result).items(),
                                                              key=lambda kv: (kv[0][0], kv[0][1] or ""))),
    )


def _waivers(result: Result) -> WaiversView | None:
    report = waivers_of(result)
    if report is None:
        return None
    rows = tuple(WaiverRow(
        id=o.waiver.id,
        target=o.waiver.target,
        state=o.state,
        state_word=WAIVER_STATE_WORDS[o.state],
        approved=f"{o.waiver.approved_by.label}, {o.waiver.approved_on}",
        expires_on=o.waiver.expires_on.isoformat(),
        justification=o.waiver.justification,
        reason=o.reason,
        findings=o.findings,
    ) for o in report.outcomes)
    return WaiversView(report.file, report.sha256, rows)


def _clauses(result: Result) -> tuple[ClauseView, ...]:
    by_id = result.policy_set.by_id()
    bundle = bundle_file(result)
    views = []
    for policy_id, findings in grouped_by_policy(result.findings):
        first = findings[0]
        compiled = by_id.get(policy_id)
        status = worst(f.status for f in findings)
        views.append(ClauseView(
            anchor="clause-" + "".join(ch if ch.isalnum() else "-" for ch in policy_id),
            policy_id=policy_id,
            citation=f"{first.standard} {first.clause}",
            title=compiled.policy.title if compiled else first.title,
            requirement=compiled.policy.requirement if compiled else None,
            status=status,
            status_word=STATUS_WORDS[status],
            items=tuple(_item(f, bundle) for f in findings),
        ))
    return tuple(views)


def _level_word(level: str | None) -> Text:
    """A row's level as the report prints it: AAA to AAAAA as they are, "below" in words."""
    if level == "below":
        return LABELS["below"]
    return Text(level or "—", level or "—")


def _grade_word(grade: GradeView | None) -> Text | None:
    if grade is None:
        return None
    if grade.outcome == WITHHELD:
        return LABELS["withheld"]
    if grade.outcome == NO_GRADE:
        return LABELS["no_grade"]
    return Text(grade.outcome, grade.outcome)


def _next_grade_note(grade: GradeView | None) -> Text | None:
    """What the next grade needs, in one sentence; None when there is no next grade to reach."""
    if grade is None:
        return None
    upgrade = grade.next_grade
    if upgrade is None or not upgrade.steps:
        return LABELS["highest_grade"] if grade.outcome == "AAAAA" else None
    zh: list[str] = []
    en: list[str] = []
    if grade.withheld:
        zh.append("须先满足评级前提行")
        en.append("the prerequisite rows must be met first")
    if upgrade.min_score is not None and upgrade.points_needed:
        zh.append(f"得分须达到 {number(upgrade.min_score)}（还差 {number(upgrade.points_needed)} 分）")
        en.append(f"the score must reach {number(upgrade.min_score)} ({number(upgrade.points_needed)} more points)")
    if upgrade.score_after is not None:
        after = upgrade.grade_after
        zh.append(f"提升下列各行后得分 {number(upgrade.score_after)}（{after or LABELS['no_grade'].zh}）")
        en.append(f"raising the rows below gives {number(upgrade.score_after)} ({after or LABELS['no_grade'].en.lower()})")
    if not zh:
        return None
    sentence = "; ".join(en)
    return Text("；".join(zh) + "。", sentence[:1].upper() + sentence[1:] + ".")


def _step_suggestions(grade: GradeView) -> list[Suggestion]:
    """The rows to raise for the next grade, in the adapter's order: most points first, then by row."""
    if grade.next_grade is None:
        return []
    reasons = {row.row: row.reason for row in grade.rows}
    out = []
    for step in grade.next_grade.steps:
        now, to = _level_word(step.level), _level_word(step.target_level or grade.next_grade.grade)
        zh, en = f"将本行由 {now.zh} 提升至 {to.zh}", f"raise this row from {now.en} to {to.en}"
        if step.criteria is not None:
            zh, en = f"{zh}：{step.criteria.zh}", f"{en}: {step.criteria.en}"
        reason = reasons.get(step.row)
        if reason is not None:
            zh, en = f"{zh}（现状：{reason.zh}）", f"{en} (now: {reason.en})"
        row = f"B.1 {step.row}" if step.row is not None else "B.1"
        out.append(Suggestion(0, row, step.indicator, Text(zh, en), step.points, None, None))
    return out


def _suggestions(result: Result, grade: GradeView | None) -> tuple[Suggestion, ...]:
    """Grade steps first, most points first; then every finding that needs work, worst first."""
    out: list[Suggestion] = _step_suggestions(grade) if grade is not None else []
    by_id = result.policy_set.by_id()
    rank = {status: i for i, status in enumerate(SEVERITY)}
    # A waived finding is an accepted exception, not a fixed one: it still needs improving.
    needing = [f for f in result.findings if f.status not in (Status.PASS, Status.NOT_APPLICABLE)]
    needing.sort(key=lambda f: (rank[f.status], f.sort_key()))
    for finding in needing:
        compiled = by_id.get(finding.policy_id)
        if finding.item is None and compiled is not None:
            goal = compiled.policy.requirement
        else:
            goal = Text(f"落实本项要求：{finding.title.zh}", f"meet this item: {finding.title.en}")
        # Only NJ-ECCS is graded; how much one of its findings moves the grade is the scoring model's to say.
        note = LABELS["gain_unknown"] if finding.standard == "NJ-ECCS" else LABELS["no_grade_effect"]
        waived = (Text(f"；已由 {finding.waiver.id} 豁免至 {finding.waiver.expires_on}",
                       f"; waived by {finding.waiver.id} until {finding.waiver.expires_on}")
                  if finding.waiver else Text("", ""))
        out.append(Suggestion(
            0,
            finding.citation,
            finding.title,
            Text(f"{goal.zh}（现状：{finding.message.zh}{waived.zh}）", f"{goal.en} (now: {finding.message.en}{waived.en})"),
            None,
            note,
            finding.status,
        ))
    return tuple(Suggestion(i + 1, s.citation, s.subject, s.action, s.gain, s.gain_note, s.status) for i, s in enumerate(out))


def _chart(grade: GradeView | None) -> Chart | None:
    if grade is None or not grade.groups:
        return None
    label_width, bar_width, row_height = 250, 330, 34
    bars = []
    for index, group in enumerate(grade.groups):
        percent = round(100 * group.points / group.max_points, 1) if group.max_points else 0.0
        bars.append(Bar(group.name, group.points, group.max_points, max(0.0, min(percent, 100.0)), 10 + index * row_height))
    return Chart(tuple(bars), label_width + bar_width + 140, 20 + len(bars) * row_height, label_width, bar_width)


def build(result: Result, options: Mapping[str, Any] | None = None) -> Report:
    options = options or {}
    lang = options.get("lang", "both")
    if lang not in ("both", "zh", "en"):
        raise ValueError(f"unknown report language {lang!r}")
    bundle = result.bundle
    data = bundle.data
    org = data["organization"]
    grade = grade_of(result)
    counts = summarize(result.findings)
    methods = Counter(f.verification for f in result.findings)
    used_interpretations = sorted({i for f in result.findings for i in f.interpretations})
    known = result.policy_set.interpretations
    return Report(
        lang=lang,
        labels=LABELS,
        organization={
            "name": org["name"],
            "code": org["unified_social_credit_code"],
            "platforms": tuple(org.get("platforms", ())),
        },
        role=ROLE_WORDS.get(org["role"], Text(org["role"], org["role"])),
        period=(bundle.period_start.isoformat(), bundle.period_end.isoformat()),
        as_of=bundle.as_of.isoformat(),
        time_zone=bundle.tz_name,
        standards=evaluated_standards(result),
        policy_count=len(result.policy_set.policies),
        policy_set_sha256=result.policy_set.sha256,
        bundle_file=bundle_file(result),
        bundle_sha256=bundle.document.sha256,
        attachments=tuple({"path": a.path, "sha256": a.actual_sha256 or a.declared_sha256, "status": a.status}
                          for a in bundle.attachments.values()),
        sections=_sections(data),
        channels=tuple({"id": c.get("id", ""), "name": c.get("name", ""), "type": c.get("type", "")}
                       for c in data.get("channels", ()) if isinstance(c, Mapping)),
        methods=tuple((VERIFICATION_WORDS.get(name, Text(name, name)), methods[name]) for name in sorted(methods)),
        interpretations=tuple((i, known[i].title if i in known else Text(i, i)) for i in used_interpretations),
        summary=tuple((status, STATUS_WORDS[status], counts[status.value]) for status in SEVERITY if counts[status.value]),
        total=len(result.findings),
        conforms=exit_code(result.findings) == 0,
        grade=grade,
        grade_word=_grade_word(grade),
        next_grade_note=_next_grade_note(grade),
        chart=_chart(grade),
        clauses=_clauses(result),
        suggestions=_suggestions(result, grade),
        tool=f"{TOOL_NAME} {__version__}",
        run_id=run_uuid(result),
        scoring_model_sha256=grade.model_sha256 if grade else None,
        profile=_profile(result),
        waivers=_waivers(result),
        waived=counts[Status.WAIVED.value],
        standard_texts=tuple(standard_texts(result)),
    )
