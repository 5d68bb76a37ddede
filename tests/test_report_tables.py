"""Every number in a report table sits right-aligned under a right-aligned header."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import login_as
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.teaching.models import TeachingGroup

# A cell is a number when it holds one and little else: "12", "23,7", "9 000 kr", "3 / 5";
# dates ("16.11.2026") and times are not.
_INTEGER = r"\d{1,3}(?:[\s\u00a0\u202f,]\d{3})+|\d+"
_DECIMAL = rf"(?:{_INTEGER})(?:[.,]\d+)?"
NUMBER = re.compile(
    rf"^[-−]?(?:kr|NOK)?[\s\u00a0]?{_DECIMAL}(?:\s?/\s?{_DECIMAL})?[\s\u00a0]?(?:%|kr|NOK)?$"
)


class _Tables(HTMLParser):
    """Tables as rows of cells: (tag, classes, text), with colspans spread over columns."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[tuple[str, set[str], str]]]] = []
        self._cell: list | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            classes = set((attributes.get("class") or "").split())
            span = int(attributes.get("colspan") or 1)
            self._cell = [tag, classes, "", span]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            cell_tag, classes, text, span = self._cell
            for _ in range(span):
                self.tables[-1][-1].append((cell_tag, classes, " ".join(text.split())))
            self._cell = None


def misaligned(html: str) -> list[str]:
    """Number cells whose column header is not right-aligned like them, or that are not
    right-aligned themselves."""
    parser = _Tables()
    parser.feed(html)
    problems = []
    for table in parser.tables:
        if not table:
            continue
        header, *rows = table
        for row in rows:
            for column, (tag, classes, text) in enumerate(row):
                if tag != "td" or not NUMBER.match(text):
                    continue
                head = header[column] if column < len(header) else ("th", set(), "?")
                if "number" not in classes:
                    problems.append(f"cell {text!r} under {head[2]!r} is not right-aligned")
                elif "number" not in head[1]:
                    problems.append(f"header {head[2]!r} over the number {text!r} is not")
    return problems


def test_the_checker_finds_a_left_aligned_header():
    html = (
        "<table><tr><th>Måned</th><th>Kjøpt</th></tr>"
        '<tr><th>januar</th><td class="number">3</td></tr></table>'
    )
    assert misaligned(html) == ["header 'Kjøpt' over the number '3' is not"]
    assert misaligned(html.replace("<th>Kjøpt", '<th class="number">Kjøpt')) == []
    assert misaligned(html.replace(' class="number">3', ">9 000 kr")) == [
        "cell '9 000 kr' under 'Kjøpt' is not right-aligned"
    ]


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("locale", ["nb", "en"])
def test_every_number_in_the_report_tables_lines_up_with_its_header(client, locale):
    group = db.session.scalar(select(TeachingGroup).order_by(TeachingGroup.id))
    pages = {
        "coordinator@example.org": ["/seats/report", "/offerings", "/orders", "/entitlements"],
        "admin@example.org": ["/seats/report", "/orders", "/entitlements", "/classes"],
        "teacher@example.org": [f"/groups/{group.id}", "/classes"],
        "learner@example.org": ["/my/study-hours"],
    }
    problems, tables = [], 0
    for email, urls in pages.items():
        login_as(client, _user(email))
        client.post("/language", data={"locale": locale})
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            tables += html.count("<table")
            problems += [f"{url}: {problem}" for problem in misaligned(html)]
    assert tables >= 8
    assert problems == []


@pytest.mark.usefixtures("demo")
def test_staff_pages_use_the_screens_width_and_learners_pages_stay_narrow(client):
    login_as(client, _user("coordinator@example.org"))
    assert '<main id="main" tabindex="-1" class="wide">' in client.get("/seats/report").text
    login_as(client, _user("learner@example.org"))
    assert '<main id="main" tabindex="-1">' in client.get("/my/study-hours").text
    css = (Path(__file__).resolve().parent.parent / "webapp/static/css/main.css").read_text()
    wide = re.search(r"main\.wide, \.site-footer\.wide \{ max-width: (\d+)rem", css)
    assert wide.group(1) == "100"  # 1,600 px: a 1366 px screen's whole width
