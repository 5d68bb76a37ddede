"""Grading of each exercise type: Norwegian letters, alternatives, case and whitespace."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.grading import grade, is_completed, lesson_score, normalise, word_count

FILL = {"id": "f", "type": "fill", "text": "Jeg ___ her.", "answers": ["jobber", "arbeider"]}
CHOICE = {"id": "c", "type": "choice", "options": ["Hei.", "Ha det."], "answer": "Hei."}
ORDER = {
    "id": "o",
    "type": "order",
    "sentence": "Jeg begynner klokka sju i morgen.",
    "alternatives": ["I morgen begynner jeg klokka sju."],
}
MATCH = {
    "id": "m",
    "type": "match",
    "pairs": [
        {"nb": "en kollega", "uk": "колега", "ru": "коллега", "en": "colleague"},
        {"nb": "en pause", "uk": "перерва", "ru": "перерыв", "en": "break"},
    ],
}
WRITING = {"id": "w", "type": "writing", "prompt": "Skriv.", "min_words": 3, "max_words": 6}
AE = {"id": "a", "type": "fill", "text": "Jeg ___ norsk.", "answers": ["lærer"]}


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("jobber", True),
        ("  Jobber  ", True),
        ("JOBBER", True),
        ("arbeider", True),
        ("jobber.", True),
        ("jobbe", False),
        ("", False),
    ],
)
def test_fill_accepts_alternatives_ignoring_case_and_spaces(answer, correct):
    assert grade(FILL, answer).correct is correct


@pytest.mark.parametrize(
    ("answer", "correct"),
    [("lærer", True), ("LÆRER", True), ("laerer", False), ("larer", False), ("lærer ", True)],
)
def test_norwegian_letters_count_as_themselves(answer, correct):
    assert grade(AE, answer).correct is correct


def test_choice_listen_and_dialogue():
    assert grade(CHOICE, "Hei.").correct is True
    assert grade(CHOICE, "Ha det.").correct is False
    wrong = grade({**CHOICE, "type": "listen", "audio": "Hei"}, "Ha det.")
    assert wrong.correct is False
    assert wrong.expected == "Hei."
    assert grade({**CHOICE, "type": "dialogue", "lines": []}, "Hei.").correct is True


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("Jeg begynner klokka sju i morgen.", True),
        ("jeg begynner klokka sju i morgen", True),
        ("I morgen begynner jeg klokka sju", True),
        ("Jeg  begynner klokka   sju i morgen", True),
        ("Jeg klokka begynner sju i morgen", False),
        ("", False),
    ],
)
def test_order(answer, correct):
    assert grade(ORDER, answer).correct is correct


def test_match_per_language_and_per_pair():
    right = {"en kollega": "колега", "en pause": "перерва"}
    assert grade(MATCH, right, "uk").correct is True
    half = grade(MATCH, {"en kollega": "колега", "en pause": "колега"}, "uk")
    assert half.correct is False
    assert half.detail == (("en kollega", True), ("en pause", False))
    assert grade(MATCH, {"en kollega": "коллега", "en pause": "перерыв"}, "ru").correct is True
    assert grade(MATCH, "not a mapping", "en").correct is False


def test_writing_is_for_the_teacher_within_limits():
    assert grade(WRITING, "to ord").problem == "too_short"
    assert grade(WRITING, "en to tre fire fem seks sju").problem == "too_long"
    assert grade(WRITING, "Jeg heter Olena og bor i Drammen").problem == "too_long"
    ok = grade(WRITING, "Jeg heter Olena.")
    assert (ok.correct, ok.problem) == (None, "")


def test_word_count_handles_norwegian_and_hyphens():
    assert word_count("Jeg bor på Bryn, i Oslo-området.") == 6
    assert word_count("") == 0


def test_scores_and_completion():
    exercises = [{"id": str(i), "type": "choice"} for i in range(4)] + [WRITING]
    assert lesson_score(exercises, {"0", "1", "2", "3"}, {"w"}) == 100
    assert lesson_score(exercises, {"0", "1", "2", "3"}, set()) == 80
    assert lesson_score(exercises, {"0", "1", "2"}, set()) == 60
    assert is_completed(80)
    assert not is_completed(79)


@given(st.text(max_size=40))
def test_normalise_is_idempotent_and_case_blind(text):
    once = normalise(text)
    assert normalise(once) == once
    assert normalise(text.upper()) == normalise(text.lower()) or not text.isascii()


@given(st.sampled_from(FILL["answers"]), st.text(alphabet=" \t", max_size=3))
def test_any_accepted_answer_with_any_padding_is_right(answer, padding):
    assert grade(FILL, padding + answer.upper() + padding).correct is True
