"""No output path may be a file the run reads: the bundle, its attachments and record files, policies, config,
profile, waivers, baseline. Each is refused with exit 2 and left byte for byte as it was."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests.helpers import REPO

SAMPLE = REPO / "evidence_samples" / "hangzhou-operator-compliant"
WAIVERS = "schema_version: \"1.0\"\nwaivers: []\n"
PROFILE = (REPO / "profiles" / "apparel-operator.yaml").read_text(encoding="utf-8")


def _digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def work(tmp_path: Path, ecs) -> Path:
    shutil.copytree(SAMPLE, tmp_path / "bundle")
    (tmp_path / "waivers.yaml").write_text(WAIVERS, encoding="utf-8")
    (tmp_path / "profile.yaml").write_text(PROFILE, encoding="utf-8")
    (tmp_path / "ecs-check.yaml").write_text("policies: []\n", encoding="utf-8")
    assert ecs("check", str(tmp_path / "bundle"), "--standard", "DB33/T 2039-2017", "--format", "json",
               "-o", str(tmp_path / "baseline.json")).code == 0
    return tmp_path


@pytest.mark.parametrize(("target", "option", "what"), [
    ("bundle/bundle.yaml", [], "the bundle file"),
    ("bundle/docs/privacy-policy.md", [], "the attachment docs/privacy-policy.md"),
    ("ecs-check.yaml", ["--config", "{dir}/ecs-check.yaml"], "the configuration file"),
    ("waivers.yaml", ["--waivers", "{dir}/waivers.yaml"], "the waivers file"),
    ("profile.yaml", ["--profile", "{dir}/profile.yaml"], "the profile"),
    ("baseline.json", ["--baseline", "{dir}/baseline.json"], "the baseline report"),
])
def test_check_refuses_to_write_over_what_it_reads(work, ecs, target, option, what):
    before = _digests(work)
    extra = [arg.format(dir=work) for arg in option]
    result = ecs("check", str(work / "bundle"), "--standard", "DB33/T 2039-2017", *extra, "--format", "json", "-o", str(work / target))
    assert result.code == 2
    assert f"ECS004 output file is {what} this run reads" in result.err
    assert _digests(work) == before


def test_kpis_refuses_to_write_over_its_bundle_or_a_record_file(work, ecs):
    before = _digests(work)
    for target, what in (("bundle/bundle.yaml", "the bundle file"), ("bundle/docs/privacy-policy.md", "the attachment")):
        result = ecs("kpis", str(work / "bundle"), "-o", str(work / target))
        assert result.code == 2 and f"ECS004 output file is {what}" in result.err
    assert _digests(work) == before
