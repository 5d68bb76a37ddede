"""Recordings: teachers voice lesson texts; learners send spoken answers; teachers reply."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import Select, event, false, func, select
from sqlalchemy.orm import Session, SessionTransaction

from webapp.accounts.models import Role, User
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.lessons.models import Lesson
from webapp.lessons.services import lesson_content
from webapp.recordings.audio import EXTENSIONS, AudioInfo, check_audio
from webapp.recordings.models import (
    RecordingStatus,
    SpeakingAnswer,
    VoicePermission,
    VoiceRecording,
)
from webapp.recordings.storage import storage
from webapp.recordings.texts import SENTENCE, SpokenText, coverage, spoken_texts, text_key

logger = logging.getLogger(__name__)

MAX_REPLY = 4000
STAFF = (Role.TEACHER, Role.PROVIDER_ADMIN, Role.COORDINATOR, Role.ADMIN)


class RecordingError(Exception):
    """A refused change; ``code`` names the reason (see refusals.py)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# Who may do what --------------------------------------------------------------------------


def may_record(role: Role, granted: bool) -> bool:
    """Teachers record lesson texts; other staff when given the voice permission."""
    return role is Role.TEACHER or (role in STAFF and granted)


def has_voice(user: User) -> bool:
    """True when ``user`` may record, publish, approve and withdraw lesson recordings."""
    if user.role is Role.TEACHER:
        return True
    return may_record(user.role, db.session.get(VoicePermission, user.id) is not None)


def grant_voice(user: User) -> None:
    """Let a staff member who is not a teacher record lesson texts."""
    if user.role not in STAFF:
        raise RecordingError("not_staff")
    if db.session.get(VoicePermission, user.id) is None:
        db.session.add(VoicePermission(user_id=user.id))
        db.session.flush()


def may_hear_answer(actor: User, learner: User) -> bool:
    """A learner's recordings are for the learner, their teachers and administrators."""
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.LEARNER:
        return actor.id == learner.id
    if actor.role is Role.TEACHER:
        return (
            actor.organisation_id is not None and actor.organisation_id == learner.organisation_id
        )
    return False


# Storing files --------------------------------------------------------------------------------


def checked_audio(data: bytes) -> AudioInfo:
    """The audio checks with the configured caps (raises AudioRefused)."""
    config = current_app.config
    return check_audio(data, config["RECORDINGS_MAX_BYTES"], config["RECORDINGS_MAX_SECONDS"])


def _store(folder: str, info: AudioInfo, data: bytes) -> str:
    key = f"{folder}/{secrets.token_hex(12)}.{EXTENSIONS[info.kind]}"
    storage().save(key, data)
    return key


def remove_files(keys: list[str]) -> None:
    """Delete stored files (after the rows that named them are committed away)."""
    store = storage()
    for key in keys:
        try:
            store.delete(key)
        except OSError:
            logger.exception("could not delete recording %s", key)


_FILES_AFTER_COMMIT = "recording_files_after_commit"


def remove_files_after_commit(keys: list[str]) -> None:
    """Delete stored files once the transaction that deleted their rows commits (never if it is
    rolled back), for callers that do not commit themselves."""
    if keys:
        db.session.info.setdefault(_FILES_AFTER_COMMIT, []).extend(keys)


@event.listens_for(Session, "after_commit")
def _remove_files_after_commit(session: Session) -> None:
    keys = session.info.pop(_FILES_AFTER_COMMIT, None)
    if keys:
        remove_files(keys)


@event.listens_for(Session, "after_soft_rollback")
def _keep_files_after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction: the rows stay, so do their files
        session.info.pop(_FILES_AFTER_COMMIT, None)


# Teachers' recordings -------------------------------------------------------------------------


def lesson_texts(lesson: Lesson) -> list[SpokenText]:
    """What a teacher can record in a lesson."""
    return spoken_texts(lesson_content(lesson))


def lesson_recordings(lesson_id: str) -> dict[str, list[VoiceRecording]]:
    """The lesson's recordings that are not withdrawn, by text key, newest first."""
    rows = db.session.scalars(
        select(VoiceRecording)
        .where(
            VoiceRecording.lesson_id == lesson_id,
            VoiceRecording.status != RecordingStatus.WITHDRAWN,
        )
        .order_by(VoiceRecording.recorded_at.desc(), VoiceRecording.id.desc())
    )
    found: dict[str, list[VoiceRecording]] = {}
    for row in rows:
        found.setdefault(row.text_key, []).append(row)
    return found


