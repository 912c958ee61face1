"""Every output shows the profile with its digest, each change with its reason, each waiver with its expiry."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from junitparser import JUnitXml, Skipped
from trestle.oscal.assessment_results import AssessmentResults

from checker.cli import main
from checker.reporters import renderer
from checker.resources import schema_path
from tests.reporters import golden, sample
from tests.reporters.test_report import commonmark

FORMATS = {"text": "tailored.txt", "json": "tailored.json", "sarif": "tailored.sarif", "junit": "tailored.junit.xml",
           "oscal": "tailored.oscal.json", "markdown": "tailored.md", "html": "tailored.html"}
PROFILE_SHA = None


def run_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    args = ["check", str(sample.BUNDLE), "--policies", str(sample.POLICIES), "--policies", str(sample.TAILORING / "policies"),
            "--no-shipped-policies", "--profile", str(sample.PROFILE), "--waivers", str(sample.WAIVERS)]
    for fmt, name in FORMATS.items():
        if fmt != "text":
            args += ["--output", f"{fmt}={tmp_path / name}"]
    code = main(args)
    captured = capsys.readouterr()
    assert code == 1, captured.err
    outputs = {name: (tmp_path / name).read_bytes().decode("utf-8") for fmt, name in FORMATS.items() if fmt != "text"}
    outputs[FORMATS["text"]] = captured.out
    return outputs


def test_tailored_outputs_match_golden_files(tmp_path, capsys):
    outputs = run_cli(tmp_path, capsys)
    for name in FORMATS.values():
        golden.check(name, outputs[name])


def test_same_result_in_process_and_through_the_cli(tmp_path, capsys):
    outputs = run_cli(tmp_path, capsys)
    assert renderer("json")(sample.tailored()) == outputs["tailored.json"]


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "text"])
def test_every_format_names_the_profile_digest_the_loosening_and_the_expiries(fmt):
    text = renderer(fmt)(sample.tailored(), {"lang": "both"})
    tailoring = sample.tailored().policy_set.tailoring
    assert tailoring.sha256 in text and sample.tailored().waivers.sha256 in text
    assert "LOOSENED" in text or "loosened" in text
    for expiry in ("2026-01-15", "2026-01-14", "2026-06-30", "2026-03-31", "2026-02-28"):
        assert expiry in text, (fmt, expiry)
    assert "As 4.2 allows" in text, "the reason for the change"


def test_text_lists_every_change_and_every_waiver():
    text = renderer("text")(sample.tailored(), {"lang": "en"})
    for line in ("  parameter db33-t-2039-2017/7.5.1.2 deadline_hours: 24 -> 12 (stricter): ",
                 "  excluded db33-t-2039-2017/7.5.3.1: A platform's dispute clause; not for this shop",
                 "  not applicable nj-eccs/5.4.2.3 b): The shop sells a single product",
                 "  W-4 [not yet effective] nj-eccs/5.4.2.3 e), expires 2026-03-31: approved on 2026-01-16, after the as-of date",
                 "  W-3 [orphaned] nj-eccs/6.1, expires 2026-06-30: nothing to waive: nj-eccs/6.1 is pass"):
        assert line in text, line


def test_json_validates_and_keeps_original_statuses():
    schema = json.loads(schema_path("findings").read_text(encoding="utf-8"))
    document = json.loads(renderer("json")(sample.tailored()))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(document)) == []
    waived = [f for f in document["findings"] if f["status"] == "waived"]
    assert {(f["citation"], f["original_status"], f["waiver"]["id"]) for f in waived} == {
        ("DB33/T 2039-2017 4.2", "insufficient_evidence", "W-5"), ("DB33/T 2039-2017 7.5.1.2", "fail", "W-1")}
    assert document["waivers"]["counts"] == {"active": 2, "expired": 1, "not_yet_effective": 1, "orphaned": 1}
    assert [c["name"] for c in document["profile"]["parameters"] if c["loosened"]] == ["min_hours_per_day"]


def test_sarif_validates_and_marks_waivers_and_loosening():
    if not sample.SARIF_SCHEMA.is_file():
        pytest.skip("the official SARIF schema is not available")
    document = json.loads(renderer("sarif")(sample.tailored(), {"sarif_all": True}))
    validator = jsonschema.Draft4Validator(json.loads(sample.SARIF_SCHEMA.read_text(encoding="utf-8")))
    assert [e.message for e in validator.iter_errors(document)] == []
    run = document["runs"][0]
    assert run["properties"]["profile"]["sha256"] == sample.tailored().policy_set.tailoring.sha256
    assert run["properties"]["waivers"]["counts"]["expired"] == 1
    by_rule = {r["ruleId"]: r for r in run["results"] if r["properties"]["item"] is None}
    late = by_rule["db33-t-2039-2017/7.5.1.2"]
    assert late["level"] == "error" and late["suppressions"][0]["properties"]["expires_on"] == "2026-01-15"
    assert late["suppressions"][0]["location"]["physicalLocation"]["artifactLocation"]["uri"] == str(sample.WAIVERS)
    assert by_rule["db33-t-2039-2017/4.2"]["properties"]["loosened"] == ["min_hours_per_day"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "loosened-by-profile" in rules["db33-t-2039-2017/4.2"]["properties"]["tags"]


def test_junit_skips_waived_cases_with_the_waiver():
    xml = JUnitXml.fromstring(renderer("junit")(sample.tailored(), {"lang": "en"}).encode("utf-8"))
    cases = {case.name.split(" ")[0] + (" " + case.name.split(" ")[1] if case.name.split(" ")[1].endswith(")") else ""): case
             for suite in xml for case in suite}
    skipped = [r for r in cases["7.5.1.2"].result if isinstance(r, Skipped)]
    assert skipped and skipped[0].message.startswith("waived by W-1 until 2026-01-15 (was fail;")


def test_oscal_loads_and_keeps_waived_clauses_unsatisfied():
    document = json.loads(renderer("oscal")(sample.tailored()))["assessment-results"]
    ar = AssessmentResults.model_validate(document)
    result = ar.results[0]
    states = {f.target.title: f.target.status.state.value for f in result.findings}
    assert states["DB33/T 2039-2017 7.5.1.2"] == "not-satisfied"
    assert "W-1" in next(f for f in result.findings if f.target.title == "DB33/T 2039-2017 7.5.1.2").target.status.remarks
    selection = result.reviewed_controls.control_selections[0]
    assert [c.control_id for c in selection.exclude_controls] == ["db33-t-2039-2017_7.5.3.1"]
    titles = {r.title for r in ar.back_matter.resources}
    assert {"Profile sample-operator", "Waivers"} <= titles
    props = {(p.name, p.value) for o in result.observations for p in (o.props or [])}
    assert ("parameter-override", "min_hours_per_day=6") in props and ("waiver-id", "W-5") in props


def test_markdown_is_commonmark_and_flags_the_loosening():
    text = renderer("markdown")(sample.tailored(), {"lang": "en"})
    tokens, rendered = commonmark(text)
    assert not [t for t in tokens if t.type.startswith("html")]
    assert "<strong>These parameters are loosened (requirements the standard allows to be adjusted):</strong>" in rendered
    assert "<strong>LOOSENED</strong>" in rendered
    assert "Conclusion: some findings fail" in rendered


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "junit", "sarif"])
def test_one_language_renders(fmt, lang):
    text = renderer(fmt)(sample.tailored(), {"lang": lang})
    assert ("放宽" if lang == "zh" else "LOOSENED") in text


@pytest.mark.parametrize(
    ("facts", "methods"),
    [({"attestation_method": "sampling"}, ["INTERVIEW", "EXAMINE"]),
     ({"2.attestation_method": "document_review"}, ["INTERVIEW", "EXAMINE"]),
     ({"attestation_method": "observation"}, ["INTERVIEW", "EXAMINE"]),
     ({"attestation_method": "interview"}, ["INTERVIEW"]),
     ({"attestations_found": 1}, ["INTERVIEW"])],
    ids=["sampling", "document-review-in-all-of", "observation", "interview", "not-accepted"],
)
def test_oscal_method_of_an_attested_finding(facts, methods):
    import dataclasses

    from checker.reporters.oscal import methods as oscal_methods

    finding = dataclasses.replace(sample.result().findings[0], verification="attestation", facts=facts)
    assert oscal_methods(finding) == methods
