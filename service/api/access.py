"""May this user touch this spreadsheet? Checked before the service account reads or writes it.

The service account can open every spreadsheet shared with it, so the service
must not act for a user on a sheet that user cannot edit. The add-on sends
the user's own OAuth access token (``ScriptApp.getOAuthToken()``) in the
``X-Rowscout-User-Token`` header. ``DriveSpreadsheetAccess`` trusts that token
only after two checks:

1. **The token is the caller's and the add-on's.** Google's token info
   endpoint (``TokenInfo``) says whose token it is and which OAuth client it
   was issued to: its ``sub`` (else its email) must be the verified ID token's,
   and its ``aud``/``azp`` one of ``ROWSCOUT_ADDON_CLIENT_IDS``. Otherwise Bob
   could send his ID token with Alice's access token and act on Alice's sheet.
   The answer is cached (by a hash of the token) for the token's remaining
   lifetime, in a bounded map.
2. **The user can edit the file.** Drive v3 ``files.get(fileId,
   fields=capabilities/canEdit)``, asked as that user.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from service.api.auth import Identity
from service.api.errors import NotAuthenticated
from service.api.numbers import strict_int
from service.domain import ErrorKind
from service.domain.errors import AuthError, ConfigError

log = logging.getLogger(__name__)

USER_TOKEN_HEADER = "X-Rowscout-User-Token"
GOOGLE_TOKENINFO_URL = "https://oauth2.googleapis.com/tokeninfo"
_REFUSED = "your Google access token was refused; reload the add-on"


class SpreadsheetAccess(Protocol):
    def require_edit(self, spreadsheet_id: str, user_token: str | None, *, user: Identity) -> None:
        """Raise ``AuthError`` unless the token is ``user``'s and its user can edit the spreadsheet."""
        ...


class AllowAllAccess:
    """Local development (auth disabled): every spreadsheet is allowed."""

    def require_edit(self, spreadsheet_id: str, user_token: str | None, *, user: Identity) -> None:
        return None


@dataclass(frozen=True)
class TokenOwner:
    """What Google's token info says about an access token."""

    subject: str
    email: str
    clients: frozenset[str]  # aud and azp: the OAuth client the token was issued to


class TokenInfo:
    """Google's token info endpoint for access tokens, with a bounded cache.

    Args:
        endpoint: ``https://oauth2.googleapis.com/tokeninfo`` (tests: a loopback fake).
        max_entries: the cache holds at most this many tokens (oldest dropped first).
        max_lifetime: a cached answer is kept at most this long, whatever ``expires_in`` says.
        clock: monotonic seconds (tests move it).
    """

    def __init__(
        self,
        endpoint: str = GOOGLE_TOKENINFO_URL,
        *,
        timeout: float = 5.0,
        max_entries: int = 4096,
        max_lifetime: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint
        self._http = httpx.Client(timeout=timeout)
        self._max_entries = max_entries
        self._max_lifetime = max_lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[TokenOwner, float]] = OrderedDict()

    def owner(self, token: str) -> TokenOwner:
        """Whose token this is; raises ``NotAuthenticated`` for an invalid or expired token."""
        key = hashlib.sha256(token.encode()).hexdigest()
        cached = self._cached(key)
        if cached is not None:
            return cached
        owner, lifetime = self._ask(token)
        if lifetime > 0:
            self._remember(key, owner, lifetime)
        return owner

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)

    def _cached(self, key: str) -> TokenOwner | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            if self._clock() >= entry[1]:
                del self._cache[key]
                return None
            self._cache.move_to_end(key)
            return entry[0]

    def _remember(self, key: str, owner: TokenOwner, lifetime: float) -> None:
        with self._lock:
            now = self._clock()
            for stale in [k for k, (_, expires) in self._cache.items() if expires <= now]:
                del self._cache[stale]
            self._cache[key] = (owner, now + min(lifetime, self._max_lifetime))
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)

    def _ask(self, token: str) -> tuple[TokenOwner, float]:
        try:
            response = self._http.get(self.endpoint, params={"access_token": token})
        except httpx.HTTPError as exc:
            raise AuthError("could not reach Google to check your access token", kind=ErrorKind.BACKEND) from exc
        if response.status_code in (400, 401):
            raise NotAuthenticated(_REFUSED)
        info = _json_object(response)
        return _owner_of(info), float(strict_int(str(info.get("expires_in", ""))) or 0)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        info = response.json() if response.status_code == 200 else None
    except ValueError:
        info = None
    if not isinstance(info, dict):
        log.warning("token info answered unexpectedly", extra={"status": response.status_code})
        raise AuthError("could not check your access token with Google", kind=ErrorKind.BACKEND)
    return info


