"""The HTML report in a real browser: headless Chromium renders it with no console message and shows the grade.

Skipped when no Chromium is installed (`apt-get install -y chromium`);
`scripts/check_html_in_browser.sh` installs it where it can and runs only
these tests (`pytest -m browser`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from checker.reporters import html
from tests.reporters import sample

pytestmark = pytest.mark.browser

CHROMIUM = next((found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install -y chromium)")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    env = {**os.environ, "HOME": str(tmp_path)}  # a fresh profile, nothing from the user's
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", *args],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    path.write_text(html.render(sample.graded()), encoding="utf-8")
    return path


@needs_chromium
def test_renders_without_console_messages_and_shows_the_grade(tmp_path, page):
    run = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_messages(run.stderr) == []
    grade = re.search(r'<div class="grade" id="grade">\s*<span class="grade-mark">([A]+)</span>', run.stdout)
    assert grade and grade.group(1) == "AAAA"
    assert "<svg" in run.stdout


@needs_chromium
def test_ungraded_report_renders_and_says_not_graded(tmp_path):
    path = tmp_path / "plain.html"
    path.write_text(html.render(sample.result(), {"lang": "en"}), encoding="utf-8")
    run = chromium(tmp_path, "--dump-dom", path.as_uri())
    assert run.returncode == 0 and console_messages(run.stderr) == []
    assert re.search(r'<span class="grade-mark none"><span lang="en">Not graded</span></span>', run.stdout)


@needs_chromium
def test_detects_console_messages(tmp_path):
    """The check above would see a problem: a page breaking its own policy logs to the console."""
    bad = tmp_path / "bad.html"
    bad.write_text(html.render(sample.graded()).replace("</body>", '<img src="https://example.invalid/x.png"></body>'),
                   encoding="utf-8")
    run = chromium(tmp_path, "--dump-dom", bad.as_uri())
    assert console_messages(run.stderr), run.stderr[-2000:]


@needs_chromium
def test_prints_to_a4(tmp_path, page):
    pdf = tmp_path / "report.pdf"
    run = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    assert pdf.is_file(), run.stderr[-2000:]
    boxes = set(re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf.read_bytes()))
    assert boxes, "no page in the PDF"
    for width, height in boxes:  # A4 is 595 x 842 points
        assert abs(float(width) - 595.3) < 1.5 and abs(float(height) - 841.9) < 1.5


@needs_chromium
def test_tailored_report_renders_with_the_profile_and_waivers(tmp_path):
    path = tmp_path / "tailored.html"
    path.write_text(html.render(sample.tailored()), encoding="utf-8")
    run = chromium(tmp_path, "--dump-dom", path.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_messages(run.stderr) == []
    assert "sample-operator" in run.stdout and "W-5" in run.stdout and "LOOSENED" in run.stdout
