"""`check --profile --waivers --max-waivers` and `profile list|show` through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, main
from tests.reporters import sample

DATA = Path("tests/data/tailoring")
PROFILE, WAIVERS = DATA / "profile.yaml", DATA / "waivers.yaml"
BASE = ["check", str(sample.BUNDLE), "--policies", str(sample.POLICIES), "--policies", str(DATA / "policies"),
        "--no-shipped-policies"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_tailored_run_reports_profile_and_waivers(capsys):
    code, out, _ = run(capsys, *BASE, "--profile", str(PROFILE), "--waivers", str(WAIVERS), "--format", "json")
    assert code == EXIT_FINDINGS, "5.4.2.3 c) still fails: its waiver expired the day before the as-of date"
    document = json.loads(out)
    assert document["profile"]["id"] == "sample-operator" and document["profile"]["loosened"] == 1
    assert document["provenance"]["profile"]["sha256"] == document["profile"]["sha256"]
    assert {w["id"]: w["state"] for w in document["waivers"]["waivers"]} == {
        "W-1": "active", "W-2": "expired", "W-3": "orphaned", "W-4": "not_yet_effective", "W-5": "active"}
    statuses = {f["citation"]: (f["status"], f["original_status"]) for f in document["findings"]}
    assert statuses["DB33/T 2039-2017 7.5.1.2"] == ("waived", "fail")
    assert statuses["DB33/T 2039-2017 4.2"] == ("waived", "insufficient_evidence")
    assert statuses["NJ-ECCS 5.4.2.3 c)"] == ("fail", None)
    assert "DB33/T 2039-2017 7.5.3.1" not in statuses, "excluded by the profile"


def test_only_waived_failures_exit_0(tmp_path, capsys):
    waivers = tmp_path / "w.yaml"
    waivers.write_text(WAIVERS.read_text(encoding="utf-8") + """\
  - id: W-6
    policy: nj-eccs/5.4.2.3
    justification: 关联推荐话术修订中
    author: {name: 张三, role: 客服经理}
    approved_by: {name: 王敏, role: 总经理}
    approved_on: "2026-01-02"
    expires_on: "2026-01-31"
