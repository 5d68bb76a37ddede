"""E-mail waits in the outbox until the scheduler (or ``flask mail send``) delivers it."""

from __future__ import annotations

import smtplib

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.mail.services import MAX_ATTEMPTS, deliver_pending, queue_mail


class FakeSMTP:
    sent: list = []
    fail = False

    def __init__(self, host, port, timeout):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        if FakeSMTP.fail:
            raise smtplib.SMTPServerDisconnected("gone")
        FakeSMTP.sent.append(message)


@pytest.fixture
def fake_smtp(app, monkeypatch):
    FakeSMTP.sent = []
    FakeSMTP.fail = False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config["MAIL_SERVER"] = "smtp.example.org"
    return FakeSMTP


def test_without_a_server_messages_are_logged_and_marked_sent(caplog):
    queue_mail("a@example.org", "Hei", "Tekst")
    db.session.commit()
    with caplog.at_level("INFO"):
        assert deliver_pending() == 1
    assert "a@example.org" in caplog.text
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None
    assert deliver_pending() == 0  # nothing twice


def test_smtp_delivery(fake_smtp):
    queue_mail("b@example.org", "Emne", "Brødtekst æøå")
    db.session.commit()
    assert deliver_pending() == 1
    assert fake_smtp.sent[0]["To"] == "b@example.org"
    assert "æøå" in fake_smtp.sent[0].get_content()


def test_failures_are_retried_then_given_up(fake_smtp):
    fake_smtp.fail = True
    queue_mail("c@example.org", "Emne", "Tekst")
    db.session.commit()
    for _ in range(MAX_ATTEMPTS + 2):
        assert deliver_pending() == 0
    message = db.session.scalar(select(OutboxMessage))
    assert message.attempts == MAX_ATTEMPTS
    assert message.sent_at is None
    assert "gone" in message.last_error


def test_rolled_back_work_sends_nothing():
    queue_mail("d@example.org", "Emne", "Tekst")
    db.session.rollback()
    assert deliver_pending() == 0


def test_scheduler_once_delivers_the_outbox(runner, fake_smtp):
    queue_mail("e@example.org", "Emne", "Tekst")
    db.session.commit()
    result = runner.invoke(args=["scheduler", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in fake_smtp.sent] == ["e@example.org"]


def test_mail_send_command(runner):
    queue_mail("f@example.org", "Emne", "Tekst")
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert "sent 1 message(s)" in result.output
