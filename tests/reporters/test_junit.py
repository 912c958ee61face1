"""JUnit XML: read back with junitparser, the counts and outcomes match the findings."""

from __future__ import annotations

import dataclasses
import types

from junitparser import Error, Failure, JUnitXml, Skipped

from checker.findings import Status, Text
from checker.reporters import junit
from tests.reporters import sample


def parse(text: str) -> JUnitXml:
    return JUnitXml.fromstring(text.encode("utf-8"))


def test_one_suite_per_standard_with_counts():
    xml = parse(junit.render(sample.result()))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"DB33/T 2039-2017", "NJ-ECCS"}
    db33, nj = suites["DB33/T 2039-2017"], suites["NJ-ECCS"]
    assert (db33.tests, db33.failures, db33.errors, db33.skipped) == (3, 1, 0, 1)
    assert (nj.tests, nj.failures, nj.errors, nj.skipped) == (6, 2, 0, 2)
    assert len(list(nj)) == nj.tests


def test_cases_name_clause_and_title_and_carry_the_outcome():
    xml = parse(junit.render(sample.result(), {"lang": "en"}))
    cases = {case.name: case for suite in xml for case in suite}
    late = cases["7.5.1.2 Complaints not resolved at once get a solution within 24 hours"]
    assert late.classname == "DB33/T 2039-2017"
    [failure] = late.result
    assert isinstance(failure, Failure) and failure.type == "fail"
    assert "C-0002" in failure.message and "bundle.yaml:52:5" in failure.text
    closing = cases["5.4.2.3 e) Closing phrase"]
    assert isinstance(closing.result[0], Failure) and closing.result[0].type == "insufficient_evidence"
    review = cases["5.4.2.3 b) Recommend products to the customer's need"]
    assert isinstance(review.result[0], Skipped) and "manual review" in review.result[0].message
    assert cases["6.1 Emergency response mechanism and regular drills"].is_passed


def test_error_and_waived_findings():
    base = sample.result()
    first = base.findings[0]
    extra = (
        dataclasses.replace(first, status=Status.ERROR, message=Text("内部错误", "internal error: boom")),
        dataclasses.replace(first, item="z)", status=Status.WAIVED, message=Text("已豁免", "waived by the evaluator")),
    )
    result = types.SimpleNamespace(findings=base.findings + extra, bundle=base.bundle, policy_set=base.policy_set,
                                   standards=base.standards)
    xml = parse(junit.render(result, {"lang": "en"}))
    suite = next(s for s in xml if s.name == "DB33/T 2039-2017")
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (5, 1, 1, 2)
    outcomes = [type(case.result[0]).__name__ for case in suite if case.result]
    assert "Error" in outcomes
    error = next(case for case in suite if case.result and isinstance(case.result[0], Error))
    assert error.result[0].message == "internal error: boom"


def test_totals_on_the_root_element():
    xml = parse(junit.render(sample.result()))
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (9, 3, 0, 3)
