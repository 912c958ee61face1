"""Every format, rendered from the fixed sample, against its golden file.

The plain sample goes through the real command line (one run writing every
format); the graded and single-language variants render the same result
with a stand-in grade attached. The evaluation reports of three shipped
NJ-ECCS samples (a grade with rows to raise, no grade, a withheld grade) are
scored by the real pipeline, so the reports are held to the real grade.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.cli import main
from checker.reporters import renderer
from tests.reporters import golden, sample

CLI_OUTPUTS = {
    "json": "sample.json",
    "sarif": "sample.sarif",
    "junit": "sample.junit.xml",
    "oscal": "sample.oscal.json",
    "markdown": "sample.md",
    "html": "sample.html",
}
REPORTS = {"markdown": "md", "html": "html"}
REAL = [(name, fmt) for name in sample.GRADED_SAMPLES for fmt in REPORTS]


def real_golden(name: str, fmt: str) -> str:
    return f"samples/{name}.{REPORTS[fmt]}"


GRADED = [
    ("json", {}, "graded.json"),
    ("sarif", {"sarif_all": True}, "graded.all.sarif"),
    ("junit", {"lang": "en"}, "graded.en.junit.xml"),
    ("oscal", {}, "graded.oscal.json"),
    ("markdown", {"lang": "both"}, "graded.md"),
    ("markdown", {"lang": "en"}, "graded.en.md"),
    ("html", {"lang": "both"}, "graded.html"),
    ("html", {"lang": "zh"}, "graded.zh.html"),
]


def run_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    args = ["check", str(sample.BUNDLE), "--policies", str(sample.POLICIES), "--no-shipped-policies", "--format", "json"]
    for fmt in CLI_OUTPUTS:
        args += ["--output", f"{fmt}={tmp_path / CLI_OUTPUTS[fmt]}"]
    code = main(args)
    captured = capsys.readouterr()
    assert code == 1, captured.err  # the sample has failing findings
    outputs = {name: (tmp_path / name).read_bytes().decode("utf-8") for name in CLI_OUTPUTS.values()}
    outputs["stdout.json"] = captured.out
    return outputs


def test_cli_outputs_match_golden_files(tmp_path, capsys):
    outputs = run_cli(tmp_path, capsys)
    for name in CLI_OUTPUTS.values():
        golden.check(name, outputs[name])
    assert outputs["stdout.json"] == outputs["sample.json"], "stdout and the json file render the same result"


@pytest.mark.parametrize(("fmt", "options", "name"), GRADED, ids=[name for _, _, name in GRADED])
def test_graded_rendering_matches_golden_file(fmt, options, name):
    golden.check(name, renderer(fmt)(sample.graded(), options))


def test_two_runs_give_identical_bytes(tmp_path, capsys):
    runs = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        runs.append(run_cli(tmp_path / name, capsys))
    assert runs[0] == runs[1]


@pytest.mark.parametrize(("fmt", "options", "name"), GRADED, ids=[name for _, _, name in GRADED])
def test_graded_rendering_is_deterministic(fmt, options, name):
    assert renderer(fmt)(sample.graded(), options) == renderer(fmt)(sample.graded(), dict(options))


@pytest.mark.parametrize(("name", "fmt"), REAL, ids=[real_golden(name, fmt) for name, fmt in REAL])
def test_real_graded_sample_report_matches_golden_file(name, fmt):
    golden.check(real_golden(name, fmt), renderer(fmt)(sample.real(name), {}))


def test_real_graded_sample_through_the_command_line_matches_golden_files(tmp_path, capsys):
    name = "nanjing-home-textiles-aaaa"
    args = ["check", str(sample.SAMPLES / name), "--standard", "NJ-ECCS", "--format", "json"]
    for fmt, suffix in REPORTS.items():
        args += ["--output", f"{fmt}={tmp_path / ('report.' + suffix)}"]
    code = main(args)
    assert code == 1, capsys.readouterr().err  # the sample has failing findings
    for fmt, suffix in REPORTS.items():
        golden.check(real_golden(name, fmt), (tmp_path / f"report.{suffix}").read_bytes().decode("utf-8"))


@pytest.mark.parametrize("name", sample.GRADED_SAMPLES)
def test_real_graded_sample_reports_are_deterministic(name):
    first, second = sample.evaluate_real(name), sample.evaluate_real(name)
    for fmt in (*REPORTS, "oscal", "json"):
        assert renderer(fmt)(first, {}) == renderer(fmt)(second, {}), fmt
