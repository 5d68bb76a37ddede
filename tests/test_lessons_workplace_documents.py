"""Issue 17's twelve workplace documents (payslip, tax card, roster, timesheet, contract, HMS card,
SJA, egenmelding, NAV letter, job ads, work order, day plan): each is shown as a document (a
heading, tables with header rows or field lists), has questions to read it by, and its figures
add up as the lesson says they do."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from lessons.loader import CONTENT_DIR, LessonFile, parse_file, rendered
from tests.conftest import login_as, sync_lessons_in

# file -> number of tables its document has
DOCUMENTS = {
    "working-life/a2-13-payslip-document.md": 2,
    "working-life/a2-14-tax-card-document.md": 1,
    "health-care/a2-06-roster-grid.md": 1,
    "cleaning/a2-04-timesheet-document.md": 1,
    "working-life/b1-16-employment-contract-document.md": 0,
    "construction/a2-05-hms-card-document.md": 1,
    "industry/b1-04-sja-form.md": 1,
    "working-life/a2-15-egenmelding-form.md": 1,
    "working-life/b1-17-nav-letter-document.md": 1,
    "retail/b1-04-job-ads-document.md": 0,
    "logistics/a2-05-work-order-document.md": 1,
    "childcare/a2-04-day-plan-document.md": 1,
}
READING = ("choice", "fill", "listen", "dialogue")


def lesson(name: str) -> LessonFile:
    parsed = parse_file(CONTENT_DIR / name, CONTENT_DIR.parent.parent)
    assert parsed.problems == []
    return parsed


def table(name: str, header: str) -> list[list[str]]:
    """The body rows of the Markdown table whose first header cell is ``header``."""
    for block in lesson(name).blocks:
        lines = [line for line in block.nb.splitlines() if line.startswith("|")]
        if lines and lines[0].strip("| ").split(" | ")[0] == header:
            return [
                [cell.strip().strip("*") for cell in line.strip("|").split("|")]
                for line in lines[2:]
            ]
    raise AssertionError(f"no table starting with {header!r} in {name}")


def kroner(text: str) -> Decimal:
    """'30 100,00' or '−15 025,00' or '936 kr' as a number."""
    digits = text.replace("kr", "").replace("\u2212", "-").replace(" ", "").replace(",", ".")
    return Decimal(digits.split("per")[0].split("før")[0])


def hours(clock: str) -> Decimal:
    hour, minute = clock.split(".")
    return Decimal(hour) + Decimal(minute) / 60


@pytest.mark.parametrize(("name", "tables"), DOCUMENTS.items())
def test_each_document_is_shown_as_a_document_with_questions_on_it(name: str, tables: int):
    parsed = lesson(name)
    html = "".join(block["nb"] for block in rendered(parsed)["blocks"])
    assert "<h3>" in html
    assert html.count("<table>") == tables
    assert html.count("<thead>") == tables
    assert "| ---" not in html
    if not tables:
        assert html.count("<li><strong>") >= 6  # the fields as a labelled list
    reading = [e for e in parsed.data["exercises"] if e["type"] in READING]
    assert len(reading) >= 3
    assert len({e["type"] for e in parsed.data["exercises"]}) >= 5
    positions = {
        e["options"].index(e["answer"]) for e in parsed.data["exercises"] if "options" in e
    }
    assert positions != {0}


def test_twelve_documents_over_eight_tracks():
    assert len(DOCUMENTS) == 12
    assert len({name.split("/")[0] for name in DOCUMENTS}) == 8


def test_the_payslip_adds_up():
    rows = {row[0]: row for row in table("working-life/a2-13-payslip-document.md", "Lønnsart")}
    lines = [kroner(row[3]) for key, row in rows.items() if key not in ("Brutto", "Netto utbetalt")]
    pay, tax = lines[:-1], lines[-1]
    gross = kroner(rows["Brutto"][3])
    assert sum(pay) == gross == Decimal("60100.00")
    assert tax == -gross * Decimal("0.25")
    assert gross + tax == kroner(rows["Netto utbetalt"][3])
    hourly = rows["Timelønn"]
    assert kroner(hourly[1].rstrip("t")) * kroner(hourly[2]) == kroner(hourly[3])
    holiday = rows["Feriepenger 2025"]
    assert kroner(holiday[1]) * Decimal("0.102") == kroner(holiday[3]) == Decimal("28560.00")
    assert kroner(rows["Forskuddstrekk"][1]) == gross
    year = {
        row[0]: kroner(row[1])
        for row in table("working-life/a2-13-payslip-document.md", "Hittil i år 2026")
    }
    assert year["Feriepengegrunnlag"] * Decimal("0.102") == year["Opptjente feriepenger 10,2 %"]


def test_the_timesheet_total_matches_its_rows_and_only_fridays_row_is_wrong():
    rows = table("cleaning/a2-04-timesheet-document.md", "Dato")
    days, total = rows[:-1], rows[-1]
    worked = {row[0]: hours(row[4]) - hours(row[3]) - kroner(row[5]) for row in days}
    written = {row[0]: kroner(row[6]) for row in days}
    assert [day for day in worked if worked[day] != written[day]] == ["13.03"]
    assert sum(written.values()) == kroner(total[6]) == Decimal("24.5")
    assert sum(worked.values()) * 235 == Decimal("5640")


def test_the_roster_gives_the_hours_the_lesson_counts():
    length = {"D": Decimal("7.5"), "A": Decimal("7.5"), "N": Decimal("10"), "F": Decimal("0")}
    rows = {
        row[0].split(",")[0]: row[1:] for row in table("health-care/a2-06-roster-grid.md", "Navn")
    }
    assert sum(length[s] for s in rows["Iryna Melnyk"]) == 30
    assert sum(length[s] for s in rows["Ahmed Yusuf"]) == 35
    assert rows["Kari Nilsen"][3] == "F"
    assert rows["Kari Nilsen"][5] == "D"
    assert rows["Lene Berg"][5] == "N"


def test_the_nav_decision_and_the_work_order_add_up():
    rows = [
        kroner(row[1]) for row in table("working-life/b1-17-nav-letter-document.md", "Beregning")
    ]
    basis, year, day, period = rows
    assert basis * Decimal("0.624") == year
    assert year / 260 == day
    assert day * 10 == period
    lines = table("logistics/a2-05-work-order-document.md", "Linje")
    boxes = sum(int(row[3].split()[0]) for row in lines[:2])
    assert boxes == 240 == 4 * 60
    assert int(lines[2][3].split()[0]) == 2 * boxes
    assert int(lines[3][3].split()[0]) == boxes


def test_a_learner_reads_the_payslip_as_a_table_on_the_lesson_page(client, factory, tmp_path: Path):
    name = "working-life/a2-13-payslip-document.md"
    (tmp_path / "working-life").mkdir()
    (tmp_path / name).write_text((CONTENT_DIR / name).read_text())
    sync_lessons_in(tmp_path)
    login_as(client, factory.learner(locale="uk"))
    page = client.get("/lessons/working-life-payslip-document/step/1").get_data(as_text=True)
    assert "<h3>Lønnsslipp – juni 2026</h3>" in page
    assert '<div class="table-wrap"><table>' in page
    assert "<th>Lønnsart</th>" in page
    assert "<td>Forskuddstrekk</td>" in page
