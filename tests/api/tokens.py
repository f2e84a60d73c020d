"""Real RSA-signed Google-style ID tokens for tests, and a loopback certs endpoint serving the key."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

from tests.support.loopback import serving


class KeyPair:
    """An RSA key and its self-signed certificate, as Google publishes them (kid → PEM)."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.cert_pem = _certificate(self.key).public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, claims: dict[str, Any]) -> str:
        signer = crypt.RSASigner.from_string(self.private_pem, key_id=self.kid)
        return jwt.encode(signer, claims).decode()


def _certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-signer")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def claims(
    *,
    aud: str,
    email: str,
    iss: str = "https://accounts.google.com",
    verified: bool = True,
    lifetime: int = 3600,
    issued_ago: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    now = int(time.time()) - issued_ago
    return {
        "iss": iss,
        "aud": aud,
        "sub": "1234567890",
        "email": email,
        "email_verified": verified,
        "iat": now,
        "exp": now + lifetime,
        **extra,
    }


class CertsServer:
    """Serves ``{kid: PEM}`` on loopback, like https://www.googleapis.com/oauth2/v1/certs."""

    def __init__(self, *keys: KeyPair) -> None:
        self.certs = {k.kid: k.cert_pem for k in keys}
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.hits += 1
                body = json.dumps(outer.certs).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=3600")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oauth2/v1/certs"

    @contextmanager
    def running(self) -> Iterator[CertsServer]:
        with serving(self.server):
            yield self
