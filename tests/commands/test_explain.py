"""`ecs-check explain`: the policy as a person reads it, the engine's own trace, and the grade added up."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types

import pytest

from checker.bundle import bundle_from_data
from checker.commands.explain import find_policy, render_grade
from checker.engine import evaluate_policy, trace_policy
from checker.errors import CheckerError
from checker.explaining import grade_model
from checker.fixtures import BASE_BUNDLE, _BundleSourceMap, _merge, discover_cases
from checker.policy import load_policy_set
from tests.helpers import STANDARD_TEXT_LINES, STANDARD_TEXTS
from tests.reporters import sample

SAMPLE = ["--bundle", str(sample.BUNDLE)]


def _json(ecs, *args):
    result = ecs("explain", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


# ------------------------------------------------------------------ the policy


def test_text_has_every_part_a_reader_needs(ecs):
    result = ecs("explain", "db33-t-2039-2017/7.5.1.2")
    assert result.code == 0
    out = result.out
    for heading in ("标准原文 / The standard's words", "要求 / Requirement", "如何判定 / How it is decided",
                    "所需证据 / Evidence needed", "参数 / Parameters", "适用的解释 / Interpretations applied",
                    "不符合时如何整改 / How to fix a failure", "相关条款 / Related"):
        assert heading in out
    assert "  > 未能及时解决的投诉，应在接到投诉后的24小时内将投诉解决方案反馈给消费者。" in out
    assert "standards/DB33-T-2039-2017.txt line 242; sha256 b1b562afe3" in out
    assert "found verbatim in the standard, pin verified" in out
    assert "$.complaints[*].received_at" in out and "string, required" in out
    assert "example, from policies/db33-t-2039-2017/7.5.1.2/pass-exactly-24h.yaml:" in out
    assert "deadline_hours = 24 h (default 24; minimum 0; lower is stricter)" in out
    assert "INT-003" in out
    assert "solution_fed_back_at no later than received_at + deadline_hours (= 24) h" in out
    assert "Evaluation trace" not in out


def test_json_model(ecs):
    model = _json(ecs, "db33-t-2039-2017/5.3.2")
    assert model["citation"] == "DB33/T 2039-2017 5.3.2"
    assert model["standard_text"]["status"] == "verified"
    assert model["standard_text"]["lines"][1] - model["standard_text"]["lines"][0] == 5  # a blank line before c)
    assert [c["item"] for c in model["checks"]] == ["a)", "b)", "c)"]
    assert model["checks"][2]["applies_if"] == 'any(channels: type ∈ {"phone", "voice", "video"})'
    assert [line["operator"] for line in model["checks"][0]["rule"]] == ["all_of", "present", "audit", "audit"]
    assert model["checks"][0]["rule"][2]["fix"]["en"].startswith("have quality audits of sampled conversations check polite_language")
    assert model["evidence"]["example"]["case"].startswith("policies/db33-t-2039-2017/5.3.2/pass-")
    assert model["evaluation"] is None


@pytest.mark.parametrize("lang, present, absent", [("zh", "标准原文", "The standard's words"),
                                                    ("en", "The standard's words", "标准原文")])
def test_one_language(ecs, lang, present, absent):
    out = ecs("explain", "db33-t-2039-2017/4.2", "--lang", lang).out
    assert present in out and absent not in out


@pytest.mark.parametrize("query", ["db33-t-2039-2017/7.5.1.2", "DB33/T 2039-2017 7.5.1.2", "7.5.1.2"])
def test_a_policy_is_found_by_id_citation_or_unique_clause(ecs, query):
    assert _json(ecs, query)["policy_id"] == "db33-t-2039-2017/7.5.1.2"


def test_an_unknown_policy_is_a_usage_error_with_a_suggestion(ecs):
    result = ecs("explain", "db33-t-2039-2017/7.5.1.3")
    assert result.code == 2
    assert "ECS001 no policy 'db33-t-2039-2017/7.5.1.3' (did you mean " in result.err
    assert "db33-t-2039-2017/7.5.1.2" in result.err


def test_a_clause_two_standards_share_must_be_named_by_id():
    def policy(pid, standard, clause):
        return types.SimpleNamespace(policy=types.SimpleNamespace(id=pid, standard=standard, clause=clause))

    policies = (policy("db33-t-2039-2017/4.3", "DB33/T 2039-2017", "4.3"), policy("nj-eccs/4.3", "NJ-ECCS", "4.3"))
    policy_set = types.SimpleNamespace(policies=policies, by_id=lambda: {p.policy.id: p for p in policies})
    with pytest.raises(CheckerError, match="names several policies: db33-t-2039-2017/4.3, nj-eccs/4.3"):
        find_policy(policy_set, "4.3")
    assert find_policy(policy_set, "NJ-ECCS 4.3").policy.id == "nj-eccs/4.3"


@pytest.mark.parametrize("args", [[], ["7.5.1.2", "--grade", str(sample.BUNDLE)], ["--bundle", str(sample.BUNDLE), "--grade", "x"]])
def test_usage_errors(ecs, args):
    assert ecs("explain", *args).code == 2


def test_every_shipped_policy_explains(ecs):
    from checker.policy import load_policy_set

    for compiled in load_policy_set().policies:
        assert ecs("explain", compiled.policy.id).code == 0, compiled.policy.id


# ------------------------------------------------------------------ the trace


def test_trace_shows_values_comparisons_and_deciding_records_with_lines(ecs):
    model = _json(ecs, "db33-t-2039-2017/7.5.1.2", *SAMPLE)
    evaluation = model["evaluation"]
    assert evaluation["bundle"] == "tests/data/sample-bundle/bundle.yaml"
    (check,) = evaluation["checks"]
    assert check["status"] == "fail"
    (step,) = check["steps"]
    assert step["operator"] == "deadline" and step["status"] == "fail" and step["at"] == "$.check.rule.deadline"
    assert step["counts"] == {"fail": 1, "pass": 1, "skipped": 1}
    assert step["comparisons"][0] | {"value": None} == {
        "phase": None, "subject": "$.complaints", "value": None, "missing": False, "op": "", "against": None,
        "result": None, "note": {"zh": "3 条记录", "en": "3 records"}, "path": "$.complaints",
        "file": "tests/data/sample-bundle/bundle.yaml", "line": 47, "column": 1}
    late = next(r for r in step["records"] if r["verdict"] == "fail")
    assert (late["label"], late["path"], late["line"]) == ("C-0002", "$.complaints[1]", 52)
    assert late["detail"]["en"] == "C-0002 (26h25m00s > 24 h)"
    decisive = late["comparisons"][-1]
    assert decisive["subject"] == "solution_fed_back_at" and decisive["phase"] == "require"
    assert (decisive["value"], decisive["op"], decisive["against"], decisive["result"]) == (
        "2025-08-13T11:40:00+08:00", "<=", "2025-08-13T09:15:00+08:00", False)
    lines = (sample.ROOT / sample.BUNDLE / "bundle.yaml").read_text(encoding="utf-8").splitlines()
    assert "solution_fed_back_at" in lines[decisive["line"] - 1]
    where = [c for c in late["comparisons"] if c["phase"] == "where"]
    assert [c["subject"] for c in where] == ["category", "resolved_at_first_contact", "received_at"]  # literal tests run first
    assert where[1]["missing"] and where[1]["note"]["en"] == "missing, read as true"
    skipped = next(r for r in step["records"] if r["verdict"] == "skipped")
    assert skipped["comparisons"] == [dict(skipped["comparisons"][0], subject="category", value="product", result=False)]


def test_trace_text_names_file_and_line(ecs):
    out = ecs("explain", "7.5.1.2", *SAMPLE, "--lang", "en").out
    assert "  DB33/T 2039-2017 7.5.1.2: FAIL" in out
    assert "      FAIL C-0002 $.complaints[1]  tests/data/sample-bundle/bundle.yaml:52" in out
    assert ("[require] solution_fed_back_at (\"2025-08-13T11:40:00+08:00\") ≤ \"2025-08-13T09:15:00+08:00\" → false  "
            "(due 2025-08-13T09:15:00+08:00 (24 h))  tests/data/sample-bundle/bundle.yaml:55") in out


def test_items_each_get_their_trace(ecs):
    model = _json(ecs, "nj-eccs/5.4.2.3", *SAMPLE, "--policies", str(sample.POLICIES))
    checks = {c["item"]: c for c in model["evaluation"]["checks"]}
    assert {k: c["status"] for k, c in checks.items()} == {
        "a)": "pass", "b)": "manual_review", "c)": "fail", "d)": "not_applicable", "e)": "insufficient_evidence"}
    audit = checks["c)"]["steps"][0]
    assert audit["comparisons"][0]["subject"] == "compliant / checked %"
    assert (audit["comparisons"][0]["value"], audit["comparisons"][0]["against"], audit["comparisons"][0]["result"]) == (85.0, 95, False)
    assert checks["d)"]["steps"] == []
    attestation = checks["e)"]["steps"][0]["records"][0]
    assert attestation["verdict"] == "unknown" and attestation["detail"]["en"] == "no supporting file"


def test_only_some_routine_records_are_kept(ecs, tmp_path):
    complaints = [{"id": f"C-{i:04d}", "category": "service", "received_at": "2025-03-01T10:00:00+08:00",
                   "solution_fed_back_at": "2025-03-01T11:00:00+08:00"} for i in range(30)]
    complaints[17]["solution_fed_back_at"] = "2025-03-03T11:00:00+08:00"
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_merge(BASE_BUNDLE, {"complaints": complaints}), ensure_ascii=False), encoding="utf-8")
    model = _json(ecs, "7.5.1.2", "--bundle", str(path), "--keep", "3")
    step = model["evaluation"]["checks"][0]["steps"][0]
    assert step["counts"] == {"fail": 1, "pass": 29}
    assert [r["label"] for r in step["records"]] == ["C-0000", "C-0001", "C-0002", "C-0017"]


@pytest.mark.parametrize(("fmt", "first_line"), [("csv", 2), ("jsonl", 1)])
def test_trace_of_records_in_a_record_file_cites_that_file_and_line(ecs, tmp_path, fmt, first_line):
    """As check cites them (Bundle.cite): each row at its line of the record file, not at the `$records` reference."""
    from checker.bundle import load_bundle
    from checker.engine import evaluate
    from tests.test_records import _bundle_dir

    directory = _bundle_dir(tmp_path / "b", fmt)
    records = f"{directory.as_posix()}/records/complaints.{fmt}"
    model = _json(ecs, "7.5.1.2", "--bundle", str(directory))
    (step,) = model["evaluation"]["checks"][0]["steps"]
    assert (step["comparisons"][0]["path"], step["comparisons"][0]["file"], step["comparisons"][0]["line"]) == (
        "$.complaints", records, None)  # the whole file: no one line
    late = next(r for r in step["records"] if r["label"] == "C-2")
    assert (late["path"], late["file"], late["line"]) == ("$.complaints[1]", records, first_line + 1)
    assert {(c["file"], c["line"]) for c in late["comparisons"]} == {(records, first_line + 1)}
    assert model["evaluation"]["applicability"][0]["file"] == f"{directory.as_posix()}/bundle.json"

    result = evaluate(load_policy_set(standards=["DB33/T 2039-2017"]), load_bundle(directory))
    finding = next(f for f in result.findings if f.policy_id == "db33-t-2039-2017/7.5.1.2")
    cited = next(e for e in finding.evidence if e.path == "$.complaints[1]")
    assert (f"{directory.as_posix()}/{cited.file}", cited.line) == (late["file"], late["line"])  # where check cites it

    out = ecs("explain", "7.5.1.2", "--bundle", str(directory), "--lang", "en").out
    assert f"      FAIL C-2 $.complaints[1]  {records}:{first_line + 1}\n" in out
    assert f"      $.complaints = [6 items]  (6 records)  {records}\n" in out
    assert "bundle.json:1" not in out.split("deadline (", 1)[1]  # no record is placed in the bundle file


def test_an_unusable_bundle_exits_2(ecs, tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("not: [valid", encoding="utf-8")
    result = ecs("explain", "7.5.1.2", "--bundle", str(path))
    assert result.code == 2 and "ECS203" in result.err


def _case_bundle(case):
    data = case.document.data
    view = __import__("dataclasses").replace(case.document, source_map=_BundleSourceMap(case.document))
    as_of = data.get("as_of")
    return bundle_from_data(view, _merge(BASE_BUNDLE, data.get("bundle") or {}), case.document.path.parent,
                            case.document.path.name, __import__("datetime").date.fromisoformat(as_of) if as_of else None)


def test_tracing_changes_no_verdict_of_any_policy_test_case():
    """The trace records the engine's own run: on every shipped case, the findings are those of an untraced run."""
    for compiled in load_policy_set().policies:
        for case in discover_cases(compiled):
            plain = [f.to_json() for f in evaluate_policy(compiled, _case_bundle(case), _case_bundle(case).context())]
            traced, trace = trace_policy(compiled, _case_bundle(case))
            assert [f.to_json() for f in traced] == plain, case.file
            assert [c.status.value for c in trace.checks] == [f["status"] for f in plain], case.file


