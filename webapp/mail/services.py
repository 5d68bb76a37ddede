"""Queue e-mail in the outbox inside the current transaction; deliver it after commit."""

from __future__ import annotations

import logging
import re
import smtplib
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import parseaddr

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from sqlalchemy import bindparam, insert, select

from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.mail.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


_NOT_IN_A_SUBJECT = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]+"
)


def subject_line(text: str) -> str:
    """A mail subject from any text (a class title, a name): one line, NFC, with no control,
    invisible or direction-changing characters, at most 200 characters."""
    line = _NOT_IN_A_SUBJECT.sub(" ", unicodedata.normalize("NFC", text))
    return " ".join(line.split())[:200]


def queue_mail(to_address: str, subject: str, body_text: str) -> OutboxMessage:
    """Add a message to the outbox; it is sent only if the surrounding transaction commits."""
    message = OutboxMessage(
        to_address=to_address, subject=subject_line(subject), body_text=body_text
    )
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
        {"to_address": to_address, "subject": subject_line(subject), "body_text": body_text}
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
    email["Subject"] = subject_line(message.subject)  # rows queued before subjects were cleaned
    email["Message-ID"] = message_id(message)
    email.set_content(message.body_text)
    return email


def _send_over_smtp(email: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def is_transient(error: Exception) -> bool:
    """True when sending may work later (the server is away or answered 4xx); False when this
    message will never go (5xx refusals, a message that cannot be built)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


# The next message to send, locked so that a second scheduler (which should not run, see
# scheduling.process) skips it instead of sending it too; SQLite has no row locks and ignores it.
_NEXT_PENDING = (
    select(OutboxMessage)
    .where(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.attempts < MAX_ATTEMPTS,
        OutboxMessage.id > bindparam("after"),
    )
    .order_by(OutboxMessage.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)


def deliver_pending(limit: int = 100) -> int:
    """Send up to ``limit`` queued messages over SMTP (or log them when no server is set);
    return how many went.

    Each message is claimed, sent and recorded in its own transaction, so a crash sends at most
    one twice. A message that cannot be built or is refused for good (a bad address or header)
    is marked failed with its reason and never blocks the ones behind it; a server that cannot
    be reached leaves the message to be tried again next time, up to ``MAX_ATTEMPTS`` times.
    """
    sent = 0
    after = 0
    for _ in range(limit):
        message = db.session.scalars(_NEXT_PENDING, {"after": after}).first()
        if message is None:
            break
        after = message.id
        message.attempts += 1
        try:
            email = build_email(message)
            if current_app.config["MAIL_SERVER"]:
                _send_over_smtp(email)
            else:
                logger.info(
                    "e-mail %s (no MAIL_SERVER set) to %s: %s\n%s",
                    message_id(message),
                    message.to_address,
                    message.subject,
                    message.body_text,
                )
        except Exception as error:
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            if not is_transient(error) or message.attempts >= MAX_ATTEMPTS:
                message.failed_at = utcnow()  # this message is bad: fail it, go on with the rest
                logger.warning("message %s failed for good: %s", message.id, message.last_error)
            else:  # the server is away or busy: try again next time
                logger.warning("could not send message %s: %s", message.id, error)
        else:
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        db.session.commit()
    return sent
