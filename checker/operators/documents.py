"""Operators over documents, attestations and quality audits."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text, worst
from checker.operators.base import CODE, TEXT, VALUE, Outcome, Rule, args_schema, hours, noun_of, register
from checker.predicates import MISSING, compile_value
from checker.trace import COUNTED, FAILED, PASSED, SKIPPED, UNKNOWN, Trace

# ------------------------------------------------------------------ documents, attestations, audits


def attachment_problem(ctx: EvalContext, attachment: Mapping[str, Any] | None) -> tuple[Status, Text] | None:
    if not attachment:
        return Status.INSUFFICIENT_EVIDENCE, Text("没有附件", "no supporting file")
    check = ctx.attachments.get(attachment["path"])
    if check is None or check.status == "missing":
        return Status.INSUFFICIENT_EVIDENCE, Text(f"附件 {attachment['path']} 不存在", f"file {attachment['path']} is missing")
    if check.status == "mismatch":
        return Status.FAIL, Text(
            f"附件 {attachment['path']} 的 SHA-256 与声明不符（已被改动），不能作为证据",
            f"file {attachment['path']} does not match its declared SHA-256 (changed since it was pinned); it does not count as evidence",
        )
    if check.status == "too_large":
        size = f"{check.size} bytes, " if check.size is not None else ""
        limit_en = f" of {check.limit} bytes" if check.limit is not None else ""
        limit_zh = f"（{check.limit} 字节）" if check.limit is not None else ""
        return Status.INSUFFICIENT_EVIDENCE, Text(
            f"附件 {attachment['path']} 超过大小限制{limit_zh}，未读取，无法核验",
            f"file {attachment['path']} is {size}over the attachment size limit{limit_en} (--max-attachment-bytes); "
            "it was not read, so it cannot be verified",
        )
    return None


def _joined(texts: list[Text]) -> Text:
    joined = texts[0]
    for text in texts[1:]:
        joined = joined.join(text)
    return joined


def _trace_file(trace: Trace, ctx: EvalContext, path: Any, problem: tuple[Status, Text] | None, at: tuple[Any, ...]) -> None:
    """The supporting file as `attachment_problem` judged it: usable, changed (false) or absent (unknown)."""
    check = ctx.attachments.get(path) if isinstance(path, str) else None
    usable = True if problem is None else False if problem[0] is Status.FAIL else None
    trace.compare("file", path if path is not None else MISSING, "digest", "sha256", usable, at,
                  Text(f"附件状态：{check.status}" if check else "没有附件",
                       f"file status: {check.status}" if check else "no supporting file"))


@register(
    "document",
    "A document of `kind` is in the bundle, in force on the as-of date, its file present and matching "
    "its SHA-256, and covering each topic in `covers`.",
    args_schema({"kind": CODE, "covers": {"type": "array", "items": CODE, "uniqueItems": True}, "noun": TEXT}, ("kind",)),
    ("documents_found",),
)
def _document(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    kind = args["kind"]
    covers = tuple(args.get("covers", ()))
    noun = noun_of(args) if "noun" in args else Text(f"“{kind}”类文件", f"{kind} document")

    def run(ctx: EvalContext) -> Outcome:
        documents = ctx.data.get("documents")
        if not isinstance(documents, list):
            documents = []
        candidates = [(i, d) for i, d in enumerate(documents) if d.get("kind") == kind]
        trace = ctx.trace
        if trace is not None:
            trace.compare("$.documents[*].kind", kind, "in", "$.documents", bool(candidates),
                          note=Text(f"{len(documents)} 份文件中 {len(candidates)} 份为此类",
                                    f"{len(candidates)} of {len(documents)} documents are of this kind"))
        if not candidates:
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"证据包中没有{noun.zh}", f"the bundle has no {noun.en}"),
                {"documents_found": 0},
            )
        rejected: list[tuple[int, Status, Text]] = []
        for index, doc in candidates:
            problems: list[tuple[Status, Text]] = []
            issued = ctx.instants.date(doc["issued_on"])
            in_force = issued <= ctx.as_of
            if not in_force:
                problems.append((Status.FAIL, Text(f"{issued} 才生效", f"not in force until {issued}")))
            expired = bool(doc.get("valid_until")) and ctx.instants.date(doc["valid_until"]) < ctx.as_of
            if expired:
                problems.append((Status.FAIL, Text(f"已于 {doc['valid_until']} 失效", f"expired on {doc['valid_until']}")))
            missing = [topic for topic in covers if topic not in doc.get("covers", [])]
            if missing:
                problems.append((Status.FAIL, Text(f"未涵盖：{'、'.join(missing)}", f"does not cover: {', '.join(missing)}")))
            attachment = attachment_problem(ctx, {"path": doc["path"], "sha256": doc["sha256"]})
            if attachment:
                problems.append(attachment)
            if trace is not None:
                here = ("documents", index)
                trace.begin_record(here, str(doc["id"]))
                trace.compare("issued_on", doc["issued_on"], "<=", ctx.as_of.isoformat(), in_force, here + ("issued_on",))
                if doc.get("valid_until"):
                    trace.compare("valid_until", doc["valid_until"], ">=", ctx.as_of.isoformat(), not expired,
                                  here + ("valid_until",))
                for topic in covers:
                    trace.compare("covers", topic, "in", "covers", topic not in missing, here + ("covers",))
                _trace_file(trace, ctx, doc["path"], attachment, here + ("path",))
                trace.end_record(FAILED if problems else PASSED, _joined([text for _, text in problems]) if problems else None)
            if not problems:
                title = doc["title"]
                return Outcome(
                    Status.PASS,
                    Text(f"{noun.zh}《{title}》有效（{doc['issued_on']} 生效，文件摘要已核验）",
                         f"{noun.en} '{title}' is in force (issued {doc['issued_on']}, file digest verified)"),
                    {"documents_found": len(candidates)},
                    [(("documents", index), f"{doc['id']}: {title}")],
                )
            status = worst(p[0] for p in problems)
            reason = problems[0][1]
            for _, text in problems[1:]:
                reason = reason.join(text)
            rejected.append((index, status, Text(f"{doc['id']}：{reason.zh}", f"{doc['id']}: {reason.en}")))
        status = worst(s for _, s, _ in rejected)
        reasons = rejected[0][2]
        for _, _, text in rejected[1:]:
            reasons = reasons.join(text)
        return Outcome(
            status,
            Text(f"没有有效的{noun.zh}：{reasons.zh}", f"no valid {noun.en}: {reasons.en}"),
            {"documents_found": len(candidates)},
            [(("documents", i), None) for i, _, _ in rejected],
        )

    return run


def _same_person(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    if not a or not b:
        return False
    if a.get("staff_id") and b.get("staff_id"):
        return bool(a["staff_id"] == b["staff_id"])
    return same_name(str(a.get("name", "")), str(b.get("name", "")))


def same_name(a: str, b: str) -> bool:
    """Names of one person as written twice: width, case, spaces and invisible characters aside.

    "张三", "张 三", "张\u3000三", "ｚｈａｎｇ" and "Zhang" with a zero-width
    space all name one person: a check that two people differ (an approver
    and an author, an attester and the subject) must not be passed by
    spelling one name two ways.
    """
    return _name_key(a) == _name_key(b)


def _name_key(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf")


@register(
    "attestation",
    "A signed attestation on `topic` by a named person, dated within the evaluation period, not by the "
    "person it is about, backed by a digest-verified document, and giving its sample size when made by "
    "sampling; its conclusion decides.",
    args_schema({"topic": CODE, "roles": {"type": "array", "items": {"type": "string"}, "minItems": 1}, "noun": TEXT}, ("topic",)),
    ("attestations_found", "attestation_id", "attestation_method", "sample_size"),
)
def _attestation(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    topic = args["topic"]
    roles = tuple(args.get("roles", ()))
    noun = noun_of(args) if "noun" in args else Text(f"关于“{topic}”的声明", f"attestation on {topic}")

    def run(ctx: EvalContext) -> Outcome:
        items = ctx.data.get("attestations")
        if not isinstance(items, list):
            items = []
        candidates = [(i, a) for i, a in enumerate(items) if a.get("topic") == topic]
        if not candidates:
            return Outcome(Status.INSUFFICIENT_EVIDENCE, Text(f"证据包中没有{noun.zh}", f"the bundle has no {noun.en}"),
                           {"attestations_found": 0})
        valid: list[tuple[int, Mapping[str, Any]]] = []
        rejected: list[tuple[int, Status, Text]] = []
        trace = ctx.trace
        for index, item in candidates:
            problems: list[tuple[Status, Text]] = []
            on = ctx.instants.date(item["attested_on"])
            early = on < ctx.period_start
            if early:
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text(f"日期 {on} 早于评价期", f"dated {on}, before the evaluation period")))
            own = _same_person(item.get("attested_by"), item.get("subject"))
            if own:
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text("由被证明者本人出具", "made by the person it is about")))
            if item["method"]["type"] == "sampling" and item["method"].get("sample_size") is None:
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text("抽样核查未写明样本量", "made by sampling without a sample size")))
            elif item["method"]["type"] == "sampling" and item["method"]["sample_size"] < 1:
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text("抽样核查的样本量为 0，未核查任何对象",
                                                                    "made by sampling a sample of 0: nothing was examined")))
            wrong_role = bool(roles) and item["attested_by"].get("role") not in roles
            if wrong_role:
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text(
                    f"出具人角色不是 {'/'.join(roles)}", f"attester's role is not one of {', '.join(roles)}")))
            attachment = attachment_problem(ctx, item.get("document"))
            if attachment:
                problems.append(attachment)
            if trace is not None:
                here = ("attestations", index)
                trace.begin_record(here, str(item["id"]))
                trace.compare("attested_on", item["attested_on"], ">=", ctx.period_start.isoformat(), not early,
                              here + ("attested_on",))
                trace.compare("attested_by", item.get("attested_by"), "is not", item.get("subject"), not own,
                              here + ("attested_by",))
                if roles:
                    trace.compare("attested_by.role", item["attested_by"].get("role"), "in", list(roles), not wrong_role,
                                  here + ("attested_by", "role"))
                _trace_file(trace, ctx, (item.get("document") or {}).get("path"), attachment, here + ("document",))
                trace.read("conclusion", item.get("conclusion"), here + ("conclusion",))
                verdict = worst(p[0] for p in problems) if problems else None
                trace.end_record(PASSED if verdict is None else FAILED if verdict is Status.FAIL else UNKNOWN,
                                 _joined([text for _, text in problems]) if problems else None)
            if problems:
                reason = problems[0][1]
                for _, text in problems[1:]:
                    reason = reason.join(text)
                rejected.append((index, worst(p[0] for p in problems), Text(f"{item['id']}：{reason.zh}", f"{item['id']}: {reason.en}")))
            else:
                valid.append((index, item))
        if not valid:
            reasons = rejected[0][2]
            for _, _, text in rejected[1:]:
                reasons = reasons.join(text)
            return Outcome(
                worst(s for _, s, _ in rejected),
                Text(f"没有可采信的{noun.zh}：{reasons.zh}", f"no acceptable {noun.en}: {reasons.en}"),
                {"attestations_found": len(candidates)},
                [(("attestations", i), None) for i, _, _ in rejected],
            )
        index, item = max(valid, key=lambda pair: (pair[1]["attested_on"], pair[1]["id"]))
        by = item["attested_by"]
        method = item["method"]
        sample = f", sample {method['sample_size']}" if method.get("sample_size") is not None else ""
        sample_zh = f"，样本 {method['sample_size']}" if method.get("sample_size") is not None else ""
        found = f", {method['findings']} findings" if method.get("findings") is not None else ""
        found_zh = f"，发现问题 {method['findings']} 个" if method.get("findings") is not None else ""
        scope = f"; checked: {item['scope']}" if item.get("scope") else ""
        scope_zh = f"；核查范围：{item['scope']}" if item.get("scope") else ""
        conforms = item["conclusion"] == "conforms"
        verdict = Text("结论：符合" if conforms else "结论：不符合", "conclusion: conforms" if conforms else "conclusion: does not conform")
        message = Text(
            f"经声明核验（非机器判定）：{by['name']}（{by['role']}）于 {item['attested_on']} 以 {method['type']} 方式核查{sample_zh}{found_zh}，{verdict.zh}{scope_zh}",
            f"attested, not machine-judged: {by['name']} ({by['role']}) on {item['attested_on']} by {method['type']}{sample}{found}; {verdict.en}{scope}",
        )
        return Outcome(
            Status.PASS if conforms else Status.FAIL,
            message,
            {"attestations_found": len(candidates), "attestation_id": item["id"], "attestation_method": method["type"],
             "sample_size": method.get("sample_size")},
            [(("attestations", index), item["id"])],
        )

    return run


def _trace_audit(trace: Trace, ctx: EvalContext, index: int, audit: Mapping[str, Any], check: str, overlaps: bool,
                 result: Mapping[str, Any] | None) -> None:
    """Whether one audit counted (it covers the period and checked `check`), as the audit rule decided, and what it found."""
    here = ("quality_audits", index)
    covers = audit["covers"]
    trace.begin_record(here, str(audit["id"]))
    trace.compare("covers", f"{covers['start']}..{covers['end']}", "overlaps",
                  f"{ctx.period_start.isoformat()}..{ctx.period_end.isoformat()}", overlaps, here + ("covers",))
    if overlaps:
        trace.read(f"checks.{check}", MISSING if result is None else result, here + (("checks", check) if result is not None else ()))
    trace.end_record(COUNTED if overlaps and result is not None else SKIPPED)


@register(
    "audit",
    "Quality audits covering the evaluation period checked `check` on sampled conversations, and the "
    "share that complied is at least `min_percent`.",
    args_schema({"check": CODE, "min_percent": VALUE}, ("check", "min_percent")),
    ("checked", "compliant", "percent", "min_percent"),
)
def _audit(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    check = args["check"]
    min_of = compile_value(args["min_percent"], env, at + ("min_percent",))

    def run(ctx: EvalContext) -> Outcome:
        audits = ctx.data.get("quality_audits")
        if not isinstance(audits, list):
            audits = []
        used = []
        checked = compliant = 0
        trace = ctx.trace
        for index, audit in enumerate(audits):
            covers = audit["covers"]
            overlaps = not (ctx.instants.date(covers["end"]) < ctx.period_start or ctx.instants.date(covers["start"]) > ctx.period_end)
            result = audit["checks"].get(check) if overlaps else None
            if trace is not None:
                _trace_audit(trace, ctx, index, audit, check, overlaps, result)
            if result is None:
                continue
            used.append((index, audit["id"]))
            checked += result["checked"]
            compliant += result["compliant"]
        minimum = min_of(ctx)(None)
        if not used or checked == 0:
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"评价期内没有检查“{check}”的质检记录", f"no quality audit in the evaluation period checked '{check}'"),
                {"checked": 0, "compliant": 0, "percent": None, "min_percent": minimum},
            )
        percent = round(compliant * 100 / checked, 2)
        facts = {"checked": checked, "compliant": compliant, "percent": percent, "min_percent": minimum}
        if trace is not None:
            trace.compare("compliant / checked %", percent, ">=", minimum, compliant * 100 >= minimum * checked,
                          note=Text(f"{compliant} / {checked}", f"{compliant} / {checked}"))
        message = Text(
            f"质检抽查 {checked} 次会话，{compliant} 次符合“{check}”（{hours(percent)}%，要求不低于 {hours(minimum)}%）",
            f"quality audits checked '{check}' in {checked} sampled conversations: {compliant} complied ({hours(percent)} %, required at least {hours(minimum)} %)",
        )
        status = Status.PASS if compliant * 100 >= minimum * checked else Status.FAIL
        return Outcome(status, message, facts, [(("quality_audits", i), audit_id) for i, audit_id in used])

    return run


