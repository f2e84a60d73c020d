"""May this user touch this spreadsheet? Checked before the service account reads or writes it.

The service account can open every spreadsheet shared with it, so the service
must not act for a user on a sheet that user cannot edit. The add-on sends
the user's own OAuth access token (``ScriptApp.getOAuthToken()``) in the
``X-Rowscout-User-Token`` header; ``DriveSpreadsheetAccess`` asks the Drive
API, as that user, for ``capabilities/canEdit`` of the file.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from service.api.errors import NotAuthenticated
from service.domain import ErrorKind
from service.domain.errors import AuthError

log = logging.getLogger(__name__)

USER_TOKEN_HEADER = "X-Rowscout-User-Token"


class SpreadsheetAccess(Protocol):
    def require_edit(self, spreadsheet_id: str, user_token: str | None) -> None:
        """Raise ``AuthError`` unless the token's user can edit the spreadsheet."""
        ...


class AllowAllAccess:
    """Local development (auth disabled): every spreadsheet is allowed."""

    def require_edit(self, spreadsheet_id: str, user_token: str | None) -> None:
        return None


class DriveSpreadsheetAccess:
    """``files.get(fileId, fields=capabilities/canEdit)`` on Drive v3, as the user."""

    def __init__(self, *, api_endpoint: str = "", timeout: float = 10.0) -> None:
        self._endpoint = api_endpoint
        self._timeout = timeout

    def require_edit(self, spreadsheet_id: str, user_token: str | None) -> None:
        if not user_token:
            raise AuthError(f"send your Google access token in the {USER_TOKEN_HEADER} header")
        if not self._can_edit(spreadsheet_id, user_token):
            raise AuthError("you need edit access to this spreadsheet")

    def _can_edit(self, spreadsheet_id: str, user_token: str) -> bool:
        from google.auth.exceptions import RefreshError
        from googleapiclient.errors import HttpError

        files, http = self._files(user_token)
        try:
            file = files.get(fileId=spreadsheet_id, fields="capabilities/canEdit", supportsAllDrives=True).execute(
                num_retries=1
            )
        except HttpError as exc:
            return _refused(exc)
        except RefreshError as exc:  # Drive answered 401: the user's token expired
            raise NotAuthenticated("your Google access token was refused; reload the add-on") from exc
        except OSError as exc:
            raise AuthError("could not reach Google Drive to check access", kind=ErrorKind.BACKEND) from exc
        finally:
            http.close()
        return bool((file.get("capabilities") or {}).get("canEdit"))

    def _files(self, user_token: str) -> tuple[Any, Any]:
        import google_auth_httplib2
        import httplib2
        from google.oauth2.credentials import Credentials
        from googleapiclient.discovery import build

        options = {"api_endpoint": self._endpoint} if self._endpoint else None
        http = google_auth_httplib2.AuthorizedHttp(
            Credentials(token=user_token), http=httplib2.Http(timeout=self._timeout)
        )
        service = build("drive", "v3", http=http, static_discovery=True, client_options=options)
        return service.files(), http


def _refused(exc: Any) -> bool:
    status = int(getattr(exc.resp, "status", 0) or 0)
    if status == 401:
        raise NotAuthenticated("your Google access token was refused; reload the add-on") from exc
    if status in (403, 404):
        return False  # not shared with the user, or no such file: same answer
    log.warning("drive access check failed", extra={"status": status})
    raise AuthError("could not check your access to the spreadsheet", kind=ErrorKind.BACKEND) from exc
