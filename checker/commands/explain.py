"""`ecs-check explain`: a policy as a person reads it, what one evaluation of it did, or how a grade adds up.

    ecs-check explain POLICY                  the clause, its words, evidence, parameters, how to fix
    ecs-check explain POLICY --bundle B       ... and the evaluation trace against bundle B
    ecs-check explain --grade B               the NJ-ECCS grade of bundle B, row by row

POLICY is a policy id (`db33-t-2039-2017/7.5.1.2`), a citation
(`"DB33/T 2039-2017 7.5.1.2"`) or a clause number when only one policy has
it. Exit codes: 0 explained (whatever the verdict), 2 unknown policy,
unusable bundle or bad usage.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from checker.errors import CheckerError
from checker.explaining import evaluation_model, grade_model, policy_model
from checker.policy import CompiledPolicy, PolicySet

RESULT_WORDS = {True: "true", False: "false", None: "unknown"}
OPS = {
    "equals": "=", "not_equals": "≠", "in": "∈", "not_in": "∉", "ge": "≥", "gt": ">", "le": "≤", "lt": "<",
    "before": "<", "on_or_before": "≤", "after": ">", "on_or_after": "≥", "within_period": "∈", ">=": "≥",
    "<=": "≤", "==": "=", "!=": "≠", "contains": "∋", "length_ge": "len ≥",
}
VERDICTS = {"pass": "PASS", "fail": "FAIL", "unknown": "UNKNOWN", "skipped": "SKIPPED", "counted": "COUNTED",
            "pending": "PENDING", "error": "ERROR", "not counted": "NOT COUNTED"}
PIN_WORDS = {
    "verified": ("原文与标准一致，摘要已核验", "found verbatim in the standard, pin verified"),
    "pinned": ("摘要与引文一致（无随附标准文本）", "pin matches the quote (no shipped text for this standard)"),
    "not found": ("引文在随附的标准文本中找不到（lint ECS115）", "the quote is not in the shipped text (lint ECS115)"),
    "not its clause": ("引文不是该条款的全文（lint ECS115）", "the quote is not its clause's text (lint ECS115)"),
    "not pinned": ("引文未固定摘要（lint ECS115）", "the quote is not pinned (lint ECS115)"),
    "pin differs": ("摘要与引文不符（lint ECS115）", "the pin is not the quote's digest (lint ECS115)"),
    "no text": ("策略未引用标准原文", "the policy quotes no text"),
}


def find_policy(policy_set: PolicySet, query: str) -> CompiledPolicy:
    """The policy named by id, by citation or by a clause number only one policy has; ECS001 otherwise."""
    by_id = policy_set.by_id()
    if query in by_id:
        return by_id[query]
    wanted = query.strip()
    matches = [cp for cp in policy_set.policies
               if f"{cp.policy.standard} {cp.policy.clause}" == wanted or cp.policy.clause == wanted]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CheckerError.at("ECS001", f"{query!r} names several policies: {', '.join(cp.policy.id for cp in matches)}; "
                                        "give the policy id")
    near = difflib.get_close_matches(query, list(by_id), n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(near)}?)" if near else "; `ecs-check policies` lists them"
    raise CheckerError.at("ECS001", f"no policy {query!r}{hint}")


def run(policy_query: str | None, *, bundle_path: Path | None = None, grade_bundle: Path | None = None, fmt: str = "text",
        lang: str = "both", policy_dirs: Sequence[Path] = (), config_file: Path | None = None, shipped_policies: bool = True,
        as_of: dt.date | None = None, keep: int = 20) -> int:
    from checker.bundle import Limits, load_bundle
    from checker.commands.check import evaluate_bundle
    from checker.engine import trace_policy
    from checker.policy import load_policy_set
    from checker.reporters.common import standard_texts
    from checker.workspace import open_workspace

    if grade_bundle is not None:
        result = evaluate_bundle(grade_bundle, policy_dirs=policy_dirs, config_file=config_file,
                                 shipped_policies=shipped_policies, as_of=as_of)
        model = grade_model(result)
        texts = standard_texts(result)
        sys.stdout.write(json.dumps({"grade": model, "standard_texts": texts}, ensure_ascii=False, indent=2) + "\n"
                         if fmt == "json" else render_grade(model, lang, texts))
        return 0
    assert policy_query is not None
    workspace = open_workspace(config_file, policy_dirs, shipped=shipped_policies)
    policy_set = load_policy_set(workspace.roots, inventory=workspace.inventory)
    compiled = find_policy(policy_set, policy_query)
    model = policy_model(compiled, policy_set.interpretations)
    model["evaluation"] = None
    if bundle_path is not None:
        bundle = load_bundle(bundle_path, as_of, Limits(), display=str(bundle_path))
        findings, trace = trace_policy(compiled, bundle, keep)
        model["evaluation"] = evaluation_model(compiled, bundle, findings, trace)
    sys.stdout.write(json.dumps(model, ensure_ascii=False, indent=2) + "\n" if fmt == "json" else render_policy(model, lang))
    return 0


# ------------------------------------------------------------------ text


class _Out:
    """Lines in one or both languages."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.lines: list[str] = []

    def add(self, line: str = "") -> None:
        self.lines.append(line.rstrip())

    def say(self, text: Mapping[str, str] | None, indent: str = "  ", prefix: str = "") -> None:
        """A bilingual text: Chinese then English on their own lines, or one of them."""
        if not text:
            return
        if self.lang in ("both", "zh") and text.get("zh"):
            self.add(f"{indent}{prefix}{text['zh']}")
        if self.lang in ("both", "en") and text.get("en") and (self.lang == "en" or text.get("en") != text.get("zh")):
            self.add(f"{indent}{prefix}{text['en']}")

    def heading(self, zh: str, en: str) -> None:
        self.add()
        self.add({"zh": zh, "en": en}.get(self.lang, f"{zh} / {en}"))

    def pick(self, text: Mapping[str, str] | None) -> str:
        if not text:
            return ""
        if self.lang == "zh":
            return text.get("zh") or text.get("en", "")
        if self.lang == "en":
            return text.get("en") or text.get("zh", "")
        return text["zh"] if text.get("zh") == text.get("en") else f"{text.get('zh', '')} / {text.get('en', '')}"

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _value(value: Any, missing: bool = False) -> str:
    if missing:
        return "(missing)"
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) or not value.startswith("[") else value