def test_pending_and_overdue_records_are_told_apart():
    compiled = load_policy_set().by_id()["db33-t-2039-2017/7.5.1.2"]
    case = next(c for c in discover_cases(compiled) if c.name == "pass-one-not-yet-due")
    _, trace = trace_policy(compiled, _case_bundle(case))
    verdicts = {r.label: r.verdict for r in trace.checks[0].steps[0].records}
    assert "pending" in verdicts.values()


def test_a_real_process(tmp_path):
    done = subprocess.run([sys.executable, "-m", "checker", "explain", "7.5.1.2", "--bundle", str(sample.BUNDLE), "--lang", "en"],
                          cwd=sample.ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Evaluation trace" in done.stdout and "FAIL C-0002" in done.stdout


# ------------------------------------------------------------------ the grade


def test_grade_of_an_ungraded_run_says_so(ecs):
    result = ecs("explain", "--grade", str(sample.BUNDLE), "--policies", str(sample.POLICIES), "--no-shipped-policies")
    assert result.code == 0
    assert result.out == "未评级：本次评估没有 NJ-ECCS 评级结果（没有评分模型或没有评价 NJ-ECCS） / not graded: this evaluation " \
                         "has no NJ-ECCS grade (no scoring model, or NJ-ECCS not evaluated)\n" + STANDARD_TEXT_LINES
    assert json.loads(ecs("explain", "--grade", str(sample.BUNDLE), "--policies", str(sample.POLICIES), "--no-shipped-policies",
                          "--format", "json").out) == {"grade": None, "standard_texts": STANDARD_TEXTS}


def test_grade_rows_sum_to_the_score():
    model = grade_model(sample.graded())
    assert [row["row"] for row in model["rows"]] == list(range(1, 19))
    basic = model["indicators"][0]
    assert (basic["key"], basic["sum"], basic["points"], basic["max_points"]) == ("basic", "5 + 10 + 5", 20, 20)
    assert model["total"]["points"] == model["score"] and model["total"]["matches_score"]
    assert model["total"]["sum"] == " + ".join(str(g["points"]) for g in model["indicators"])


def test_grade_text_lets_a_person_recompute_it():
    graded = sample.graded()
    graded.grade.rows = tuple(types.SimpleNamespace(**vars(r)) for r in graded.grade.rows)
    graded.grade.rows[15].levels = (  # row 16 reaches AAA and stops at AAAA: the AAAA level's message says why
        {"level": "AAA", "criteria": {"zh": "有流程", "en": "a procedure exists"}, "state": "met",
         "message": {"zh": "流程有效", "en": "the procedure is in force"}},
        {"level": "AAAA", "criteria": {"zh": "全员掌握", "en": "all staff know it"}, "state": "not_met",
         "message": {"zh": "流程未全员培训", "en": "the procedure was not trained to all staff"}},
    )
    out = render_grade(grade_model(graded), "en")
    assert out.startswith(f"NJ-ECCS grade AAAA, score {graded.grade.score}\n")
    assert "  row 16: Incident procedure: level AAA, 2 / 3 points\n      why: the procedure was not trained to all staff\n" in out
    assert "  Basic requirements (20 %): 5 + 10 + 5 = 20 / 20\n" in out
    assert f"= {graded.grade.score} (= the grade's score)" in out
    assert "9.3.3.1: AAA 70-79, AAAA 80-89, AAAAA 90-100 points" in out
    assert "  row 17: Quality indicators achieved AAA → AAAAA: +4\n" in out


def test_a_score_the_rows_do_not_add_up_to_is_pointed_out():
    graded = sample.graded()
    graded.grade.score = 90
    assert "≠ the grade's score 90: the scoring model adjusts the sum" in render_grade(grade_model(graded), "en")


def test_a_real_grade_is_explained_row_by_row(ecs):
    out = ecs("explain", "--grade", "evidence_samples/nanjing-snack-food-aaa", "--lang", "en").out
    assert "76" in out and "AAA" in out


def test_a_grade_names_the_standards_and_the_digests_of_their_texts(ecs):
    bundle = "evidence_samples/nanjing-snack-food-aaa"
    out = ecs("explain", "--grade", bundle, "--lang", "en").out.splitlines()
    assert out[0].startswith("NJ-ECCS grade AAA, score ") and out[1].startswith("scoring model sha256 ")
    assert "\n".join(out[2:4]) + "\n" == STANDARD_TEXT_LINES
    report = json.loads(ecs("explain", "--grade", bundle, "--format", "json").out)
    assert report["standard_texts"] == STANDARD_TEXTS and report["grade"]["grade"] == "AAA"


def test_grade_evidence_is_shown_as_file_line_and_note(ecs):
    bundle = sample.ROOT / "evidence_samples" / "nanjing-home-textiles-aaaa"
    out = ecs("explain", "--grade", str(bundle), "--lang", "en").out
    shown = [line.split("evidence: ", 1)[1] for line in out.splitlines() if line.startswith("      evidence: ")]
    assert shown and all(re.fullmatch(r"bundle\.yaml:\d+ \S.*", line) for line in shown), shown
    lines = (bundle / "bundle.yaml").read_text(encoding="utf-8").splitlines()
    audit = next(line for line in shown if line.endswith(" QA-2025H1"))
    assert "QA-2025H1" in lines[int(audit.split(" ")[0].split(":")[1]) - 1]
    assert any(re.fullmatch(r"bundle\.yaml:\d+ NJ-ECCS 5\.4\.2\.3 e\): FAIL", line) for line in shown)


@pytest.mark.parametrize(("entry", "shown"), [
    ({"path": "$.staff[4]", "file": "bundle.yaml", "line": 292, "column": 3, "note": "S-05"}, "bundle.yaml:292 S-05"),
    ({"path": "$.service_plan", "file": "bundle.yaml", "line": 634, "column": 1}, "bundle.yaml:634 $.service_plan"),
    ({"citation": "NJ-ECCS 6.1", "finding": "nj-eccs/6.1", "item": None, "status": "fail", "path": "$.emergency.drills",
      "file": "bundle.yaml", "line": 9, "column": 3}, "bundle.yaml:9 NJ-ECCS 6.1: FAIL"),
    ({"path": "$.complaints[1]", "file": "records/c.parquet", "line": None, "column": None, "note": "C-2"}, "records/c.parquet C-2"),
    ({"path": "$.performance", "file": None, "line": None, "column": None, "note": "no figures"}, "no figures"),
    ("a plain note", "a plain note"),
])
def test_each_shape_of_grade_evidence_reads_as_file_line_note(entry, shown):
    model = grade_model(sample.graded())
    model["rows"][0]["evidence"] = [entry]
    assert f"\n      evidence: {shown}\n" in render_grade(model, "en")


def test_an_ambiguous_clause_number_asks_for_the_policy_id(ecs):
    result = ecs("explain", "4.2")
    assert result.code == 2 and "db33-t-2039-2017/4.2" in result.err and "nj-eccs/4.2" in result.err
