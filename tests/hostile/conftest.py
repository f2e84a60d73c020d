"""The API fixtures (app on a memory store, real signed tokens on a loopback certs server), reused here."""

from tests.api.conftest import certs_server, env, signing_key  # noqa: F401
