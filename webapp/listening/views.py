"""Listening practice pages: one dictation or dialogue question a page, then the score."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lessons.arrangement import options_in_order
from webapp.access.rules import logged_in, roles
from webapp.accounts.models import Role
from webapp.extensions import db
from webapp.lessons.forms import MAX_ANSWER_LENGTH, AnswerForm
from webapp.lessons.views import lesson_or_404
from webapp.listening import services
from webapp.listening.rules import DICTATION
from webapp.recordings.services import published_playbacks
from webapp.text_rules import without_hidden_characters

bp = Blueprint("listening", __name__, template_folder="templates")


@bp.route("/lessons/<lesson_id>/listening")
@logged_in
def practice(lesson_id: str) -> str:
    lesson = lesson_or_404(lesson_id)
    recordings = published_playbacks(lesson.id)
    items = services.practice_items(lesson, recordings)
    if not items:
        abort(404)
    learner = current_user.role is Role.LEARNER
    answers = services.learner_answers(current_user, lesson) if learner else {}
    step = min(max(request.args.get("step", 0, type=int), 0), len(items))
    context: dict = {
        "lesson": lesson,
        "items": items,
        "step": step,
        "is_learner": learner,
        "recordings": recordings,
        "form": AnswerForm(formdata=None),
    }
    if step == len(items):
        context["result"] = services.practice_result(items, answers) if learner else None
    else:
        item = items[step]
        stored = answers.get(item.key)
        attempt = (stored.attempts if stored else 0) + 1
        context.update(
            item=item,
            stored=stored,
            stored_value=json.loads(stored.answer) if stored else "",
            show_form=not learner or stored is None or request.args.get("again") == "1",
            options=options_in_order(
                item.options, f"{current_user.id}:{lesson.id}:{item.key}:{attempt}"
            ),
        )
    return render_template("listening/practice.html", **context)


@bp.route("/lessons/<lesson_id>/listening/<item_key>", methods=["POST"])
@roles(Role.LEARNER)
def answer(lesson_id: str, item_key: str) -> Response:
    lesson = lesson_or_404(lesson_id)
    items = services.practice_items(lesson, published_playbacks(lesson.id))
    index = next((n for n, item in enumerate(items) if item.key == item_key), None)
    if index is None:
        abort(404)  # the recording was withdrawn meanwhile
    if not AnswerForm().validate_on_submit():
        abort(400)
    value = without_hidden_characters(request.form.get("answer", "")[:MAX_ANSWER_LENGTH])
    item = items[index]
    if item.kind == DICTATION and not value.strip():
        flash(_("Write what you heard, then check."), "error")
        return redirect(url_for("listening.practice", lesson_id=lesson.id, step=index, again=1))
    services.answer_item(current_user, lesson, item, value)
    db.session.commit()
    return redirect(url_for("listening.practice", lesson_id=lesson.id, step=index) + "#task")
