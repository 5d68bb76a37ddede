"""Delivery against a real SMTP server on this machine (aiosmtpd): one bad message never stops
the others, and subjects built from user text are always one clean line."""

from __future__ import annotations

import smtplib
import socket
from datetime import time, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, insert, select

from webapp.accounts.models import Role
from webapp.classes import services as class_services
from webapp.classes.models import Modality
from webapp.clock import oslo_today
from webapp.extensions import db
from webapp.learners.levels import Level
from webapp.mail.models import OutboxMessage
from webapp.mail.services import deliver_pending, is_transient, queue_mail, subject_line
from webapp.organisations.models import OrganisationKind

REFUSED = "nobody@refused.example.org"


class Recorder:
    """An SMTP server's handler: keeps every message, refuses one recipient for good."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield recorder
    controller.stop()


def legacy_row(to_address: str, subject: str) -> None:
    """An outbox row written as an older version could have written it (no cleaning)."""
    db.session.execute(
        insert(OutboxMessage).values(
            to_address=to_address, subject=subject, body_text="Tekst\n", attempts=0
        )
    )


def test_a_poisoned_message_among_50_fails_alone_and_the_other_49_go(smtp_server):
    for n in range(50):
        if n == 17:
            legacy_row("poisoned@example.org\r\nBcc: everyone@example.org", "Emne")
        else:
            queue_mail(f"learner{n}@example.org", f"Melding {n}", "Hei!\n")
    db.session.commit()

    assert deliver_pending() == 49

    assert len(smtp_server.messages) == 49
    assert all("everyone" not in str(m) for m in smtp_server.messages)
    failed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.failed_at.is_not(None)))
    (poisoned,) = failed.all()
    assert poisoned.to_address.startswith("poisoned@")
    assert "ValueError" in poisoned.last_error
    assert poisoned.sent_at is None
    assert deliver_pending() == 0, "nothing is sent twice, the failed one is not tried again"


def test_a_recipient_the_server_refuses_is_failed_with_its_reason(smtp_server):
    queue_mail("first@example.org", "Først", "1\n")
    queue_mail(REFUSED, "Avvist", "2\n")
    queue_mail("last@example.org", "Sist", "3\n")
    db.session.commit()
    assert deliver_pending() == 2
    assert [m["To"] for m in smtp_server.messages] == ["first@example.org", "last@example.org"]
    refused = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == REFUSED))
    assert refused.failed_at is not None
    assert "No such user" in refused.last_error


def test_a_class_title_with_a_carriage_return_makes_a_one_line_subject(smtp_server, factory):
    provider = factory.organisation(OrganisationKind.PROVIDER)
    teacher = factory.user(Role.TEACHER, provider)
    learner = factory.learner()
    first = oslo_today() + timedelta(days=7)
    series = class_services.create_series(
        teacher,
        class_services.SeriesInput(
            title="Norsk\rA2\nBcc: x@example.org",
            description="",
            level=Level.A2,
            track=None,
            modality=Modality.ONLINE,
            address="",
            meeting_link="https://meet.example.org/a2",
            capacity=5,
            teacher_id=teacher.id,
            weekdays=frozenset({first.weekday()}),
            start_local=time(18),
            end_local=time(20),
            first_date=first,
            last_date=first + timedelta(days=14),
            extra_dates=frozenset(),
            cancelled_dates=frozenset(),
            drop_in_allowed=True,
            seat_price_nok=0,
        ),
    )
    db.session.commit()
    class_services.book_series(learner, series)
    db.session.commit()
    class_services.cancel_session(teacher, series.sessions[0])
    db.session.commit()
    queued = db.session.scalar(select(func.count(OutboxMessage.id)))
    assert queued >= 1

    assert deliver_pending() == queued
    (message,) = [m for m in smtp_server.messages if m["To"] == learner.email]
    assert "\r" not in message["Subject"]
    assert "\n" not in message["Subject"]
    assert "Norsk A2" in message["Subject"]
    assert message["Bcc"] is None


@given(st.text())
def test_a_subject_line_is_always_one_clean_line(text):
    line = subject_line(text)
    assert len(line) <= 200
    assert line == line.strip()
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in line)
    assert not any(c in line for c in "\u2028\u2029\u202e\u2066\u200b")


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (smtplib.SMTPServerDisconnected("gone"), True),
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError("slow"), True),
        (smtplib.SMTPResponseException(421, b"busy"), True),
        (smtplib.SMTPResponseException(554, b"no"), False),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no such user")}), False),
        (smtplib.SMTPRecipientsRefused({"a@b.c": (451, b"try later")}), True),
        (smtplib.SMTPSenderRefused(553, b"bad sender", "x@y.z"), False),
        (ValueError("Header values may not contain linefeed"), False),
    ],
)
def test_which_errors_are_worth_trying_again(error, transient):
    assert is_transient(error) is transient