def save_recording(actor: User, lesson: Lesson, key: str, data: bytes) -> VoiceRecording:
    """Store a teacher's take of one of the lesson's texts as a draft; it replaces their
    earlier draft of the same text."""
    item = next((t for t in lesson_texts(lesson) if t.key == key), None)
    if item is None:
        raise RecordingError("unknown_text")
    info = checked_audio(data)
    old = list(
        db.session.scalars(
            select(VoiceRecording).where(
                VoiceRecording.lesson_id == lesson.id,
                VoiceRecording.text_key == key,
                VoiceRecording.recorded_by_id == actor.id,
                VoiceRecording.status == RecordingStatus.DRAFT,
            )
        )
    )
    recording = VoiceRecording(
        lesson_id=lesson.id,
        kind=item.kind,
        text=item.text,
        text_key=key,
        storage_key=_store(f"lessons/{lesson.id}", info, data),
        mime_type=info.mime_type,
        seconds=info.seconds,
        size=len(data),
        recorded_by_id=actor.id,
    )
    db.session.add(recording)
    for draft in old:
        draft.status = RecordingStatus.WITHDRAWN
    db.session.flush()
    return recording


def publish(actor: User, recording: VoiceRecording) -> None:
    """Make a draft the one learners hear for its text (an earlier published take is withdrawn)."""
    if recording.status is not RecordingStatus.DRAFT:
        raise RecordingError("not_a_draft")
    for earlier in db.session.scalars(
        select(VoiceRecording).where(
            VoiceRecording.lesson_id == recording.lesson_id,
            VoiceRecording.text_key == recording.text_key,
            VoiceRecording.status == RecordingStatus.PUBLISHED,
        )
    ):
        earlier.status = RecordingStatus.WITHDRAWN
    recording.status = RecordingStatus.PUBLISHED
    recording.published_at = utcnow()
    db.session.flush()


def approve(actor: User, recording: VoiceRecording) -> None:
    """A second teacher confirms a published recording (not the one who made it)."""
    if recording.status is not RecordingStatus.PUBLISHED:
        raise RecordingError("not_published")
    if recording.recorded_by_id == actor.id:
        raise RecordingError("own_recording")
    recording.approved_by_id = actor.id
    recording.approved_at = utcnow()
    db.session.flush()


def withdraw(actor: User, recording: VoiceRecording) -> None:
    """Silence a recording: learners hear speech synthesis again for its text."""
    recording.status = RecordingStatus.WITHDRAWN
    db.session.flush()