def _where(entry: Mapping[str, Any]) -> str:
    """`  file:line`, or the file alone where it has no line (a whole record file, a Parquet row)."""
    if not entry.get("file"):
        return ""
    return f"  {entry['file']}" + (f":{entry['line']}" if entry.get("line") is not None else "")


def _comparison(out: _Out, c: Mapping[str, Any], indent: str) -> None:
    phase = f"[{c['phase']}] " if c.get("phase") else ""
    value = _value(c["value"], c["missing"])
    if c["op"]:
        against = c["against"] if c["op"] == "within_period" else _value(c["against"])
        read = value if c["missing"] else f"({value})"
        shown = f"{c['subject']} {read} {OPS.get(c['op'], c['op'])} {against} → {RESULT_WORDS[c['result']]}"
    else:
        shown = f"{c['subject']} = {value}"
    note = f"  ({out.pick(c['note'])})" if c.get("note") else ""
    out.add(f"{indent}{phase}{shown}{note}{_where(c)}")


def _step(out: _Out, step: Mapping[str, Any], indent: str, file: str, said: Mapping[str, str] | None = None) -> None:
    """One step of the trace; its message is left out where the line above already said it (`said`)."""
    status = (step["status"] or "").upper()
    out.add(f"{indent}{step['operator']} ({file}:{step['line']} {step['at']}) → {status}")
    for c in step["comparisons"]:
        _comparison(out, c, indent + "  ")
    if step["counts"]:
        out.add(f"{indent}  records: " + ", ".join(f"{n} {verdict}" for verdict, n in step["counts"].items()))
    for record in step["records"]:
        out.add(f"{indent}  {VERDICTS.get(record['verdict'], record['verdict'].upper())} {record['label']} "
                f"{record['path']}{_where(record)}")
        out.say(record["detail"], indent + "      ")
        for c in record["comparisons"]:
            _comparison(out, c, indent + "      ")
    hidden = sum(step["counts"].values()) - len(step["records"])
    if hidden > 0:
        out.add(f"{indent}  … {hidden} more records that did not decide the outcome are not shown")
    if step["message"] != said:
        out.say(step["message"], indent + "  ", "= ")
    for child in step["children"]:
        _step(out, child, indent + "  ", file)


