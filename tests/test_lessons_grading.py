"""Grading of each exercise type (Norwegian letters, alternatives, case and whitespace, by value
and never by position) and the first-try rules of scores and completion."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons.arrangement import options_in_order, order_tiles
from lessons.grading import (
    first_try_score,
    gradable_ids,
    grade,
    is_completed,
    normalise,
    word_count,
)

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
        ("i morgen begynner jeg klokka sju", True),  # the tiles, as the player posts them
        ("Jeg, begynner klokka sju i morgen!", True),  # punctuation is not on the tiles
        ("Jeg klokka begynner sju i morgen", False),
        ("Jeg begynner klokka sju i", False),
        ("Jeg begynner klokka sju i morgen morgen", False),
        ("", False),
        (".", False),
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


def test_gradable_exercises_leave_out_free_writing():
    exercises = [CHOICE, FILL, ORDER, MATCH, WRITING, {**CHOICE, "id": "l", "type": "listen"}]
    assert gradable_ids(exercises) == ["c", "f", "o", "m", "l"]


def test_first_try_score_and_completion_at_the_edges():
    assert first_try_score(7, 6) == 86
    assert first_try_score(5, 4) == 80
    assert first_try_score(0, 0) == 0
    assert is_completed(5, 4, 0)  # 80 %
    assert not is_completed(7, 5, 0)  # 71 %
    assert not is_completed(7, 5, 6)  # the second pass is not full
    assert is_completed(7, 0, 7)  # a full second pass
    assert not is_completed(7, 0, 0)
    assert is_completed(0, 0, 0)  # free writing only: nothing to get wrong


def test_completion_exhaustively_up_to_twelve_exercises():
    for gradable in range(1, 13):
        for first, again in itertools.product(range(gradable + 1), repeat=2):
            expected = first / gradable >= 0.8 or again == gradable
            assert is_completed(gradable, first, again) is expected, (gradable, first, again)
            score = first_try_score(gradable, first)
            assert 0 <= score <= 100
            assert (score == 100) is (first == gradable)


@given(st.integers(1, 60), st.data())
def test_completion_grows_with_first_tries_and_second_pass(gradable, data):
    first = data.draw(st.integers(0, gradable))
    again = data.draw(st.integers(0, gradable))
    if is_completed(gradable, first, again):
        assert is_completed(gradable, min(first + 1, gradable), again)
        assert is_completed(gradable, first, min(again + 1, gradable))
    assert first_try_score(gradable, first) <= first_try_score(gradable, min(first + 1, gradable))


@given(
    st.lists(st.text(min_size=1, max_size=12), min_size=2, max_size=6, unique=True),
    st.data(),
)
def test_choice_is_graded_by_value_whatever_the_order_shown(options, data):
    options = [o for o in options if normalise(o)]
    if len({normalise(o) for o in options}) != len(options) or len(options) < 2:
        return
    answer = data.draw(st.sampled_from(options))
    exercise = {"id": "c", "type": "choice", "options": options, "answer": answer}
    seed = data.draw(st.text(max_size=20))
    for option in options_in_order(options, seed):
        assert grade(exercise, option).correct is (option == answer)
    assert grade(exercise, "0").correct is (normalise(answer) == "0")  # a position is no answer


@given(st.permutations(order_tiles(ORDER["sentence"])))
def test_order_is_right_only_in_a_listed_order(tiles):
    accepted = {tuple(order_tiles(ORDER["sentence"])), tuple(order_tiles(ORDER["alternatives"][0]))}
    accepted = {tuple(t.casefold() for t in key) for key in accepted}
    assert grade(ORDER, " ".join(tiles)).correct is (tuple(tiles) in accepted)


@given(st.text(max_size=40))
def test_normalise_is_idempotent_and_case_blind(text):
    once = normalise(text)
    assert normalise(once) == once
    assert normalise(text.upper()) == normalise(text.lower()) or not text.isascii()


@given(st.sampled_from(FILL["answers"]), st.text(alphabet=" \t", max_size=3))
def test_any_accepted_answer_with_any_padding_is_right(answer, padding):
    assert grade(FILL, padding + answer.upper() + padding).correct is True
