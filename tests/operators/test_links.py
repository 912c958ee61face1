import pytest

from checker.findings import Status

RULE = {
    "linked": {
        "records": "$.privacy.third_party_disclosures",
        "where": {"field": "basis", "equals": "consent"},
        "link": "consent_records",
        "target": "$.privacy.consent_records",
        "not_after": {"target": "obtained_at", "record": "date"},
        "noun": {"zh": "基于同意的披露", "en": "consent-based disclosures"},
        "target_noun": {"zh": "同意记录", "en": "consent records"},
    }
}
CONSENTS = [
    {"id": "K-1", "obtained_at": "2025-02-28T23:59:59+08:00", "scope": "share address with courier"},
    {"id": "K-2", "obtained_at": "2025-03-01T09:00:00+08:00", "scope": "share phone with installer"},
    {"id": "K-3", "obtained_at": "2025-03-02T00:00:00+08:00", "scope": "marketing partner"},
]


def disclosure(rid, consents, basis="consent", date="2025-03-01"):
    record = {"id": rid, "date": date, "recipient": "X", "data_categories": ["phone"], "basis": basis}
    if consents is not None:
        record["consent_records"] = consents
    return record


@pytest.mark.parametrize(
    ("disclosures", "consents", "status", "fragment"),
    [
        # a consent obtained on the day of the disclosure counts (dates compare by local day)
        ([disclosure("D-1", ["K-1", "K-2"]), disclosure("D-9", None, basis="legal_requirement")], CONSENTS,
         Status.PASS, "all 1 consent-based disclosures are backed by consent records dated on or before them"),
        ([disclosure("D-1", ["K-1", "K-3"])], CONSENTS, Status.FAIL, "D-1 (K-3 obtained_at 2025-03-02T00:00:00+08:00, after 2025-03-01)"),
        ([disclosure("D-1", [])], CONSENTS, Status.INSUFFICIENT_EVIDENCE, "D-1 (cites none)"),
        ([disclosure("D-1", ["K-404"])], CONSENTS, Status.INSUFFICIENT_EVIDENCE, "D-1 (K-404 not found)"),
        ([disclosure("D-1", ["K-1"])], None, Status.INSUFFICIENT_EVIDENCE, "$.privacy.consent_records is missing"),
        ([], CONSENTS, Status.NOT_APPLICABLE, "no consent-based disclosures"),
        (None, CONSENTS, Status.INSUFFICIENT_EVIDENCE, "$.privacy.third_party_disclosures is missing"),
    ],
)
def test_linked(run_rule, disclosures, consents, status, fragment):
    privacy = {}
    if disclosures is not None:
        privacy["third_party_disclosures"] = disclosures
    if consents is not None:
        privacy["consent_records"] = consents
    outcome = run_rule(RULE, {"privacy": privacy})
    assert outcome.status is status
    assert fragment in outcome.message.en, outcome.message.en
