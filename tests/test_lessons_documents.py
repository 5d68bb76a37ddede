"""Documents in a lesson's body: Markdown tables and ###/#### headings render, raw HTML still
does not, and the transport and professionals lessons show their documents as tables and lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons.loader import CONTENT_DIR, parse_file, render_markdown, rendered
from tests.conftest import login_as, sync_lessons_in

TIMETABLE = "### Rutetabell\n| Holdeplass | Avgang |\n| --- | --- |\n| Torget | 08.10 |"


def test_a_table_renders_with_a_header_row_inside_a_scrolling_box():
    html = render_markdown(TIMETABLE)
    assert "<h3>Rutetabell</h3>" in html
    assert '<div class="table-wrap"><table>' in html
    assert "<th>Holdeplass</th>" in html
    assert "<td>08.10</td>" in html
    assert html.count("<div") == html.count("</div>") == 1


def test_section_headings_render_but_the_pages_own_levels_do_not():
    html = render_markdown("#### Arbeidsoppgaver\n- Prosjektere\n\n# Tittel\n\n## Del")
    assert "<h4>Arbeidsoppgaver</h4>" in html
    assert "<li>Prosjektere</li>" in html
    assert "<h1>" not in html
    assert "<h2>" not in html
    assert "Tittel" in html


def test_raw_html_and_attributes_are_still_removed():
    html = render_markdown(
        '| a | b |\n| --- | --- |\n| <script>x</script> | <a href="http://x">y</a> |\n\n'
        '<div class="evil" onclick="x()">z</div>'
    )
    assert "<script" not in html
    assert "<a " not in html
    assert "onclick" not in html
    assert 'class="evil"' not in html


@pytest.mark.parametrize(
    ("name", "tables"),
    [
        ("transport/a1-01-on-the-bus.md", 1),
        ("transport/a1-02-daily-vehicle-check.md", 1),
        ("transport/a2-03-taxi-delay.md", 1),
        ("transport/a2-04-driving-and-rest-time.md", 1),
        ("transport/a2-05-delivery-route-and-load.md", 1),
        ("transport/b1-06-collision-and-claim-form.md", 1),
        ("transport/b1-07-winter-mountain-pass.md", 1),
        ("professionals/b2-04-meeting-and-minutes.md", 1),
        ("professionals/b2-05-presenting-your-work.md", 1),
        ("professionals/b2-07-isbar-phone-report.md", 1),
    ],
)
def test_lessons_with_a_table_document_render_it(name: str, tables: int):
    lesson = parse_file(CONTENT_DIR / name, CONTENT_DIR.parent.parent)
    assert lesson.problems == []
    html = "".join(block["nb"] for block in rendered(lesson)["blocks"])
    assert html.count("<table>") == tables
    assert "| ---" not in html


def test_every_new_track_lesson_shows_a_document_with_three_questions_on_it():
    """Issue 17: documents shown as documents, each with at least three questions."""
    paths = [
        path
        for track in ("transport", "professionals")
        for path in sorted(Path(CONTENT_DIR, track).glob("*.md"))
    ]
    assert len(paths) >= 11
    for path in paths:
        lesson = parse_file(path)
        html = "".join(block["nb"] for block in rendered(lesson)["blocks"])
        assert "<h3>" in html, path
        reading = [
            e for e in lesson.data["exercises"] if str(e.get("question", "")).startswith("Se på")
        ]
        assert len(reading) >= 3, path


def test_a_learner_reads_the_checklist_as_a_table_on_the_lesson_page(client, factory, tmp_path):
    name = "transport/a1-02-daily-vehicle-check.md"
    (tmp_path / "transport").mkdir()
    (tmp_path / name).write_text((CONTENT_DIR / name).read_text())
    sync_lessons_in(tmp_path)
    login_as(client, factory.learner(locale="uk"))
    page = client.get("/lessons/transport-daily-vehicle-check/step/1").get_data(as_text=True)
    assert '<div class="table-wrap"><table>' in page
    assert "<th>Kontrollpunkt</th>" in page
    assert "<h3>Daglig kontroll – sjekkliste</h3>" in page
    catalogue = client.get("/lessons").get_data(as_text=True)
    assert "Автобус, вантажівка, таксі та доставка" in catalogue
