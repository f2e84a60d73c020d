"""The demo web: example company sites (realistic ones and broken ones) served on loopback.

Shipped with the product as example data for ``python -m service demo``; the
test suite uses the same sites. ``sites/<host>/`` is one website; the fault
scripts (``_site.json``) are documented in ``tests/fixture_web/README.md``.
"""

from service.examples.demo_web.server import DemoWeb

__all__ = ["DemoWeb"]
