"""JSON: valid against schemas/findings.schema.json, with provenance that reproduces the run."""

from __future__ import annotations

import hashlib
import json
import re

import jsonschema
import pytest

from checker.cli import main
from checker.reporters import json_report
from checker.resources import schema_path
from tests.reporters import sample


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(schema_path("findings").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_output_validates(validator, capsys):
    code = main(["check", str(sample.BUNDLE), "--policies", str(sample.POLICIES), "--no-shipped-policies", "--format", "json"])
    assert code == 1
    document = json.loads(capsys.readouterr().out)
    assert list(validator.iter_errors(document)) == []
    assert document["schema_version"] == json_report.SCHEMA_VERSION


def test_shipped_policies_output_validates(validator, capsys):
    main(["check", str(sample.BUNDLE), "--format", "json"])
    assert list(validator.iter_errors(json.loads(capsys.readouterr().out))) == []


def test_graded_output_validates(validator):
    document = json.loads(json_report.render(sample.graded()))
    assert list(validator.iter_errors(document)) == []
    assert document["grade"]["grade"] == "AAAA"
    assert document["provenance"]["scoring_model"]["sha256"] == sample.grade().model_sha256
    assert [step["row"] for step in document["grade"]["next_grade"]["raises"]] == [10, 17, 6, 16]


def test_schema_rejects_a_wrong_version(validator):
    document = json.loads(json_report.render(sample.result()))
    document["schema_version"] = "9.9"
    assert list(validator.iter_errors(document))


def test_provenance_digests_match_the_inputs():
    provenance = json.loads(json_report.render(sample.result()))["provenance"]
    bundle_dir = sample.ROOT / sample.BUNDLE
    assert provenance["bundle"]["sha256"] == sha256(bundle_dir / "bundle.yaml")
    assert provenance["attachments"] == [{
        "path": "privacy-policy.txt",
        "sha256": sha256(bundle_dir / "privacy-policy.txt"),
        "declared_sha256": sha256(bundle_dir / "privacy-policy.txt"),
        "status": "ok",
    }]
    assert provenance["policy_set"]["sha256"] == sample.result().policy_set.sha256
    assert provenance["scoring_model"] == {"sha256": None}
    assert provenance["as_of"] == "2026-01-15"
    assert provenance["tool"]["name"] == "ecs-check"


def test_schema_command_prints_it(capsys):
    assert main(["schema", "findings"]) == 0
    assert json.loads(capsys.readouterr().out)["properties"]["schema_version"]["const"] == json_report.SCHEMA_VERSION


def test_a_real_grade_validates_and_names_its_scoring_model(validator, capsys):
    main(["check", "evidence_samples/nanjing-snack-food-aaa", "--standard", "NJ-ECCS", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert list(validator.iter_errors(document)) == []
    assert (document["grade"]["score"], document["grade"]["grade"]) == (76.0, "AAA")
    assert document["provenance"]["scoring_model"]["sha256"] == document["grade"]["model"]["sha256"]


def test_standard_texts_are_the_shipped_files():
    texts = json.loads(json_report.render(sample.result()))["provenance"]["standard_texts"]
    assert [t["standard"] for t in texts] == ["DB33/T 2039-2017", "NJ-ECCS"]
    for entry in texts:
        assert entry["sha256"] == sha256(sample.ROOT / entry["file"])


def _canonical(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def test_evidence_digest_is_recomputable_from_the_finding():
    """Canonical JSON of [[path with [*], note, digest], ...] sorted, and facts: no file positions, nothing the reader cannot see."""
    findings = json.loads(json_report.render(sample.result()))["findings"]
    assert any(finding["evidence"] for finding in findings)
    for finding in findings:
        assert all(len(e["digest"]) == 64 for e in finding["evidence"])
        entries = sorted(([re.sub(r"\[\d+\]", "[*]", e["path"]), e.get("note"), e["digest"]] for e in finding["evidence"]),
                         key=_canonical)
        canonical = _canonical({"evidence": entries, "facts": finding["facts"]})
        assert finding["evidence_digest"] == hashlib.sha256(canonical.encode()).hexdigest()


def test_evidence_digest_ignores_positions_and_follows_notes_content_and_facts():
    import dataclasses

    finding = next(f for f in sample.result().findings if f.evidence)
    moved = dataclasses.replace(finding, evidence=tuple(dataclasses.replace(e, line=(e.line or 0) + 7) for e in finding.evidence))
    assert moved.evidence_digest == finding.evidence_digest
    renoted = dataclasses.replace(finding, evidence=(dataclasses.replace(finding.evidence[0], note="other"),) + finding.evidence[1:])
    assert renoted.evidence_digest != finding.evidence_digest
    refacted = dataclasses.replace(finding, facts={**finding.facts, "total": -1})
    assert refacted.evidence_digest != finding.evidence_digest
    reindexed = dataclasses.replace(finding, evidence=tuple(dataclasses.replace(e, path=e.path + "[7]") for e in finding.evidence))
    assert reindexed.evidence_digest != finding.evidence_digest  # another value
    listed = dataclasses.replace(reindexed, evidence=tuple(dataclasses.replace(e, path=e.path + "[8]") for e in finding.evidence))
    assert listed.evidence_digest == reindexed.evidence_digest  # the same value, elsewhere in its list
    recontent = dataclasses.replace(finding, evidence=(dataclasses.replace(finding.evidence[0], digest="0" * 64),) + finding.evidence[1:])
    assert recontent.evidence_digest != finding.evidence_digest


def test_output_with_a_baseline_validates(validator, tmp_path, capsys):
    old = tmp_path / "old.json"
    old.write_text(json_report.render(sample.result()), encoding="utf-8")
    main(["check", str(sample.BUNDLE), "--policies", str(sample.POLICIES), "--no-shipped-policies", "--format", "json",
          "--baseline", str(old)])
    document = json.loads(capsys.readouterr().out)
    assert list(validator.iter_errors(document)) == []
    assert {f["baseline"] for f in document["findings"]} == {"existing"}
    assert document["baseline"]["sha256"] == sha256(old)
