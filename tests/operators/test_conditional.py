import pytest

from checker.findings import Status

RULE = {
    "when": [
        {"if": {"field": "organization.role", "equals": "platform"},
         "then": {"present": {"path": "$.x-platform", "noun": {"zh": "平台数据", "en": "platform data"}}}},
        {"if": {"field": "organization.industry", "equals": "food"},
         "then": {"manual": {"reason": {"zh": "人工", "en": "food operators are reviewed by hand"}}}},
    ]
}


@pytest.mark.parametrize(
    ("bundle", "status", "case", "fragment"),
    [
        ({"organization": {"role": "platform"}, "x-platform": [1]}, Status.PASS, 1, "platform data provided"),
        ({"organization": {"role": "platform"}}, Status.INSUFFICIENT_EVIDENCE, 1, "has no platform data"),
        ({"organization": {"industry": "food"}}, Status.MANUAL_REVIEW, 2, "reviewed by hand"),
        ({"organization": {"industry": "apparel"}}, Status.NOT_APPLICABLE, None, "none of the cases applies"),
        # an operator without an industry: case 2 cannot be told
        ({}, Status.INSUFFICIENT_EVIDENCE, None, "whether case 2 applies"),
    ],
)
def test_when_picks_the_first_case_that_holds(run_rule, bundle, status, case, fragment):
    outcome = run_rule(RULE, bundle)
    assert outcome.status is status
    assert outcome.facts["case"] == case
    assert fragment in outcome.message.en
