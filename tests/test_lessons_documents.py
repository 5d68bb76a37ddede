"""Documents in a lesson body: a Markdown table renders as a sanitized <table> with header
cells, inside a box that scrolls sideways on a narrow phone; document headings are kept."""

from __future__ import annotations

from pathlib import Path

from lessons.loader import render_markdown
from tests.conftest import copy_fixture_lesson, login_as, sync_lessons_in

PAYSLIP = """### Lønnsslipp mars

| Lønnsart | Timer | Sats | Beløp |
| --- | ---: | ---: | ---: |
| Timelønn | 150 | 210,00 | 31 500,00 |
| **Brutto** | | | **31 500,00** |"""


def test_a_table_renders_as_a_table_with_header_cells_in_a_scrolling_box() -> None:
    html = render_markdown(PAYSLIP)
    assert "<h3>Lønnsslipp mars</h3>" in html
    assert '<div class="document" tabindex="0"><table>' in html
    assert "<thead>" in html
    assert "<tbody>" in html
    assert "<th>Lønnsart</th>" in html
    assert "<td>31 500,00</td>" in html
    assert "</table></div>" in html
    assert "style=" not in html  # alignment attributes are dropped with all others


def test_markup_inside_a_table_is_still_sanitized() -> None:
    html = render_markdown("| A | B |\n| --- | --- |\n| <script>x()</script> | [l](http://x) |")
    assert "<script" not in html
    assert "<a " not in html
    assert "<th>A</th>" in html


def test_top_level_headings_are_not_allowed_in_a_body() -> None:
    assert "<h1>" not in render_markdown("# Title")
    assert "<h2>" not in render_markdown("## Title")


def test_a_lesson_page_shows_a_document_table(client, factory, tmp_path: Path) -> None:
    path = copy_fixture_lesson(tmp_path)
    table = "\n".join(PAYSLIP.splitlines()[2:])
    block = f"{table}\nuk: Розрахунок.\nru: Расчёт.\nen: Pay.\n"
    path.write_text(path.read_text() + "\n" + block)
    sync_lessons_in(tmp_path)
    login_as(client, factory.learner(locale="uk"))
    page = client.get("/lessons/fixture-first-day").get_data(as_text=True)
    assert '<div class="document" tabindex="0"><table>' in page
    assert "<th>Sats</th>" in page
