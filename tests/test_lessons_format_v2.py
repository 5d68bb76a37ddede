"""Lesson format 2: grammar note, speaking task, word limits, glossary, English lines and the
computed study time, checked against small variants of the fixture lesson."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons import pace
from lessons.loader import minutes, parse_file
from tests.conftest import LESSON_FIXTURES, login_as
from webapp.extensions import db
from webapp.lessons import services
from webapp.lessons.models import Lesson

SOURCE = (LESSON_FIXTURES / "valid" / "working-life" / "a1-01-fixture.md").read_text()
WORD = (
    "  - {nb: en pause, pos: noun, uk: перерва, ru: перерыв, en: break, example: Pausen er her.}\n"
)


def problems_of(tmp_path: Path, text: str) -> set[tuple[int, str]]:
    """The (line, message) problems of a lesson file with this text."""
    path = tmp_path / "working-life" / "a1-01-x.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return {(p.line, p.message) for p in parse_file(path, tmp_path).problems}


def with_words(count: int) -> str:
    """The fixture with ``count`` distinct new words."""
    start = SOURCE.index("vocabulary:\n") + len("vocabulary:\n")
    end = SOURCE.index("glossary:\n")
    words = "".join(WORD.replace("en pause", f"et ord{n}") for n in range(count))
    return SOURCE[:start] + words + SOURCE[end:]


def test_the_fixture_is_a_valid_version_2_lesson(tmp_path):
    assert problems_of(tmp_path, SOURCE) == set()


def test_a_minutes_line_is_refused(tmp_path):
    text = SOURCE.replace("order: 1\n", "order: 1\nminutes: 15\n")
    assert problems_of(tmp_path, text) == {
        (6, "minutes is computed from the lesson's size; remove it")
    }


def test_grammar_examples_must_be_in_the_text(tmp_path):
    text = SOURCE.replace('"Velkommen på jobb."]', '"Velkommen til jobben."]')
    assert problems_of(tmp_path, text) == {
        (22, "grammar example 'Velkommen til jobben.' is not in the text")
    }


def test_grammar_needs_two_to_four_examples_and_three_explanations(tmp_path):
    text = SOURCE.replace(', "Velkommen på jobb."]', "]").replace(
        '    ru: "Вопрос', '    xx: "Вопрос'
    )
    assert problems_of(tmp_path, text) == {
        (22, "grammar examples must be 2-4 Norwegian sentences"),
        (18, "grammar explanation is missing ru"),
    }


def test_grammar_and_speaking_titles_and_prompts_need_four_languages(tmp_path):
    text = SOURCE.replace(', en: "Questions with hvor"}', "}").replace(
        ', uk: "Привітайтеся з новим колегою."', ""
    )
    assert problems_of(tmp_path, text) == {
        (17, "grammar title is missing en"),
        (24, "speaking prompt is missing uk"),
    }


def test_speaking_needs_a_model_answer(tmp_path):
    text = SOURCE.replace('  model: "Hei! Jeg heter Olena. Jeg er ny her."\n', "")
    assert problems_of(tmp_path, text) == {
        (23, "speaking model (a Norwegian model answer) is missing")
    }


def test_a_lesson_without_grammar_or_speaking_is_refused(tmp_path):
    start, end = SOURCE.index("grammar:\n"), SOURCE.index("vocabulary:\n")
    assert problems_of(tmp_path, SOURCE[:start] + SOURCE[end:]) == {
        (2, "grammar must give title, explanation and examples"),
        (2, "speaking must give prompt and model"),
    }


@pytest.mark.parametrize(
    ("level", "count", "ok"),
    [
        ("A1", 7, False),
        ("A1", 8, True),
        ("A1", 15, True),
        ("A1", 16, False),
        ("A2", 16, True),
        ("B1", 20, True),
        ("B2", 20, True),
        ("B1", 21, False),
    ],
)
def test_new_words_are_8_to_15_at_a1_and_8_to_20_above(tmp_path, level, count, ok):
    text = with_words(count).replace("level: A1", f"level: {level}")
    found = problems_of(tmp_path, text)
    most = 15 if level == "A1" else 20
    expected = f"vocabulary must have 8-{most} new words at this level (it has {count})"
    assert found == (set() if ok else {(26, f"{expected}; move the others to glossary")})


def test_glossary_entries_need_every_language_but_no_example(tmp_path):
    text = SOURCE.replace(", en: thank you}", "}")
    assert problems_of(tmp_path, text) == {(36, "glossary entry is missing en")}
    twice = SOURCE.replace("{nb: takk,", "{nb: en kollega,")
    assert problems_of(tmp_path, twice) == {(36, "'en kollega' appears twice in this lesson")}


def test_every_paragraph_needs_uk_ru_and_en_in_that_order(tmp_path):
    missing = SOURCE.replace("en: **Manager:** Hi, Olena! Welcome to work.\n", "")
    assert problems_of(tmp_path, missing) == {(76, "paragraph has no en: translation")}
    en_line = "en: **Manager:** Hi, Olena! Welcome to work.\n"
    ru_start = SOURCE.index("ru: **Руководитель:**")
    swapped = SOURCE.replace(en_line, "")
    swapped = swapped[:ru_start] + en_line + swapped[ru_start:]
    assert problems_of(tmp_path, swapped) == {(76, "translations go in the order uk:, ru:, en:")}


def test_the_fixture_takes_the_stated_time():
    lesson = parse_file(LESSON_FIXTURES / "valid" / "working-life" / "a1-01-fixture.md")
    # 9 words of text and 8 of model answer at 30 a minute = 34 s; exercises 30+40+60+60+45+45
    # and writing 90+12*5 = 430 s; 8 words * 30 = 240 s; grammar 90 s; speaking 120 s.
    assert minutes(lesson) == 16  # 914 s, rounded up


def test_norwegian_words_skip_markdown_and_speaker_labels():
    assert pace.norwegian_words("**Leder:** Hei, Olena! Møtet er klokka 10.30.") == 6
    assert pace.norwegian_words("Vi har HMS-kort og bruker vernesko.") == 6


@given(
    level=st.sampled_from(["A1", "A2", "B1", "B2"]),
    words=st.integers(0, 2000),
    extra=st.integers(1, 500),
    kinds=st.lists(st.sampled_from([*pace.SECONDS_PER_EXERCISE, "writing", "new"]), max_size=12),
    vocabulary=st.integers(0, 20),
)
def test_more_text_exercises_or_words_never_take_less_time(level, words, extra, kinds, vocabulary):
    exercises = [{"type": kind, "min_words": 20} for kind in kinds]
    data = {"level": level, "exercises": exercises, "vocabulary": [{}] * vocabulary}
    base = pace.lesson_minutes(data, ["ord " * words])
    assert base >= 1
    assert pace.lesson_minutes(data, ["ord " * (words + extra)]) >= base
    more = {**data, "exercises": [*exercises, {"type": "choice"}]}
    assert pace.lesson_minutes(more, ["ord " * words]) >= base
    assert (
        pace.lesson_minutes({**data, "vocabulary": [{}] * (vocabulary + 1)}, ["ord " * words])
        >= base
    )


def test_a_higher_level_reads_the_same_text_faster():
    data = {"level": "A1", "exercises": [], "vocabulary": []}
    times = [
        pace.lesson_minutes({**data, "level": lv}, ["ord " * 900]) for lv in pace.WORDS_PER_MINUTE
    ]
    assert times == sorted(times, reverse=True)
    assert times == [30, 20, 14, 10]


def test_sync_stores_the_computed_minutes(synced_lesson):
    assert db.session.get(Lesson, "fixture-first-day").minutes == 16


def test_the_page_shows_grammar_speaking_and_glossary_in_the_support_language(
    client, factory, synced_lesson
):
    login_as(client, factory.learner(locale="uk"))
    start = client.get("/lessons/fixture-first-day").get_data(as_text=True)
    assert "16 хвилин" in start
    page = client.get("/lessons/fixture-first-day/step/1").get_data(as_text=True)
    assert "Spørsmål med hvor" in page
    assert "Питання зі словом hvor" in page
    assert "Питання починається з <strong>hvor</strong> (де)" in page
    assert "Вопрос начинается" not in page  # only the learner's support language
    assert "<li>Velkommen på jobb.</li>" in page
    assert "Hils på en ny kollega." in page
    assert "Привітайтеся з новим колегою." in page
    assert "Показати зразок відповіді" in page
    assert "Hei! Jeg heter Olena. Jeg er ny her." in page
    assert "дякую" in page  # the glossary is shown for reading


def test_glossary_words_do_not_become_review_cards(factory, synced_lesson):
    learner = factory.learner(locale="uk")
    lesson = db.session.get(Lesson, "fixture-first-day")
    assert services.create_cards(learner, lesson) == 8  # words: forward cards only
    words = {card.word_nb for card in learner_cards(learner)}
    assert "takk" not in words
    assert "en pause" in words


def learner_cards(learner):
    from sqlalchemy import select

    from webapp.lessons.models import VocabCard

    return db.session.scalars(select(VocabCard).where(VocabCard.learner_id == learner.id)).all()
