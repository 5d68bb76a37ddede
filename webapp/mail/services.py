"""Queue e-mail in the outbox inside the current transaction; deliver it after commit."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from sqlalchemy import insert, select

from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.mail.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def queue_mail(to_address: str, subject: str, body_text: str) -> OutboxMessage:
    """Add a message to the outbox; it is sent only if the surrounding transaction commits."""
    message = OutboxMessage(to_address=to_address, subject=subject[:200], body_text=body_text)
    db.session.add(message)  # written with the rest of the unit of work, in one batch
    return message


@contextmanager
def _mail_language(locale: str) -> Iterator[None]:
    """Render in ``locale``; a scheduler job gets a request context for the public address."""
    if has_request_context():
        with force_locale(locale):
            yield
    else:
        base_url = current_app.config["NORSKVEI_BASE_URL"]
        with current_app.test_request_context("/", base_url=base_url), force_locale(locale):
            yield


def render_templated_mail(locale: str, template: str, **context: object) -> tuple[str, str]:
    """The subject and body of ``mail/<template>.txt`` in ``locale``: the first line is the
    subject, the rest the body."""
    with _mail_language(locale):
        rendered = render_template(f"mail/{template}.txt", **context)
    subject, _, body = rendered.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def queue_templated_mail(
    to_address: str, locale: str, template: str, **context: object
) -> OutboxMessage:
    """Render ``mail/<template>.txt`` in the recipient's language and queue it."""
    subject, body = render_templated_mail(locale, template, **context)
    return queue_mail(to_address, subject, body)


def queue_mails(messages: Iterable[tuple[str, str, str]]) -> int:
    """Add many ``(address, subject, body)`` messages to the outbox in one statement (an
    import inviting thousands of learners would otherwise spend its time on single INSERTs);
    like ``queue_mail``, they are sent only if the surrounding transaction commits."""
    rows = [
        {"to_address": to_address, "subject": subject[:200], "body_text": body_text}
        for to_address, subject, body_text in messages
    ]
    if rows:
        db.session.execute(insert(OutboxMessage), rows)
    return len(rows)


def message_id(message: OutboxMessage) -> str:
    """A Message-ID fixed per outbox row: if a crash between sending and recording makes the
    scheduler send a message again, mail systems see the same message, not a new one."""
    sender = parseaddr(current_app.config["MAIL_FROM"])[1]
    domain = sender.partition("@")[2] or "norskvei.invalid"
    return f"<outbox-{message.id}@{domain}>"


def build_email(message: OutboxMessage) -> EmailMessage:
    """The e-mail for an outbox row."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message_id(message)
    email.set_content(message.body_text)
    return email


def _send_over_smtp(message: OutboxMessage) -> None:
    config = current_app.config
    email = build_email(message)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def deliver_pending(limit: int = 100) -> int:
    """Send queued messages over SMTP (or log them when no server is set); return how many went.

    Each message is marked and committed on its own, so a crash sends at most one twice.
    """
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = 0
    for message in pending:
        message.attempts += 1
        try:
            if current_app.config["MAIL_SERVER"]:
                _send_over_smtp(message)
            else:
                logger.info(
                    "e-mail %s (no MAIL_SERVER set) to %s: %s\n%s",
                    message_id(message),
                    message.to_address,
                    message.subject,
                    message.body_text,
                )
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = str(error)[:500]
            logger.warning("could not send message %s: %s", message.id, error)
        else:
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        db.session.commit()
    return sent
