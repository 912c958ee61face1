"""Operators over documents, attestations and quality audits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text, worst
from checker.operators.base import CODE, TEXT, VALUE, Outcome, Rule, args_schema, hours, noun_of, register
from checker.predicates import compile_value

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
            if issued > ctx.as_of:
                problems.append((Status.FAIL, Text(f"{issued} 才生效", f"not in force until {issued}")))
            if doc.get("valid_until") and ctx.instants.date(doc["valid_until"]) < ctx.as_of:
                problems.append((Status.FAIL, Text(f"已于 {doc['valid_until']} 失效", f"expired on {doc['valid_until']}")))
            missing = [topic for topic in covers if topic not in doc.get("covers", [])]
            if missing:
                problems.append((Status.FAIL, Text(f"未涵盖：{'、'.join(missing)}", f"does not cover: {', '.join(missing)}")))
            attachment = attachment_problem(ctx, {"path": doc["path"], "sha256": doc["sha256"]})
            if attachment:
                problems.append(attachment)
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
    return str(a.get("name", "")).strip().casefold() == str(b.get("name", "")).strip().casefold()


@register(
    "attestation",
    "A signed attestation on `topic` by a named person, dated within the evaluation period, not by the "
    "person it is about, backed by a digest-verified document; its conclusion decides.",
    args_schema({"topic": CODE, "roles": {"type": "array", "items": {"type": "string"}, "minItems": 1}, "noun": TEXT}, ("topic",)),
    ("attestations_found",),
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
        for index, item in candidates:
            problems: list[tuple[Status, Text]] = []
            on = ctx.instants.date(item["attested_on"])
            if on < ctx.period_start:
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text(f"日期 {on} 早于评价期", f"dated {on}, before the evaluation period")))
            if _same_person(item.get("attested_by"), item.get("subject")):
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text("由被证明者本人出具", "made by the person it is about")))
            if roles and item["attested_by"].get("role") not in roles:
                problems.append((Status.INSUFFICIENT_EVIDENCE, Text(
                    f"出具人角色不是 {'/'.join(roles)}", f"attester's role is not one of {', '.join(roles)}")))
            attachment = attachment_problem(ctx, item.get("document"))
            if attachment:
                problems.append(attachment)
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
        conforms = item["conclusion"] == "conforms"
        verdict = Text("结论：符合" if conforms else "结论：不符合", "conclusion: conforms" if conforms else "conclusion: does not conform")
        message = Text(
            f"经声明核验（非机器判定）：{by['name']}（{by['role']}）于 {item['attested_on']} 以 {method['type']} 方式核查{sample_zh}{found_zh}，{verdict.zh}",
            f"attested, not machine-judged: {by['name']} ({by['role']}) on {item['attested_on']} by {method['type']}{sample}{found}; {verdict.en}",
        )
        return Outcome(
            Status.PASS if conforms else Status.FAIL,
            message,
            {"attestations_found": len(candidates)},
            [(("attestations", index), item["id"])],
        )

    return run


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
        for index, audit in enumerate(audits):
            covers = audit["covers"]
            if ctx.instants.date(covers["end"]) < ctx.period_start or ctx.instants.date(covers["start"]) > ctx.period_end:
                continue
            result = audit["checks"].get(check)
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
        message = Text(
            f"质检抽查 {checked} 次会话，{compliant} 次符合“{check}”（{hours(percent)}%，要求不低于 {hours(minimum)}%）",
            f"quality audits checked '{check}' in {checked} sampled conversations: {compliant} complied ({hours(percent)} %, required at least {hours(minimum)} %)",
        )
        status = Status.PASS if compliant * 100 >= minimum * checked else Status.FAIL
        return Outcome(status, message, facts, [(("quality_audits", i), audit_id) for i, audit_id in used])

    return run


