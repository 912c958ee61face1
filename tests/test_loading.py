"""Safe loading: plain data only, every refusal located by file:line:col."""

from __future__ import annotations

import codecs

import pytest

from checker.errors import CheckerError
from checker.loading import decode_text, load_document, parse_json, parse_yaml, read_bytes


def error_of(fn, *args):
    with pytest.raises(CheckerError) as info:
        fn(*args)
    (problem,) = info.value.problems
    return problem


@pytest.mark.parametrize(
    ("text", "code", "line", "col"),
    [
        ("a: 1\nb: 2\na: 3\n", "ECS205", 3, 1),
        ("a: &x [1, 2]\nb: *x\n", "ECS206", 2, 4),
        ("a: {x: 1}\nb:\n  <<: {x: 2}\n", "ECS206", 3, 3),
        ("a: !!python/object/apply:os.system ['true']\n", "ECS207", 1, 4),
        ("a: !!binary aGVsbG8=\n", "ECS207", 1, 4),
        ("a: !custom 1\n", "ECS207", 1, 4),
        ("a: 1\n---\nb: 2\n", "ECS208", 2, 1),
        ("a:\n\tb: 1\n", "ECS203", 2, 1),
        ("1: a\n", "ECS210", 1, 1),
        ("a: .nan\n", "ECS211", 1, 4),
        ("a: -.inf\n", "ECS211", 1, 4),
        ("a: [1, 2\n", "ECS203", 2, 1),
    ],
    ids=["duplicate-key", "alias", "merge-key", "python-tag", "binary-tag", "custom-tag", "two-documents",
         "tab-indent", "int-key", "nan", "minus-inf", "unclosed-flow"],
)
def test_yaml_refusals_are_located(text, code, line, col):
    problem = error_of(parse_yaml, text, "x.yaml")
    assert (problem.code, problem.location.line, problem.location.column) == (code, line, col)
    assert problem.location.file == "x.yaml"


def test_yaml_duplicate_key_names_the_first_line():
    problem = error_of(parse_yaml, "status: fail\nother: 1\nstatus: pass\n", "x.yaml")
    assert problem.message == "duplicate key 'status' (first defined on line 1)"


def test_deep_yaml_nesting_is_refused_not_crashed():
    problem = error_of(parse_yaml, "[" * 200_000 + "]" * 200_000, "x.yaml")
    assert problem.code == "ECS209"


def test_billion_laughs_is_refused_at_the_first_alias():
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    problem = error_of(parse_yaml, text, "x.yaml")
    assert (problem.code, problem.location.line) == ("ECS206", 2)


def test_yaml_1_1_surprises_stay_strings():
    data, _ = parse_yaml("a: yes\nb: no\nc: on\nd: 2025-03-01\ne: 010\nf: 1:20\ng: 0x1F\n", "x.yaml")
    assert data == {"a": "yes", "b": "no", "c": "on", "d": "2025-03-01", "e": "010", "f": "1:20", "g": "0x1F"}


def test_yaml_core_scalars():
    data, _ = parse_yaml("a: true\nb: ~\nc: -12\nd: 1.5e3\ne: null\nf: 'x'\n", "x.yaml")
    assert data == {"a": True, "b": None, "c": -12, "d": 1500.0, "e": None, "f": "x"}


def test_yaml_positions_of_keys_and_records():
    text = "complaints:\n  - id: C-1\n    received_at: x\n  - id: C-2\n    received_at: y\n"
    _, source_map = parse_yaml(text, "x.yaml")
    assert source_map.locate(("complaints",)) == (1, 1)
    assert source_map.locate(("complaints", 1)) == (4, 5)
    assert source_map.locate(("complaints", 1, "received_at")) == (5, 5)
    assert source_map.locate(("complaints", 7)) == (1, 1)


@pytest.mark.parametrize(
    ("text", "code", "line", "col"),
    [
        ('{"a": 1,\n "a": 2}', "ECS205", 2, 2),
        ('{"a": NaN}', "ECS211", 1, 7),
        ('{"a": -Infinity}', "ECS211", 1, 7),
        ('{"a": 1e400}', "ECS211", 1, 7),
        ('{"a": 1e-400}', "ECS211", 1, 7),
        ('{"a": 1} trailing', "ECS204", 1, 10),
        ('{"a": [1, 2}', "ECS204", 1, 12),
    ],
    ids=["duplicate-key", "nan", "minus-infinity", "overflow", "underflow", "trailing-garbage", "bad-bracket"],
)
def test_json_refusals_are_located(text, code, line, col):
    problem = error_of(parse_json, text, "x.json")
    assert (problem.code, problem.location.line, problem.location.column) == (code, line, col)


def test_json_huge_integer_is_refused():
    assert error_of(parse_json, '{"a": ' + "9" * 5000 + "}", "x.json").code == "ECS211"


def test_json_deep_nesting_is_refused():
    assert error_of(parse_json, "[" * 100_000 + "]" * 100_000, "x.json").code == "ECS209"


