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


@pytest.mark.parametrize(("standard", "number", "line", "starts"), [
    ("DB33/T 2039-2017", "4.1", 92, "\n服务渠道包括但不限于"),  # a titled heading: the words start on the next line
    ("DB33/T 2039-2017", "7.1.1", 220, "客户服务人员在接听"),  # a list item: the words follow the number
    ("DB33/T 2039-2017", "7.5.1.2", 242, "未能及时解决的投诉"),
    ("DB33/T 2039-2017", "C", 310, "\n电子商务客户服务评价内容见表C.1。"),  # annex: after its kind and title
    ("NJ-ECCS", "4.1", 60, "电子商务经营者应建立服务原则"),
    ("NJ-ECCS", "5.4.2.1", 97, "电子商务企业经营者售前服务"),  # [bookmark: ...] title
    ("NJ-ECCS", "10", 195, "电子商务企业应根据评价报告"),
    ("NJ-ECCS", "A.1", 197, "表A.1为考核指标"),  # not printed as a heading: its annex
])
def test_clauses_are_located_by_their_number(standard, number, line, starts):
    shipped = standard_text(standard)
    clause = shipped.clause(number)
    assert clause.line == line
    assert shipped.text[clause.start:clause.end].startswith(starts)


def test_table_rows_and_contents_lines_are_not_headings():
    db33 = standard_text("DB33/T 2039-2017")
    assert db33.clauses["1"].line == 50  # not the table of contents' "1 范围 .....\t3" nor table C.1's row 1
    assert "10" not in db33.clauses and "2017" not in db33.clauses


@pytest.mark.parametrize(("standard", "quote", "number", "reason"), [
    ("DB33/T 2039-2017", "未能及时解决的投诉，应在接到投诉后的24小时内将投诉解决方案反馈给消费者。", "7.5.1.2", None),
    ("DB33/T 2039-2017", "未能及时解决的投诉，应在接到投诉后的24小时内将投诉解决方案反馈给消费者。", "7.5.1.1",
     "it is printed in clause 7.5.1.2 (line 242), not in clause 7.5.1.1 (line 240)"),
    ("DB33/T 2039-2017", "应在接到投诉后的24小时内将投诉解决方案反馈给消费者。", "7.5.1.2",
     "it is only part of clause 7.5.1.2 (line 242), which also reads '未能及时解决的投诉，'"),
    ("DB33/T 2039-2017", "会话前", "5.3.2",
     "it is printed in the heading of clause 5.3.1 (line 130), not in clause 5.3.2 (lines 134-141)"),
    ("DB33/T 2039-2017", "Specification for customer service", "1",
     "it is printed in the text before its first clause (line 13), not in clause 1 (lines 50-52)"),
    ("DB33/T 2039-2017", "应", "9.9", "clause 9.9 is not printed in standards/DB33-T-2039-2017.txt"),
    ("NJ-ECCS", "电子商务企业客服流程：顾客需求-服务提供-满足顾客要求，具体电子商务客服流程见图1.", "5.1", None),  # figure lines aside
    ("NJ-ECCS", "表A.1为考核指标，表A.2为加分项指标。", "A.2", None),  # a part of annex A
    ("NJ-ECCS", "电子商务企业应建立应急响应机制，定期演练。", "A.1",
     "it is printed in clause 6.1 (line 161), not in clause A, which holds A.1 (lines 197-301)"),
])
def test_misplaced_says_where_a_quote_is_printed(standard, quote, number, reason):
    assert standard_text(standard).misplaced(quote, number) == reason


def test_an_amended_clause_is_no_longer_quoted_whole(amended_standard):
    quote = "未能及时解决的投诉，应在接到投诉后的24小时内将投诉解决方案反馈给消费者。"
    amended_standard("DB33-T-2039-2017.txt", quote, quote + "反馈后应回访消费者。")
    assert standard_text("DB33/T 2039-2017").misplaced(quote, "7.5.1.2") == (
        "it is only part of clause 7.5.1.2 (line 242), which also reads '反馈后应回访消费者。'")
