"""OSCAL assessment results: loaded by compliance-trestle's models, with the expected content."""

from __future__ import annotations

import json
import re

import pydantic
import pytest
from trestle.oscal.assessment_results import AssessmentResults

from checker.reporters import oscal
from tests.reporters import sample


def load(result, options=None) -> AssessmentResults:
    document = json.loads(oscal.render(result, options))
    assert list(document) == ["assessment-results"]
    return AssessmentResults.model_validate(document["assessment-results"])


def test_trestle_loads_it():
    for result in (sample.result(), sample.graded()):
        ar = load(result)
        assert len(ar.results) == 1


def test_trestle_rejects_a_broken_document():
    document = json.loads(oscal.render(sample.result()))
    document["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "mostly"
    with pytest.raises(pydantic.ValidationError):
        AssessmentResults.model_validate(document["assessment-results"])


def test_an_observation_per_finding_with_its_method():
    ar = load(sample.result())
    observations = ar.results[0].observations
    assert len(observations) == len(sample.result().findings)
    by_title = {o.title: o for o in observations}
    privacy = next(o for t, o in by_title.items() if t.startswith("DB33/T 2039-2017 4.3 "))
    assert privacy.methods == ["EXAMINE"]
    closing = next(o for t, o in by_title.items() if t.startswith("NJ-ECCS 5.4.2.3 e) "))
    assert closing.methods == ["INTERVIEW"]
    late = next(o for t, o in by_title.items() if t.startswith("DB33/T 2039-2017 7.5.1.2 "))
    assert late.methods == ["TEST"]
    evidence = late.relevant_evidence[0]
    assert "tests/data/sample-bundle/bundle.yaml:52:5" in evidence.description
    resources = {f"#{r.uuid}": r for r in ar.back_matter.resources}
    bundle = resources[evidence.href]
    assert bundle.rlinks[0].href == "tests/data/sample-bundle/bundle.yaml"
    assert bundle.rlinks[0].hashes[0].value == sample.result().bundle.document.sha256


def test_a_finding_per_clause_with_its_state():
    ar = load(sample.result())
    states = {f.target.title: f.target.status.state.value for f in ar.results[0].findings}
    assert states == {
        "DB33/T 2039-2017 4.3": "satisfied",
        "DB33/T 2039-2017 7.5.1.2": "not-satisfied",
        "DB33/T 2039-2017 7.5.3.1": "satisfied",
        "NJ-ECCS 5.4.2.3": "not-satisfied",
        "NJ-ECCS 6.1": "satisfied",
    }
    clause = next(f for f in ar.results[0].findings if f.target.title == "NJ-ECCS 5.4.2.3")
    assert len(clause.related_observations) == 5
    observation_ids = {o.uuid for o in ar.results[0].observations}
    assert {r.observation_uuid for r in clause.related_observations} <= observation_ids


def test_grade_is_a_property_of_the_result():
    ungraded = load(sample.result()).results[0]
    assert {p.name: p.value for p in ungraded.props}["nj-eccs-grade"] == "not-graded"
    graded = load(sample.graded()).results[0]
    props = {p.name: p.value for p in graded.props}
    assert props["nj-eccs-grade"] == "AAAA"
    assert props["nj-eccs-score"] == str(sample.grade().score)


def test_ids_are_unique_and_stable():
    first, second = json.loads(oscal.render(sample.result())), json.loads(oscal.render(sample.result()))
    assert first == second
    text = json.dumps(first)
    ids = re.findall(r'"uuid": "([0-9a-f-]{36})"', text)
    assert len(ids) == len(set(ids))