def published_recording(lesson_id: str, text: str) -> VoiceRecording | None:
    """The published human recording of a lesson's text, if there is one."""
    return db.session.scalar(
        select(VoiceRecording)
        .where(
            VoiceRecording.lesson_id == lesson_id,
            VoiceRecording.text_key == text_key(text),
            VoiceRecording.status == RecordingStatus.PUBLISHED,
        )
        .order_by(VoiceRecording.published_at.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Playback:
    """A published recording as a player needs it: its address, and whether a speech
    synthesizer made it for the demo (then labelled so)."""

    url: str
    synthetic: bool = False


def published_playback(lesson_id: str, text: str) -> Playback | None:
    """The human recording of ``text`` in a lesson to play, or None (then pages fall back to
    speech synthesis); for templates: ``recordings/_play.html``."""
    recording = published_recording(lesson_id, text)
    if recording is None:
        return None
    return Playback(
        url_for("recordings.recording_audio", recording_id=recording.id),
        recording.synthetic,
    )


def published_playbacks(lesson_id: str) -> dict[str, Playback]:
    """Each text of a lesson (normalised) with its newest published recording, in one query."""
    rows = db.session.execute(
        select(VoiceRecording.id, VoiceRecording.text, VoiceRecording.synthetic)
        .where(
            VoiceRecording.lesson_id == lesson_id,
            VoiceRecording.status == RecordingStatus.PUBLISHED,
        )
        .order_by(VoiceRecording.published_at, VoiceRecording.id)
    ).all()
    return {  # the newest comes last and wins
        text: Playback(url_for("recordings.recording_audio", recording_id=id_), synthetic)
        for id_, text, synthetic in rows
    }


@dataclass(frozen=True)
class CoverageRow:
    """One lesson's share of sentences with a published human recording."""

    lesson: Lesson
    sentences: int
    recorded: int

    @property
    def share(self) -> float:
        return self.recorded / self.sentences if self.sentences else 0.0


def coverage_by_track() -> dict[str, list[CoverageRow]]:
    """Per track, each active lesson's recording coverage, in track order."""
    lessons = list(
        db.session.scalars(
            select(Lesson)
            .where(Lesson.archived_at.is_(None))
            .order_by(Lesson.track, Lesson.position)
        )
    )
    published: dict[str, set[str]] = {}
    for lesson_id, key in db.session.execute(
        select(VoiceRecording.lesson_id, VoiceRecording.text_key).where(
            VoiceRecording.status == RecordingStatus.PUBLISHED
        )
    ):
        published.setdefault(lesson_id, set()).add(key)
    rows: dict[str, list[CoverageRow]] = {}
    for lesson in lessons:
        keys = [t.key for t in lesson_texts(lesson) if t.kind == SENTENCE]
        done = published.get(lesson.id, set())
        share = coverage(keys, done)
        rows.setdefault(lesson.track, []).append(
            CoverageRow(lesson, len(keys), round(share * len(keys)))
        )
    return rows


# Speaking answers -----------------------------------------------------------------------------


def submit_answer(learner: User, lesson: Lesson, data: bytes) -> SpeakingAnswer:
    """Store a learner's spoken answer and put it in their teachers' queue."""
    info = checked_audio(data)
    answer = SpeakingAnswer(
        learner_id=learner.id,
        lesson_id=lesson.id,
        storage_key=_store(f"answers/{learner.id}", info, data),
        mime_type=info.mime_type,
        seconds=info.seconds,
        size=len(data),
    )
    db.session.add(answer)
    db.session.flush()
    return answer


def own_answers(learner: User, lesson_id: str) -> list[SpeakingAnswer]:
    """The learner's answers to one lesson's speaking task, newest first."""
    return list(
        db.session.scalars(
            select(SpeakingAnswer)
            .where(SpeakingAnswer.learner_id == learner.id, SpeakingAnswer.lesson_id == lesson_id)
            .order_by(SpeakingAnswer.submitted_at.desc(), SpeakingAnswer.id.desc())
        )
    )


def answers_visible_to(actor: User) -> Select[tuple[SpeakingAnswer]]:
    """Spoken answers ``actor`` may hear: their own, their organisation's learners' for a
    teacher, all for an administrator, none for anyone else."""
    stmt = select(SpeakingAnswer)
    if actor.role is Role.ADMIN:
        return stmt
    if actor.role is Role.LEARNER:
        return stmt.where(SpeakingAnswer.learner_id == actor.id)
    if actor.role is Role.TEACHER and actor.organisation_id is not None:
        return stmt.where(SpeakingAnswer.provider_id == actor.organisation_id)
    return stmt.where(false())


def queue(actor: User) -> Select[tuple[SpeakingAnswer]]:
    """Answers waiting for a reply, oldest first."""
    return (
        answers_visible_to(actor)
        .where(SpeakingAnswer.replied_at.is_(None))
        .order_by(SpeakingAnswer.submitted_at, SpeakingAnswer.id)
    )


def waiting_count(actor: User) -> int:
    """How many answers wait for a reply (the number on the teacher's dashboard)."""
    if actor.role not in (Role.TEACHER, Role.ADMIN):
        return 0
    waiting = queue(actor).order_by(None).with_only_columns(func.count(SpeakingAnswer.id))
    return db.session.scalar(waiting) or 0


def reply(actor: User, answer: SpeakingAnswer, text: str, data: bytes | None) -> list[str]:
    """Store the teacher's reply: text, a recording or both; return files it replaced."""
    text = text.strip()
    if not text and not data:
        raise RecordingError("empty_reply")
    replaced: list[str] = []
    if data:
        info = checked_audio(data)
        if answer.reply_key:
            replaced.append(answer.reply_key)
        answer.reply_key = _store("replies", info, data)
        answer.reply_mime_type = info.mime_type
    answer.reply_text = text[:MAX_REPLY] or answer.reply_text
    answer.replied_by_id = actor.id
    answer.replied_at = utcnow()
    db.session.flush()
    return replaced


def delete_answer(answer: SpeakingAnswer) -> list[str]:
    """Delete an answer and its reply; return the files to remove after the commit."""
    keys = [answer.storage_key] + ([answer.reply_key] if answer.reply_key else [])
    db.session.delete(answer)
    db.session.flush()
    return keys


def delete_learners_answers(learner_id: int) -> list[str]:
    """Delete every answer of a learner and the replies to them (the erasure); return the files
    to remove after the commit."""
    keys: list[str] = []
    for answer in db.session.scalars(
        select(SpeakingAnswer).where(SpeakingAnswer.learner_id == learner_id)
    ).all():
        keys += delete_answer(answer)
    return keys


def latest_replies(learner: User, limit: int = 3) -> list[SpeakingAnswer]:
    """The learner's latest answers their teachers replied to."""
    return list(
        db.session.scalars(
            select(SpeakingAnswer)
            .where(SpeakingAnswer.learner_id == learner.id, SpeakingAnswer.replied_at.is_not(None))
            .order_by(SpeakingAnswer.replied_at.desc())
            .limit(limit)
        )
    )


def expired_before(now: datetime, days: int) -> datetime:
    """The moment before which learners' recordings are deleted."""
    return now - timedelta(days=days)


def delete_expired_answers(now: datetime | None = None) -> list[int]:
    """Delete learners' answers (and replies) older than the retention period; commit; log."""
    cutoff = expired_before(now or utcnow(), current_app.config["RECORDINGS_RETENTION_DAYS"])
    expired = list(
        db.session.scalars(select(SpeakingAnswer).where(SpeakingAnswer.submitted_at < cutoff))
    )
    keys: list[str] = []
    ids = []
    for answer in expired:
        ids.append(answer.id)
        keys += delete_answer(answer)
    db.session.commit()
    remove_files(keys)
    for answer_id in ids:
        logger.info("retention: deleted speaking answer %s", answer_id)
    if ids:
        logger.info(
            "retention: deleted %s speaking answer(s) submitted before %s", len(ids), cutoff
        )
    return ids
