"""`ecs-check check` with several outputs: one evaluation, every file or none, atomic writes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from checker.cli import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, cli, main
from checker.commands import check as command
from tests.reporters import sample

BASE = ["check", str(sample.BUNDLE), "--policies", str(sample.POLICIES), "--no-shipped-policies"]


def test_one_run_writes_every_requested_format(tmp_path, capsys):
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "sarif", "junit", "oscal", "markdown", "html")}
    args = BASE + [arg for fmt, path in outputs.items() for arg in ("--output", f"{fmt}={path}")]
    assert main(args) == EXIT_FINDINGS
    captured = capsys.readouterr()
    assert captured.out.startswith("ecs-check: "), "the --format report (text) still goes to stdout"
    for fmt, path in outputs.items():
        assert path.is_file(), fmt
        assert f"wrote {path} ({fmt};" in captured.err
    assert json.loads(outputs["json"].read_text(encoding="utf-8"))["schema_version"]
    assert outputs["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_bare_output_path_uses_format_and_keeps_stdout_empty(tmp_path, capsys):
    target = tmp_path / "findings.json"
    assert main(BASE + ["--format", "json", "--output", str(target)]) == EXIT_FINDINGS
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["findings"]


def test_click_runner_returns_the_exit_code(tmp_path):
    result = CliRunner().invoke(cli, BASE + ["--output", f"sarif={tmp_path / 'x.sarif'}"], standalone_mode=False)
    assert result.exception is None, result.output
    assert result.return_value == EXIT_FINDINGS
    assert json.loads((tmp_path / "x.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"


@pytest.mark.parametrize(("extra", "message"), [
    (["--output", "sarf=out.sarif"], "unknown format 'sarf'"),
    (["--output", "a.json", "--output", "b.json"], "only one --output PATH without FORMAT="),
    (["--output", "json=same.out", "--output", "html=same.out"], "same file"),
    (["--output", "json="], "names no file"),
])
def test_bad_output_options_are_usage_errors(tmp_path, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(tmp_path)
    args = ["check", str(sample.ROOT / sample.BUNDLE), "--policies", str(sample.ROOT / sample.POLICIES),
            "--no-shipped-policies"] + extra
    assert main(args) == EXIT_INPUT
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_no_shipped_policies_needs_a_policy_directory(capsys):
    assert main(["check", str(sample.BUNDLE), "--no-shipped-policies"]) == EXIT_INPUT
    assert "--no-shipped-policies needs at least one --policies DIR" in capsys.readouterr().err


def test_an_unwritable_destination_stops_the_run_before_any_file(tmp_path, capsys):
    good = tmp_path / "good.json"
    args = BASE + ["--output", f"json={good}", "--output", f"sarif={tmp_path / 'missing' / 'x.sarif'}"]
    assert main(args) == EXIT_INPUT
    assert "does not exist" in capsys.readouterr().err
    assert not good.exists()


def test_a_failing_renderer_leaves_every_file_as_it_was(tmp_path, monkeypatch, capsys):
    real = command.renderer

    def renderer(name):
        if name == "html":
            def broken(result, options):
                raise RuntimeError("template exploded")
            return broken
        return real(name)

    monkeypatch.setattr(command, "renderer", renderer)
    old = tmp_path / "old.json"
    old.write_text("previous run\n", encoding="utf-8")
    args = BASE + ["--output", f"json={old}", "--output", f"html={tmp_path / 'r.html'}"]
    assert main(args) == EXIT_INTERNAL
    assert "template exploded" in capsys.readouterr().err
    assert old.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]


def test_an_invalid_bundle_writes_nothing(tmp_path, capsys):
    bundle = tmp_path / "bundle.yaml"
    bundle.write_text("schema_version: '1.0'\norganization: {name: x}\n", encoding="utf-8")
    out = tmp_path / "out.sarif"
    assert main(["check", str(bundle), "--output", f"sarif={out}"]) == EXIT_INPUT
    assert "bundle.yaml:" in capsys.readouterr().err
    assert not out.exists()


def test_through_a_real_process(tmp_path):
    out = tmp_path / "report.junit.xml"
    run = subprocess.run(
        [sys.executable, "-m", "checker", *BASE, "--format", "markdown", "--lang", "en", "--output", f"junit={out}"],
        cwd=sample.ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == EXIT_FINDINGS, run.stderr
    assert run.stdout.startswith("# E-commerce customer service evaluation report")
    assert out.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>')
