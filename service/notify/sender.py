"""Send completion notices: webhook POSTs (behind the crawler's SSRF guard) and plain-text email over SMTP.

Webhook URLs are checked like every URL the crawler fetches
(``service.research.fetch.ssrf``): private, link-local, reserved and loopback
addresses are refused (loopback only allowed by ``ROWSCOUT_WEBHOOK_ALLOW_LOOPBACK``,
for development and tests); the request connects to the vetted address (the
``Host`` header and TLS name keep the host name), follows no redirect and is
bounded in time. 2xx is delivered; 408, 429 and 5xx (and network failures)
are retried by the queue; other answers are permanent.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import httpx

from service.config import NotifySettings
from service.domain import ErrorKind
from service.domain.errors import ConfigError, RowscoutError, UnsafeUrlError
from service.research.fetch.resolver import Resolver, SystemResolver
from service.research.fetch.ssrf import vet

USER_AGENT = "Rowscout-Notices/1.0"
_RETRY_STATUSES = frozenset({408, 425, 429})


class NoticeSender:
    def __init__(self, settings: NotifySettings, *, resolver: Resolver | None = None) -> None:
        self.settings = settings
        self.resolver = resolver or SystemResolver()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        target = vet(url, self.resolver, allow_loopback=self.settings.allow_loopback)
        if target.target.scheme != "https" and not self.settings.allow_loopback:
            raise UnsafeUrlError(f"webhook URLs must use https: {url}")
        sent = {**headers, "Host": target.target.host_header, "User-Agent": USER_AGENT}
        try:
            with httpx.Client(timeout=self.settings.timeout, follow_redirects=False) as client:
                response = client.post(
                    target.connect_url, content=body, headers=sent, extensions={"sni_hostname": target.target.host}
                )
        except httpx.TimeoutException as exc:
            raise RowscoutError(f"the webhook did not answer in time: {exc}", kind=ErrorKind.TIMEOUT) from exc
        except httpx.HTTPError as exc:
            raise RowscoutError(f"could not reach the webhook: {exc}", kind=ErrorKind.CONNECTION) from exc
        _check(response)

    def email(self, to: str, subject: str, text: str) -> None:
        s = self.settings
        if not s.smtp_host or not s.smtp_from:
            raise ConfigError("email notices need ROWSCOUT_SMTP_HOST and ROWSCOUT_SMTP_FROM")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = s.smtp_from, to, subject
        message.set_content(text)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise RowscoutError(f"the mail server refused {to}", kind=ErrorKind.INVALID_INPUT) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise RowscoutError(f"could not send the email notice: {exc}", kind=ErrorKind.CONNECTION) from exc


def _check(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    retry_after = _seconds(response.headers.get("Retry-After"))
    if status >= 500 or status in _RETRY_STATUSES:
        kind = ErrorKind.RATE_LIMIT if status == 429 else ErrorKind.SERVER_ERROR
        raise RowscoutError(f"the webhook answered {status}", kind=kind, retry_after=retry_after)
    raise RowscoutError(f"the webhook answered {status}", kind=ErrorKind.HTTP_ERROR)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
