"""`ecs-check fmt`: canonical order and indentation, comments and Chinese kept, idempotent, --check writes nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from checker.formatting import POLICY_ORDER, format_text
from tests.helpers import REPO

MESSY = """\
# leading comment about the file

standard: DB33/T 2039-2017
# the id comes first in canonical order
id: db33-t-2039-2017/5.3.2   # path without extension
check:
    items:
    - item: a)
      title: {zh: 礼貌用语, en: Polite language}
      rule:
          manual: {reason: {zh: "需要人工", en: "needs a person"}}
    - item: b)
      title:
          zh: 不使用服务禁语
          en: No forbidden phrases
      out_of_scope:
          zh: |
              由质检系统
              另行检查
          en: checked separately
# the clause, quoted on purpose
clause: '5.3.2'
title:
    zh: 会话中
    en: During the conversation
# trailing comment
"""

FORMATTED = """\
# leading comment about the file

# the id comes first in canonical order
id: db33-t-2039-2017/5.3.2   # path without extension
standard: DB33/T 2039-2017
# the clause, quoted on purpose
clause: '5.3.2'
title:
  zh: 会话中
  en: During the conversation
check:
  items:
    - item: a)
      title: {zh: 礼貌用语, en: Polite language}
      rule:
        manual: {reason: {zh: "需要人工", en: "needs a person"}}
    - item: b)
      title:
        zh: 不使用服务禁语
        en: No forbidden phrases
      out_of_scope:
        zh: |
          由质检系统
          另行检查
        en: checked separately
