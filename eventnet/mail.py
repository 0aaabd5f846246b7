"""Mail backends: turn an outbox row into a MIME message and hand it over.

- ``file`` (development default): writes ``instance/outbox/<id>.eml`` and logs the subject.
- ``smtp``: ``EVENTNET_MAIL_SERVER``, ``_PORT``, ``_USERNAME``, ``_PASSWORD``, ``_USE_TLS``
  (STARTTLS), ``_USE_SSL`` (implicit TLS), ``_TIMEOUT`` and ``_DEFAULT_SENDER``.

Only `eventnet.services.outbox` calls this module; everything else queues mail there.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

from flask import current_app

from .models import OutboxMessage

log = logging.getLogger(__name__)


class MailError(Exception):
    """Delivery failed; the outbox keeps the message and retries later."""


class MailBackend(Protocol):
    def send(self, message: EmailMessage, *, message_id: int) -> None: ...


def attachment_bytes(item: dict[str, Any]) -> bytes:
    """An attachment's content: stored base64, or a QR code drawn now from ``qr_data``."""
    if "qr_data" in item:
        from .services.tickets import qr_png

        return qr_png(str(item["qr_data"]), scale=5)
    return base64.b64decode(item["data_b64"])


def build_message(row: OutboxMessage, sender: str) -> EmailMessage:
    """A multipart/alternative text + HTML message; inline images become multipart/related.

    Attachments are ``{"filename", "content_type", "data_b64"}`` (or ``"qr_data"``: a QR code
    of that text, drawn at sending time), with ``"content_id"`` for images the HTML shows.
    """
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = sender
    msg["To"] = row.to_address
    msg["Date"] = formatdate(localtime=False)
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "eventnet.local"
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{row.id}", domain=domain)
    for name, value in (row.headers or {}).items():
        msg[name] = value
    msg.set_content(row.body_text)
    attachments = row.attachments or []
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html")
        html_part = msg.get_payload()[-1]
        for item in attachments:
            if item.get("content_id"):
                maintype, subtype = item["content_type"].split("/", 1)
                html_part.add_related(
                    attachment_bytes(item),
                    maintype=maintype,
                    subtype=subtype,
                    cid=f"<{item['content_id']}>",
                    filename=item.get("filename"),
                    disposition="inline",
                )
    for item in attachments:
        if item.get("content_id") and row.body_html:
            continue
        maintype, subtype = item["content_type"].split("/", 1)
        params: dict[str, Any] = {}
        if subtype == "calendar":
            params["params"] = {"method": "PUBLISH"}
        data = attachment_bytes(item)
        msg.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=item["filename"], **params
        )
    return msg


class FileBackend:
    """Writes each message to ``<directory>/<id>.eml``: the embedded/development default."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage, *, message_id: int) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{message_id}.eml"
            path.write_bytes(bytes(message))
        except OSError as exc:
            raise MailError(f"could not write {self.directory}: {exc}") from exc
        log.info("mail to %s written to %s: %s", message["To"], path, message["Subject"])


class SmtpBackend:
    """Delivers over SMTP, with STARTTLS or implicit TLS and optional login."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.host = str(config.get("MAIL_SERVER") or "127.0.0.1")
        self.port = int(config.get("MAIL_PORT") or 25)
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.use_tls = _flag(config.get("MAIL_USE_TLS"))
        self.use_ssl = _flag(config.get("MAIL_USE_SSL"))
        self.timeout = float(config.get("MAIL_TIMEOUT") or 10)

    def send(self, message: EmailMessage, *, message_id: int) -> None:
        try:
            smtp: smtplib.SMTP
            if self.use_ssl:
                smtp = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.use_tls and not self.use_ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(str(self.username), str(self.password or ""))
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"{type(exc).__name__}: {exc}") from exc


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def get_backend() -> MailBackend:
    """The backend named by ``MAIL_BACKEND`` for the current app."""
    config = current_app.config
    name = str(config.get("MAIL_BACKEND") or "file").lower()
    if name == "smtp":
        return SmtpBackend(config)
    if name == "file":
        return FileBackend(Path(current_app.instance_path) / "outbox")
    raise MailError(f"unknown MAIL_BACKEND {name!r} (use 'file' or 'smtp')")


def deliver(row: OutboxMessage) -> None:
    """Send one outbox row with the configured backend; raises `MailError` on failure."""
    sender = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "eventnet <no-reply@localhost>")
    get_backend().send(build_message(row, sender), message_id=row.id)
