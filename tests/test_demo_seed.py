"""The demo seed creates a realistic region once, and running it again adds nothing."""

from __future__ import annotations

from collections import Counter

from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from tests.conftest import login
from webapp.accounts.models import Role, User
from webapp.demo.data import DEMO_PASSWORD, FIXED_LOGINS
from webapp.extensions import db
from webapp.learners.levels import Education
from webapp.learners.models import FirstLanguage, LearnerProfile
from webapp.organisations.models import Organisation, OrganisationKind


def test_seed_twice_is_idempotent(runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "4 organisation(s)" in first.output
    assert "60 learner(s)" in first.output
    counts = (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Organisation.id))),
    )
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0
    assert "0 organisation(s), 0 staff account(s), 0 learner(s)" in second.output
    assert counts == (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Organisation.id))),
    )


def test_the_region_looks_like_the_brief(runner):
    runner.invoke(args=["demo", "seed"])
    orgs = db.session.scalars(select(Organisation)).all()
    kinds = Counter(org.kind for org in orgs)
    assert kinds[OrganisationKind.MUNICIPALITY] == 2  # two small ones
    assert kinds[OrganisationKind.BOTH] == 1  # a municipality running its own centre
    assert kinds[OrganisationKind.PROVIDER] == 1  # a private provider
    profiles = db.session.scalars(select(LearnerProfile)).all()
    assert len(profiles) == 60
    education = Counter(p.education for p in profiles)
    assert education[Education.HIGHER] / 60 > 0.7
    assert all(education[level] >= 1 for level in Education)
    languages = Counter(p.first_language for p in profiles)
    assert languages[FirstLanguage.UKRAINIAN] > languages[FirstLanguage.RUSSIAN] > 0
    assert {p.settlement_date.year for p in profiles} >= {2023, 2024, 2025, 2026}
    homes = Counter(p.home_municipality.name for p in profiles)
    assert len(homes) == 3
    assert sum(1 for p in profiles if p.is_employed) >= 20


def test_fixed_demo_accounts_log_in(app, runner):
    runner.invoke(args=["demo", "seed"])
    roles = {}
    for email in FIXED_LOGINS:
        client = app.test_client()
        assert login(client, email, DEMO_PASSWORD).status_code == 302, email
        assert client.get("/dashboard").status_code == 200
        roles[email] = db.session.scalar(select(User.role).where(User.email == email))
    assert roles == {
        "learner@example.org": Role.LEARNER,
        "teacher@example.org": Role.TEACHER,
        "coordinator@example.org": Role.COORDINATOR,
        "admin@example.org": Role.ADMIN,
    }


def test_the_demo_lesson_is_voiced_by_a_synthesizer_and_says_so(app, runner, tmp_path):
    from lessons.loader import CONTENT_DIR
    from webapp.demo.recordings import DEMO_LESSON, FOLDER, demo_texts
    from webapp.lessons.models import Lesson
    from webapp.recordings.models import RecordingStatus, VoiceRecording

    app.config["RECORDINGS_FOLDER"] = str(tmp_path / "recordings")
    working_life = CONTENT_DIR / "working-life"
    synced = runner.invoke(args=["lessons", "sync", str(working_life)])
    assert synced.exit_code == 0, synced.output
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    texts = demo_texts(db.session.get(Lesson, DEMO_LESSON))
    assert len(texts) >= 10
    assert {f"{t.key}.webm" for t in texts} <= {p.name for p in FOLDER.iterdir()}
    published = db.session.scalars(
        select(VoiceRecording).where(VoiceRecording.status == RecordingStatus.PUBLISHED)
    ).all()
    assert len(published) == len(texts)
    assert all(r.synthetic for r in published)
    again = runner.invoke(args=["demo", "seed"])
    assert "0 synthesized recording(s)" in again.output

    learner = app.test_client()
    login(learner, "learner@example.org", DEMO_PASSWORD)
    page = learner.get(f"/lessons/{DEMO_LESSON}/listening")
    assert page.status_code == 200
    user = db.session.scalar(select(User).where(User.email == "learner@example.org"))
    with app.test_request_context(), force_locale(user.locale):
        label = gettext("A demo recording made by a speech synthesizer, not by a teacher.")
    assert label in page.get_data(as_text=True)
