"""`ecs-check pin`: adds missing pins only, as a one-line edit, and never replaces one."""

from __future__ import annotations

import shutil

import pytest

from checker.standards import quote_sha256
from tests.helpers import FIXTURES

LINT = FIXTURES / "lint"
QUOTE = "未能及时解决的投诉，应在接到投诉后的24小时内将投诉解决方案反馈给消费者。"
PIN = quote_sha256(QUOTE)


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A policy root holding the good 7.5.1.2 fixture, run from its parent."""
    shutil.copytree(LINT / "good", tmp_path / "company")
    (tmp_path / "company" / "db33-t-2039-2017" / "5.3.2.yaml").unlink()
    monkeypatch.chdir(tmp_path)
    return tmp_path / "company"


def _policy(root):
    return root / "db33-t-2039-2017" / "7.5.1.2.yaml"


def _set_text(root, new_line):
    path = _policy(root)
    text = path.read_text(encoding="utf-8")
    old = f'text: {{zh: "{QUOTE}", sha256: {PIN}}}\n'
    assert old in text
    path.write_text(text.replace(old, new_line), encoding="utf-8")
    return path


def test_pins_a_block_mapping_with_one_added_line(root, ecs):
    path = _set_text(root, f"text:\n  zh: |-\n    {QUOTE}\n  # the clause as printed\n")
    before = path.read_text(encoding="utf-8")
    result = ecs("pin", "company")
    assert result.code == 0, result.out
    assert result.lines == [f"pinned: company/db33-t-2039-2017/7.5.1.2.yaml sha256 {PIN}",
                            "1 pinned, 0 already pinned, 0 not pinned"]
    after = path.read_text(encoding="utf-8")
    assert after == before.replace(f"    {QUOTE}\n", f"    {QUOTE}\n  sha256: {PIN}\n")
    assert ecs("lint", "company").code == 0
    again = ecs("pin", "company")
    assert again.code == 0 and again.lines == ["0 pinned, 1 already pinned, 0 not pinned"]
    assert path.read_text(encoding="utf-8") == after


def test_pins_a_flow_mapping_in_place(root, ecs):
    path = _set_text(root, f'text: {{zh: "{QUOTE}" }}\n')
    assert ecs("pin", str(path)).code == 0
    assert f'text: {{zh: "{QUOTE}", sha256: {PIN} }}\n' in path.read_text(encoding="utf-8")


def test_check_writes_nothing_and_exits_1(root, ecs):
    path = _set_text(root, f"text:\n  zh: {QUOTE}\n")
    before = path.read_text(encoding="utf-8")
    result = ecs("pin", "--check", "company")
    assert result.code == 1
    assert result.lines[0] == f"would pin: company/db33-t-2039-2017/7.5.1.2.yaml sha256 {PIN}"
    assert result.lines[-1] == "1 would be pinned, 0 already pinned, 0 not pinned"
    assert path.read_text(encoding="utf-8") == before


def test_never_replaces_a_different_pin(root, ecs):
    changed = QUOTE.replace("，应在", "，应当在")
    path = _set_text(root, f'text: {{zh: "{QUOTE}", sha256: {quote_sha256(changed)}}}\n')
    before = path.read_text(encoding="utf-8")
    result = ecs("pin", "company")
    assert result.code == 1
    assert "ECS115 not replaced: text.sha256 " in result.out and "re-pinned by hand" in result.out
    assert result.lines[-1] == "0 pinned, 0 already pinned, 1 not pinned"
    assert path.read_text(encoding="utf-8") == before
    assert changed not in before


def test_refuses_a_quote_the_standard_does_not_contain(root, ecs):
    path = _set_text(root, f'text: {{zh: "{QUOTE.replace("24", "48")}"}}\n')
    before = path.read_text(encoding="utf-8")
    result = ecs("pin", "company")
    assert result.code == 1
    assert result.lines[0].startswith("company/db33-t-2039-2017/7.5.1.2.yaml:6:8: ECS115 not pinned: text.zh is not found "
                                      "verbatim in standards/DB33-T-2039-2017.txt: its first 18 characters match")
    assert path.read_text(encoding="utf-8") == before


def test_refuses_the_quote_of_another_clause(root, ecs):
    other = "对于服务质量问题的投诉，应保持真诚态度，满足消费者的服务需求；当消费者提出的解决方式超出客户服务人员权限时，应及时上报。"
    path = _set_text(root, f'text: {{zh: "{other}"}}\n')
    before = path.read_text(encoding="utf-8")
    result = ecs("pin", "company")
    assert result.code == 1
    assert result.lines == [
        "company/db33-t-2039-2017/7.5.1.2.yaml:6:8: ECS115 not pinned: text.zh is not the text of clause 7.5.1.2 in "
        "standards/DB33-T-2039-2017.txt: it is printed in clause 7.5.1.1 (line 240), not in clause 7.5.1.2 (line 242) "
        "(at $.text.zh)",
        "0 pinned, 0 already pinned, 1 not pinned",
    ]
    assert path.read_text(encoding="utf-8") == before


def test_refuses_a_quote_that_is_only_part_of_its_amended_clause(root, ecs, amended_standard):
    amended_standard("DB33-T-2039-2017.txt", QUOTE, QUOTE + "反馈后应回访消费者。")
    path = _set_text(root, f'text: {{zh: "{QUOTE}"}}\n')
    before = path.read_text(encoding="utf-8")
    result = ecs("pin", "company")
    assert result.code == 1
    assert result.lines == [
        "company/db33-t-2039-2017/7.5.1.2.yaml:6:8: ECS115 not pinned: text.zh is not the text of clause 7.5.1.2 in "
        "standards/DB33-T-2039-2017.txt: it is only part of clause 7.5.1.2 (line 242), which also reads "
        "'反馈后应回访消费者。' (at $.text.zh)",
        "0 pinned, 0 already pinned, 1 not pinned",
    ]
    assert path.read_text(encoding="utf-8") == before


def test_a_shipped_standard_without_text_is_reported(root, ecs):
    _set_text(root, "")
    result = ecs("pin", "company")
    assert result.code == 1
    assert ": ECS116 nothing to pin: the policy quotes no text" in result.out


def test_a_standard_of_ones_own_pins_any_quote_and_needs_none(root, ecs):
    path = _policy(root)
    text = path.read_text(encoding="utf-8").replace("standard: DB33/T 2039-2017", "standard: ACME-CS")
    path.write_text(text.replace(f'text: {{zh: "{QUOTE}", sha256: {PIN}}}\n', 'text: {zh: "自定条款"}\n'), encoding="utf-8")
    assert ecs("pin", "company").code == 0
    assert f'sha256: {quote_sha256("自定条款")}' in path.read_text(encoding="utf-8")
    path.write_text(text.replace(f'text: {{zh: "{QUOTE}", sha256: {PIN}}}\n', ""), encoding="utf-8")
    result = ecs("pin", "company")
    assert result.code == 0 and result.lines == ["0 pinned, 0 already pinned, 0 not pinned"]


def test_a_file_that_is_not_yaml_is_a_usage_error(root, ecs):
    _policy(root).write_text("id: [broken\n", encoding="utf-8")
    result = ecs("pin", "company")
    assert result.code == 2
    assert "ECS203" in result.out


def test_the_shipped_policies_are_all_pinned(in_repo, ecs):
    result = ecs("pin", "--check", "policies")
    assert result.code == 0, result.out