# trailing comment
"""


def test_canonical_order_indentation_and_comments():
    assert format_text(MESSY, "x.yaml", POLICY_ORDER) == FORMATTED


def test_formatting_is_idempotent():
    once = format_text(MESSY, "x.yaml", POLICY_ORDER)
    assert format_text(once, "x.yaml", POLICY_ORDER) == once


def test_chinese_and_numbers_stay_as_written():
    text = 'title:\n    zh: "会话中：\\u4e2d"\n    en: x\nid: a/b\nparameters: {limit: {default: 6.71440043418932e-195}}\n'
    formatted = format_text(text, "x.yaml", POLICY_ORDER)
    assert formatted == ('id: a/b\ntitle:\n  zh: "会话中：\\u4e2d"\n  en: x\n'
                         'parameters: {limit: {default: 6.71440043418932e-195}}\n')


def test_unknown_keys_keep_their_order_after_known_ones():
    text = "zeta: 1\nid: a/b\nalpha: 2\nstandard: S\n"
    assert format_text(text, "x.yaml", POLICY_ORDER) == "id: a/b\nstandard: S\nzeta: 1\nalpha: 2\n"


def test_long_lines_are_not_wrapped():
    long = "x" * 300
    text = f"id: a/b\nrequirement: {{zh: 甲, en: {long} {long}}}\n"
    assert format_text(text, "x.yaml", POLICY_ORDER) == text


@pytest.fixture
def policy_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "policies", tmp_path / "policies", ignore=shutil.ignore_patterns("INTERPRETATIONS.yaml"))
    (tmp_path / "schemas").mkdir()
    shutil.copy(REPO / "schemas" / "policy.schema.json", tmp_path / "schemas")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_check_lists_files_that_would_change_and_writes_nothing(policy_tree, ecs):
    target = policy_tree / "policies" / "db33-t-2039-2017" / "5.3.2.yaml"
    target.write_text(MESSY, encoding="utf-8")
    before = target.read_bytes()
    result = ecs("fmt", "--check", "policies")
    assert result.code == 1
    others = sum(1 for path in (policy_tree / "policies").rglob("*.yaml") if path != target and path.name != "scoring.yaml")
    assert result.lines == [
        "would reformat: policies/db33-t-2039-2017/5.3.2.yaml",
        f"1 file would be reformatted, {others} already formatted",
    ]
    assert target.read_bytes() == before


def test_fmt_rewrites_then_check_is_clean(policy_tree, ecs):
    target = policy_tree / "policies" / "db33-t-2039-2017" / "5.3.2.yaml"
    target.write_text(MESSY, encoding="utf-8")
    os.chmod(target, 0o644)
    result = ecs("fmt", "policies/db33-t-2039-2017/5.3.2.yaml")
    assert result.code == 0
    assert result.lines[0] == "reformatted: policies/db33-t-2039-2017/5.3.2.yaml"
    # the schema sits beside the policy root, so the modeline is added on top
    assert target.read_text(encoding="utf-8") == "# yaml-language-server: $schema=../../schemas/policy.schema.json\n" + FORMATTED
    assert os.stat(target).st_mode & 0o777 == 0o644
    assert ecs("fmt", "--check", "policies").code == 0


def test_test_cases_have_their_own_order(policy_tree, ecs):
    case = policy_tree / "policies" / "db33-t-2039-2017" / "7.5.1.2" / "pass-late-order.yaml"
    case.write_text("expect:\n  status: pass\nas_of: 2025-12-31\ndescription: keys out of order\nbundle: {}\n", encoding="utf-8")
    assert ecs("fmt", str(case)).code == 0
    assert case.read_text(encoding="utf-8") == (
        "description: keys out of order\nbundle: {}\nas_of: 2025-12-31\nexpect:\n  status: pass\n")


def test_a_file_that_is_not_valid_yaml_is_reported_and_left_alone(policy_tree, ecs):
    target = policy_tree / "policies" / "db33-t-2039-2017" / "5.3.2.yaml"
    target.write_text("id: a\nid: b\n", encoding="utf-8")
    result = ecs("fmt", "--check", str(target.relative_to(policy_tree)))
    assert result.code == 2
    assert "policies/db33-t-2039-2017/5.3.2.yaml:2:1: ECS205 duplicate key 'id'" in result.out
    assert target.read_text(encoding="utf-8") == "id: a\nid: b\n"


def test_the_shipped_policies_are_formatted(in_repo, ecs):
    result = ecs("fmt", "--check", "policies")
    assert result.code == 0, result.out


def test_author_wrapping_is_kept_and_follows_the_new_indentation():
    text = (
        "expect:\n    status: pass\n"
        "bundle:\n    complaints:\n"
        "    - {id: C-1, category: service,\n"
        "       received_at: \"2025-03-01T10:00:00+08:00\"}\n"
        "    - id: C-2\n"
        "      note: a plain scalar that\n"
        "        the author wrapped\n"
        "description: x\n"
    )
    expected = (
        "description: x\n"
        "bundle:\n  complaints:\n"
        "    - {id: C-1, category: service,\n"
        "       received_at: \"2025-03-01T10:00:00+08:00\"}\n"
        "    - id: C-2\n"
        "      note: a plain scalar that\n"
        "        the author wrapped\n"
        "expect:\n  status: pass\n"
    )
    from checker.formatting import CASE_ORDER

    assert format_text(text, "x.yaml", CASE_ORDER) == expected
    assert format_text(expected, "x.yaml", CASE_ORDER) == expected


def test_one_refused_file_means_no_file_is_rewritten(policy_tree, ecs):
    """All or nothing: a messy policy beside a list, an empty file and a link is reported, and nothing changes."""
    folder = policy_tree / "policies" / "db33-t-2039-2017"
    messy = folder / "5.3.2.yaml"
    messy.write_text(MESSY, encoding="utf-8")
    (folder / "9.1.yaml").write_text("- a\n- b\n", encoding="utf-8")
    (folder / "9.2.yaml").write_text("", encoding="utf-8")
    outside = policy_tree / "outside.yaml"
    outside.write_text(MESSY, encoding="utf-8")
    (folder / "9.3.yaml").symlink_to(outside)
    result = ecs("fmt", "policies")
    assert result.code == 2
    assert "policies/db33-t-2039-2017/9.1.yaml:1:1: ECS212 the file holds a list, not a mapping" in result.out
    assert "policies/db33-t-2039-2017/9.2.yaml:1:1: ECS212 the file holds nothing, not a mapping" in result.out
    assert "policies/db33-t-2039-2017/9.3.yaml: ECS004 is a symbolic link" in result.out
    assert "would reformat: policies/db33-t-2039-2017/5.3.2.yaml" in result.out
    assert messy.read_text(encoding="utf-8") == MESSY and outside.read_text(encoding="utf-8") == MESSY
    assert (folder / "9.3.yaml").is_symlink()