""", encoding="utf-8")
    code, out, _ = run(capsys, *BASE, "--profile", str(PROFILE), "--waivers", str(waivers), "--format", "json")
    document = json.loads(out)
    assert document["summary"]["fail"] == 0 and document["summary"]["waived"] >= 3
    assert document["summary"]["insufficient_evidence"] == 0
    assert code == EXIT_OK


@pytest.mark.parametrize(("limit", "code"), [("3", EXIT_FINDINGS), ("2", EXIT_FINDINGS), ("1", EXIT_INPUT), ("0", EXIT_INPUT)])
def test_max_waivers(tmp_path, capsys, limit, code):
    target = tmp_path / "report.json"
    found, _, err = run(capsys, *BASE, "--profile", str(PROFILE), "--waivers", str(WAIVERS), "--max-waivers", limit,
                        "--output", f"json={target}")
    assert found == code
    if code == EXIT_INPUT:
        assert "ECS415 2 active waivers, more than --max-waivers" in err and not target.exists(), "nothing is written"


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        ("waivers:\n  - id: W-1\n    policy: db33-t-2039-2017/7.5.1.2\n", "ECS411", ":2:"),
        ("waivers: [\n", "ECS203", ""),
        ("waivers:\n  - {id: W-1, policy: a/b, justification: x, author: {name: A, role: r}, approved_by: {name: a, role: s},"
         " approved_on: '2025-01-01', expires_on: '2025-12-31'}\n", "ECS413", ":2:"),
    ],
    ids=["missing-keys", "syntax", "self-approved"],
)
def test_a_broken_waivers_file_stops_the_run_and_writes_nothing(tmp_path, capsys, text, code, where):
    waivers, target = tmp_path / "w.yaml", tmp_path / "report.json"
    waivers.write_text(text, encoding="utf-8")
    found, out, err = run(capsys, *BASE, "--waivers", str(waivers), "--output", f"json={target}")
    assert found == EXIT_INPUT and out == "" and not target.exists()
    assert f"{waivers}{where}" in err and code in err


def test_a_missing_waivers_file_is_an_error(tmp_path, capsys):
    found, _, err = run(capsys, *BASE, "--waivers", str(tmp_path / "none.yaml"))
    assert found == EXIT_INPUT and "ECS002 file not found" in err


def test_a_profile_that_loosens_what_may_not_be_loosened_stops_the_run(tmp_path, capsys):
    profile = tmp_path / "p.yaml"
    profile.write_text("id: lax\ntitle: lax\nparameters:\n  - policy: db33-t-2039-2017/7.5.1.2\n    name: deadline_hours\n"
                       "    value: 48\n    reason: 平台规则48小时\n", encoding="utf-8")
    found, out, err = run(capsys, *BASE, "--profile", str(profile))
    assert found == EXIT_INPUT and out == ""
    assert err.startswith(f"ecs-check: error: {profile}:6:") and "ECS404 parameter deadline_hours = 48 h is looser" in err


def test_profile_for_the_other_role(capsys):
    found, _, err = run(capsys, "check", str(sample.BUNDLE), "--profile", "platform", "--standard", "DB33/T 2039-2017")
    assert found == EXIT_INPUT and "ECS406 profile platform" in err


def test_text_report_shows_profile_digest_changes_and_waiver_expiry(capsys):
    _, out, _ = run(capsys, *BASE, "--profile", str(PROFILE), "--waivers", str(WAIVERS), "--lang", "en")
    header = out.split("\n\n", 1)[0].splitlines()
    assert any(line.startswith("profile sample-operator (Sample operator): tests/data/tailoring/profile.yaml, SHA-256 ")
               for line in header)
    assert "  parameter db33-t-2039-2017/4.2 min_hours_per_day: 8 -> 6 (LOOSENED): As 4.2 allows" in out
    assert "  W-2 [expired] nj-eccs/5.4.2.3 c), expires 2026-01-14: expired on 2026-01-14; it has no effect" in out
    assert "waived by W-1 until 2026-01-15 (was fail; approved by 王敏 (总经理) on 2025-12-01)" in out


def test_text_report_without_profile_or_waivers_says_so(capsys):
    _, out, _ = run(capsys, *BASE)
    assert "\nprofile: none\nwaivers: none\n" in out


def test_profile_show_text(capsys):
    code, out, _ = run(capsys, "profile", "show", "platform")
    assert code == EXIT_OK
    assert out.startswith("profile platform: 电子商务第三方平台 / E-commerce third-party platform\nfile profiles/platform.yaml sha256 ")
    assert "    min_items_accounted: 10 -> 9 (LOOSENED): " in out
    assert "    min_hours_per_day: 8 -> 16 (stricter): " in out
    assert "    not applicable 1): 平台不销售商品" in out
    assert "  db33-t-2039-2017/B (db33-t-2039-2017/B): 附录B是经营者的服务程序" in out
    assert "3 parameters set (1 loosened), 1 declared not applicable" in out
    assert "\nLOOSENED: db33-t-2039-2017/8.1.1 min_items_accounted: 10 -> 9 (LOOSENED): " in out


def test_profile_show_json(capsys):
    code, out, _ = run(capsys, "profile", "show", "profiles/apparel-operator.yaml", "--format", "json")
    document = json.loads(out)
    assert code == EXIT_OK and document["profile"]["id"] == "apparel-operator"
    by_id = {p["id"]: p for p in document["policies"]}
    assert by_id["db33-t-2039-2017/4.2"]["parameters"] == {"min_days_per_week": 7, "min_hours_per_day": 12}
    assert by_id["db33-t-2039-2017/4.2"]["changes"][0]["direction"] == "stricter"
    assert by_id["db33-t-2039-2017/5.3.2"]["not_applicable"][0]["item"] == "c)"
    assert document["policy_set"]["count"] == len(document["policies"])


def test_profile_show_narrowed_by_standard(capsys):
    code, out, _ = run(capsys, "profile", "show", "food-operator", "--standard", "DB33/T 2039-2017", "--format", "json")
    assert code == EXIT_OK and all(p["standard"] == "DB33/T 2039-2017" for p in json.loads(out)["policies"])


def test_profile_show_of_a_broken_profile(tmp_path, capsys):
    profile = tmp_path / "p.yaml"
    profile.write_text("id: x\ntitle: x\ninclude: [db33-t-2039-2017/99.*]\n", encoding="utf-8")
    code, out, err = run(capsys, "profile", "show", str(profile))
    assert code == EXIT_INPUT and out == ""
    assert f"{profile}:3:" in err and "ECS405 'db33-t-2039-2017/99.*' matches no policy in the policy set" in err


def test_profile_list(capsys):
    code, out, _ = run(capsys, "profile", "list")
    assert code == EXIT_OK and [line.split()[0] for line in out.splitlines()] == ["apparel-operator", "food-operator", "platform"]


@pytest.mark.parametrize("name", ["profile", "waivers"])
def test_schema_command_prints_the_schemas(capsys, name):
    code, out, _ = run(capsys, "schema", name)
    assert code == EXIT_OK and json.loads(out)["$id"].endswith(f"/{name}.schema.json")


def test_through_a_real_process(tmp_path):
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - id: W-1\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "checker", *BASE, "--profile", "apparel-operator", "--waivers", str(waivers)],
                          capture_output=True, text=True, cwd=sample.ROOT)
    assert done.returncode == EXIT_INPUT and done.stdout == ""
    assert f"{waivers}:2:5: ECS411 missing required key" in done.stderr
