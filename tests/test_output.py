"""Atomic output: several files are written all or none."""

from __future__ import annotations

import os
import stat

import pytest

from checker import output
from checker.errors import CheckerError


def test_writes_every_file(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    output.write_all_atomic([(a, "one\n"), (b, "二\n")])
    assert a.read_text(encoding="utf-8") == "one\n" and b.read_text(encoding="utf-8") == "二\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_a_file_that_cannot_be_staged_leaves_every_target_unchanged(tmp_path, monkeypatch):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a\n", encoding="utf-8")
    real = output._stage

    def stage(path, content):
        if path == b:
            raise CheckerError.at("ECS004", "cannot write: No space left on device", str(path))
        return real(path, content)

    monkeypatch.setattr(output, "_stage", stage)
    with pytest.raises(CheckerError, match="No space left"):
        output.write_all_atomic([(a, "new a\n"), (b, "new b\n")])
    assert a.read_text(encoding="utf-8") == "old a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"], "no temporary file is left behind"


def test_a_missing_directory_is_a_located_error(tmp_path):
    with pytest.raises(CheckerError, match="does not exist") as err:
        output.write_atomic(tmp_path / "nope" / "x.json", "{}")
    assert str(tmp_path / "nope" / "x.json") in str(err.value)


def test_a_new_file_gets_the_umask_s_permissions_and_a_replaced_one_keeps_its_own(tmp_path):
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "report.json"
        output.write_atomic(fresh, "{}")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        kept = tmp_path / "kept.json"
        kept.write_text("old", encoding="utf-8")
        kept.chmod(0o640)
        output.write_atomic(kept, "new")
        assert (kept.read_text(encoding="utf-8"), stat.S_IMODE(kept.stat().st_mode)) == ("new", 0o640)
    finally:
        os.umask(old)
