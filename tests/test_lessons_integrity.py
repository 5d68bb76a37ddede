"""Exercise integrity: the checker refuses guessable or broken exercises; the curriculum passes."""

from __future__ import annotations

from pathlib import Path

from lessons.arrangement import is_buildable
from lessons.loader import check_all, lesson_files

FIXTURE = Path(__file__).parent / "fixtures" / "lessons" / "valid" / "working-life"
SOURCE = (FIXTURE / "a1-01-fixture.md").read_text(encoding="utf-8")
CHOSEN = ("choice", "listen", "dialogue")

CHOICE = 'options: ["Ha en fin dag.", "Hei, jeg heter Olena.", "Vi ses i morgen."]'
LISTEN = 'options: ["Klokka sju", "Klokka tolv", "Klokka elleve"]'
DIALOGUE = (
    'options: ["Nei, jeg har ikke fått skoene ennå.", "Ja, takk. Jeg har fått alt.", '
    '"Ja, jeg har fått nøkkelen."]'
)


def at(needle: str) -> str:
    """``file:line`` of the fixture's line holding ``needle`` (edits keep lines where they are)."""
    number = next(n for n, row in enumerate(SOURCE.split("\n"), 1) if needle in row)
    return f"working-life/a1-01-x.md:{number}"


FIRST_ANSWER = at('answer: "Hei, jeg heter Olena."')
ALTERNATIVES = at("alternatives: [")
CHOICE_OPTIONS = at(CHOICE)
LISTEN_OPTIONS = at(LISTEN)
AUDIO = at("audio: ")


def _problems(tmp_path: Path, *replacements: tuple[str, str]) -> list[str]:
    """The checker's lines for the valid fixture with ``replacements`` made."""
    text = SOURCE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    folder = tmp_path / "working-life"
    folder.mkdir()
    (folder / "a1-01-x.md").write_text(text, encoding="utf-8")
    _parsed, problems = check_all(lesson_files(tmp_path), tmp_path)
    return [str(problem) for problem in problems]


def test_the_fixture_itself_passes(tmp_path):
    assert _problems(tmp_path) == []


def test_answer_first_in_every_chosen_exercise_is_refused(tmp_path):
    problems = _problems(
        tmp_path,
        (CHOICE, 'options: ["Hei, jeg heter Olena.", "Ha en fin dag.", "Vi ses i morgen."]'),
        (LISTEN, 'options: ["Klokka elleve", "Klokka sju", "Klokka tolv"]'),
        (
            DIALOGUE,
            'options: ["Ja, takk. Jeg har fått alt.", "Nei, jeg har ikke fått skoene ennå.", '
            '"Ja, jeg har fått nøkkelen."]',
        ),
    )
    assert problems == [
        f"{FIRST_ANSWER}: the answer is the first option in every choice, "
        "listen and dialogue exercise"
    ]


def test_answer_always_in_the_same_place_is_refused(tmp_path):
    problems = _problems(
        tmp_path, (LISTEN, 'options: ["Klokka sju", "Klokka elleve", "Klokka ni"]')
    )
    assert problems == [
        f"{FIRST_ANSWER}: the answer is option 2 in every choice, listen and dialogue exercise"
    ]


def test_answer_always_the_longest_option_is_refused(tmp_path):
    problems = _problems(
        tmp_path,
        (
            DIALOGUE,
            'options: ["Nei, ikke sko.", "Ja, takk. Jeg har fått alt.", "Ja, nøkkelen."]',
        ),
    )
    assert problems == [
        f"{FIRST_ANSWER}: the answer is the longest option in every choice, "
        "listen and dialogue exercise"
    ]


def test_an_alternative_that_cannot_be_built_is_refused(tmp_path):
    problems = _problems(
        tmp_path,
        (
            'alternatives: ["I morgen begynner jeg klokka sju."]',
            'alternatives: ["I morgen begynner jeg klokka sju.", '
            '"I morgen starter jeg klokka sju."]',
        ),
    )
    assert problems == [
        f"{ALTERNATIVES}: alternative 'I morgen starter jeg klokka sju.' "
        "cannot be built from the sentence's tiles"
    ]