def _owner_of(info: dict[str, Any]) -> TokenOwner:
    verified = str(info.get("email_verified", "")).lower() == "true"
    email = str(info.get("email") or "").lower() if verified else ""
    clients = frozenset(str(info[name]) for name in ("aud", "azp") if info.get(name))
    return TokenOwner(subject=str(info.get("sub") or ""), email=email, clients=clients)


def require_bound(owner: TokenOwner, user: Identity, client_ids: Sequence[str]) -> None:
    """Refuse a token that is not ``user``'s or was not issued to one of the add-on's clients."""
    if not client_ids:
        raise ConfigError("no add-on OAuth client is configured (set ROWSCOUT_ADDON_CLIENT_IDS)")
    if not owner.clients & set(client_ids):
        log.warning("user token of another OAuth client refused", extra={"user": user.email})
        raise AuthError("the access token was not issued to the Rowscout add-on; reload the add-on")
    if not _same_user(owner, user):
        log.warning("user token of another account refused", extra={"user": user.email})
        raise AuthError("the access token belongs to another Google account than your identity token")


def _same_user(owner: TokenOwner, user: Identity) -> bool:
    if owner.subject and user.subject:
        return owner.subject == user.subject
    return bool(owner.email) and owner.email == user.email.lower()


class DriveSpreadsheetAccess:
    """The token is the caller's (``TokenInfo``), then Drive's ``capabilities/canEdit``, as the user."""

    def __init__(
        self,
        *,
        client_ids: Sequence[str],
        tokeninfo: TokenInfo | None = None,
        api_endpoint: str = "",
        timeout: float = 10.0,
    ) -> None:
        self._client_ids = tuple(client_ids)
        self._tokeninfo = TokenInfo() if tokeninfo is None else tokeninfo
        self._endpoint = api_endpoint
        self._timeout = timeout
        self._lock = threading.Lock()
        self._drive_files: Any = None  # built once: parsing the discovery document costs ~0.2 s

    def require_edit(self, spreadsheet_id: str, user_token: str | None, *, user: Identity) -> None:
        if not user_token:
            raise AuthError(f"send your Google access token in the {USER_TOKEN_HEADER} header")
        require_bound(self._tokeninfo.owner(user_token), user, self._client_ids)
        if not self._can_edit(spreadsheet_id, user_token):
            raise AuthError("you need edit access to this spreadsheet")

    def _can_edit(self, spreadsheet_id: str, user_token: str) -> bool:
        from google.auth.exceptions import RefreshError
        from googleapiclient.errors import HttpError

        http = self._user_http(user_token)
        try:
            get = self._files().get(fileId=spreadsheet_id, fields="capabilities/canEdit", supportsAllDrives=True)
            file = get.execute(http=http, num_retries=1)
        except HttpError as exc:
            return _refused(exc)
        except RefreshError as exc:  # Drive answered 401: the user's token expired
            raise NotAuthenticated(_REFUSED) from exc
        except OSError as exc:
            raise AuthError("could not reach Google Drive to check access", kind=ErrorKind.BACKEND) from exc
        finally:
            http.close()
        return bool((file.get("capabilities") or {}).get("canEdit"))

    def _files(self) -> Any:
        """Drive v3 ``files``, built once; each request is sent with the user's own ``http``."""
        import httplib2
        from googleapiclient.discovery import build

        with self._lock:
            if self._drive_files is None:
                options = {"api_endpoint": self._endpoint} if self._endpoint else None
                service = build("drive", "v3", http=httplib2.Http(), static_discovery=True, client_options=options)
                self._drive_files = service.files()
            return self._drive_files

    def _user_http(self, user_token: str) -> Any:
        import google_auth_httplib2
        import httplib2
        from google.oauth2.credentials import Credentials

        return google_auth_httplib2.AuthorizedHttp(
            Credentials(token=user_token), http=httplib2.Http(timeout=self._timeout)
        )


def _refused(exc: Any) -> bool:
    status = int(getattr(exc.resp, "status", 0) or 0)
    if status == 401:
        raise NotAuthenticated(_REFUSED) from exc
    if status in (403, 404):
        return False  # not shared with the user, or no such file: same answer
    log.warning("drive access check failed", extra={"status": status})
    raise AuthError("could not check your access to the spreadsheet", kind=ErrorKind.BACKEND) from exc
