"""The evaluation report (Markdown and HTML): NJ-ECCS 9.3.4.3's contents, both languages, safe output."""

from __future__ import annotations

import dataclasses
import re
import types
from html.parser import HTMLParser

import pytest

from checker.reporters import html, markdown, report_model
from tests.reporters import sample

SECTIONS = [("评价范围", "Scope"), ("评价对象", "Objects evaluated"), ("评价过程", "Evaluation process"),
            ("评价结论", "Conclusion"), ("改进建议", "Improvement suggestions")]


class Collector(HTMLParser):
    """Tags, attributes and text of a page, and any tag left open."""

    VOID = {"meta", "br", "rect", "img", "link", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    collector.close()
    assert collector.stack == [], f"unclosed tags: {collector.stack}"
    return collector


def with_organization(name: str):
    base = sample.result()
    data = dict(base.bundle.data)
    data["organization"] = {**data["organization"], "name": name}
    bundle = dataclasses.replace(base.bundle, data=data)
    return types.SimpleNamespace(findings=base.findings, bundle=bundle, policy_set=base.policy_set, standards=base.standards)


@pytest.mark.parametrize("render", [markdown.render, html.render], ids=["markdown", "html"])
def test_has_every_section_nj_eccs_9_3_4_3_asks_for(render):
    text = render(sample.result())
    positions = [text.index(zh) for zh, _ in SECTIONS]
    assert positions == sorted(positions), "sections in the order of 9.3.4.3"
    for zh, en in SECTIONS:
        assert zh in text and en in text
    assert "南京示例优选电子商务有限公司" in text and "2025-01-01" in text
    assert sample.result().policy_set.sha256 in text


@pytest.mark.parametrize("render", [markdown.render, html.render], ids=["markdown", "html"])
def test_ungraded_says_so(render):
    text = render(sample.result())
    assert "未评级" in text and "Not graded" in text
    assert "Score by first-level indicator" not in text and "Licences and qualifications" not in text


@pytest.mark.parametrize("render", [markdown.render, html.render], ids=["markdown", "html"])
def test_graded_shows_grade_breakdown_and_next_grade(render):
    text = render(sample.graded())
    assert "AAAA" in text and "83.67" in text
    assert "Table B.1 breakdown" in text and "Quality indicators achieved" in text
    # next-grade steps and suggestions, most points first
    assert text.index("+4") < text.index("+2.5") < text.index("+1.6")


def test_suggestions_ordered_by_points_then_severity():
    report = report_model.build(sample.graded())
    gains = [s.gain for s in report.suggestions if s.gain is not None]
    assert gains == sorted(gains, reverse=True) and gains[0] == 4
    assert [s.rank for s in report.suggestions] == list(range(1, len(report.suggestions) + 1))
    rest = [s.status.value for s in report.suggestions if s.gain is None]
    assert rest == ["fail", "fail", "insufficient_evidence", "manual_review"]


def test_chart_has_a_bar_per_first_level_indicator():
    page = html.render(sample.graded())
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert len(re.findall(r'<rect [^>]*fill="#1d4ed8"', svg)) == 5
    for name in ("基本要求", "电子商务客户服务要求", "应急管理", "质量指标", "持续改进"):
        assert name in svg


@pytest.mark.parametrize(("lang", "present", "absent"), [("zh", "评价范围", "Scope"), ("en", "Scope", "评价范围")])
@pytest.mark.parametrize("render", [markdown.render, html.render], ids=["markdown", "html"])
def test_one_language(render, lang, present, absent):
    text = render(sample.graded(), {"lang": lang})
    assert present in text and absent not in text


def test_html_is_self_contained_and_script_free():
    page = html.render(sample.graded())
    tags = parse(page).tags
    names = {tag for tag, _ in tags}
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    for _, attrs in tags:
        for key, value in attrs.items():
            assert not key.startswith("on"), f"event handler attribute {key}"
            if key in ("href", "src") and value:
                assert value.startswith("#"), f"{key}={value} leaves the page"
    assert re.findall(r"https?://[^\s\"'<>]*", page) == ["http://www.w3.org/2000/svg"]
    assert "@page { size: A4" in page


def test_bundle_text_is_escaped():
    hostile = 'Evil <script>alert(1)</script> | **x** [l](http://x) & co'
    page = html.render(with_organization(hostile))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parse(page)
    text = markdown.render(with_organization(hostile))
    assert "<script>" not in text
    assert r"Evil \<script\>alert(1)\</script\> \| \*\*x\*\* \[l\](http://x) \& co" in text


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        report_model.build(sample.result(), {"lang": "fr"})


def commonmark(text: str):
    """Parse as GitHub-style Markdown (CommonMark with tables), the way a repository viewer reads it."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table")
    return parser.parse(text), parser.render(text)


def test_markdown_parses_as_commonmark_with_tables():
    tokens, rendered = commonmark(markdown.render(sample.graded()))
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert [h.split(" ", 1)[0] for h in headings[:6]] == ["1", "2", "3", "4", "5", "6"]
    assert not [t for t in tokens if t.type.startswith("html")], "no raw HTML reaches the reader"
    assert sum(t.type == "table_open" for t in tokens) >= 8
    assert "<code>tests/data/sample-bundle/bundle.yaml:52:5</code>" in rendered


def test_markdown_keeps_hostile_text_as_text_in_a_real_parser():
    hostile = 'Evil <script>alert(1)</script> | **x** [l](http://x) & co'
    tokens, rendered = commonmark(markdown.render(with_organization(hostile)))
    assert not [t for t in tokens if t.type.startswith("html")]
    assert "<script>" not in rendered and "<strong>x" not in rendered and 'href="http://x"' not in rendered
    row = re.search(r"<tr>\s*<td>被评价组织 / Organization</td>\s*<td>(.*?)</td>\s*</tr>", rendered, re.S)
    assert row and row.group(1) == "Evil &lt;script&gt;alert(1)&lt;/script&gt; | **x** [l](http://x) &amp; co"
