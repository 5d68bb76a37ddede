"""The practice sets (pure): the checker's rules, grading by value, scores, blind strategies."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lessons import practice
from lessons.arrangement import options_in_order

SETS = practice.load_sets()
SCORED = [s for s in SETS.values() if s["skill"] in practice.SCORED_SKILLS]

GOOD = textwrap.dedent(
    """\
    id: a2-listening
    level: A2
    skill: listening
    title: {nb: "Lytting", uk: "Аудіювання", ru: "Аудирование", en: "Listening"}
    instruction: {nb: "Lytt.", uk: "Слухайте.", ru: "Слушайте.", en: "Listen."}
    items:
    """
)


def _item(n: int, position: int) -> str:
    options = ["Klokka sju.", "Klokka åtte.", "Klokka ni."]
    return textwrap.indent(
        textwrap.dedent(
            f"""\
            - id: l{n}
              audio: "Vi begynner klokka {8 + n}."
              question: "Når begynner vi?"
              options: {options!r}
              answer: "{options[position]}"
            """
        ),
        "  ",
    )


def _problems(text: str, stem: str = "a2-listening") -> list[tuple[int, str]]:
    return practice.set_problems(practice.parse(text), stem)


def _listening(positions: list[int]) -> str:
    return GOOD + "".join(_item(n, position) for n, position in enumerate(positions, 1))


def test_every_skill_and_level_has_a_set_and_the_files_are_clean():
    assert sorted(SETS) == sorted(
        practice.set_id(level, skill) for level in practice.LEVELS for skill in practice.SKILLS
    )
    assert practice.all_problems() == []


def test_a_well_made_set_has_no_problems():
    assert _problems(_listening([1, 0, 2, 1, 2, 0])) == []


def test_the_answer_always_first_is_reported():
    problems = [problem for _, problem in _problems(_listening([0] * 6))]
    assert "the answer is always first" in problems
    assert any("always taking the first option would pass" in p for p in problems)


def test_the_answer_mostly_last_is_reported_at_the_sets_line():
    problems = _problems(_listening([2, 2, 2, 2, 1, 0]))
    assert (1, "the answer is last in 4 of 6 items: always taking the last option would pass") in (
        problems
    )


def test_an_answer_not_among_the_options_is_reported_at_its_items_line():
    text = _listening([1, 0, 2, 1, 2, 0]).replace('answer: "Klokka ni."', 'answer: "Klokka ti."', 1)
    problems = _problems(text)
    line = text.splitlines().index(next(line for line in text.splitlines() if "Klokka ti." in line))
    assert any(problem == "the answer is not among the options" for _, problem in problems)
    item_line = next(at for at, problem in problems if problem.startswith("the answer is not"))
    assert item_line <= line + 1
    assert "- id:" in text.splitlines()[item_line - 1]


def test_a_missing_support_language_is_reported():
    text = _listening([1, 0, 2, 1, 2, 0]).replace(', ru: "Слушайте."', "")
    assert (5, "instruction has no ru") in _problems(text)


def test_too_few_items_options_and_a_wrong_name_are_reported():
    text = _listening([1, 0, 2]).replace(
        "'Klokka ni.']", "'Klokka ni.', 'Klokka ti.', 'Fem.', 'Seks.']", 1
    )
    problems = [problem for _, problem in _problems(text, stem="b1-listening")]
    assert "6-10 items needed, found 3" in problems
    assert "3-4 options needed, found 6" in problems
    assert "the file must be named a2-listening.yaml" in problems


def test_a_listening_item_without_audio_and_a_duplicate_id_are_reported():
    text = (
        _listening([1, 0, 2, 1, 2, 0])
        .replace("id: l2", "id: l1")
        .replace('audio: "Vi begynner klokka 9."', 'audio: ""')
    )
    problems = [problem for _, problem in _problems(text)]
    assert "item id l1 is used twice" in problems
    assert "a listening item needs audio (the text read aloud)" in problems


def test_writing_and_oral_rules():
    writing = copy.deepcopy(SETS["b1-writing"])
    writing["tasks"][0]["min_words"] = 200
    del writing["tasks"][1]["prompt"]["uk"]
    problems = [problem for _, problem in practice.set_problems(writing)]
    assert "min_words and max_words: whole numbers, 0 < min < max <= 400" in problems
    assert "prompt has no uk" in problems
    oral = copy.deepcopy(SETS["b2-oral"])
    oral["prompts"][0]["model"] = " "
    oral["prompts"][1]["preparation_seconds"] = 0
    problems = [problem for _, problem in practice.set_problems(oral)]
    assert "an oral prompt needs a model answer" in problems
    assert "preparation_seconds must be a whole number from 1 to 600" in problems


def test_a_broken_file_is_one_problem_with_its_line(tmp_path: Path):
    path = tmp_path / "a2-reading.yaml"
    path.write_text("id: a2-reading\nlevel: [A2\n", encoding="utf-8")
    (problem,) = practice.file_problems(path, "a2-reading.yaml")
    assert problem.startswith("a2-reading.yaml:")
    assert "cannot read the set" in problem


def test_a_missing_set_is_reported(tmp_path: Path):
    (tmp_path / "a2-oral.yaml").write_text(
        (practice.PRACTICE_DIR / "a2-oral.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    problems = practice.all_problems(tmp_path, tmp_path)
    assert len(problems) == 11
    assert "./a2-reading.yaml:1: the set is missing" in problems


def test_the_check_command_reports_the_sets(runner):
    result = runner.invoke(args=["lessons", "check-practice"])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_the_check_command_reports_a_problem_with_path_and_line(runner, tmp_path: Path):
    path = tmp_path / "a2-listening.yaml"
    path.write_text(_listening([0] * 6), encoding="utf-8")
    result = runner.invoke(args=["lessons", "check-practice", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1: the answer is always first" in result.output


@pytest.mark.parametrize("practice_set", SCORED, ids=lambda s: s["id"])
def test_grading_is_by_value_in_any_shown_order(practice_set):
    items = practice.questions(practice_set)
    right = {item["id"]: item["answer"] for item in items}
    assert practice.score(practice_set, right) == practice.Score(len(items), len(items))
    for seed in range(5):
        shown = {
            item["id"]: options_in_order(item["options"], f"{seed}:{item['id']}") for item in items
        }
        by_value = {
            item_id: next(o for o in shown[item_id] if o == right[item_id]) for item_id in shown
        }
        assert practice.score(practice_set, by_value).percent == 100
    assert practice.score(practice_set, {}).correct == 0
    # a position is not an answer, nor is a list or a number
    first = items[0]
    positions = {first["id"]: str(first["options"].index(first["answer"]))}
    assert practice.score(practice_set, positions).correct == 0
    assert not practice.is_right(first, [first["answer"]])


@given(st.integers(min_value=0, max_value=10), st.integers(min_value=1, max_value=10))
def test_the_pass_mark(correct, total):
    correct = min(correct, total)
    score = practice.Score(correct, total)
    assert 0 <= score.percent <= 100
    assert score.passed == (100 * correct / total >= practice.PASS_PERCENT - 0.5)


@pytest.mark.parametrize("practice_set", SCORED, ids=lambda s: s["id"])
@pytest.mark.parametrize("pick", ["first", "last"])
def test_always_the_first_or_the_last_option_fails(practice_set, pick):
    """As written in the file it always fails (the checker sees to that); as shown, shuffled
    per learner, it is blind guessing: below the pass mark on average, passing only by luck."""
    items = practice.questions(practice_set)
    index = 0 if pick == "first" else -1
    as_written = {item["id"]: item["options"][index] for item in items}
    assert not practice.score(practice_set, as_written).passed
    learners = range(1, 1001)
    scores = [
        practice.score(
            practice_set,
            {
                item["id"]: options_in_order(
                    item["options"], f"{learner}:practice:{practice_set['id']}:{item['id']}:1"
                )[index]
                for item in items
            },
        )
        for learner in learners
    ]
    assert sum(score.percent for score in scores) / len(scores) < practice.PASS_PERCENT - 20
    # with 3-4 options and 7-9 items, a guesser passes in under one try in ten
    assert sum(score.passed for score in scores) / len(scores) < 0.1


def test_lessons_check_reports_the_practice_sets_too(runner, tmp_path: Path, monkeypatch):
    for path in practice.set_files():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b2-oral.yaml").unlink()
    monkeypatch.setattr(practice, "PRACTICE_DIR", tmp_path)
    result = runner.invoke(args=["lessons", "check"])
    assert result.exit_code == 1
    assert f"{tmp_path}/b2-oral.yaml:1: the set is missing" in result.output
