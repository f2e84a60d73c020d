"""The fixture web: a loopback HTTP server that serves the fake company sites under ``sites/``."""
