"""Profiles: every rule at its boundary, every reference checked, the effective policy set."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.bundle import load_bundle
from checker.engine import evaluate
from checker.errors import CheckerError
from checker.findings import Status, Text, summarize
from checker.policy import Parameter, load_policy_set
from checker.profiles import direction, find_profile, load_profile, shipped_profiles
from checker.reporters.common import profile_lines
from tests.conftest import make_bundle
from tests.helpers import REPO

DB33 = "db33-t-2039-2017"


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def write(tmp_path: Path, data: dict[str, Any], name: str = "profile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.dump({"id": "test", "title": {"zh": "测试", "en": "Test"}} | data, Dumper=_Dumper,
                              allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def tailor(tmp_path: Path, data: dict[str, Any], standards: tuple[str, ...] | None = None):
    return load_policy_set(standards=standards, profile=load_profile(write(tmp_path, data)))


def problems(tmp_path: Path, data: dict[str, Any], standards: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    with pytest.raises(CheckerError) as caught:
        tailor(tmp_path, data, standards)
    return [(p.code, p.message) for p in caught.value.problems]


def param(policy: str, name: str, value: Any, reason: Any = "因为 / because") -> dict[str, Any]:
    return {"parameters": [{"policy": f"{DB33}/{policy}", "name": name, "value": value, "reason": reason}]}


# ------------------------------------------------------------------ parameter values at their limits

# (policy, parameter, value, expected direction or problem code)
BOUNDARIES = [
    # 4.2 hours a day: number 0..24, higher is stricter, adjustable (the standard allows adjusting it)
    ("4.2", "min_hours_per_day", 8, "unchanged"),
    ("4.2", "min_hours_per_day", 12, "stricter"),
    ("4.2", "min_hours_per_day", 24, "stricter"),          # the maximum
    ("4.2", "min_hours_per_day", 24.5, "ECS403"),          # one step past it
    ("4.2", "min_hours_per_day", 7.5, "looser"),
    ("4.2", "min_hours_per_day", 0, "looser"),             # the minimum: the loosest value allowed
    ("4.2", "min_hours_per_day", -0.5, "ECS403"),          # one step past it
    # 4.2 days a week: integer 1..7
    ("4.2", "min_days_per_week", 1, "looser"),
    ("4.2", "min_days_per_week", 0, "ECS403"),
    ("4.2", "min_days_per_week", 8, "ECS403"),
    ("4.2", "min_days_per_week", 6.0, "ECS403"),           # a float is not an integer
    # 7.5.1.2 feedback within 24 h: lower is stricter, not adjustable
    ("7.5.1.2", "deadline_hours", 24, "unchanged"),        # the allowed limit
    ("7.5.1.2", "deadline_hours", 24.01, "ECS404"),        # one step past it
    ("7.5.1.2", "deadline_hours", 25, "ECS404"),
    ("7.5.1.2", "deadline_hours", 0, "stricter"),
    ("7.5.1.2", "deadline_hours", -1, "ECS403"),
    ("7.5.1.2", "deadline_hours", "12", "ECS403"),
    ("7.5.1.2", "deadline_hours", True, "ECS403"),
    # 7.5.2.4 refund within 1 working day: integer, not adjustable
    ("7.5.2.4", "refund_working_days", 1, "unchanged"),
    ("7.5.2.4", "refund_working_days", 2, "ECS404"),
    ("7.5.2.4", "refund_working_days", 0, "stricter"),
    ("7.5.2.4", "refund_working_days", -1, "ECS403"),
    # 5.2.2 audited share: 0..100, higher is stricter, not adjustable
    ("5.2.2", "min_compliant_percent", 100, "unchanged"),
    ("5.2.2", "min_compliant_percent", 99.99, "ECS404"),
    ("5.2.2", "min_compliant_percent", 100.01, "ECS403"),
    # 8.1.1 table C.1 items listed: integer 0..10, adjustable (8.1.1 allows adjusting the content)
    ("8.1.1", "min_items_accounted", 10, "unchanged"),
    ("8.1.1", "min_items_accounted", 9, "looser"),
    ("8.1.1", "min_items_accounted", 0, "looser"),
    ("8.1.1", "min_items_accounted", -1, "ECS403"),
    ("8.1.1", "min_items_accounted", 11, "ECS403"),
]


@pytest.mark.parametrize(("policy", "name", "value", "expected"), BOUNDARIES,
                         ids=[f"{p}-{n}-{v!r}" for p, n, v, _ in BOUNDARIES])
def test_parameter_value_at_its_limit(tmp_path, policy, name, value, expected):
    data = param(policy, name, value)
    if expected.startswith("ECS"):
        found = problems(tmp_path, data)
        assert [code for code, _ in found] == [expected], found
        return
    policy_set = tailor(tmp_path, data)
    [change] = policy_set.tailoring.changes
    assert (change.name, change.value, change.direction) == (name, value, expected)
    assert change.loosened is (expected == "looser")
    compiled = policy_set.by_id()[f"{DB33}/{policy}"]
    assert compiled.params[name] == value and compiled.tailoring.changes == (change,)


def test_loosening_message_names_the_limit_and_the_reason_it_is_refused(tmp_path):
    [(code, message)] = problems(tmp_path, param("7.5.1.2", "deadline_hours", 25))
    assert code == "ECS404"
    assert message == ("parameter deadline_hours = 25 h is looser than the standard's 24 h and the standard does not "
                       "allow it to be adjusted; use a value at most 24 h")


def test_problems_are_located_in_the_profile(tmp_path):
    path = write(tmp_path, param("7.5.1.2", "deadline_hours", 25))
    with pytest.raises(CheckerError) as caught:
        load_policy_set(profile=load_profile(path))
    line = path.read_text(encoding="utf-8").splitlines().index("  value: 25") + 1
    assert str(caught.value).startswith(f"{path}:{line}:")
    assert caught.value.problems[0].location.json_path == "$.parameters[0].value"


def parameter(stricter: str | None, default: Any, adjustable: bool = False, kind: str = "number") -> Parameter:
    return Parameter("p", kind, default, Text("参数", "parameter"), stricter=stricter, adjustable=adjustable)


@pytest.mark.parametrize(
    ("stricter", "default", "value", "expected"),
    [
        ("higher", 8, 9, "stricter"), ("higher", 8, 7, "looser"), ("higher", 8, 8.0, "unchanged"),
        ("lower", 24, 23, "stricter"), ("lower", 24, 25, "looser"),
        (None, 24, 23, "unranked"), (None, 24, 24, "unchanged"),
        ("superset", ["a"], ["a", "b"], "stricter"), ("superset", ["a"], ["b"], "looser"),
        ("superset", ["a"], ["a"], "unchanged"), (None, "x", "y", "unranked"), (None, True, False, "unranked"),
    ],
)
def test_direction(stricter, default, value, expected):
    kind = "array" if isinstance(default, list) else "number"
    assert direction(parameter(stricter, default, kind=kind), value) == expected


# ------------------------------------------------------------------ references and selection


@pytest.mark.parametrize(
    ("data", "code", "fragment"),
    [
        (param("7.5.1.9", "deadline_hours", 12), "ECS402", "no policy 'db33-t-2039-2017/7.5.1.9' in the policy set; did you mean"),
        (param("7.5.1.2", "deadline_hour", 12), "ECS402", "has no parameter 'deadline_hour' (its parameters: deadline_hours)"),
        ({"not_applicable": [{"policy": f"{DB33}/5.3.2", "item": "d)", "justification": "x"}]}, "ECS402",
         "has no item 'd)' (its items: a), b), c))"),
        ({"not_applicable": [{"policy": f"{DB33}/4.2", "item": "a)", "justification": "x"}]}, "ECS402",
         "its items: none: it is checked as a whole"),
        ({"standards": ["DB33/T 2039-2018"]}, "ECS402", "unknown standard 'DB33/T 2039-2018'"),
        ({"include": [f"{DB33}/9.*"]}, "ECS405", "matches no policy in the policy set"),
        ({"exclude": [{"policies": f"{DB33}/9.*", "reason": "x"}]}, "ECS405", "matches no policy"),
        ({"include": [f"{DB33}/7.*"], "exclude": [{"policies": f"{DB33}/4.2", "reason": "x"}]}, "ECS405",
         "matches no policy selected by the profile's standards and include"),
        ({"exclude": [{"policies": f"{DB33}/4.2", "reason": "x"}]} | param("4.2", "min_hours_per_day", 12), "ECS402",
         "policy db33-t-2039-2017/4.2 is excluded by this profile"),
        ({"exclude": [{"policies": "*", "reason": "x"}]}, "ECS405", "the profile selects no policy"),
    ],
    ids=["unknown-policy", "unknown-parameter", "unknown-item", "item-of-whole-clause", "unknown-standard",
         "include-matches-nothing", "exclude-matches-nothing", "exclude-outside-include", "set-excluded", "nothing-left"],
)
def test_every_reference_is_checked(tmp_path, data, code, fragment):
    found = problems(tmp_path, data)
    assert any(c == code and fragment in message for c, message in found), found


@pytest.mark.parametrize(
    ("data", "code", "fragment"),
    [
        ({"parameters": [{"policy": f"{DB33}/4.2", "name": "min_hours_per_day", "value": 12}]}, "ECS401", "missing required key 'reason'"),
        ({"parameters": [{"policy": f"{DB33}/4.2", "name": "min_hours_per_day", "value": 12, "reason": ""}]}, "ECS401", ""),
        ({"not_applicable": [{"policy": f"{DB33}/4.2", "justification": {}}]}, "ECS401", ""),
        ({"applies_to": "both"}, "ECS401", "'both' is not one of: platform, operator"),
        ({"exclude": [{"policies": f"{DB33}/A"}]}, "ECS401", "missing required key 'reason'"),
        ({"paramters": []}, "ECS401", "unknown key 'paramters' (did you mean 'parameters'?)"),
        (param("4.2", "min_hours_per_day", 12) | {"parameters": param("4.2", "min_hours_per_day", 12)["parameters"] * 2},
         "ECS407", "parameter min_hours_per_day of db33-t-2039-2017/4.2 is set twice (first at index 0)"),
        ({"not_applicable": [{"policy": f"{DB33}/5.3.2", "item": "c)", "justification": "x"}] * 2}, "ECS407",
         "db33-t-2039-2017/5.3.2 c) is declared not applicable twice"),
    ],
    ids=["no-reason", "empty-reason", "empty-justification", "bad-role", "exclude-without-reason", "misspelt-key",
         "parameter-twice", "declared-twice"],
)
def test_a_malformed_profile_is_refused_at_its_line(tmp_path, data, code, fragment):
    path = write(tmp_path, data)
    with pytest.raises(CheckerError) as caught:
        load_profile(path)
    found = caught.value.problems
    assert any(p.code == code and fragment in p.message for p in found), [p.render() for p in found]
    assert all(p.location.file == str(path) and p.location.line for p in found)


def test_item_declared_when_the_whole_clause_is_already_declared(tmp_path):
    found = problems(tmp_path, {"not_applicable": [{"policy": f"{DB33}/5.3.2", "justification": "x"},
                                                   {"policy": f"{DB33}/5.3.2", "item": "c)", "justification": "x"}]})
    assert found == [("ECS407", "db33-t-2039-2017/5.3.2 is already declared not applicable as a whole")]


def test_not_a_mapping(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("- a\n", encoding="utf-8")
    with pytest.raises(CheckerError) as caught:
        load_profile(path)
    assert caught.value.problems[0].code == "ECS212"


def test_selection_standards_include_exclude_then_command_line(tmp_path):
    data = {"standards": ["DB33/T 2039-2017"], "include": [f"{DB33}/7.*", f"{DB33}/4.2"],
            "exclude": [{"policies": f"{DB33}/7.5.3.*", "reason": {"zh": "平台条款"}}]}
    policy_set = tailor(tmp_path, data)
    ids = [c.policy.id for c in policy_set.policies]
    assert f"{DB33}/4.2" in ids and f"{DB33}/7.5.1.2" in ids
    assert f"{DB33}/7.5.3.1" not in ids and f"{DB33}/4.1" not in ids
    assert [e.policy_id for e in policy_set.tailoring.excluded] == [f"{DB33}/7.5.3.1", f"{DB33}/7.5.3.2"]
    assert policy_set.tailoring.excluded[0].reason == Text("平台条款", "平台条款")
    assert set(policy_set.available) > set(ids), "every loaded policy is still known, for waivers"


def test_command_line_standard_that_leaves_nothing_is_an_error(tmp_path):
    found = problems(tmp_path, {"standards": ["DB33/T 2039-2017"]}, standards=("NJ-ECCS",))
    assert found[0][0] == "ECS405" and "none of them in --standard NJ-ECCS" in found[0][1]


def test_a_profile_without_changes_leaves_the_policies_alone(tmp_path):
    plain = load_policy_set()
    tailored = tailor(tmp_path, {})
    assert [c.policy.id for c in tailored.policies] == [c.policy.id for c in plain.policies]
    assert all(c.tailoring is None for c in tailored.policies)
    assert tailored.sha256 == plain.sha256, "the policy set's digest names the policies; the profile has its own"


# ------------------------------------------------------------------ evaluation


SCHEDULE_6H = {"service_hours": {"time_zone": "Asia/Shanghai", "schedules": [
    {"channel": "CH-1", "intervals": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                        "start": "09:00", "end": "15:00", "agent": "human"}]}]},
    "channels": [{"id": "CH-1", "type": "online_text", "name": "在线客服", "contact": "店铺首页"}]}


def findings_for(policy_set, bundle, policy_id):
    return [f for f in evaluate(policy_set, bundle).findings if f.policy_id == policy_id]


def test_loosened_value_decides_and_is_carried_by_the_finding(tmp_path):
    bundle = make_bundle(SCHEDULE_6H)
    [plain] = findings_for(load_policy_set(standards=["DB33/T 2039-2017"]), bundle, f"{DB33}/4.2")
    assert plain.status is Status.FAIL and plain.overrides == ()
    [tailored] = findings_for(tailor(tmp_path, {"standards": ["DB33/T 2039-2017"]}
                                     | param("4.2", "min_hours_per_day", 6, {"zh": "小店", "en": "small shop"})),
                              bundle, f"{DB33}/4.2")
    assert tailored.status is Status.PASS and tailored.parameters["min_hours_per_day"] == 6
    [change] = tailored.overrides
    assert change.loosened and change.default == 8 and change.reason == Text("小店", "small shop")
    assert tailored.to_json()["overrides"][0]["loosened"] is True


def test_declared_not_applicable_item(tmp_path):
    data = {"standards": ["DB33/T 2039-2017"],
            "not_applicable": [{"policy": f"{DB33}/5.3.2", "item": "c)", "justification": {"zh": "无语音渠道", "en": "no voice channel"}}]}
    bundle = make_bundle({"channels": [{"id": "CH-2", "type": "phone", "name": "热线", "contact": "400"}]})
    by_item = {f.item: f for f in findings_for(tailor(tmp_path, data), bundle, f"{DB33}/5.3.2")}
    assert by_item["c)"].status is Status.NOT_APPLICABLE
    assert by_item["c)"].message.en == "declared not applicable by profile test: no voice channel"
    assert by_item["a)"].status is not Status.NOT_APPLICABLE


GAPS = REPO / "evidence_samples" / "hangzhou-operator-gaps"


def declared_on_gaps(tmp_path: Path, clause: str):
    """Run DB33 on hangzhou-operator-gaps with `clause` declared not applicable; the result and its finding."""
    data = {"standards": ["DB33/T 2039-2017"],
            "not_applicable": [{"policy": f"{DB33}/{clause}", "justification": {"zh": "无", "en": "none"}}]}
    result = evaluate(tailor(tmp_path, data), load_bundle(GAPS))
    [finding] = [f for f in result.findings if f.policy_id == f"{DB33}/{clause}"]
    return result, finding


def test_declaration_over_failing_evidence_is_flagged_and_counted_as_loosened(tmp_path):
    # 4.4 fails on this sample: its emergency response plan was changed after its digest was pinned.
    result, finding = declared_on_gaps(tmp_path, "4.4")
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.original_status is Status.FAIL
    assert finding.message == Text("配置文件 test 声明不适用：无", "declared not applicable by profile test: none")
    assert finding.notes == (Text(
        "配置文件 test 的不适用声明取代了证据给出的结论（不符合）：没有有效的应急响应预案：DOC-ERP-02：附件 "
        "docs/emergency-response-plan.md 的 SHA-256 与声明不符（已被改动），不能作为证据",
        "profile test's declaration replaced what the evidence gave (fail): no valid emergency response plan: "
        "DOC-ERP-02: file docs/emergency-response-plan.md does not match its declared SHA-256 (changed since it "
        "was pinned); it does not count as evidence"),)
    assert finding.to_json()["original_status"] == "fail"
    tailoring = result.policy_set.tailoring
    profile = tailoring.to_json(result.findings)
    assert profile["loosened"] == 1
    assert profile["declared_over_failing"] == [{"policy_id": f"{DB33}/4.4", "item": None,
                                                 "citation": "DB33/T 2039-2017 4.4", "original_status": "fail"}]
    assert profile_lines(result)[1] == Text("声明不适用 db33-t-2039-2017/4.4：无（放宽：证据的结论为不符合）",
                                            "not applicable db33-t-2039-2017/4.4: none (LOOSENED: the evidence gave fail)")
    assert summarize(result.findings)["fail"] == summarize(evaluate(load_policy_set(standards=["DB33/T 2039-2017"]),
                                                                    load_bundle(GAPS)).findings)["fail"] - 1


def test_declaration_over_passing_evidence_is_not_counted(tmp_path):
    result, finding = declared_on_gaps(tmp_path, "4.3")
    assert finding.status is Status.NOT_APPLICABLE
    assert finding.original_status is Status.PASS
    assert finding.message == Text("配置文件 test 声明不适用：无", "declared not applicable by profile test: none")
    assert finding.notes == ()
    profile = result.policy_set.tailoring.to_json(result.findings)
    assert profile["loosened"] == 0 and profile["declared_over_failing"] == []
    assert profile_lines(result)[1] == Text("声明不适用 db33-t-2039-2017/4.3：无", "not applicable db33-t-2039-2017/4.3: none")


def test_exclusions_and_overruling_declarations_show_in_the_text_summary(tmp_path):
    data = {"standards": ["DB33/T 2039-2017"],
            "exclude": [{"policies": f"{DB33}/7.5.1.2", "reason": "x"}],
            "not_applicable": [{"policy": f"{DB33}/{clause}", "justification": "x"} for clause in ("4.3", "4.4", "5.1.2")]}
    result = evaluate(tailor(tmp_path, data), load_bundle(GAPS))
    assert [line.en for line in profile_lines(result)[1:]] == [
        f"excluded {DB33}/7.5.1.2: x",
        f"not applicable {DB33}/4.3: x",
        f"not applicable {DB33}/4.4: x (LOOSENED: the evidence gave fail)",
        f"not applicable {DB33}/5.1.2: x (LOOSENED: the evidence gave fail)",
    ]
    assert result.policy_set.tailoring.to_json(result.findings)["loosened"] == 2


def test_declared_not_applicable_clause(tmp_path):
    data = {"standards": ["DB33/T 2039-2017"], "not_applicable": [{"policy": f"{DB33}/7.3", "justification": "预包装食品"}]}
    [finding] = findings_for(tailor(tmp_path, data), make_bundle(), f"{DB33}/7.3")
    assert finding.status is Status.NOT_APPLICABLE and finding.message.zh.endswith("预包装食品")


def test_a_profile_for_the_other_role_is_refused(tmp_path):
    policy_set = tailor(tmp_path, {"applies_to": "platform", "standards": ["DB33/T 2039-2017"]})
    with pytest.raises(CheckerError) as caught:
        evaluate(policy_set, make_bundle())
    assert caught.value.problems[0].code == "ECS406"
    assert "is written for the platform role, but bundle.json is the bundle of an operator" in str(caught.value)


# ------------------------------------------------------------------ shipped profiles


@lru_cache(maxsize=1)
def shipped_sets() -> dict[str, Any]:
    return {name: load_policy_set(profile=load_profile(path)) for name, path in shipped_profiles().items()}


def test_three_profiles_are_shipped():
    assert sorted(shipped_profiles()) == ["apparel-operator", "food-operator", "platform"]
    assert all(path.parent == REPO / "profiles" for path in shipped_profiles().values())


@pytest.mark.parametrize("name", ["apparel-operator", "food-operator", "platform"])
def test_shipped_profile_is_valid_and_explains_every_change(name):
    policy_set = shipped_sets()[name]
    tailoring = policy_set.tailoring
    assert tailoring.applies_to == ("platform" if name == "platform" else "operator")
    for text in [c.reason for c in tailoring.changes] + [d.justification for d in tailoring.not_applicable] + \
                [e.reason for e in tailoring.excluded]:
        assert text.zh and text.en and text.zh != text.en, "shipped text is bilingual"
    first_line = shipped_profiles()[name].read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../schemas/profile.schema.json"


def test_shipped_profiles_contents():
    apparel, food, platform = (shipped_sets()[n].tailoring for n in ("apparel-operator", "food-operator", "platform"))
    assert {(c.policy_id, c.name, c.value, c.direction) for c in apparel.changes} == {
        (f"{DB33}/4.2", "min_hours_per_day", 12, "stricter"), (f"{DB33}/7.5.2.4", "refund_working_days", 0, "stricter")}
    assert [(d.policy_id, d.item) for d in apparel.not_applicable] == [(f"{DB33}/5.3.2", "c)")]
    assert [(d.policy_id, d.item) for d in food.not_applicable] == [(f"{DB33}/6.1.2.3", "a)"), (f"{DB33}/7.3", None)]
    assert [c.name for c in platform.loosened] == ["min_items_accounted"], "the platform's one loosening is 8.1.1's"
    assert all(not c.loosened for c in apparel.changes + food.changes)


def test_find_profile_by_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_profile("platform") == shipped_profiles()["platform"]
    (tmp_path / "platform").write_text("id: mine\ntitle: mine\n", encoding="utf-8")
    assert find_profile("platform") == Path("platform"), "a file of that name wins"
    with pytest.raises(CheckerError) as caught:
        find_profile("nope")
    assert "shipped: apparel-operator, food-operator, platform" in str(caught.value)
    assert find_profile("nope.yaml") == Path("nope.yaml"), "a name with an extension is a file name"


@pytest.mark.parametrize(
    ("stricter", "default", "value", "adjustable", "code"),
    [
        ("superset", ["food_operation"], ["food_operation", "medical_device_operation"], False, None),
        ("superset", ["food_operation"], [], False, "ECS404"),
        ("superset", ["food_operation"], [], True, None),
        (None, 24, 23, False, "ECS404"),   # no declared direction: only the default is safe
        (None, 24, 23, True, None),
        (None, 24, 24, False, None),
    ],
    ids=["superset-gains", "superset-loses", "superset-loses-adjustable", "unranked", "unranked-adjustable", "unranked-same"],
)
def test_lists_and_undeclared_directions(stricter, default, value, adjustable, code):
    from checker.profiles import _value_problem

    kind = "array" if isinstance(default, list) else "number"
    problem = _value_problem(parameter(stricter, default, adjustable, kind), value)
    assert (problem[0] if problem else None) == code


def test_a_shipped_profile_is_named_the_same_from_any_directory(tmp_path, monkeypatch):
    from checker.profiles import load_profile

    names = set()
    for where in (tmp_path, tmp_path.parent):
        monkeypatch.chdir(where)
        names.add(load_profile("apparel-operator").document.display)
    assert names == {"profiles/apparel-operator.yaml"}
