"""The learner's side of lessons: catalogue, lesson player, review, placement, heartbeat."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lessons.arrangement import options_in_order
from lessons.grading import grade, word_count
from lessons.placement import load_bank, next_step
from lessons.schema import LEVELS, TRACKS
from webapp.access.redirects import safe_next
from webapp.access.rules import logged_in, roles
from webapp.accounts.models import Role
from webapp.clock import oslo_today
from webapp.database import commit_without_waiting_for_disk
from webapp.extensions import db
from webapp.lessons import arranging, results, services
from webapp.lessons.forms import (
    MAX_ANSWER_LENGTH,
    SUPPORT_LANGUAGE_CHOICES,
    AnswerForm,
    PlacementWritingForm,
    ReviewForm,
    SupportLanguageForm,
)
from webapp.lessons.models import Lesson, PlacementResult
from webapp.listening.rules import listening_items
from webapp.recordings.services import published_playbacks
from webapp.studytime.models import StudySource
from webapp.text_rules import without_hidden_characters

bp = Blueprint("lessons", __name__, template_folder="templates")

PLACEMENT_KEY = "placement_answers"
PLACEMENT_SKIPPED_KEY = "placement_skipped"
PLACEMENT_DONE_KEY = "placement_done"
PLACEMENT_WRITING_PROMPT = (
    "Skriv noen setninger om deg selv: hvem du er, hvilket arbeid du har gjort, "
    "og hvilket arbeid du ønsker deg i Norge."
)


def _locale() -> str:
    locale = get_locale()
    return str(locale.language) if locale else "nb"


def _visible_or_404(lesson: Lesson | None) -> Lesson:
    """Staff see active lessons only; learners keep the archived lessons they have."""
    if lesson is None or (lesson.archived_at is not None and current_user.role is not Role.LEARNER):
        abort(404)
    return lesson


def lesson_or_404(lesson_id: str) -> Lesson:
    """The lesson a page names, as the current user may see it (else 404); for every feature
    with pages on a lesson."""
    return _visible_or_404(db.session.get(Lesson, lesson_id[:80]))


@bp.route("/lessons")
@logged_in
def catalogue() -> str:
    track = request.args.get("track", "")
    level = request.args.get("level", "")
    track = track if track in TRACKS else ""
    level = level if level in LEVELS else ""
    result = services.catalogue(current_user, _locale(), track, level)
    return render_template(
        "lessons/catalogue.html",
        catalogue=result,
        tracks=TRACKS,
        levels=LEVELS,
        track=track,
        level=level,
        due=services.due_cards_count(current_user) if current_user.role is Role.LEARNER else 0,
    )


def _step_from_request() -> int:
    """The step asked for with ?step=N; the first step when missing or not a number."""
    return request.args.get("step", default=0, type=int) or 0


@bp.route("/lessons/<lesson_id>")
@bp.route("/lessons/<lesson_id>/step/<int:step>")
@logged_in
def lesson_page(lesson_id: str, step: int | None = None) -> str:
    visit = services.lesson_visit(current_user, lesson_id[:80])  # the lesson and the answers
    if visit is None:
        abort(404)
    lesson = _visible_or_404(visit.lesson)
    learner = current_user.role is Role.LEARNER
    if learner and not visit.started and services.start_lesson(current_user, lesson):
        db.session.commit()  # opening a lesson the first time starts it
    chosen = _step_from_request() if step is None else step
    context = _player(visit, chosen, again=request.args.get("again") == "1")
    return render_template("lessons/lesson.html", **context)


def _player(
    visit: services.LessonVisit, step: int, again: bool = False, refused: dict | None = None
) -> dict:
    """What one step of the lesson player shows: the goals and words (0), the text (1), one
    exercise each (2 to n + 1), then the result (n + 2)."""
    lesson = visit.lesson
    learner = current_user.role is Role.LEARNER
    content = services.lesson_content(lesson)
    exercises = content["exercises"]
    result_step = len(exercises) + 2
    step = min(max(step, 0), result_step)
    locale = _locale()
    language = services.support_language(current_user)
    answers = visit.answers if learner else {}
    context: dict = {
        "lesson": lesson,
        "content": content,
        "locale": locale,
        "language": language,
        "is_learner": learner,
        "step": step,
        "steps": result_step,  # the steps before the result screen
        "result_step": result_step,
        "minutes": lesson.measured_minutes or lesson.minutes,
        # Teachers' published recordings of the lesson's texts, played instead of a voice.
        "recordings": published_playbacks(lesson.id),
    }
    context["recorded_urls"] = {text: play.url for text, play in context["recordings"].items()}
    context["listening_items"] = len(listening_items(content, set(context["recordings"])))
    if step in (0, 1):
        context["intro"] = services.lesson_intro(
            lesson, locale, language, "start" if step == 0 else "text"
        )
    elif step == result_step:
        if learner:
            context["result"] = results.lesson_result(current_user, visit)
            context["next_steps"] = results.next_steps(current_user, lesson, oslo_today())
    else:
        exercise = exercises[step - 2]
        stored = answers.get(exercise["id"])
        attempt = (stored.attempts if stored else 0) + 1
        context.update(
            ex=exercise,
            number=step - 1,
            count=len(exercises),
            stored=stored,
            show_form=not learner or stored is None or again or refused is not None,
            arrangement=arranging.arranged(current_user.id, lesson, exercise, attempt, language),
            expected=grade(exercise, "", language).expected,
            refused=refused,
        )
    return context


def _read_answer(exercise: dict) -> object:
    """The answer as graded and stored: in NFC, without control or invisible characters."""
    kind = exercise["type"]
    if kind == "match":
        return {
            pair["nb"]: without_hidden_characters(request.form.get(f"pair-{index}", "")[:200])
            for index, pair in enumerate(exercise["pairs"])
        }
    answer = request.form.get("answer", "")[:MAX_ANSWER_LENGTH]
    return without_hidden_characters(answer, several_lines=kind == "writing")


def _wants_json() -> bool:
    """The player's script asks for the answered exercise as JSON; a plain form gets a page."""
    return request.accept_mimetypes.best == "application/json"


