"""The placement test cannot be guessed: simulated learners through the pure adaptive rule."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.arrangement import options_in_order
from lessons.placement import (
    PER_LEVEL,
    PLACEMENT_LEVELS,
    SKILLS,
    Step,
    check_bank,
    load_bank,
    next_step,
    skill_levels,
)

BANK = load_bank()
Chooser = Callable[[dict[str, Any], list[str]], str]


def run(choose: Chooser, learner: str = "7", attempt: int = 1, voice: bool = True) -> Step:
    """A whole test: options shown as the page shows them, graded by value as the page grades."""
    answers: dict[str, bool] = {}
    skipped: set[str] = set()
    for _ in range(len(BANK) + 1):
        step = next_step(BANK, answers, frozenset(skipped))
        if step.item is None:
            return step
        item = step.item
        if item["skill"] == "listening" and not voice:
            skipped.add(item["id"])
            continue
        shown = options_in_order(item["options"], f"{learner}:placement:{item['id']}:{attempt}")
        answers[item["id"]] = choose(item, shown) == item["answer"]
    raise AssertionError("the test never ended")


def knows_up_to(level: str) -> Chooser:
    known = PLACEMENT_LEVELS[: PLACEMENT_LEVELS.index(level) + 1]

    def choose(item: dict[str, Any], shown: list[str]) -> str:
        if item["level"] in known:
            return item["answer"]
        return next(option for option in shown if option != item["answer"])

    return choose


def test_the_bank_is_sound():
    assert check_bank(BANK) == []
    assert {item["level"] for item in BANK} == set(PLACEMENT_LEVELS)
    assert {item["skill"] for item in BANK} == set(SKILLS)


def test_answers_are_not_first_in_the_file_either():
    places = [item["options"].index(item["answer"]) for item in BANK]
    assert places.count(0) < len(places) / 2
    assert {0, 1, 2} <= set(places)


@pytest.mark.parametrize("learner", ["1", "2", "77", "1234"])
def test_always_the_first_displayed_option_ends_at_a1(learner):
    step = run(lambda item, shown: shown[0], learner)
    assert step.level == "A1"
    assert step.passed == ()


@pytest.mark.parametrize("learner", ["1", "2", "77", "1234"])
def test_always_the_last_displayed_option_ends_at_a1(learner):
    step = run(lambda item, shown: shown[-1], learner)
    assert step.level == "A1"
    assert step.passed == ()


def test_always_the_longest_or_the_shortest_option_ends_at_a1():
    assert run(lambda item, shown: max(shown, key=len)).level == "A1"
    assert run(lambda item, shown: min(shown, key=len)).level == "A1"


def test_always_the_first_option_in_the_file_ends_at_a1():
    assert run(lambda item, shown: item["options"][0]).level == "A1"


def test_random_answering_rarely_ends_above_a1():
    above = 0
    runs = 1000
    for seed in range(runs):
        rng = random.Random(seed)
        step = run(lambda item, shown, rng=rng: rng.choice(shown), str(seed), voice=seed % 2 == 0)
        above += step.level != "A1"
    share = above / runs
    print(f"random answering ended above A1 in {above} of {runs} runs ({share:.1%})")
    assert share < 0.05


@pytest.mark.parametrize("level", PLACEMENT_LEVELS)
def test_a_learner_who_knows_everything_up_to_a_level_ends_there(level):
    step = run(knows_up_to(level))
    assert step.level == level
    assert step.passed == PLACEMENT_LEVELS[: PLACEMENT_LEVELS.index(level) + 1]


def test_up_to_b1_ends_at_b1_and_everything_ends_at_b2():
    assert run(knows_up_to("B1")).level == "B1"
    everything = run(lambda item, shown: item["answer"])
    assert everything.level == "B2"
    assert everything.skills == {"reading": "B2", "listening": "B2", "grammar": "B2"}


def test_without_a_norwegian_voice_listening_is_skipped_and_not_estimated():
    step = run(lambda item, shown: item["answer"], voice=False)
    assert step.level == "B2"
    assert step.skills["listening"] is None
    assert step.skills["reading"] == "B2"


def test_a_level_needs_six_right_of_at_most_eight():
    a1 = [item["id"] for item in BANK if item["level"] == "A1"]
    three_wrong = {item_id: index < 4 for index, item_id in enumerate(a1[:7])}
    assert next_step(BANK, three_wrong).level == "A1"  # 6 of 8 can no longer be reached
    two_wrong = {item_id: index < 5 for index, item_id in enumerate(a1[:7])}
    assert next_step(BANK, two_wrong).item["id"] == a1[7]
    six = {item_id: True for item_id in a1[:6]}
    assert next_step(BANK, six).item["level"] == "A2"
    slow = {item_id: index not in (0, 3) for index, item_id in enumerate(a1[:PER_LEVEL])}
    assert next_step(BANK, slow).item["level"] == "A2"  # 6 of 8


def test_skills_are_estimated_separately():
    answers = {
        item["id"]: item["skill"] != "listening" or item["level"] == "A1"
        for item in BANK
        if item["level"] in ("A1", "A2")
    }
    assert skill_levels(BANK, answers) == {"reading": "A2", "listening": "A1", "grammar": "A2"}
    assert skill_levels(BANK, {}) == {"reading": None, "listening": None, "grammar": None}


def test_the_check_refuses_a_bank_item_with_a_throwaway_gap_option(tmp_path):
    from lessons.placement import BANK_FILE, bank_problems

    broken = tmp_path / "placement.yaml"
    text = BANK_FILE.read_text(encoding="utf-8")
    assert 'options: ["en", "et", "ei"]' in text
    broken.write_text(
        text.replace('options: ["en", "et", "ei"]', 'options: ["en", "et", "ei hus"]')
    )
    line = next(n for n, row in enumerate(text.split("\n"), 1) if "{id: a1-04," in row)
    assert bank_problems(broken, "placement.yaml") == [
        f"placement.yaml:{line}: a1-04: option 'ei hus' does not fill the gap like the answer "
        "'en': use one form of similar length"
    ]
    assert bank_problems() == []


@given(st.lists(st.booleans(), min_size=len(BANK), max_size=len(BANK)), st.sets(st.integers(0, 47)))
@settings(max_examples=300, deadline=None)
def test_every_answer_pattern_ends_with_the_rule_kept(rights, skips):
    """Whatever is answered and skipped: at most 8 items a level, passed exactly at 6 right."""
    answers: dict[str, bool] = {}
    skipped: set[str] = set()
    listening = [item["id"] for item in BANK if item["skill"] == "listening"]
    skip_ids = {listening[i % len(listening)] for i in skips}
    for _ in range(len(BANK) + 1):
        step = next_step(BANK, answers, frozenset(skipped))
        if step.item is None:
            break
        item_id = step.item["id"]
        if item_id in skip_ids:
            skipped.add(item_id)
        else:
            answers[item_id] = rights[[item["id"] for item in BANK].index(item_id)]
    assert step.level in PLACEMENT_LEVELS
    for level in PLACEMENT_LEVELS:
        results = [answers[i["id"]] for i in BANK if i["level"] == level and i["id"] in answers]
        assert len(results) <= PER_LEVEL
        passed = level in step.passed
        assert passed == (sum(results) >= 6)
        if passed:
            assert results[-1] is True  # the test moves on at the sixth right answer
    assert step.level == (step.passed[-1] if step.passed else "A1")
    assert list(step.passed) == list(PLACEMENT_LEVELS[: len(step.passed)])
