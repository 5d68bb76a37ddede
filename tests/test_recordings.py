"""Recordings through the pages: teachers voice lessons, learners send spoken answers, teachers
reply; byte ranges, caching, access for every role, retention."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask, render_template_string
from sqlalchemy import select

from tests.audio_samples import mp4_aac, webm_opus
from tests.conftest import login_as
from webapp.accounts.models import Role, User
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.organisations.models import OrganisationKind
from webapp.recordings import services
from webapp.recordings.models import RecordingStatus, SpeakingAnswer, VoiceRecording
from webapp.recordings.texts import SENTENCE, coverage, sentences, spoken_texts, text_key

LESSON = "fixture-first-day"


@pytest.fixture
def folder(app: Flask, tmp_path: Path) -> Path:
    """Recordings kept in a folder of this test's own."""
    path = tmp_path / "recordings"
    app.config["RECORDINGS_FOLDER"] = str(path)
    return path


@pytest.fixture
def people(factory, synced_lesson, folder):
    """A provider with a learner and two teachers; another provider with the same."""
    home = factory.organisation(OrganisationKind.MUNICIPALITY)
    provider = factory.organisation(OrganisationKind.PROVIDER)
    other = factory.organisation(OrganisationKind.PROVIDER)
    # English pages, so the messages below read as in the code (test_i18n checks translations).
    return {
        "learner": factory.learner(organisation=provider, home=home, locale="en"),
        "classmate": factory.learner(organisation=provider, home=home, locale="en"),
        "teacher": factory.user(Role.TEACHER, provider, locale="en"),
        "colleague": factory.user(Role.TEACHER, provider, locale="en"),
        "provider_admin": factory.user(Role.PROVIDER_ADMIN, provider, locale="en"),
        "coordinator": factory.user(Role.COORDINATOR, home, locale="en"),
        "admin": factory.user(Role.ADMIN, locale="en"),
        "other_teacher": factory.user(Role.TEACHER, other, locale="en"),
        "other_learner": factory.learner(organisation=other, home=home, locale="en"),
    }


def client_for(app: Flask, user: User):
    client = app.test_client()
    login_as(client, user)
    return client


