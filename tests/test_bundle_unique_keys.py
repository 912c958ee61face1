"""Bundle validation refuses a table C.1 item listed twice in evaluation_content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.bundle import load_bundle
from checker.errors import CheckerError
from checker.fixtures import BASE_BUNDLE


def _write(tmp_path: Path, items: list[dict[str, object]]) -> Path:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(dict(BASE_BUNDLE) | {"evaluation_content": {"items": items}}, ensure_ascii=False), encoding="utf-8")
    return path


def test_distinct_items_are_accepted(tmp_path: Path) -> None:
    bundle = load_bundle(_write(tmp_path, [{"item": 1, "covered": True}, {"item": 2, "covered": True}]))
    assert len(bundle.data["evaluation_content"]["items"]) == 2


def test_repeated_item_is_refused_with_its_location(tmp_path: Path) -> None:
    with pytest.raises(CheckerError) as info:
        load_bundle(_write(tmp_path, [{"item": 3, "covered": True}, {"item": 3, "covered": False}]))
    message = str(info.value)
    assert "ECS306" in message and "item 3 is listed twice (first at index 0)" in message
    assert "$.evaluation_content.items[1].item" in message