def render_policy(model: Mapping[str, Any], lang: str = "both") -> str:
    out = _Out(lang)
    out.add(f"{model['policy_id']}: {model['citation']}")
    out.say(model["title"], "")
    out.add(f"obligation {model['obligation']} · applies to {model['applies_to']} · verification {model['verification']} · "
            f"{model['policy_file']}")

    words = model["standard_text"]
    out.heading("标准原文", "The standard's words")
    if words["quote"] is not None:
        where = f"{words['file']} line {words['lines'][0]}" if words["lines"] else words["file"] or words["standard"]
        if words["lines"] and words["lines"][1] != words["lines"][0]:
            where += f"-{words['lines'][1]}"
        for line in words["quote"].split("\n"):
            out.add(f"  > {line}")
        zh, en = PIN_WORDS[words["status"]]
        out.add(f"  {where}; sha256 {words['quote_sha256']}: {out.pick({'zh': zh, 'en': en})}")
        if words["standard_sha256"]:
            out.add(f"  {words['file']} sha256 {words['standard_sha256']}")
    else:
        zh, en = PIN_WORDS["no text"]
        out.add(f"  {out.pick({'zh': zh, 'en': en})}")

    out.heading("要求", "Requirement")
    out.say(model["requirement"])

    out.heading("如何判定", "How it is decided")
    if model["applies_if"]:
        out.add(f"  applies if {model['applies_if']}")
    for check in model["checks"]:
        base = "    " if check["item"] else "  "
        if check["item"]:
            out.add(f"  {check['item']} {out.pick(check['title'])} ({check['verification']})")
        if check["applies_if"]:
            out.add(f"{base}applies if {check['applies_if']}")
        if check["out_of_scope"]:
            out.say(check["out_of_scope"], base, "out of scope: ")
        for line in check["rule"]:
            indent = base + "  " * line["depth"]
            out.add(f"{indent}{line['operator']} (line {line['line']}):")
            out.say(line["how"], indent + "  ")

    evidence = model["evidence"]
    out.heading("所需证据", "Evidence needed")
    out.add("  reads " + ", ".join(evidence["paths"]))
    width = max((len(f["path"]) for f in evidence["fields"]), default=0)
    for field in evidence["fields"]:
        out.add(f"  {field['path']:<{width}}  {field['type']}{', required' if field['required'] else ''}")
    example = evidence["example"]
    if example:
        import yaml

        out.add(f"  example, from {example['case']}:")
        dumped = yaml.safe_dump(example["bundle"], allow_unicode=True, sort_keys=False, width=1000)
        for line in dumped.splitlines():
            out.add(f"    {line}")
    else:
        out.add("  (no pass-* test case beside the policy to show an example)")

    if model["parameters"]:
        out.heading("参数", "Parameters")
        for p in model["parameters"]:
            unit = f" {p['unit']}" if p["unit"] else ""
            limits = [f"default {p['default']}"]
            limits += [f"minimum {p['minimum']}"] if p["minimum"] is not None else []
            limits += [f"maximum {p['maximum']}"] if p["maximum"] is not None else []
            limits += [f"{p['stricter']} is stricter"] if p["stricter"] else []
            limits += ["a profile may adjust it"] if p["adjustable"] else []
            out.add(f"  {p['name']} = {p['value']}{unit} ({'; '.join(limits)})")
            out.say(p["description"], "    ")

    if model["interpretations"]:
        out.heading("适用的解释", "Interpretations applied")
        for i in model["interpretations"]:
            out.add(f"  {i['id']} {out.pick(i['title'])}")
            out.say(i["decision"], "    ")

    out.heading("不符合时如何整改", "How to fix a failure")
    for check in model["checks"]:
        fixes = [line for line in check["rule"] if line["fix"]]
        if not fixes:
            continue
        if check["item"]:
            out.add(f"  {check['item']}")
        for line in fixes:
            out.say(line["fix"], "    " if check["item"] else "  ", "- ")

    if model["related"]:
        out.heading("相关条款", "Related")
        out.add("  " + ", ".join(model["related"]))

    evaluation = model.get("evaluation")
    if evaluation:
        _evaluation(out, evaluation, model["policy_file"])
    return out.text()


