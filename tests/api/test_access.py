"""``DriveSpreadsheetAccess`` and ``TokenInfo`` against loopback fakes of Google's token info and Drive v3.

The real googleapiclient and httpx go over the wire; two users (Alice, Bob)
and two OAuth clients (the add-on's and another app's) hold tokens.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.api.access import DriveSpreadsheetAccess, TokenInfo
from service.api.auth import Identity
from service.api.errors import NotAuthenticated
from service.domain.errors import AuthError, ConfigError
from tests.api.google_fakes import FakeGoogle

ADDON = "addon-client.apps.googleusercontent.com"
OTHER_APP = "other-app.apps.googleusercontent.com"
ALICE = Identity(email="alice@example.com", subject="sub-alice", domain="example.com")
BOB = Identity(email="bob@example.com", subject="sub-bob", domain="example.com")
SHEET = "sheet-alice"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def google_server() -> Iterator[FakeGoogle]:
    with FakeGoogle().running() as fake:
        yield fake


@pytest.fixture
def google(google_server: FakeGoogle) -> FakeGoogle:
    fake = google_server
    fake.reset()
    fake.grant("tok-alice", sub="sub-alice", email="alice@example.com", client=ADDON, files={SHEET: True})
    fake.grant("tok-alice-other-app", sub="sub-alice", email="alice@example.com", client=OTHER_APP, files={SHEET: True})
    fake.grant("tok-bob", sub="sub-bob", email="bob@example.com", client=ADDON, files={SHEET: False})
    return fake


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def access(google: FakeGoogle, clock: Clock) -> DriveSpreadsheetAccess:
    return DriveSpreadsheetAccess(
        client_ids=(ADDON,), tokeninfo=TokenInfo(google.tokeninfo_url, clock=clock), api_endpoint=google.drive_endpoint
    )


def test_the_callers_own_token_of_the_addon_passes_and_asks_drive_for_can_edit(
    access: DriveSpreadsheetAccess, google: FakeGoogle
) -> None:
    access.require_edit(SHEET, "tok-alice", user=ALICE)
    assert google.tokeninfo_hits == ["tok-alice"]
    assert google.drive_hits == [("tok-alice", SHEET)]


def test_bobs_identity_with_alices_access_token_is_refused_before_drive(
    access: DriveSpreadsheetAccess, google: FakeGoogle
) -> None:
    with pytest.raises(AuthError, match="another Google account") as caught:
        access.require_edit(SHEET, "tok-alice", user=BOB)
    assert not isinstance(caught.value, NotAuthenticated) and not caught.value.retryable
    assert google.drive_hits == []


def test_a_token_issued_to_another_client_is_refused(access: DriveSpreadsheetAccess, google: FakeGoogle) -> None:
    with pytest.raises(AuthError, match="not issued to the Rowscout add-on"):
        access.require_edit(SHEET, "tok-alice-other-app", user=ALICE)
    assert google.drive_hits == []


def test_same_email_but_another_subject_is_refused(access: DriveSpreadsheetAccess) -> None:
    impostor = Identity(email="alice@example.com", subject="sub-recycled-account")
    with pytest.raises(AuthError, match="another Google account"):
        access.require_edit(SHEET, "tok-alice", user=impostor)


def test_without_a_subject_the_verified_email_binds(access: DriveSpreadsheetAccess) -> None:
    access.require_edit(SHEET, "tok-alice", user=Identity(email="Alice@Example.com"))
    with pytest.raises(AuthError, match="another Google account"):
        access.require_edit(SHEET, "tok-alice", user=Identity(email="bob@example.com"))


def test_a_viewer_and_a_stranger_file_are_forbidden(access: DriveSpreadsheetAccess) -> None:
    with pytest.raises(AuthError, match="edit access"):
        access.require_edit(SHEET, "tok-bob", user=BOB)  # canEdit false
    with pytest.raises(AuthError, match="edit access"):
        access.require_edit("someone-elses-sheet", "tok-alice", user=ALICE)  # Drive 404


def test_missing_token_is_forbidden_without_a_call(access: DriveSpreadsheetAccess, google: FakeGoogle) -> None:
    with pytest.raises(AuthError, match="X-Rowscout-User-Token"):
        access.require_edit(SHEET, None, user=ALICE)
    assert google.tokeninfo_hits == [] and google.drive_hits == []


def test_unknown_or_expired_token_is_unauthenticated(access: DriveSpreadsheetAccess, google: FakeGoogle) -> None:
    with pytest.raises(NotAuthenticated):
        access.require_edit(SHEET, "tok-expired", user=ALICE)
    assert google.drive_hits == []


def test_outages_of_tokeninfo_or_drive_are_retryable(access: DriveSpreadsheetAccess, google: FakeGoogle) -> None:
    google.tokeninfo_status = 503
    with pytest.raises(AuthError) as caught:
        access.require_edit(SHEET, "tok-alice", user=ALICE)
    assert caught.value.retryable
    google.tokeninfo_status = 200
    google.drive_status = 500
    with pytest.raises(AuthError) as caught:
        access.require_edit(SHEET, "tok-alice", user=ALICE)
    assert caught.value.retryable


def test_no_configured_client_is_a_misconfiguration(google: FakeGoogle) -> None:
    access = DriveSpreadsheetAccess(client_ids=(), tokeninfo=TokenInfo(google.tokeninfo_url))
    with pytest.raises(ConfigError, match="ROWSCOUT_ADDON_CLIENT_IDS"):
        access.require_edit(SHEET, "tok-alice", user=ALICE)


def test_tokeninfo_is_cached_for_the_tokens_remaining_lifetime(
    access: DriveSpreadsheetAccess, google: FakeGoogle, clock: Clock
) -> None:
    access.require_edit(SHEET, "tok-alice", user=ALICE)
    clock.now += 3000
    access.require_edit(SHEET, "tok-alice", user=ALICE)
    with pytest.raises(AuthError, match="another Google account"):
        access.require_edit(SHEET, "tok-alice", user=BOB)  # the cached answer still binds the token
    assert google.tokeninfo_hits == ["tok-alice"]
    clock.now += 600  # 3,600 s after the first answer: expires_in (3,599 s) has passed
    access.require_edit(SHEET, "tok-alice", user=ALICE)
    assert google.tokeninfo_hits == ["tok-alice", "tok-alice"]


def test_refusals_and_errors_are_not_cached(access: DriveSpreadsheetAccess, google: FakeGoogle) -> None:
    for _ in range(2):
        with pytest.raises(NotAuthenticated):
            access.require_edit(SHEET, "tok-later-granted", user=ALICE)
    google.grant("tok-later-granted", sub="sub-alice", email="alice@example.com", client=ADDON, files={SHEET: True})
    access.require_edit(SHEET, "tok-later-granted", user=ALICE)
    assert google.tokeninfo_hits == ["tok-later-granted"] * 3


@pytest.mark.parametrize("expires_in", ["0", "", "²", "-5", "9" * 5000])
def test_a_token_without_a_usable_lifetime_is_not_cached(google: FakeGoogle, expires_in: str) -> None:
    google.grant("tok-odd", sub="sub-alice", email="alice@example.com", client=ADDON, expires_in=expires_in)
    info = TokenInfo(google.tokeninfo_url)
    assert info.owner("tok-odd").subject == "sub-alice"
    info.owner("tok-odd")
    assert google.tokeninfo_hits == ["tok-odd", "tok-odd"] and len(info) == 0


def test_the_cache_is_bounded_and_keeps_no_raw_tokens(google: FakeGoogle, clock: Clock) -> None:
    for n in range(3):
        google.grant(f"tok-{n}", sub=f"sub-{n}", email=f"u{n}@example.com", client=ADDON)
    info = TokenInfo(google.tokeninfo_url, max_entries=2, clock=clock)
    for n in range(3):
        info.owner(f"tok-{n}")
    assert len(info) == 2
    info.owner("tok-2")
    info.owner("tok-1")
    assert google.tokeninfo_hits == ["tok-0", "tok-1", "tok-2"]  # 1 and 2 were cached
    info.owner("tok-0")  # the oldest was dropped: asked again
    assert google.tokeninfo_hits[-1] == "tok-0" and len(google.tokeninfo_hits) == 4
    assert not any("tok-" in key for key in info._cache)
