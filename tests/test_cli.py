"""The command line: exit codes, output files written atomically or not at all, lazy start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checker import __version__
from checker.cli import main

BUNDLE = """\
schema_version: "1.0"
organization: {name: 杭州示例电子商务有限公司, unified_social_credit_code: 91330106MA2B3C4D5E, role: operator}
period: {start: 2025-01-01, end: 2025-12-31}
complaints:
  - {id: C-1, category: service, received_at: "2025-03-01T10:00:00+08:00", solution_fed_back_at: "2025-03-01T12:00:00+08:00"}
"""


@pytest.fixture
def policy_root(tmp_path):
    """A one-policy root, so these tests do not depend on how many policies ship."""
    root = tmp_path / "pol"
    (root / "demo").mkdir(parents=True)
    shipped = Path(__file__).resolve().parent.parent / "policies" / "db33-t-2039-2017" / "7.5.1.2.yaml"
    text = shipped.read_text(encoding="utf-8").replace("id: db33-t-2039-2017/7.5.1.2", "id: demo/7.5.1.2")
    text = text.replace("interpretations: [INT-003, INT-005]\n", "")
    (root / "demo" / "7.5.1.2.yaml").write_text(text, encoding="utf-8")
    return root


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    assert run(capsys, "--version") == (0, f"ecs-check {__version__}\n", "")


@pytest.mark.parametrize("command", ["check", "policies", "schema", "template", "explain", "pin", "diff"])
def test_every_command_has_help(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and out.startswith(f"Usage: ecs-check {command}")


def test_clean_bundle_exits_0_and_a_late_complaint_exits_1(tmp_path, capsys):
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--standard", "DB33/T 2039-2017", "--format", "json")
    findings = {f["policy_id"]: f["status"] for f in json.loads(out)["findings"]}
    assert findings["db33-t-2039-2017/7.5.1.2"] == "pass"
    late = BUNDLE.replace("2025-03-01T12:00:00", "2025-03-02T12:00:00")
    path.write_text(late, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--format", "json")
    assert code == 1
    assert {f["policy_id"]: f["status"] for f in json.loads(out)["findings"]}["db33-t-2039-2017/7.5.1.2"] == "fail"


def test_custom_policy_root_is_loaded(tmp_path, capsys, policy_root):
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(path), "--policies", str(policy_root), "--standard", "DB33/T 2039-2017", "--format", "json")
    ids = [f["policy_id"] for f in json.loads(out)["findings"]]
    assert "demo/7.5.1.2" in ids and "db33-t-2039-2017/7.5.1.2" in ids


def test_invalid_bundle_exits_2_and_leaves_an_existing_output_untouched(tmp_path, capsys):
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLE.replace("role: operator", "role: seller"), encoding="utf-8")
    output = tmp_path / "report.json"
    output.write_text("previous report")
    code, out, err = run(capsys, "check", str(path), "--format", "json", "--output", str(output))
    assert code == 2 and out == ""
    assert err.startswith(f"ecs-check: error: {path}:2:") and "ECS301" in err and "$.organization.role" in err
    assert output.read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.yaml", "report.json"]


def test_output_file_is_written_whole(tmp_path, capsys):
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    output = tmp_path / "report.json"
    code, out, err = run(capsys, "check", str(path), "--format", "json", "--output", str(output))
    assert out == "" and err.startswith(f"ecs-check: wrote {output}")
    assert json.loads(output.read_text(encoding="utf-8"))["schema_version"] == "1.5"


def test_output_into_missing_directory_exits_2(tmp_path, capsys):
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    code, _, err = run(capsys, "check", str(path), "--output", str(tmp_path / "nope" / "r.txt"))
    assert code == 2 and "ECS004" in err


@pytest.mark.parametrize(
    "args",
    [["check"], ["check", "b.yaml", "--format", "xml"], ["check", "b.yaml", "--as-of", "2025-02-30"], ["nonsense"]],
)
def test_usage_errors_exit_2(capsys, args):
    assert run(capsys, *args)[0] == 2


def test_missing_bundle_exits_2(tmp_path, capsys):
    code, _, err = run(capsys, "check", str(tmp_path / "none.yaml"))
    assert code == 2 and "ECS002 bundle not found" in err


def test_policies_json_lists_required_fields(capsys):
    code, out, _ = run(capsys, "policies", "--format", "json")
    policies = json.loads(out)
    assert code == 0 and policies
    assert {"id", "standard", "clause", "obligation", "applies_to", "verification", "title"} <= set(policies[0])


@pytest.mark.parametrize("name", ["bundle", "policy"])
def test_schema_prints_json_schema(capsys, name):
    code, out, _ = run(capsys, "schema", name)
    assert code == 0 and json.loads(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_shipped_policy_schema_matches_the_operator_table():
    from checker.policy_schema import dumps

    shipped = Path(__file__).resolve().parent.parent / "schemas" / "policy.schema.json"
    assert shipped.read_text(encoding="utf-8") == dumps(), "regenerate: python -m checker.policy_schema > schemas/policy.schema.json"


def test_version_and_help_do_not_import_the_engine():
    probe = "import sys; from checker.cli import main; main(['--version']); main(['--help']); " \
            "print(sorted(m for m in ('jsonschema', 'jsonschema_rs', 'jsonpath_ng', 'checker.engine', 'chinese_calendar') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_real_entry_point_exit_codes(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("not: [valid", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "checker", "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "ECS203 YAML syntax error" in result.stderr and "Traceback" not in result.stderr


def test_output_that_is_an_input_is_refused_and_the_input_kept(tmp_path, capsys):
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    code, out, err = run(capsys, "check", str(path), "--output", str(path))
    assert (code, out) == (2, "")
    assert "ECS004 output file is the bundle file this run reads" in err
    assert path.read_text(encoding="utf-8") == BUNDLE
    link = tmp_path / "link.json"
    link.symlink_to(path)
    assert run(capsys, "check", str(path), "--output", str(link))[0] == 2
    assert path.read_text(encoding="utf-8") == BUNDLE


def test_max_attachment_bytes_reaches_the_findings(tmp_path, capsys, policy_root):
    (tmp_path / "p.txt").write_bytes(b"0123456789")
    digest = __import__("hashlib").sha256(b"0123456789").hexdigest()
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLE + f"documents:\n  - {{id: D-1, kind: privacy_policy, title: t, issued_on: 2025-01-01, path: p.txt, sha256: {digest}}}\n",
                    encoding="utf-8")
    _, out, _ = run(capsys, "check", str(path), "--format", "json", "--max-attachment-bytes", "9")
    assert json.loads(out)["bundle"]["attachments"] == [{"path": "p.txt", "sha256": digest, "actual_sha256": None, "status": "too_large"}]
    _, out, _ = run(capsys, "check", str(path), "--format", "json", "--max-attachment-bytes", "10")
    assert json.loads(out)["bundle"]["attachments"][0]["status"] == "ok"


@pytest.mark.parametrize("day", ["1899-12-31", "2200-01-01", "9999-12-31"])
def test_as_of_outside_the_supported_years_is_a_usage_error(tmp_path, capsys, day):
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    code, out, err = run(capsys, "check", str(path), "--as-of", day)
    assert (code, out) == (2, "") and "outside the years 1900-2199" in err


def test_report_bytes_are_utf8_whatever_the_locale(tmp_path, policy_root):
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    env = {**__import__("os").environ, "PYTHONIOENCODING": "ascii", "LC_ALL": "C", "LANG": "C"}
    args = [sys.executable, "-m", "checker", "check", str(path), "--policies", str(policy_root), "--standard", "DB33/T 2039-2017"]
    result = subprocess.run(args + ["--format", "json"], capture_output=True, env=env)
    assert result.returncode in (0, 1), result.stderr
    assert "杭州示例电子商务有限公司" in result.stdout.decode("utf-8")
    result = subprocess.run(args + ["--format", "text"], capture_output=True, env=env)
    assert result.returncode in (0, 1) and b"Traceback" not in result.stderr


def test_a_path_too_long_for_the_file_system_is_a_located_error(tmp_path, capsys):
    code, _, err = run(capsys, "check", str(tmp_path / ("x" * 5000)))
    assert code == 2 and "ECS002" in err and "Traceback" not in err


def test_an_output_that_is_a_device_or_pipe_is_never_replaced(tmp_path, capsys):
    """Renaming a report over /dev/null (as root) or a named pipe would replace the device or pipe with a file."""
    import stat

    from checker.errors import CheckerError
    from checker.output import check_destination

    if stat.S_ISCHR(Path("/dev/null").stat().st_mode):  # (another program may already have replaced it with a file)
        with pytest.raises(CheckerError, match="not a regular file"):
            check_destination(Path("/dev/null"))  # only checked, never written: a regression must not harm the machine
    path = tmp_path / "b.yaml"
    path.write_text(BUNDLE, encoding="utf-8")
    pipe = tmp_path / "pipe"
    __import__("os").mkfifo(pipe)
    code, out, err = run(capsys, "check", str(path), "--output", str(pipe))
    assert (code, out) == (2, "") and "ECS004 output path is not a regular file" in err
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


@pytest.mark.parametrize("command", [["check", "evidence_samples/hangzhou-operator-compliant"], ["policies"]])
@pytest.mark.parametrize("standard", ["DB33/T2039-2017", "BOGUS"])
def test_an_unknown_standard_is_a_usage_error_not_an_empty_green_run(tmp_path, capsys, command, standard):
    report = tmp_path / "report.json"
    extra = ["--output", str(report)] if command[0] == "check" else []
    code, out, err = run(capsys, *command, "--standard", standard, *extra)
    assert (code, out) == (2, "")
    assert f"ECS001 unknown standard {standard!r}: no policy belongs to it" in err
    assert not report.exists()


def test_a_directory_bundle_s_errors_name_the_file_inside(tmp_path, capsys):
    bundle = tmp_path / "acme"
    bundle.mkdir()
    (bundle / "bundle.yaml").write_text(BUNDLE.replace("role: operator", "role: vendor"), encoding="utf-8")
    code, _, err = run(capsys, "check", str(bundle))
    assert code == 2
    assert f"{bundle}/bundle.yaml:" in err and "ECS301" in err
