import pytest

from checker.findings import Status

RULE = {"includes": {"path": "$.service_content.pre_sales", "values": ["product_information", "fee_consultation"],
                     "noun": {"zh": "售前服务内容", "en": "declared pre-sales services"}}}


@pytest.mark.parametrize(
    ("content", "status", "fragment"),
    [
        ({"pre_sales": ["fee_consultation", "product_information", "extra"]}, Status.PASS, "include product_information, fee_consultation"),
        ({"pre_sales": ["product_information"]}, Status.FAIL, "do not include fee_consultation (declared: product_information)"),
        ({"pre_sales": []}, Status.FAIL, "do not include product_information, fee_consultation (declared: none)"),
        ({"in_sales": ["payment_support"]}, Status.INSUFFICIENT_EVIDENCE, "$.service_content.pre_sales is missing"),
        (None, Status.INSUFFICIENT_EVIDENCE, "has no declared pre-sales services"),
    ],
)
def test_includes(run_rule, content, status, fragment):
    bundle = {} if content is None else {"service_content": content}
    outcome = run_rule(RULE, bundle)
    assert outcome.status is status
    assert fragment in outcome.message.en