def test_a_gap_distractor_that_is_not_one_form_is_refused(tmp_path):
    problems = _problems(
        tmp_path,
        ("question: Hva sier du til en ny kollega?", 'question: "Velg riktig ord: «Jeg ___ her.»"'),
        (CHOICE, 'options: ["jobbe", "jobbet i morgen", "Hei, jeg heter Olena."]'),
        ('answer: "Hei, jeg heter Olena."', 'answer: "jobbe"'),
    )
    assert problems == [
        f"{CHOICE_OPTIONS}: option 'jobbet i morgen' does not fill the gap like the "
        "answer 'jobbe': use one form of similar length",
        f"{CHOICE_OPTIONS}: option 'Hei, jeg heter Olena.' does not fill the gap like "
        "the answer 'jobbe': use one form of similar length",
    ]


def test_a_gap_distractor_much_longer_than_the_answer_is_refused(tmp_path):
    problems = _problems(
        tmp_path,
        ("question: Hva sier du til en ny kollega?", 'question: "Velg riktig: «Hun har ___ bil.»"'),
        (CHOICE, 'options: ["et", "en", "ingenting"]'),
        ('answer: "Hei, jeg heter Olena."', 'answer: "en"'),
    )
    assert problems == [
        f"{CHOICE_OPTIONS}: option 'ingenting' does not fill the gap like the answer "
        "'en': use one form of similar length"
    ]


def test_duplicate_options_are_refused(tmp_path):
    problems = _problems(
        tmp_path, (LISTEN, 'options: ["Klokka sju", "klokka  sju", "Klokka elleve"]')
    )
    assert problems == [f"{LISTEN_OPTIONS}: options must be different from each other"]


def test_an_empty_option_is_refused(tmp_path):
    problems = _problems(tmp_path, (LISTEN, 'options: ["Klokka sju", " ", "Klokka elleve"]'))
    assert problems == [f"{LISTEN_OPTIONS}: every option must be non-empty text"]


def test_fewer_than_three_options_are_refused(tmp_path):
    problems = _problems(tmp_path, (LISTEN, 'options: ["Klokka elleve", "Klokka sju"]'))
    assert problems == [f"{LISTEN_OPTIONS}: options must be a list of 3-6 answers"]


def test_audio_with_markup_is_refused(tmp_path):
    problems = _problems(
        tmp_path, ('audio: "Pausen er klokka elleve."', 'audio: "Pausen er **klokka** ___."')
    )
    assert problems == [f"{AUDIO}: audio is read aloud: no markup, blanks or links"]


def test_audio_of_one_word_is_refused(tmp_path):
    problems = _problems(tmp_path, ('audio: "Pausen er klokka elleve."', 'audio: "Pause."'))
    assert problems == [f"{AUDIO}: audio must have 2-60 words"]


def test_audio_that_is_an_option_is_refused(tmp_path):
    problems = _problems(tmp_path, ('audio: "Pausen er klokka elleve."', 'audio: "Klokka elleve"'))
    assert problems == [f"{AUDIO}: audio must not be one of the options word for word"]


# --- the whole curriculum -------------------------------------------------------------------


def _curriculum() -> list:
    parsed, problems = check_all(lesson_files())
    assert problems == []
    return parsed


def test_every_listed_alternative_is_buildable_from_its_tiles():
    checked = 0
    for lesson in _curriculum():
        for exercise in lesson.data["exercises"]:
            for alternative in (
                exercise.get("alternatives", []) if exercise["type"] == "order" else []
            ):
                assert is_buildable(alternative, exercise["sentence"]), (lesson.path, alternative)
                checked += 1
    assert checked >= 28


def test_no_lesson_has_its_answer_first_in_every_chosen_exercise():
    lessons = _curriculum()
    assert len(lessons) >= 48
    for lesson in lessons:
        places = [
            exercise["options"].index(exercise["answer"])
            for exercise in lesson.data["exercises"]
            if exercise["type"] in CHOSEN
        ]
        assert places, lesson.path
        assert set(places) != {0}, lesson.path
        if len(places) >= 3:
            assert len(set(places)) > 1, lesson.path


def test_always_picking_the_longest_option_never_passes_a_lesson():
    for lesson in _curriculum():
        chosen = [e for e in lesson.data["exercises"] if e["type"] in CHOSEN]
        # ties count as longest: such a learner might pick the right one of them
        longest = [all(len(o) <= len(e["answer"]) for o in e["options"]) for e in chosen]
        assert not all(longest), lesson.path


def test_every_chosen_exercise_has_three_or_more_distinct_options():
    for lesson in _curriculum():
        for exercise in lesson.data["exercises"]:
            if exercise["type"] in CHOSEN:
                options = [" ".join(o.split()).casefold() for o in exercise["options"]]
                assert len(options) >= 3, lesson.path
                assert len(set(options)) == len(options), lesson.path
