"""The shipped standard texts: identical to the project's copies, digests as recorded, quotes located."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from checker import standards
from checker.errors import CheckerError
from checker.standards import quote_sha256, shipped_texts, standard_text
from tests.helpers import REPO

SHIPPED = REPO / "standards"
SHARED = REPO.parent / "shared" / "standards"


def _manifest():
    return json.loads((SHIPPED / "manifest.json").read_text(encoding="utf-8"))["standards"]


def test_manifest_names_both_standards_and_their_digests():
    entries = _manifest()
    assert [e["id"] for e in entries] == ["DB33/T 2039-2017", "NJ-ECCS"]
    for entry in entries:
        assert hashlib.sha256((SHIPPED / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    assert set(shipped_texts()) == {"DB33/T 2039-2017", "NJ-ECCS"}


@pytest.mark.skipif(not SHARED.is_dir(), reason="the project's standard texts are not next to this checkout")
@pytest.mark.parametrize("entry", _manifest(), ids=lambda e: e["id"])
def test_shipped_copy_is_byte_identical_to_the_project_text(entry):
    assert (SHIPPED / entry["file"]).read_bytes() == (SHARED / entry["copied_from"]).read_bytes(), (
        f"standards/{entry['file']} differs from ../shared/standards/{entry['copied_from']}: copy it again, update "
        "its sha256 in standards/manifest.json, then re-read every policy lint reports (ECS115)")


def test_wheel_ships_the_standards():
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"standards" = "checker/_bundled/standards"' in pyproject


def test_a_changed_copy_stops_the_run(tmp_path, monkeypatch):
    copy = tmp_path / "standards"
    shutil.copytree(SHIPPED, copy)
    path = copy / "DB33-T-2039-2017.txt"
    path.write_bytes(path.read_bytes().replace("24小时".encode(), "48小时".encode()))
    monkeypatch.setattr(standards, "shipped", lambda name: copy if name == "standards" else REPO / name)
    shipped_texts.cache_clear()
    try:
        with pytest.raises(CheckerError) as err:
            shipped_texts()
    finally:
        shipped_texts.cache_clear()
    problem = err.value.problems[0]
    assert problem.code == "ECS006"
    assert problem.location.file == "standards/DB33-T-2039-2017.txt"
    assert "changed without its manifest" in problem.message


def test_find_gives_lines():
    db33 = standard_text("DB33/T 2039-2017")
    quote = "未能及时解决的投诉，应在接到投诉后的24小时内将投诉解决方案反馈给消费者。"
    span = db33.find(quote)
    assert span is not None and span.first_line == span.last_line
    assert db33.text.splitlines()[span.first_line - 1].endswith(quote)
    assert db33.find("未能及时解决的投诉，应在接到投诉后的48小时内") is None


def test_parting_says_where_a_quote_stops_matching():
    db33 = standard_text("DB33/T 2039-2017")
    said = db33.parting("未能及时解决的投诉，应在接到投诉后的48小时内将投诉解决方案反馈给消费者。")
    assert said.startswith("its first 18 characters match up to line 242, ")
    assert "the standard reads '24小时内将投诉解决方案' and the quote '48小时内将投诉解决方案'" in said
    assert db33.parting("§") == "not even its first character occurs in the standard"


def test_quote_digest_is_of_utf8():
    assert quote_sha256("应") == hashlib.sha256("应".encode()).hexdigest()
