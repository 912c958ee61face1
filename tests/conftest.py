"""Shared helpers: bundles built from plain data, rules compiled from plain specs, the CLI run in-process."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from checker.bundle import Bundle, bundle_from_data, load_bundle
from checker.cli import main
from checker.compiling import CompileEnv
from checker.fixtures import BASE_BUNDLE, _merge
from checker.loading import Document, parse_json
from checker.operators import Outcome, compile_rule
from tests.helpers import REPO

ROOT = Path(__file__).resolve().parent.parent


def make_bundle(sections: dict[str, Any] | None = None, as_of: str | None = None, directory: Path | None = None) -> Bundle:
    """A valid bundle: the fixture base (a Hangzhou operator, 2025) plus `sections`."""
    data = _merge(BASE_BUNDLE, sections or {})
    text = json.dumps(data, ensure_ascii=False, indent=1)
    parsed, source_map = parse_json(text, "bundle.json")
    raw = text.encode()
    doc = Document(Path("bundle.json"), "bundle.json", parsed, hashlib.sha256(raw).hexdigest(), len(raw), source_map, "json")
    return bundle_from_data(doc, parsed, directory or ROOT, "bundle.json", dt.date.fromisoformat(as_of) if as_of else None)


def run_rule(spec: dict[str, Any], bundle: Bundle, params: dict[str, Any] | None = None) -> Outcome:
    env = CompileEnv("test/rule", None, params or {})
    return compile_rule(spec, env, ("rule",))(bundle.context())


@pytest.fixture
def bundle_factory():
    return make_bundle



class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, so displayed paths are stable."""
    monkeypatch.chdir(REPO)
    return REPO


@pytest.fixture
def ecs(capsys: pytest.CaptureFixture[str]):
    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


NJ_BASE: dict[str, Any] = {
    "schema_version": "1.0",
    "organization": {"name": "南京示例电子商务有限公司", "unified_social_credit_code": "91320106MA1N2L3K4P", "role": "operator"},
    "period": {"start": "2025-01-01", "end": "2025-12-31"},
}


@pytest.fixture
def nj_bundle(tmp_path: Path):
    """`nj_bundle({"performance": {...}})` -> a validated Bundle read from a real file, over a Nanjing base."""
    counter = iter(range(10_000))

    def make(sections: dict[str, Any], organization: dict[str, Any] | None = None) -> Bundle:
        data = dict(NJ_BASE) | sections
        if organization:
            data["organization"] = NJ_BASE["organization"] | organization
        folder = tmp_path / f"b{next(counter)}"
        folder.mkdir()
        (folder / "bundle.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return load_bundle(folder)

    return make


@pytest.fixture
def amended_standard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Ship a copy of the standards with `old` replaced by `new` in one file and its manifest digest updated."""
    from checker import standards

    def amend(file: str, old: str, new: str) -> Path:
        copy = tmp_path / "amended-standards"
        shutil.copytree(REPO / "standards", copy)
        path = copy / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1
        path.write_text(text.replace(old, new), encoding="utf-8")
        manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest["standards"]:
            if entry["file"] == file:
                entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        monkeypatch.setattr(standards, "shipped", lambda name: copy if name == "standards" else REPO / name)
        standards.shipped_texts.cache_clear()
        return copy

    yield amend
    standards.shipped_texts.cache_clear()
