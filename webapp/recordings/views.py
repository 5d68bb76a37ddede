"""Recording pages: teachers voice lessons; learners answer speaking tasks; teachers reply."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from webapp.access.rules import logged_in, roles
from webapp.accounts.models import Role, User
from webapp.extensions import db
from webapp.lessons.models import Lesson
from webapp.lessons.services import lesson_content, support_language
from webapp.lessons.views import lesson_or_404
from webapp.recordings import services
from webapp.recordings.audio import AudioRefused
from webapp.recordings.forms import ActionForm, AnswerForm, ReplyForm, TakeForm
from webapp.recordings.models import RecordingStatus, SpeakingAnswer, VoiceRecording
from webapp.recordings.refusals import refusal_message
from webapp.recordings.storage import storage

bp = Blueprint("recordings", __name__, template_folder="templates")

YEAR = 365 * 24 * 3600
STAFF = services.STAFF
LISTENERS = (Role.LEARNER, Role.TEACHER, Role.ADMIN)
# Pages that record: the microphone is allowed there (and nowhere else).
MICROPHONE_POLICY = "camera=(), microphone=(self), geolocation=()"
UPLOADS = {"recordings.save_take", "recordings.speaking_page", "recordings.reply"}


def _require_voice() -> None:
    if not services.has_voice(current_user):
        abort(403)


def _uploaded(field: FileStorage | None) -> bytes:
    """The bytes of an uploaded file (empty when none was chosen)."""
    if field is None or not isinstance(field, FileStorage):
        return b""
    return field.read(current_app.config["RECORDINGS_MAX_BYTES"] + 1)


def _recorder_page(html: str, status: int = 200) -> tuple[str, int, dict[str, str]]:
    return html, status, {"Permissions-Policy": MICROPHONE_POLICY}


def _send_audio(key: str, mime_type: str, public: bool) -> Response:
    """Send a stored recording with byte ranges (Safari needs them)."""
    store = storage()
    if not store.exists(key):
        abort(404)
    # Recordings are small (RECORDINGS_MAX_BYTES): read them whole, so no file handle stays
    # open when a player drops its connection halfway through a range.
    with store.open(key) as handle:
        data = handle.read()
    response = Response(data, mimetype=mime_type)
    response.add_etag()
    response.make_conditional(request, accept_ranges=True, complete_length=len(data))
    response.cache_control.max_age = None
    if public:
        # Each take has its own address and never changes: cache it for a year.
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.headers["Cache-Control"] = "private, no-store"  # personal data
    return response


# Teachers' recordings ---------------------------------------------------------------------------


def _lesson_page(lesson: Lesson, form: TakeForm | None = None, status: int = 200):
    texts = services.lesson_texts(lesson)
    html = render_template(
        "recordings/lesson.html",
        lesson=lesson,
        texts=texts,
        recordings=services.lesson_recordings(lesson.id),
        form=form or TakeForm(formdata=None),
        action=ActionForm(formdata=None),
    )
    return _recorder_page(html, status)


@bp.route("/lessons/<lesson_id>/recordings")
@roles(*STAFF)
def lesson_recordings(lesson_id: str):
    _require_voice()
    return _lesson_page(lesson_or_404(lesson_id))


@bp.route("/lessons/<lesson_id>/recordings", methods=["POST"])
@roles(*STAFF)
def save_take(lesson_id: str):
    _require_voice()
    lesson = lesson_or_404(lesson_id)
    form = TakeForm()
    if form.validate_on_submit():
        data = _uploaded(request.files.get("audio"))
        try:
            if not data:
                raise services.RecordingError("no_file")
            services.save_recording(current_user, lesson, form.text.data, data)
        except (services.RecordingError, AudioRefused) as refusal:
            db.session.rollback()
            form.audio.errors = [refusal_message(refusal.code)]
        else:
            db.session.commit()
            flash(_("Saved. Listen to it, then publish it or record again."), "success")
            return redirect(
                url_for("recordings.lesson_recordings", lesson_id=lesson.id)
                + f"#text-{form.text.data}"
            )
    return _lesson_page(lesson, form, 400)


def _recording_or_404(recording_id: int) -> VoiceRecording:
    recording = db.session.get(VoiceRecording, recording_id)
    if recording is None:
        abort(404)
    return recording


def _change(recording_id: int, change, done: str) -> Response:
    _require_voice()
    recording = _recording_or_404(recording_id)
    if ActionForm().validate_on_submit():
        try:
            change(current_user, recording)
        except services.RecordingError as refusal:
            db.session.rollback()
            flash(refusal_message(refusal.code), "error")
        else:
            db.session.commit()
            flash(done, "success")
    return redirect(
        url_for("recordings.lesson_recordings", lesson_id=recording.lesson_id)
        + f"#text-{recording.text_key}"
    )


@bp.route("/recordings/<int:recording_id>/publish", methods=["POST"])
@roles(*STAFF)
def publish(recording_id: int) -> Response:
    return _change(recording_id, services.publish, _("Published: learners hear it now."))


@bp.route("/recordings/<int:recording_id>/approve", methods=["POST"])
@roles(*STAFF)
def approve(recording_id: int) -> Response:
    return _change(recording_id, services.approve, _("Approved."))


@bp.route("/recordings/<int:recording_id>/withdraw", methods=["POST"])
@roles(*STAFF)
def withdraw(recording_id: int) -> Response:
    return _change(recording_id, services.withdraw, _("Withdrawn."))


@bp.route("/recordings/<int:recording_id>/audio")
@logged_in
def recording_audio(recording_id: int) -> Response:
    recording = _recording_or_404(recording_id)
    published = recording.status is RecordingStatus.PUBLISHED
    if not published and not services.has_voice(current_user):
        abort(404)
    return _send_audio(recording.storage_key, recording.mime_type, public=published)


@bp.route("/recordings/coverage")
@roles(*STAFF)
def coverage() -> str:
    _require_voice()
    return render_template("recordings/coverage.html", tracks=services.coverage_by_track())


# Speaking tasks ---------------------------------------------------------------------------------


def _speaking_page(lesson: Lesson, form: AnswerForm | None = None, status: int = 200):
    content = lesson_content(lesson)
    speaking = content.get("speaking")
    if not isinstance(speaking, dict):
        abort(404)
    html = render_template(
        "recordings/speaking.html",
        lesson=lesson,
        content=content,
        speaking=speaking,
        language=support_language(current_user),
        answers=services.own_answers(current_user, lesson.id),
        form=form or AnswerForm(formdata=None),
        action=ActionForm(formdata=None),
        max_seconds=current_app.config["RECORDINGS_MAX_SECONDS"],
        retention_months=max(1, current_app.config["RECORDINGS_RETENTION_DAYS"] // 30),
    )
    return _recorder_page(html, status)


@bp.route("/lessons/<lesson_id>/speaking", methods=["GET", "POST"])
@roles(Role.LEARNER)
def speaking_page(lesson_id: str):
    lesson = lesson_or_404(lesson_id)
    form = AnswerForm()
    if request.method == "GET":
        return _speaking_page(lesson)
    if form.validate_on_submit():
        data = _uploaded(request.files.get("audio"))
        try:
            if not data:
                raise services.RecordingError("no_file")
            services.submit_answer(current_user, lesson, data)
        except (services.RecordingError, AudioRefused) as refusal:
            db.session.rollback()
            form.audio.errors = [refusal_message(refusal.code)]
        else:
            db.session.commit()
            flash(_("Sent. Your teacher will listen and reply."), "success")
            return redirect(url_for("recordings.speaking_page", lesson_id=lesson.id))
    return _speaking_page(lesson, form, 400)


def _answer_or_404(answer_id: int) -> SpeakingAnswer:
    answer = db.session.scalar(
        services.answers_visible_to(current_user).where(SpeakingAnswer.id == answer_id)
    )
    if answer is None:
        abort(404)
    return answer


@bp.route("/speaking/<int:answer_id>/audio")
@roles(*LISTENERS)
def answer_audio(answer_id: int) -> Response:
    answer = _answer_or_404(answer_id)
    return _send_audio(answer.storage_key, answer.mime_type, public=False)


@bp.route("/speaking/<int:answer_id>/reply-audio")
@roles(*LISTENERS)
def reply_audio(answer_id: int) -> Response:
    answer = _answer_or_404(answer_id)
    if not answer.reply_key or not answer.reply_mime_type:
        abort(404)
    return _send_audio(answer.reply_key, answer.reply_mime_type, public=False)


@bp.route("/speaking/<int:answer_id>/delete", methods=["POST"])
@roles(Role.LEARNER)
def delete_answer(answer_id: int) -> Response:
    answer = _answer_or_404(answer_id)
    lesson_id = answer.lesson_id
    if ActionForm().validate_on_submit():
        keys = services.delete_answer(answer)
        db.session.commit()
        services.remove_files(keys)
        flash(_("Your recording is deleted."), "success")
    return redirect(url_for("recordings.speaking_page", lesson_id=lesson_id))


def _queue_page(form: ReplyForm | None = None, status: int = 200, single=None):
    answers = [single] if single else list(db.session.scalars(services.queue(current_user)))
    learners = {
        user.id: user
        for user in db.session.scalars(
            db.select(User).where(User.id.in_({a.learner_id for a in answers}))
        )
    }
    html = render_template(
        "recordings/queue.html",
        answers=answers,
        learners=learners,
        lessons={a.lesson_id: db.session.get(Lesson, a.lesson_id) for a in answers},
        form=form or ReplyForm(formdata=None),
        may_reply=current_user.role is Role.TEACHER,
    )
    return _recorder_page(html, status)


@bp.route("/speaking/queue")
@roles(Role.TEACHER, Role.ADMIN)
def queue():
    return _queue_page()


@bp.route("/speaking/<int:answer_id>/reply", methods=["POST"])
@roles(Role.TEACHER)
def reply(answer_id: int):
    answer = _answer_or_404(answer_id)
    form = ReplyForm()
    if form.validate_on_submit():
        data = _uploaded(request.files.get("audio"))
        try:
            replaced = services.reply(current_user, answer, form.reply.data or "", data or None)
        except (services.RecordingError, AudioRefused) as refusal:
            db.session.rollback()
            form.reply.errors = [refusal_message(refusal.code)]
        else:
            db.session.commit()
            services.remove_files(replaced)
            flash(_("Your reply is sent."), "success")
            return redirect(url_for("recordings.queue"))
    return _queue_page(form, 400, single=answer)


def allow_audio_uploads() -> None:
    """Raise the request size limit for the pages that take recordings, before anything
    (the CSRF check included) reads the form."""
    if request.endpoint in UPLOADS and request.method == "POST":
        request.max_content_length = current_app.config["RECORDINGS_MAX_BYTES"] + 512 * 1024


def init_app(app: Flask) -> None:
    """Register the pages and let uploads of recordings through the size limit."""
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, allow_audio_uploads)
    app.jinja_env.globals["published_playback"] = services.published_playback