def _evaluation(out: _Out, evaluation: Mapping[str, Any], policy_file: str) -> None:
    org = evaluation["organization"]
    out.heading("评估过程", "Evaluation trace")
    out.add(f"  {evaluation['bundle']} sha256 {evaluation['bundle_sha256']}; {org['name']} ({org['role']}), "
            f"period {evaluation['period'][0]} to {evaluation['period'][1]}, as of {evaluation['as_of']}")
    for c in evaluation["applicability"]:
        _comparison(out, c, "  ")
    for check in evaluation["checks"]:
        out.add()
        out.add(f"  {check['citation']}: {check['status'].upper()}")
        out.say(check["message"], "    ")
        for note in check["notes"]:
            out.say(note, "    ", "note: ")
        for c in check["applicability"]:
            _comparison(out, c, "    ")
        for step in check["steps"]:
            _step(out, step, "    ", policy_file, check["message"])
    out.add()
    out.add(f"  (every record that failed or could not be decided is shown; of the others the first {evaluation['keep']} "
            "per verdict)")


def _evidence(entry: Any) -> str:
    """A grade row's evidence as `file:line note`: the note, or the finding it rests on and its status, or the path."""
    if not isinstance(entry, Mapping):
        return str(entry)
    where = _where(entry).strip()
    if entry.get("citation"):
        what = f"{entry['citation']}: {str(entry.get('status') or '').upper()}".rstrip(": ")
    else:
        what = entry.get("note") or entry.get("path") or ""
    return f"{where} {what}".strip()


def _standard_texts(out: _Out, texts: Sequence[Mapping[str, Any]]) -> None:
    for entry in texts:
        out.add(f"standard {entry['standard']}: " + (f"text sha256 {entry['sha256']}" if entry["sha256"] else "no shipped text"))


def render_grade(model: Mapping[str, Any] | None, lang: str = "both", texts: Sequence[Mapping[str, Any]] = ()) -> str:
    """The grade row by row, after the standards evaluated and the digests of their texts (`texts`)."""
    out = _Out(lang)
    if model is None:
        out.add(out.pick({"zh": "未评级：本次评估没有 NJ-ECCS 评级结果（没有评分模型或没有评价 NJ-ECCS）",
                          "en": "not graded: this evaluation has no NJ-ECCS grade (no scoring model, or NJ-ECCS not evaluated)"}))
        _standard_texts(out, texts)
        return out.text()
    score = "—" if model["score"] is None else model["score"]
    out.add(f"{model['standard']} grade {model['grade'] or '—'}, score {score}"
            + (" (withheld)" if model["withheld"] else ""))
    if model["model_sha256"]:
        out.add(f"scoring model sha256 {model['model_sha256']}")
    _standard_texts(out, texts)
    for reason in model["reasons"]:
        out.say(reason, "  ")
    out.heading("表 B.1 逐行", "Table B.1, row by row")
    for row in model["rows"]:
        number = "—" if row["row"] is None else row["row"]
        out.add(f"  row {number}: {out.pick(row['indicator'])}: level {row['level'] or 'below AAA'}, "
                f"{row['points']} / {row['max_points']} points")
        out.say(row["reason"], "      ", "why: ")
        for entry in row["evidence"]:
            out.add(f"      evidence: {_evidence(entry)}")
        if row["interpretations"]:
            out.add(f"      interpretations: {', '.join(row['interpretations'])}")
    out.heading("一级指标合计", "Sum per first-level indicator")
    for group in model["indicators"]:
        out.add(f"  {out.pick(group['name'])} ({group['weight']} %): {group['sum']} = {group['points']} / {group['max_points']}")
    total = model["total"]
    out.heading("总分", "Total")
    agreement = "= the grade's score" if total["matches_score"] else f"≠ the grade's score {score}: the scoring model adjusts the sum"
    out.add(f"  {total['sum']} = {total['points']} ({agreement})")
    out.say(model["bands"], "  ")
    out.add(f"  → {model['grade'] or ('withheld' if model['withheld'] else 'below AAA')}")
    steps = model["next_grade"]["steps"]
    if steps:
        out.heading(f"升至 {model['next_grade']['grade'] or '下一级'}", f"To reach {model['next_grade']['grade'] or 'the next grade'}")
        for step in steps:
            out.add(f"  row {step['row']}: {out.pick(step['indicator'])} {step['level'] or '—'} → {step['target_level'] or '—'}: "
                    f"+{step['points']}")
            out.say(step["criteria"], "      ", f"{step['target_level']}: " if step["target_level"] else "")
    return out.text()
