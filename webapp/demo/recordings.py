"""Demo recordings: one lesson read aloud by a speech synthesizer (espeak-ng), labelled as such.

The files under ``webapp/demo/recordings/`` are named by the text key of what they say and were
made once with ``flask demo make-recordings`` (needs Debian's ``espeak-ng`` and ``ffmpeg``); the
seed publishes them as the demo teacher's, marked ``synthetic`` so every player says that a
machine, not a teacher, made them.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.extensions import db
from webapp.lessons.models import Lesson
from webapp.recordings import services as recordings
from webapp.recordings.models import RecordingStatus, VoiceRecording
from webapp.recordings.texts import LINE, LISTEN, SENTENCE, SpokenText

FOLDER = Path(__file__).parent / "recordings"
DEMO_LESSON = "working-life-first-day"
DEMO_VOICE = "teacher@example.org"
SPOKEN_KINDS = (SENTENCE, LINE, LISTEN)


def demo_texts(lesson: Lesson) -> list[SpokenText]:
    """What the demo voices in its lesson: the text's sentences, dialogue lines and listening."""
    return [t for t in recordings.lesson_texts(lesson) if t.kind in SPOKEN_KINDS]


def make_demo_recordings(lesson: Lesson, folder: Path = FOLDER) -> int:
    """Synthesize each demo text to WebM/Opus with espeak-ng and ffmpeg; returns files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for text in demo_texts(lesson):
        target = folder / f"{text.key}.webm"
        if target.exists():
            continue
        with tempfile.TemporaryDirectory() as work:
            wav = Path(work) / "say.wav"
            subprocess.run(
                ["espeak-ng", "-v", "nb", "-s", "140", "-w", str(wav), text.text], check=True
            )
            subprocess.run(
                ["ffmpeg", "-loglevel", "error", "-i", str(wav), "-ac", "1", "-c:a", "libopus"]
                + ["-b:a", "16k", "-f", "webm", str(target)],
                check=True,
            )
        written += 1
    return written


def seed_demo_recordings() -> int:
    """Publish the demo lesson's synthesized recordings that are not published yet."""
    lesson = db.session.get(Lesson, DEMO_LESSON)
    voice = db.session.scalar(select(User).where(User.email == DEMO_VOICE))
    if lesson is None or voice is None:
        return 0
    published = set(
        db.session.scalars(
            select(VoiceRecording.text_key).where(
                VoiceRecording.lesson_id == lesson.id,
                VoiceRecording.status == RecordingStatus.PUBLISHED,
            )
        )
    )
    added = 0
    for text in demo_texts(lesson):
        path = FOLDER / f"{text.key}.webm"
        if text.key in published or not path.is_file():
            continue
        recording = recordings.save_recording(voice, lesson, text.key, path.read_bytes())
        recordings.publish(voice, recording)
        recording.synthetic = True
        added += 1
    db.session.flush()
    return added
