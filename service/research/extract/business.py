"""Business model signals: who the company sells to.

B2B signals ("request a demo", "contact sales", "for teams", "enterprise",
"Demo anfordern"...) and B2C signals ("add to cart", "shop now", "free
shipping", "In den Warenkorb"...) are phrases in the visible text or in
button/link labels. ``classify_business_model`` turns the signal sets into
"B2B", "B2C", "B2B and B2C" or "" (no signal).
"""

from __future__ import annotations

import re

B2B_SIGNALS = (
    "request a demo", "book a demo", "schedule a demo", "get a demo", "contact sales", "talk to sales",
    "enterprise plan", "for enterprises", "enterprise-grade", "for teams", "for businesses", "b2b",
    "wholesale", "case studies", "our clients", "procurement", "per seat", "api access",
    "industrial customers",
    "demo anfordern", "demo vereinbaren", "für unternehmen", "geschäftskunden", "unsere kunden",
    "demander une démo", "pour les entreprises", "nos clients", "professionnels",
    "solicitar una demo", "para empresas", "nuestros clientes",
)  # fmt: skip
B2C_SIGNALS = (
    "add to cart", "add to bag", "shop now", "buy now", "free shipping", "free delivery", "checkout",
    "gift card", "book a table", "order online", "your basket", "subscribe & save", "free returns",
    "in den warenkorb", "jetzt kaufen", "kostenloser versand", "tisch reservieren",
    "ajouter au panier", "acheter maintenant", "livraison gratuite", "réserver une table",
    "añadir al carrito", "comprar ahora", "envío gratis", "reservar mesa",
)  # fmt: skip


def find_signals(text: str) -> tuple[list[str], list[str]]:
    """The B2B and B2C phrases present in ``text`` (case-insensitive, word-bounded)."""
    lowered = text.lower()
    return _present(B2B_SIGNALS, lowered), _present(B2C_SIGNALS, lowered)


def _present(phrases: tuple[str, ...], text: str) -> list[str]:
    return [p for p in phrases if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text)]


def classify_business_model(b2b: list[str], b2c: list[str]) -> str:
    """B2B / B2C / both from distinct signals; one side needs 3× the other to win alone."""
    if not b2b and not b2c:
        return ""
    if len(b2b) >= 3 * max(len(b2c), 1) or not b2c:
        return "B2B"
    if len(b2c) >= 3 * max(len(b2b), 1) or not b2b:
        return "B2C"
    return "B2B and B2C"
