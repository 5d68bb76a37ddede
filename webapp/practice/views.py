"""The learner's practice pages: the sets by level and skill, one set as one form, the result."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lessons import practice
from lessons.arrangement import options_in_order
from lessons.grading import word_count
from webapp.access.rules import roles
from webapp.accounts.models import Role
from webapp.extensions import db
from webapp.lessons.forms import MAX_ANSWER_LENGTH, AnswerForm
from webapp.lessons.services import support_language
from webapp.practice import services
from webapp.text_rules import without_hidden_characters

bp = Blueprint("practice", __name__, template_folder="templates")

MAX_TEXT_LENGTH = 4000


def _set_or_404(set_id: str) -> dict[str, Any]:
    found = services.practice_set(set_id[:20])
    if found is None:
        abort(404)
    return found


@bp.route("/practice")
@roles(Role.LEARNER)
def index() -> str:
    sets = services.practice_sets()
    found = services.results(current_user)
    grid = [
        (level, [sets.get(practice.set_id(level, skill)) for skill in practice.SKILLS])
        for level in practice.LEVELS
    ]
    return render_template(
        "practice/index.html",
        grid=grid,
        results=found,
        practised={set_id: len(services.practised(row)) for set_id, row in found.items()},
        language=support_language(current_user),
        pass_percent=practice.PASS_PERCENT,
    )


def _arranged(practice_set: dict[str, Any], attempt: int) -> dict[str, list[str]]:
    """Each item's options in the order this learner sees them in this attempt."""
    return {
        item["id"]: options_in_order(
            item["options"],
            f"{current_user.id}:practice:{practice_set['id']}:{item['id']}:{attempt}",
        )
        for item in practice.questions(practice_set)
    }


def _page(practice_set: dict[str, Any], status: int = 200, **extra: Any) -> tuple[str, int]:
    row = services.result(current_user, practice_set["id"])
    attempt = services.next_attempt(current_user, practice_set["id"])
    context: dict[str, Any] = {
        "set": practice_set,
        "row": row,
        "language": support_language(current_user),
        "attempt": attempt,
        "form": AnswerForm(),
        "pass_percent": practice.PASS_PERCENT,
    }
    if practice_set["skill"] in practice.SCORED_SKILLS:
        context["options"] = _arranged(practice_set, attempt)
    elif practice_set["skill"] == "writing":
        context["sent"] = services.sent_texts(current_user, practice_set["id"])
    else:
        context["practised"] = services.practised(row)
    context.update(extra)
    return render_template("practice/set.html", **context), status


@bp.route("/practice/<set_id>")
@roles(Role.LEARNER)
def practice_set(set_id: str) -> tuple[str, int]:
    return _page(_set_or_404(set_id))


@bp.route("/practice/<set_id>", methods=["POST"])
@roles(Role.LEARNER)
def answer(set_id: str) -> Response:
    found = _set_or_404(set_id)
    if found["skill"] not in practice.SCORED_SKILLS:
        abort(404)
    if not AnswerForm().validate_on_submit():
        abort(400)
    answers = {
        item["id"]: without_hidden_characters(
            request.form.get(f"answer-{item['id']}", "")[:MAX_ANSWER_LENGTH]
        )
        for item in practice.questions(found)
    }
    # Listening on a device without a Norwegian voice: the texts were read, not heard.
    scored = not (found["skill"] == "listening" and request.form.get("no_voice") == "1")
    services.record_attempt(current_user, found, answers, scored)
    db.session.commit()
    return redirect(url_for("practice.result_page", set_id=found["id"]))


@bp.route("/practice/<set_id>/result")
@roles(Role.LEARNER)
def result_page(set_id: str) -> Response | str:
    found = _set_or_404(set_id)
    row = services.result(current_user, found["id"])
    if found["skill"] not in practice.SCORED_SKILLS or row is None or row.last_correct is None:
        return redirect(url_for("practice.practice_set", set_id=found["id"]))
    answers = services.last_answers(row)
    items = [
        (item, answers.get(item["id"], ""), practice.is_right(item, answers.get(item["id"])))
        for item in practice.questions(found)
    ]
    total = len(items)
    return render_template(
        "practice/result.html",
        set=found,
        row=row,
        items=items,
        correct=row.last_correct,
        total=total,
        percent=practice.Score(row.last_correct, total).percent,
        passed=practice.Score(row.last_correct, total).passed,
        pass_percent=practice.PASS_PERCENT,
        language=support_language(current_user),
    )


@bp.route("/practice/<set_id>/writing/<task_id>", methods=["POST"])
@roles(Role.LEARNER)
def send_text(set_id: str, task_id: str) -> Response | tuple[str, int]:
    found = _set_or_404(set_id)
    task = next((t for t in found.get("tasks") or [] if t["id"] == task_id), None)
    if found["skill"] != "writing" or task is None:
        abort(404)
    if not AnswerForm().validate_on_submit():
        abort(400)
    text = without_hidden_characters(
        request.form.get("text", "")[:MAX_TEXT_LENGTH], several_lines=True
    )
    problem = services.writing_problem(task, text)
    if problem:
        refused = {"task": task_id, "text": text, "problem": problem, "words": word_count(text)}
        return _page(found, 422, refused=refused)
    services.submit_writing(current_user, found["id"], task_id, text)
    db.session.commit()
    flash(_("Sent to your teacher. You will get feedback."), "success")
    return redirect(url_for("practice.practice_set", set_id=found["id"]) + f"#task-{task_id}")


@bp.route("/practice/<set_id>/practised/<prompt_id>", methods=["POST"])
@roles(Role.LEARNER)
def mark_practised(set_id: str, prompt_id: str) -> Response:
    found = _set_or_404(set_id)
    ids = {prompt["id"] for prompt in found.get("prompts") or []}
    if found["skill"] != "oral" or prompt_id not in ids:
        abort(404)
    if not AnswerForm().validate_on_submit():
        abort(400)
    services.mark_practised(current_user, found["id"], prompt_id)
    db.session.commit()
    return redirect(url_for("practice.practice_set", set_id=found["id"]) + f"#prompt-{prompt_id}")


@bp.app_template_global()
def practice_task(set_id: str, task_id: str) -> dict[str, str] | None:
    """A practice text's set title and task, in Norwegian, for the teachers' list of texts."""
    found = services.practice_set(set_id)
    task = next((t for t in (found or {}).get("tasks") or [] if t["id"] == task_id), None)
    if found is None or task is None:
        return None
    return {"title": found["title"]["nb"], "prompt": task["prompt"]["nb"]}
