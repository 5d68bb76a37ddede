"""Listening: dictation and recorded-dialogue questions from teachers' recordings (rules and
pages), listening exercises that play the recording and record whether they were heard."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from tests.audio_samples import webm_opus
from tests.test_recordings import client_for, folder, people, record_and_publish  # noqa: F401
from webapp.extensions import db
from webapp.lessons.models import ExerciseAnswer
from webapp.listening.models import ListeningAnswer
from webapp.listening.rules import (
    DIALOGUE,
    DICTATION,
    MAX_DICTATIONS,
    ListeningItem,
    grade_item,
    heard_form,
    item_key_of_text,
    listening_items,
)
from webapp.privacy.services import erase_learner
from webapp.recordings.models import VoiceRecording

LESSON = "fixture-first-day"
SENTENCE = "Velkommen på jobb."
LINE = "Har du fått arbeidsklær?"
PRACTICE = f"/lessons/{LESSON}/listening"


# Pure rules -------------------------------------------------------------------------------------

CONTENT = {
    "blocks": [
        {"nb": "<p><strong>Per:</strong> Hei! Vi begynner klokka sju i dag. Ta på deg hjelmen.</p>"}
    ],
    "exercises": [
        {"id": "e1", "type": "listen", "audio": "Pausen er klokka elleve."},
        {
            "id": "e2",
            "type": "dialogue",
            "lines": [
                {"speaker": "Leder", "text": "Har du fått   arbeidsklær?"},
                {"speaker": "Du", "gap": True},
                {"speaker": "Leder", "text": "Flott, da går vi."},
            ],
            "options": ["Ja, takk.", "Nei, det er fredag.", "Jeg heter Olena."],
            "answer": "Ja, takk.",
        },
    ],
}


def test_no_recordings_no_listening_practice():
    assert listening_items(CONTENT, set()) == []


def test_each_recorded_sentence_of_three_words_or_more_is_a_dictation():
    recorded = {"Hei!", "Vi begynner klokka sju i dag.", "Pausen er klokka elleve."}
    items = listening_items(CONTENT, recorded)
    # "Hei!" is too short to write down; the listening exercise's sentence is no dictation.
    assert [(i.kind, i.text) for i in items] == [(DICTATION, "Vi begynner klokka sju i dag.")]
    assert items[0].key == item_key_of_text("Vi begynner klokka sju i dag.")


def test_a_dialogue_is_a_question_only_when_every_spoken_line_is_recorded():
    one_line = {"Har du fått arbeidsklær?"}
    assert [i.kind for i in listening_items(CONTENT, one_line)] == [DICTATION]
    both = one_line | {"Flott, da går vi."}
    items = listening_items(CONTENT, both)
    assert [i.kind for i in items] == [DICTATION, DICTATION, DIALOGUE]
    question = items[-1]
    assert [line.text for line in question.lines] == [
        "Har du fått   arbeidsklær?",
        None,
        "Flott, da går vi.",
    ]
    assert question.expected == "Ja, takk."
    assert set(question.options) == set(CONTENT["exercises"][1]["options"])


def test_at_most_five_dictations_in_page_order():
    sentences = [f"Dette er setning nummer {n}." for n in range(8)]
    content = {"blocks": [{"nb": " ".join(sentences)}], "exercises": []}
    items = listening_items(content, set(sentences))
    assert [i.text for i in items] == sentences[:MAX_DICTATIONS]


@pytest.mark.parametrize(
    ("answer", "right"),
    [
        ("Vi begynner klokka sju i dag.", True),
        ("vi begynner klokka sju i dag", True),
        ("  Vi  begynner klokka, sju i dag!  ", True),
        ("Vi begynner klokka syv i dag.", False),
        ("Vi begynner klokka sju.", False),
        ("", False),
        ("   ", False),
    ],
)
def test_a_dictation_ignores_case_spaces_and_punctuation_but_not_words(answer, right):
    item = ListeningItem("d-x", DICTATION, text="Vi begynner klokka sju i dag.")
    assert grade_item(item, answer) is right


@given(st.text(alphabet="abcæøå ,.!?", min_size=1, max_size=40))
def test_heard_form_is_stable_and_a_sentence_always_matches_itself(text):
    assert heard_form(heard_form(text)) == heard_form(text)
    if heard_form(text):
        assert grade_item(ListeningItem("d-x", DICTATION, text=text), text.upper())


# Pages ------------------------------------------------------------------------------------------


@pytest.fixture
def recorded(app, people):  # noqa: F811
    """The fixture lesson with a published recording of a sentence and of the dialogue line."""
    record_and_publish(app, people["teacher"], SENTENCE, webm_opus(2))
    record_and_publish(app, people["teacher"], LINE, webm_opus(2))
    return people


def test_a_lesson_without_recordings_has_no_listening_practice(app, people):  # noqa: F811
    learner = client_for(app, people["learner"])
    assert learner.get(PRACTICE).status_code == 404
    assert "Listening practice" not in learner.get(f"/lessons/{LESSON}/step/1").get_data(True)


def test_the_learner_hears_writes_and_the_first_try_counts(app, recorded):
    learner = client_for(app, recorded["learner"])
    assert "Listening practice" in learner.get(f"/lessons/{LESSON}/step/1").get_data(True)
    page = learner.get(PRACTICE).get_data(as_text=True)
    assert "Exercise 1 of 3" in page
    assert "<audio" in page
    assert 'class="button wide"' in page
    assert "Velkommen på jobb" not in page  # a dictation cannot be read off the page
    key = item_key_of_text(SENTENCE)

    wrong = learner.post(f"{PRACTICE}/{key}", data={"answer": "Velkommen til jobb"})
    assert wrong.status_code == 302
    feedback = learner.get(f"{PRACTICE}?step=0").get_data(as_text=True)
    assert "Not quite." in feedback
    assert "Velkommen på jobb." in feedback
    learner.post(f"{PRACTICE}/{key}", data={"answer": "velkommen på jobb"})
    stored = db.session.get(ListeningAnswer, (recorded["learner"].id, LESSON, key))
    assert (stored.correct, stored.first_try_correct, stored.attempts) == (True, False, 2)
    assert json.loads(stored.answer) == "velkommen på jobb"

    line_key = item_key_of_text(LINE)
    learner.post(f"{PRACTICE}/{line_key}", data={"answer": "Har du fått arbeidsklær"})
    result = learner.get(f"{PRACTICE}?step=3").get_data(as_text=True)
    assert "33 %" in result
    assert "1 of 3 exercises" in result
    assert "1 task is not answered yet." in result


def test_the_recorded_dialogue_is_heard_without_its_text(app, recorded):
    # The dialogue has one spoken line, now recorded: a question on it is the third task.
    learner = client_for(app, recorded["learner"])
    page = learner.get(f"{PRACTICE}?step=2").get_data(as_text=True)
    assert "choose the missing line" in page
    assert "Har du fått arbeidsklær?" not in page
    assert (
        learner.post(f"{PRACTICE}/q-e6", data={"answer": "Ja, takk. Jeg har fått alt."}).status_code
        == 302
    )
    after = learner.get(f"{PRACTICE}?step=2").get_data(as_text=True)
    assert "Correct!" in after
    assert "Har du fått arbeidsklær?" in after
    stored = db.session.get(ListeningAnswer, (recorded["learner"].id, LESSON, "q-e6"))
    assert stored.first_try_correct is True


def test_an_empty_dictation_is_refused_with_a_message_and_nothing_stored(app, recorded):
    learner = client_for(app, recorded["learner"])
    key = item_key_of_text(SENTENCE)
    response = learner.post(f"{PRACTICE}/{key}", data={"answer": "   "}, follow_redirects=True)
    assert "Write what you heard, then check." in response.get_data(as_text=True)
    assert db.session.scalar(select(ListeningAnswer)) is None


def test_a_withdrawn_recording_takes_its_dictation_away(app, recorded):
    teacher = client_for(app, recorded["teacher"])
    sentence = db.session.scalar(select(VoiceRecording).where(VoiceRecording.text == SENTENCE))
    assert teacher.post(f"/recordings/{sentence.id}/withdraw").status_code == 302
    learner = client_for(app, recorded["learner"])
    key = item_key_of_text(SENTENCE)
    assert learner.post(f"{PRACTICE}/{key}", data={"answer": SENTENCE}).status_code == 404
    assert "Exercise 1 of 2" in learner.get(PRACTICE).get_data(as_text=True)


def test_staff_see_the_practice_and_cannot_answer(app, recorded):
    teacher = client_for(app, recorded["teacher"])
    page = teacher.get(PRACTICE)
    assert page.status_code == 200
    assert 'class="button wide"' not in page.get_data(as_text=True)
    key = item_key_of_text(SENTENCE)
    assert teacher.post(f"{PRACTICE}/{key}", data={"answer": SENTENCE}).status_code == 403


def test_erasure_deletes_the_listening_answers(app, recorded):
    learner = client_for(app, recorded["learner"])
    learner.post(f"{PRACTICE}/{item_key_of_text(SENTENCE)}", data={"answer": SENTENCE})
    erase_learner(recorded["admin"], recorded["learner"])
    db.session.commit()
    assert db.session.scalar(select(ListeningAnswer)) is None


# The lesson's listening exercise ----------------------------------------------------------------


def test_the_listening_exercise_plays_the_teachers_recording(app, people):  # noqa: F811
    recording = record_and_publish(app, people["teacher"], "Pausen er klokka elleve.", webm_opus(2))
    learner = client_for(app, people["learner"])
    page = learner.get(f"/lessons/{LESSON}/step/6").get_data(as_text=True)  # e5, the listen one
    assert f'src="/recordings/{recording.id}/audio"' in page
    assert "Recorded by a teacher." in page
    assert 'name="listening" class="play-listening" value="1"' in page
    assert "does not count as listening" not in page


def test_without_a_recording_the_exercise_offers_the_voice_or_the_text(app, people):  # noqa: F811
    learner = client_for(app, people["learner"])
    page = learner.get(f"/lessons/{LESSON}/step/6").get_data(as_text=True)
    assert 'data-say="Pausen er klokka elleve."' in page
    assert (
        'name="listening" class="play-listening" value="0"' in page
    )  # play.js sets 1 with a voice
    assert "does not count as listening" in page


def test_a_listening_exercise_read_not_heard_is_recorded_and_reported(app, people):  # noqa: F811
    learner = client_for(app, people["learner"])
    url = f"/lessons/{LESSON}/exercises/e5"
    assert learner.post(url, data={"answer": "Klokka elleve", "listening": "0"}).status_code == 302
    stored = db.session.get(ExerciseAnswer, (people["learner"].id, LESSON, "e5"))
    assert stored.by_ear is False
    assert stored.first_try_correct is True
    result = learner.get(f"/lessons/{LESSON}/step/9").get_data(as_text=True)
    assert "1 listening exercise was read, not heard" in result
    learner.post(url, data={"answer": "Klokka elleve", "listening": "1"})
    db.session.refresh(stored)
    assert stored.by_ear is True
    other = db.session.get(ExerciseAnswer, (people["learner"].id, LESSON, "e5"))
    assert other.by_ear is True