def test_json_positions_found_on_demand():
    text = '{\n  "complaints": [\n    {"id": "C-1"},\n    {"id": "C-2", "x": [1, {"y": 2}]}\n  ],\n  "z": 1\n}'
    _, source_map = parse_json(text, "x.json")
    assert source_map.locate(("complaints", 0)) == (3, 5)
    assert source_map.locate(("complaints", 1)) == (4, 5)
    assert source_map.locate(("complaints", 1, "x", 1, "y")) == (4, 29)
    assert source_map.locate(("z",)) == (6, 3)
    assert source_map.locate(("missing",)) == (1, 1)


def test_utf8_bom_is_accepted_and_dropped():
    assert decode_text(codecs.BOM_UTF8 + "名称: 测试".encode(), "x.yaml") == "名称: 测试"


def test_gbk_text_is_recognised_and_refused_with_a_hint():
    problem = error_of(decode_text, "name: 杭州测试公司\n".encode("gbk"), "x.yaml")
    assert problem.code == "ECS201"
    assert "GBK/GB18030" in problem.message
    assert (problem.location.line, problem.location.column) == (1, 7)


def test_invalid_utf8_names_the_byte():
    problem = error_of(decode_text, b"a: 1\nb: \xff\xfe\x00"[:-1], "x.yaml")
    assert problem.message.startswith("invalid UTF-8 byte 0xff")
    assert problem.location.line == 2


def test_nul_byte_is_refused():
    assert error_of(decode_text, b"a: 1\nb: \x00\n", "x.yaml").code == "ECS202"


def test_utf16_is_refused():
    assert error_of(decode_text, codecs.BOM_UTF16_LE + "a: 1".encode("utf-16-le"), "x.yaml").code == "ECS201"


def test_size_limit_is_checked_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 100)
    problem = error_of(read_bytes, path, "big.yaml", 499)
    assert problem.code == "ECS003"
    assert read_bytes(path, "big.yaml", 500) == b"a: 1\n" * 100


def test_missing_file_and_directory_are_refused(tmp_path):
    assert error_of(read_bytes, tmp_path / "none.yaml", "none.yaml").code == "ECS002"
    assert error_of(read_bytes, tmp_path, "dir").message == "not a regular file"


def test_load_document_digests_the_raw_bytes(tmp_path):
    path = tmp_path / "b.json"
    path.write_bytes(b'{"a": 1}')
    doc = load_document(path)
    assert doc.sha256 == "f9d86028c6e0d64e225186f96acb69338b2c59764df79162107f5c4bb34d1310"
    assert (doc.format, doc.data, doc.size) == ("json", {"a": 1}, 8)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!bool maybe\n", "'maybe' is not a valid boolean (true or false); remove the !! tag or fix the value"),
        ("a: !!int 3.5\n", "'3.5' is not a valid integer; remove the !! tag or fix the value"),
        ("a: !!float abc\n", "'abc' is not a valid number; remove the !! tag or fix the value"),
        ("a: !!null x\n", "'x' is not a valid null; remove the !! tag or fix the value"),
        ("a: !!python/name:os.system\n", "tag !!python/name:os.system is not accepted; a bundle or policy holds plain data only"),
        ("a: !evidence 1\n", "tag !evidence is not accepted; a bundle or policy holds plain data only"),
    ],
)
def test_a_tag_never_relabels_a_value(text, message):
    problem = error_of(parse_yaml, text, "x.yaml")
    assert (problem.code, problem.message, problem.location.line) == ("ECS207", message, 1)


def test_core_tags_that_fit_their_value_are_plain_data():
    data, _ = parse_yaml("a: !!int '3'\nb: !!str 3\nc: !!bool 'true'\nd: !!float 1.5\n", "x.yaml")
    assert data == {"a": 3, "b": "3", "c": True, "d": 1.5}


def test_a_tab_in_the_indentation_is_named():
    problem = error_of(parse_yaml, "a:\n\tb: 1\n", "x.yaml")
    assert problem.message == "YAML syntax error: a tab character where YAML expects spaces; indent with spaces, not tabs"


@pytest.mark.parametrize(
    ("text", "col"),
    [('{"a": "\\ud800"}', 8), ('{"a": "x\\udc00"}', 9), ('{"a": "\\ud83dx"}', 8), ('{"a": "\\ud83d\\u0041"}', 8)],
)
def test_json_unpaired_surrogates_are_refused(text, col):
    problem = error_of(parse_json, text, "x.json")
    assert (problem.code, problem.location.column) == ("ECS213", col)
    assert "is half of a UTF-16 surrogate pair" in problem.message


def test_json_surrogate_pairs_and_escaped_backslashes_are_text():
    assert parse_json('{"a": "\\ud83d\\ude00", "b": "\\\\ud800"}', "x.json")[0] == {"a": "😀", "b": "\\ud800"}


def test_json_number_of_thousands_of_digits_is_located():
    problem = error_of(parse_json, '{\n "a": ' + "9" * 5000 + "}", "x.json")
    assert (problem.code, problem.message, problem.location.line) == ("ECS211", "a number of 5000 digits is too large to use", 2)


