from checker.findings import Status

RULE = {
    "every": {"records": "$.complaints", "require": {"field": "accepted_at", "present": True},
              "noun": {"zh": "投诉", "en": "complaints"}},
    "messages": {
        "insufficient_evidence": {"zh": "{unknown_count} 条缺少数据：{examples}", "en": "{unknown_count} lack data: {examples}"},
        "fail": {"zh": "{failed_count} 条未受理：{examples}", "en": "{failed_count} never accepted: {examples}"},
    },
}


def test_a_template_is_used_when_the_outcome_provides_its_placeholders(run_rule):
    outcome = run_rule(RULE, {"complaints": [{"id": "C-1", "category": "service", "received_at": "2025-03-01T10:00:00+08:00"}]})
    assert outcome.status is Status.FAIL
    assert outcome.message.en == "1 never accepted: C-1"


def test_the_operator_message_is_kept_when_a_placeholder_is_not_provided(run_rule):
    outcome = run_rule(RULE, {})  # a missing section has no unknown_count or examples
    assert outcome.status is Status.INSUFFICIENT_EVIDENCE
    assert outcome.message.en == "the bundle has no complaints ($.complaints is missing)"


def test_all_of_says_a_repeated_message_once(run_rule):
    missing = {"present": {"path": "$.service_scripts.greetings", "noun": {"zh": "开场白", "en": "greetings"}}}
    outcome = run_rule({"all_of": [missing, missing]}, {})
    assert outcome.message.en == "the bundle has no greetings"