def fetch(client, url: str, **kwargs):
    """GET a recording, read it and close the file behind it."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def upload(data: bytes, name: str = "take.webm") -> tuple[io.BytesIO, str]:
    return (io.BytesIO(data), name)


def first_sentence() -> str:
    return "Hei, Olena!"


def record_and_publish(app: Flask, teacher: User, text: str, data: bytes) -> VoiceRecording:
    client = client_for(app, teacher)
    response = client.post(
        f"/lessons/{LESSON}/recordings",
        data={"text": text_key(text), "audio": upload(data)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    recording = db.session.scalar(
        select(VoiceRecording).where(
            VoiceRecording.text_key == text_key(text),
            VoiceRecording.status == RecordingStatus.DRAFT,
        )
    )
    assert client.post(f"/recordings/{recording.id}/publish").status_code == 302
    db.session.refresh(recording)
    return recording


# Pure rules -------------------------------------------------------------------------------------


def test_sentences_leave_out_the_speaker_and_split_at_the_end_marks() -> None:
    assert sentences("Leder: Hei, Olena! Velkommen på jobb. Jeg heter Per.") == [
        "Hei, Olena!",
        "Velkommen på jobb.",
        "Jeg heter Per.",
    ]
    assert sentences("Kl. 8 starter vi.") == ["Kl. 8 starter vi."]


def test_spoken_texts_cover_text_dialogue_words_and_model_once_each() -> None:
    content = {
        "blocks": [{"nb": "<p><strong>Per:</strong> Hei! Hei!</p>"}],
        "exercises": [
            {"type": "listen", "audio": "Pausen er  klokka elleve."},
            {"type": "dialogue", "lines": [{"text": "Hvor er du?"}, {"gap": True}]},
        ],
        "vocabulary": [{"nb": "en kollega"}],
        "speaking": {"model": "Jeg er ny."},
    }
    found = [(t.kind, t.text) for t in spoken_texts(content)]
    assert found == [
        ("sentence", "Hei!"),
        ("listen", "Pausen er klokka elleve."),
        ("line", "Hvor er du?"),
        ("word", "en kollega"),
        ("model", "Jeg er ny."),
    ]


def test_coverage_is_the_share_of_sentences_recorded() -> None:
    assert coverage([], set()) == 0
    assert coverage(["a", "b", "c", "d"], {"a", "x"}) == 0.25


@pytest.mark.parametrize(
    ("role", "granted", "allowed"),
    [
        (Role.TEACHER, False, True),
        (Role.PROVIDER_ADMIN, False, False),
        (Role.PROVIDER_ADMIN, True, True),
        (Role.COORDINATOR, True, True),
        (Role.LEARNER, True, False),
    ],
)
def test_who_may_record(role: Role, granted: bool, allowed: bool) -> None:
    assert services.may_record(role, granted) is allowed


# Teachers' recordings -------------------------------------------------------------------------


def test_a_teacher_records_publishes_and_learners_hear_it_with_ranges(app, people, folder):
    recording = record_and_publish(app, people["teacher"], first_sentence(), webm_opus(2))
    assert recording.status is RecordingStatus.PUBLISHED
    assert (folder / recording.storage_key).is_file()
    with app.test_request_context():
        url = services.published_playback(LESSON, "  Hei,   Olena! ").url
    assert url == f"/recordings/{recording.id}/audio"

    learner = client_for(app, people["learner"])
    whole = fetch(learner, url)
    assert whole.status_code == 200
    assert whole.mimetype == "audio/webm"
    assert whole.headers["Accept-Ranges"] == "bytes"
    cache = whole.headers["Cache-Control"]
    assert "public" in cache
    assert "max-age=31536000" in cache
    assert "immutable" in cache
    data = (folder / recording.storage_key).read_bytes()
    assert whole.data == data

    part = fetch(learner, url, headers={"Range": "bytes=10-109"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 10-109/{len(data)}"
    assert part.data == data[10:110]
    tail = fetch(learner, url, headers={"Range": "bytes=-16"})
    assert tail.status_code == 206
    assert tail.data == data[-16:]


def test_a_draft_is_heard_only_by_staff_who_record(app, people):
    client = client_for(app, people["teacher"])
    client.post(
        f"/lessons/{LESSON}/recordings",
        data={"text": text_key(first_sentence()), "audio": upload(mp4_aac(2), "a.m4a")},
        content_type="multipart/form-data",
    )
    draft = db.session.scalar(select(VoiceRecording))
    assert draft.mime_type == "audio/mp4"
    response = fetch(client, f"/recordings/{draft.id}/audio")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert (
        fetch(client_for(app, people["learner"]), f"/recordings/{draft.id}/audio").status_code
        == 404
    )
    with app.test_request_context():
        assert services.published_playback(LESSON, first_sentence()) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Hei! Jeg heter Olena.\n" * 20, "This is not a recording we can play"),
        (webm_opus(120), "The recording is too long. The limit is 90 seconds."),
        (b"", "Record your answer first"),
    ],
    ids=["renamed-text", "too-long", "nothing"],
)
def test_a_refused_take_says_why(app, people, data, message):
    client = client_for(app, people["teacher"])
    response = client.post(
        f"/lessons/{LESSON}/recordings",
        data={"text": text_key(first_sentence()), "audio": upload(data, "take.webm")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(VoiceRecording)) is None


def test_an_oversized_file_is_refused(app, people):
    app.config["RECORDINGS_MAX_BYTES"] = 1000
    client = client_for(app, people["teacher"])
    response = client.post(
        f"/lessons/{LESSON}/recordings",
        data={"text": text_key(first_sentence()), "audio": upload(webm_opus(5))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "The file is too large." in response.get_data(as_text=True)


def test_a_file_above_the_general_upload_limit_but_within_the_audio_cap_is_taken(app, people):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    data = webm_opus(30)
    assert len(data) > 10_000
    client = client_for(app, people["teacher"])
    response = client.post(
        f"/lessons/{LESSON}/recordings",
        data={"text": text_key(first_sentence()), "audio": upload(data)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def test_another_teacher_approves_and_anyone_who_records_can_withdraw(app, people):
    recording = record_and_publish(app, people["teacher"], first_sentence(), webm_opus(1))
    own = client_for(app, people["teacher"])
    own.post(f"/recordings/{recording.id}/approve")
    db.session.refresh(recording)
    assert recording.approved_by_id is None
    colleague = client_for(app, people["colleague"])
    assert colleague.post(f"/recordings/{recording.id}/approve").status_code == 302
    db.session.refresh(recording)
    assert recording.approved_by_id == people["colleague"].id
    colleague.post(f"/recordings/{recording.id}/withdraw")
    db.session.refresh(recording)
    assert recording.status is RecordingStatus.WITHDRAWN
    with app.test_request_context():
        assert services.published_playback(LESSON, first_sentence()) is None


def test_publishing_a_new_take_withdraws_the_old_one(app, people):
    first = record_and_publish(app, people["teacher"], first_sentence(), webm_opus(1))
    second = record_and_publish(app, people["colleague"], first_sentence(), webm_opus(2))
    db.session.refresh(first)
    assert first.status is RecordingStatus.WITHDRAWN
    assert services.published_recording(LESSON, first_sentence()).id == second.id


def test_the_recording_page_lists_every_text_and_allows_the_microphone(app, people):
    response = client_for(app, people["teacher"]).get(f"/lessons/{LESSON}/recordings")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "microphone=(self)" in response.headers["Permissions-Policy"]
    for text in ("Velkommen på jobb.", "Har du fått arbeidsklær?", "en kollega"):
        assert text in page
    assert 'accept="audio/*" capture' in page


def test_staff_without_the_voice_permission_are_refused_until_granted(app, people, runner):
    admin = client_for(app, people["provider_admin"])
    assert admin.get(f"/lessons/{LESSON}/recordings").status_code == 403
    assert admin.get("/recordings/coverage").status_code == 403
    result = runner.invoke(args=["recordings", "grant-voice", people["provider_admin"].email])
    assert result.exit_code == 0, result.output
    assert admin.get(f"/lessons/{LESSON}/recordings").status_code == 200
    learner = client_for(app, people["learner"])
    assert learner.get(f"/lessons/{LESSON}/recordings").status_code == 403


def test_the_coverage_page_gives_the_share_of_sentences(app, people):
    record_and_publish(app, people["teacher"], first_sentence(), webm_opus(1))
    rows = services.coverage_by_track()["working-life"]
    assert [(row.lesson.id, row.sentences, row.recorded) for row in rows] == [(LESSON, 4, 1)]
    page = client_for(app, people["teacher"]).get("/recordings/coverage").get_data(as_text=True)
    assert "25 %" in page


def test_the_play_partial_uses_the_recording_or_says_there_is_no_voice(app, people):
    template = '{% include "recordings/_play.html" %}'
    with app.test_request_context():
        fallback = render_template_string(template, lesson_id=LESSON, text=first_sentence())
    assert "play-say" in fallback
    assert "Denne enheten har ingen norsk stemme" in fallback  # the default locale, nb
    assert "<audio" not in fallback
    recording = record_and_publish(app, people["teacher"], first_sentence(), webm_opus(1))
    with app.test_request_context():
        human = render_template_string(template, lesson_id=LESSON, text=first_sentence())
    assert f'src="/recordings/{recording.id}/audio"' in human
    assert "0.75×" in human
    assert "ingen norsk stemme" not in human


# Speaking answers -------------------------------------------------------------------------------


def send_answer(app: Flask, learner: User, data: bytes | None = None) -> SpeakingAnswer:
    client = client_for(app, learner)
    response = client.post(
        f"/lessons/{LESSON}/speaking",
        data={"audio": upload(data or webm_opus(4), "answer.webm")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalars(
        select(SpeakingAnswer).order_by(SpeakingAnswer.id.desc()).limit(1)
    ).one()


def test_the_speaking_page_shows_the_prompt_in_the_support_language(app, people):
    response = client_for(app, people["learner"]).get(f"/lessons/{LESSON}/speaking")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hils på en ny kollega." in page
    assert "Привітайтеся з новим колегою." in page
    assert "Hei! Jeg heter Olena. Jeg er ny her." in page
    assert "microphone=(self)" in response.headers["Permissions-Policy"]
    assert "data-heartbeat" in page  # time on the page counts as study time


def test_a_learner_sends_an_answer_and_hears_it_privately_with_ranges(app, people, folder):
    answer = send_answer(app, people["learner"], mp4_aac(10, fragmented=True))
    assert answer.mime_type == "audio/mp4"
    assert 9.9 <= answer.seconds <= 10
    client = client_for(app, people["learner"])
    response = fetch(client, f"/speaking/{answer.id}/audio")
    assert response.status_code == 200
    assert set(response.headers["Cache-Control"].split(", ")) == {"private", "no-store"}
    data = (folder / answer.storage_key).read_bytes()
    part = fetch(client, f"/speaking/{answer.id}/audio", headers={"Range": "bytes=0-7"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 0-7/{len(data)}"
    assert part.data == data[:8]
    page = client.get(f"/lessons/{LESSON}/speaking").get_data(as_text=True)
    assert f"/speaking/{answer.id}/audio" in page
    assert "Waiting for your teacher" in page


def test_a_ten_minute_answer_is_refused(app, people):
    client = client_for(app, people["learner"])
    response = client.post(
        f"/lessons/{LESSON}/speaking",
        data={"audio": upload(webm_opus(600))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert db.session.scalar(select(SpeakingAnswer)) is None


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("learner", 200),
        ("teacher", 200),
        ("colleague", 200),
        ("admin", 200),
        ("classmate", 404),
        ("other_learner", 404),
        ("other_teacher", 404),
        ("coordinator", 403),
        ("provider_admin", 403),
    ],
)
def test_only_the_learner_their_teachers_and_admins_hear_an_answer(app, people, who, status):
    answer = send_answer(app, people["learner"])
    assert (
        client_for(app, people["teacher"])
        .post(
            f"/speaking/{answer.id}/reply",
            data={"reply": "Bra!", "audio": upload(webm_opus(2))},
            content_type="multipart/form-data",
        )
        .status_code
        == 302
    )
    client = client_for(app, people[who])
    assert fetch(client, f"/speaking/{answer.id}/audio").status_code == status
    assert fetch(client, f"/speaking/{answer.id}/reply-audio").status_code == status
    learner = db.session.get(User, people["learner"].id)
    assert services.may_hear_answer(people[who], learner) is (status == 200)
    assert fetch(app.test_client(), f"/speaking/{answer.id}/audio").status_code == 302


def test_the_learner_deletes_their_answer_and_its_file(app, people, folder):
    answer = send_answer(app, people["learner"])
    path = folder / answer.storage_key
    assert path.is_file()
    assert (
        client_for(app, people["classmate"]).post(f"/speaking/{answer.id}/delete").status_code
        == 404
    )
    assert path.is_file()
    response = client_for(app, people["learner"]).post(f"/speaking/{answer.id}/delete")
    assert response.status_code == 302
    assert db.session.get(SpeakingAnswer, answer.id) is None
    assert not path.exists()


def test_the_queue_is_oldest_first_and_scoped_to_the_teachers_provider(app, people):
    first = send_answer(app, people["learner"])
    second = send_answer(app, people["classmate"])
    elsewhere = send_answer(app, people["other_learner"])
    first.submitted_at = utcnow() - timedelta(hours=1)
    second.submitted_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    ids = [a.id for a in db.session.scalars(services.queue(people["teacher"]))]
    assert ids == [second.id, first.id]
    assert [a.id for a in db.session.scalars(services.queue(people["admin"]))] == [
        second.id,
        first.id,
        elsewhere.id,
    ]
    page = client_for(app, people["teacher"]).get("/speaking/queue").get_data(as_text=True)
    assert page.index(f'id="answer-{second.id}"') < page.index(f'id="answer-{first.id}"')
    assert f'id="answer-{elsewhere.id}"' not in page
    dashboard = client_for(app, people["teacher"]).get("/dashboard").get_data(as_text=True)
    assert re.search(r'class="figure">2</p>\s*<p>waiting for your reply', dashboard)
    assert services.waiting_count(people["teacher"]) == 2
    assert services.waiting_count(people["other_teacher"]) == 1
    assert services.waiting_count(people["coordinator"]) == 0


def test_a_reply_in_text_reaches_the_learners_dashboard_and_leaves_the_queue(app, people):
    answer = send_answer(app, people["learner"])
    teacher = client_for(app, people["teacher"])
    assert teacher.post(f"/speaking/{answer.id}/reply", data={"reply": ""}).status_code == 400
    assert (
        teacher.post(
            f"/speaking/{answer.id}/reply", data={"reply": "Fin uttale! Si «jobb» kortere."}
        ).status_code
        == 302
    )
    assert services.waiting_count(people["teacher"]) == 0
    learner = client_for(app, people["learner"])
    assert "Fin uttale!" in learner.get("/dashboard").get_data(as_text=True)
    assert "Fin uttale!" in learner.get(f"/lessons/{LESSON}/speaking").get_data(as_text=True)
    other = client_for(app, people["other_teacher"])
    assert other.post(f"/speaking/{answer.id}/reply", data={"reply": "x"}).status_code == 404


def test_the_retention_job_deletes_exactly_the_expired_answers(app, people, folder, caplog):
    from scheduling.jobs import JOBS

    old = send_answer(app, people["learner"])
    recent = send_answer(app, people["learner"])
    services.reply(people["teacher"], old, "", webm_opus(1))
    old.submitted_at = utcnow() - timedelta(days=366)
    recent.submitted_at = utcnow() - timedelta(days=364)
    db.session.commit()
    old_files = [folder / old.storage_key, folder / old.reply_key]
    old_id = old.id
    job = next(job for job in JOBS if job.name == "delete_expired_recordings")
    with caplog.at_level(logging.INFO, logger="webapp.recordings.services"):
        assert job.function() == 1
    assert db.session.get(SpeakingAnswer, old_id) is None
    assert db.session.get(SpeakingAnswer, recent.id) is not None
    assert not any(path.exists() for path in old_files)
    assert (folder / recent.storage_key).is_file()
    assert f"deleted speaking answer {old_id}" in caplog.text
    app.config["RECORDINGS_RETENTION_DAYS"] = 30
    assert services.delete_expired_answers() == [recent.id]


def test_sentences_kind_is_what_coverage_counts(app, people):
    from webapp.lessons.models import Lesson

    lesson = db.session.get(Lesson, LESSON)
    kinds = [t.kind for t in services.lesson_texts(lesson)]
    assert kinds.count(SENTENCE) == 4


def test_a_refused_reply_recording_says_why_and_stores_nothing(app, people):
    answer = send_answer(app, people["learner"])
    teacher = client_for(app, people["teacher"])
    response = teacher.post(
        f"/speaking/{answer.id}/reply",
        data={"reply": "Bra!", "audio": upload(b"not audio at all" * 10, "reply.m4a")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "This is not a recording we can play" in response.get_data(as_text=True)
    db.session.refresh(answer)
    assert answer.replied_at is None
    assert answer.reply_text is None


def test_a_lesson_without_a_speaking_task_has_no_speaking_page(app, people):
    from webapp.lessons.models import Lesson

    lesson = db.session.get(Lesson, LESSON)
    lesson.content = lesson.content.replace('"speaking"', '"not_speaking"')
    lesson.digest = "changed" + lesson.digest[7:]
    db.session.commit()
    client = client_for(app, people["learner"])
    assert client.get(f"/lessons/{LESSON}/speaking").status_code == 404
    assert client.get("/lessons/no-such-lesson/speaking").status_code == 404


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"RECORDINGS_STORAGE": "ftp"}, "RECORDINGS_STORAGE must be local or s3"),
        ({"RECORDINGS_STORAGE": "s3"}, "needs RECORDINGS_S3_BUCKET"),
        ({"RECORDINGS_MAX_SECONDS": "0"}, "RECORDINGS_MAX_SECONDS must be at least 1"),
        ({"RECORDINGS_RETENTION_DAYS": "-5"}, "RECORDINGS_RETENTION_DAYS must be at least 1"),
    ],
)
def test_recording_settings_that_cannot_work_stop_start_up(tmp_path, environ, message):
    from webapp.config import ConfigError, build_config

    with pytest.raises(ConfigError, match=message):
        build_config(tmp_path, {"SECRET_KEY": "k" * 32, **environ})


def test_recording_defaults(tmp_path):
    from webapp.config import build_config

    config = build_config(tmp_path, {"SECRET_KEY": "k" * 32})
    assert config["RECORDINGS_STORAGE"] == "local"
    assert config["RECORDINGS_MAX_BYTES"] == 5 * 1024 * 1024
    assert config["RECORDINGS_MAX_SECONDS"] == 90
    assert config["RECORDINGS_RETENTION_DAYS"] == 365


def test_a_learner_s_answers_and_replies_go_with_their_files_only_once_committed(app, people):
    answer = send_answer(app, people["learner"])
    services.reply(people["teacher"], answer, "", webm_opus(1))
    other = send_answer(app, people["classmate"])
    db.session.commit()
    store = services.storage()
    keys = [answer.storage_key, answer.reply_key]
    learner_id = people["learner"].id

    services.remove_files_after_commit(services.delete_learners_answers(learner_id))
    db.session.rollback()  # rolled back: the rows stay, and so do their files
    assert db.session.get(SpeakingAnswer, answer.id) is not None
    assert all(store.exists(key) for key in keys)

    services.remove_files_after_commit(services.delete_learners_answers(learner_id))
    assert all(store.exists(key) for key in keys)  # not before the commit
    db.session.commit()
    assert db.session.scalars(select(SpeakingAnswer.id)).all() == [other.id]
    assert not any(store.exists(key) for key in keys)
    assert store.exists(other.storage_key)