def test_json_members_are_read_only_as_far_as_needed_and_resume():
    text = '{"a": 1, "big": [' + ", ".join(["{\"x\": 1}"] * 1000) + '],\n "z": {},\n "w": {"k": [1]}}'
    _, source_map = parse_json(text, "x.json")
    assert source_map.locate(("a",)) == (1, 2)
    assert source_map._objects[()][0].keys() == {"a"}  # nothing past "a" was read yet
    assert source_map.locate(("w", "k", 0)) == (3, 14)
    assert source_map.locate(("z",)) == (2, 2)
    assert source_map.locate(("z", "missing")) == (2, 2)


_BOTH_PARSERS = r'''
import json, sys
if sys.argv[1] == "python":
    sys.modules["yaml._yaml"] = None  # as on a machine whose PyYAML was built without libyaml
from checker.errors import CheckerError
from checker.loading import parse_yaml
out = []
for text in json.loads(sys.stdin.read()):
    try:
        data, source_map = parse_yaml(text, "x.yaml")
        out.append(["ok", data, source_map.locate(("complaints", 1, "received_at"))])
    except CheckerError as err:
        (problem,) = err.problems
        out.append(["error", problem.code, problem.location.line, problem.location.column])
print(json.dumps(out, sort_keys=True, default=str))
'''


def test_the_pure_python_yaml_parser_gives_the_same_data_positions_and_refusals():
    """Without libyaml the fallback parser must behave exactly as the C one."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "evidence_samples" / "hangzhou-operator-gaps" / "bundle.yaml"
    texts = [
        "a: 1\nb: 2\na: 3\n", "a: &x [1, 2]\nb: *x\n", "a: {x: 1}\nb:\n  <<: {x: 2}\n",
        "a: !custom 1\n", "a: 1\n---\nb: 2\n", "a: [1, 2\n", "a: .nan\n", "1: a\n", "[" * 300 + "]" * 300,
        "complaints:\n  - id: C-1\n    received_at: x\n  - id: C-2\n    received_at: y\n",
        sample.read_text(encoding="utf-8"),
    ]
    results = {}
    for parser in ("c", "python"):
        run = subprocess.run([sys.executable, "-c", _BOTH_PARSERS, parser], input=json.dumps(texts),
                             capture_output=True, text=True, check=True)
        results[parser] = json.loads(run.stdout)
    assert results["python"] == results["c"]
    assert [entry[0] for entry in results["c"]] == ["error"] * 9 + ["ok", "ok"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("投诉编号：客户服务规范，消费者权益保护".encode("gbk"), "file looks GBK/GB18030-encoded; save it as UTF-8"),
        ("投訴編號：客戶服務規範，消費者權益保護".encode("big5"), "file is not UTF-8 (invalid byte 0xa7); it could be GBK/GB18030 or Big5"),
        ("苦情番号：顧客サービス規範".encode("shift_jis"), "file is not UTF-8 (invalid byte 0x8b); it could be GBK/GB18030 or Shift-JIS"),
        (b"a: \xc0\xaf\n", "invalid UTF-8 byte 0xc0"),  # an overlong sequence is not text in any encoding worth naming
    ],
    ids=["gbk", "big5", "shift-jis", "overlong-utf8"],
)
def test_a_legacy_encoding_is_named_only_when_the_bytes_fit_no_other(raw, message):
    assert error_of(decode_text, raw, "x.yaml").message.startswith(message)


def test_a_yaml_file_of_too_many_values_is_refused_at_the_value_past_the_limit():
    from checker.loading import MAX_YAML_VALUES

    text = "a: [" + ",".join("0" for _ in range(MAX_YAML_VALUES)) + "]\n"  # the mapping, a, the list and its items
    problem = error_of(parse_yaml, text, "x.yaml")
    assert (problem.code, problem.location.line) == ("ECS003", 1)
    assert problem.message.startswith("more than 300,000 YAML values; write a bundle this large as JSON")
    data, _ = parse_yaml("a: [" + ",".join("0" for _ in range(MAX_YAML_VALUES - 3)) + "]\n", "x.yaml")
    assert len(data["a"]) == MAX_YAML_VALUES - 3


def test_zero_written_with_an_exponent_is_still_zero_but_an_underflow_is_refused():
    assert parse_json('{"a": 0.0e-400, "b": 0e5}', "x.json")[0] == {"a": 0.0, "b": 0.0}
    assert parse_yaml("a: 0.0e-400\n", "x.yaml")[0] == {"a": 0.0}
    problem = error_of(parse_yaml, "a: 1.5e-400\n", "x.yaml")
    assert (problem.code, problem.message) == ("ECS211", "number '1.5e-400' is too small to tell from 0; write 0 or a number that is not that small")


@pytest.mark.parametrize(("text", "where", "code_point"), [("a: 1\nb: x\x1by\n", (2, 5), "U+001B"), ("a: 1\nb: 'x\x7f'\n", (2, 6), "U+007F")],
                         ids=["escape", "delete"])
def test_a_character_yaml_does_not_allow_is_located_at_its_line_and_column(text, where, code_point):
    problem = error_of(parse_yaml, text, "x.yaml")
    assert (problem.code, problem.location.line, problem.location.column) == ("ECS203", *where)
    assert problem.message.startswith(f"character {code_point} is not allowed in YAML text")