@bp.route("/lessons/<lesson_id>/exercises/<exercise_id>", methods=["POST"])
@roles(Role.LEARNER)
def answer(lesson_id: str, exercise_id: str) -> Response | tuple[Response | str, int]:
    lesson = lesson_or_404(lesson_id)
    exercises = services.lesson_content(lesson)["exercises"]
    index = next((n for n, e in enumerate(exercises) if e["id"] == exercise_id), None)
    if index is None:
        abort(404)
    if not AnswerForm().validate_on_submit():
        abort(400)
    exercise = exercises[index]
    value = _read_answer(exercise)
    by_ear = request.form.get("listening") != "0"  # 0: no voice and no recording, so it was read
    outcome = services.answer_exercise(current_user, lesson, exercise_id, value, by_ear=by_ear)
    db.session.commit()
    step = index + 2
    if outcome.grade.problem:  # free writing too short or too long: the text is kept
        refused = {
            "text": value,
            "problem": outcome.grade.problem,
            "words": word_count(str(value)),
        }
        visit = services.lesson_visit(current_user, lesson.id)
        context = _player(visit, step, refused=refused)
        if _wants_json():
            return jsonify({"html": render_template("lessons/_exercise.html", **context)}), 422
        return render_template("lessons/lesson.html", **context), 422
    if _wants_json():
        visit = services.lesson_visit(current_user, lesson.id)
        html = render_template("lessons/_exercise.html", **_player(visit, step))
        return jsonify({"html": html, "completed": outcome.completed_now})
    if outcome.completed_now:
        flash(
            ngettext(
                "Lesson completed! %(num)d word added to your vocabulary review.",
                "Lesson completed! %(num)d words added to your vocabulary review.",
                outcome.words_added,
            ),
            "success",
        )
    return redirect(url_for("lessons.lesson_page", lesson_id=lesson.id, step=step) + "#exercise")


@bp.route("/review")
@roles(Role.LEARNER)
def review() -> str:
    card = services.next_due_card(current_user)
    language = services.support_language(current_user)
    return render_template(
        "lessons/review.html",
        card=card,
        meaning=services.card_meaning(card, language) if card else "",
        language=language,
        due=services.due_cards_count(current_user),
        reveal=request.args.get("reveal") == "1",
        form=ReviewForm(),
    )


@bp.route("/review/<int:card_id>", methods=["POST"])
@roles(Role.LEARNER)
def rate_card(card_id: int) -> Response:
    from webapp.lessons.models import VocabCard

    card = db.session.get(VocabCard, card_id)
    if card is None or card.learner_id != current_user.id:
        abort(404)
    rating = request.form.get("rating", "")
    if not ReviewForm().validate_on_submit() or rating not in ("1", "2", "3", "4"):
        abort(400)
    services.review_card(card, int(rating))
    db.session.commit()
    return redirect(url_for("lessons.review"))


@bp.route("/support-language", methods=["GET", "POST"])
@roles(Role.LEARNER)
def support_language() -> Response | str:
    """Asked once after the first log-in (skipping keeps the default), and from the profile."""
    if current_user.learner_profile is None:
        abort(404)
    form = SupportLanguageForm()
    wanted = safe_next(form.next.data or request.args.get("next"), url_for("pages.dashboard"))
    if request.method == "GET":
        form.language.data = services.support_language(current_user)
        form.next.data = wanted
    elif form.skip.data:
        form.language.data = services.support_language(current_user)  # the default is kept
    if form.validate_on_submit():
        services.set_support_language(current_user, form.language.data)
        db.session.commit()
        if not form.skip.data:
            names = dict(SUPPORT_LANGUAGE_CHOICES)
            language = names[form.language.data]
            flash(_("Translations are now shown in %(language)s.", language=language), "success")
        return redirect(wanted)
    return render_template("lessons/support_language.html", form=form)


