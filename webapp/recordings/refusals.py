"""Translated messages for refused recordings."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _


def refusal_message(code: str) -> str:
    """The message shown when a recording or a change to one is refused."""
    config = current_app.config
    messages = {
        "empty": _("The recording is empty. Record again, or choose a sound file."),
        "too_large": _("The file is too large. The limit is %(mb)s MB.")
        % {"mb": round(config["RECORDINGS_MAX_BYTES"] / (1024 * 1024), 1)},
        "too_long": _("The recording is too long. The limit is %(seconds)s seconds.")
        % {"seconds": config["RECORDINGS_MAX_SECONDS"]},
        "not_audio": _(
            "This is not a recording we can play. Record here, or choose a WebM or MP4 (M4A) "
            "sound file from your phone."
        ),
        "unknown_length": _(
            "We cannot tell how long this recording is, so we cannot accept it. Record again here."
        ),
        "unknown_text": _("That text is no longer in the lesson."),
        "not_a_draft": _("Only a new recording can be published."),
        "not_published": _("Only a published recording can be approved."),
        "own_recording": _("Another teacher approves your recordings."),
        "empty_reply": _("Write a reply or record one."),
        "not_staff": _("Only staff members can record lesson texts."),
        "no_file": _("Record your answer first, or choose a sound file."),
    }
    return messages.get(code, _("The recording was refused."))
