"""Problems render as one plain line, whatever text the input put in them."""

from __future__ import annotations

from checker.errors import CheckerError, printable


def test_control_and_bidirectional_characters_are_escaped():
    assert printable("C-1\x1b[2J\nALL\u202eOK\x00\ud800") == "C-1\\x1b[2J\\x0aALL\\u202eOK\\x00\\ud800"
    assert printable("杭州 café ✓") == "杭州 café ✓"


def test_a_rendered_problem_is_one_line():
    err = CheckerError.at("ECS301", "id 'a\nb\x1b[31m' is odd", "bun\ndle.yaml", 3, 4, "$.x")
    (line,) = str(err).splitlines()
    assert line == "bun\\x0adle.yaml:3:4: ECS301 id 'a\\x0ab\\x1b[31m' is odd (at $.x)"


def test_finding_messages_are_one_plain_line():
    from checker.engine import _one_line
    from checker.findings import Text

    assert _one_line(Text("理由：\n甲", "reason:\nPASS \x1b[32m")) == Text("理由：\\x0a甲", "reason:\\x0aPASS \\x1b[32m")