@bp.route("/placement", methods=["GET", "POST"])
@roles(Role.LEARNER)
def placement() -> Response | str:
    bank = load_bank()
    by_id = {item["id"]: item for item in bank}
    # The session (a signed, readable cookie) keeps what the learner chose and which listening
    # items the device could not read aloud, never whether an answer was right: that is worked
    # out here on every step, by value, whatever order the options were shown in.
    chosen: dict[str, str] = {
        item_id: answer
        for item_id, answer in session.get(PLACEMENT_KEY, {}).items()
        if item_id in by_id and isinstance(answer, str)
    }
    skipped = {
        item_id
        for item_id in session.get(PLACEMENT_SKIPPED_KEY, [])
        if item_id in by_id and by_id[item_id]["skill"] == "listening"
    }
    form = AnswerForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("restart") == "1":
            chosen, skipped = {}, set()
            session.pop(PLACEMENT_DONE_KEY, None)
        else:
            item_id = request.form.get("item", "")
            if item_id in by_id and item_id not in chosen and item_id not in skipped:
                if request.form.get("skip") == "1" and by_id[item_id]["skill"] == "listening":
                    skipped.add(item_id)
                elif "answer" in request.form:
                    chosen[item_id] = request.form.get("answer", "")[:MAX_ANSWER_LENGTH]
        session[PLACEMENT_KEY] = chosen
        session[PLACEMENT_SKIPPED_KEY] = sorted(skipped)
        answers = _placement_results(by_id, chosen)
        step = next_step(bank, answers, frozenset(skipped))
        if step.level is not None:
            result = services.record_placement(current_user._get_current_object(), step, answers)
            db.session.commit()
            session.pop(PLACEMENT_KEY, None)
            session.pop(PLACEMENT_SKIPPED_KEY, None)
            session[PLACEMENT_DONE_KEY] = result.id
        return redirect(url_for("lessons.placement"))
    done = services.own_placement(current_user, session.get(PLACEMENT_DONE_KEY))
    if done is not None and not chosen and not skipped:
        return _placement_result_page(done, PlacementWritingForm())
    step = next_step(bank, _placement_results(by_id, chosen), frozenset(skipped))
    if step.item is None:  # finished answers left in an old cookie: start again
        session.pop(PLACEMENT_KEY, None)
        session.pop(PLACEMENT_SKIPPED_KEY, None)
        return redirect(url_for("lessons.placement"))
    attempt = services.placement_attempt(current_user)
    item = step.item
    options = options_in_order(
        item["options"], f"{current_user.id}:placement:{item['id']}:{attempt}"
    )
    return render_template(
        "lessons/placement.html",
        item=item,
        options=options,
        answered=len(chosen),
        form=form,
    )


@bp.route("/placement/writing", methods=["POST"])
@roles(Role.LEARNER)
def placement_writing() -> Response | str:
    done = services.own_placement(current_user, session.get(PLACEMENT_DONE_KEY))
    if done is None:
        done = services.latest_placement(current_user)
    if done is None:
        return redirect(url_for("lessons.placement"))
    form = PlacementWritingForm()
    if not form.validate_on_submit():
        return _placement_result_page(done, form), 422  # the text typed stays in the form
    services.save_placement_writing(done, form.text.data)
    db.session.commit()
    flash(_("Thank you. Your text is saved for your teacher."), "success")
    return redirect(url_for("lessons.placement"))


def _placement_result_page(result: PlacementResult, form: PlacementWritingForm) -> str:
    skills = [
        (_("Reading"), result.reading_level),
        (_("Listening"), result.listening_level),
        (_("Grammar and vocabulary"), result.grammar_level),
    ]
    return render_template(
        "lessons/placement_result.html",
        result=result,
        level=result.level,
        lesson_level=result.level if result.level in LEVELS else LEVELS[-1],
        skills=skills,
        writing_prompt=PLACEMENT_WRITING_PROMPT,
        writing_form=form,
        form=AnswerForm(),
    )


def _placement_results(by_id: dict[str, dict], chosen: dict[str, str]) -> dict[str, bool]:
    """Whether each chosen answer is right, graded on the server by value."""
    return {item_id: answer == by_id[item_id]["answer"] for item_id, answer in chosen.items()}


@bp.route("/study/heartbeat", methods=["POST"])
@roles(Role.LEARNER)
def heartbeat() -> Response:
    source = StudySource.REVIEW if request.form.get("source") == "review" else StudySource.LESSON
    credited = services.heartbeat(current_user, source)
    commit_without_waiting_for_disk()  # a lost heartbeat costs half a minute of study time
    return jsonify({"credited": credited})
