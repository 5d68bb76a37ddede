"""Option order and word-order tiles: position and punctuation never give the answer away."""

from hypothesis import given
from hypothesis import strategies as st

from lessons.arrangement import (
    PUNCTUATION,
    is_buildable,
    names_in,
    options_in_order,
    order_key,
    order_tiles,
)

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå", min_size=1, max_size=8)


@given(st.lists(WORDS, min_size=2, max_size=6, unique=True), st.text(max_size=20))
def test_options_in_order_is_a_stable_permutation(options, seed):
    shown = options_in_order(options, seed)
    assert sorted(shown) == sorted(options)
    assert shown == options_in_order(options, seed)


def test_the_first_option_is_not_always_first():
    options = ["riktig", "feil1", "feil2", "feil3"]
    firsts = {options_in_order(options, f"learner:{n}")[0] for n in range(40)}
    assert firsts == set(options)
    positions = [options_in_order(options, f"7:ex:{n}").index("riktig") for n in range(400)]
    assert all(60 < positions.count(place) < 140 for place in range(4))


def test_tiles_have_no_capital_at_the_start_and_no_full_stop():
    assert order_tiles("Jeg jobber i Bergen i dag.", {"Bergen"}) == [
        "jeg",
        "jobber",
        "i",
        "Bergen",
        "i",
        "dag",
    ]
    assert order_tiles("«Kan du komme?» spør hun.") == ["kan", "du", "komme", "spør", "hun"]


def test_names_are_capitals_where_no_sentence_begins():
    assert names_in(["Jeg bor i Oslo. Han heter Ivan.", "Nå jobber Olena på NAV."]) == {
        "Oslo",
        "Ivan",
        "Olena",
        "NAV",
    }


@given(st.lists(WORDS, min_size=1, max_size=8), st.randoms())
def test_any_order_of_the_words_is_buildable_and_keyed_alike(words, rnd):
    sentence = " ".join(words).capitalize() + "."
    shuffled = list(words)
    rnd.shuffle(shuffled)
    assert is_buildable(" ".join(shuffled), sentence)
    assert order_key(sentence) == tuple(words)
    assert not any(ch in PUNCTUATION for tile in order_tiles(sentence) for ch in tile)


def test_an_alternative_with_another_word_is_not_buildable():
    assert not is_buildable("I dag jobber jeg", "Jeg jobber i morgen.")
