"""Technology signatures: what a site is built and run with.

Each signature looks in one place: ``src`` (script src / link href),
``html`` (a specific marker in the raw HTML), ``header`` (a response header
name, optionally with a value fragment) or ``generator`` (the meta generator
tag). Markers are specific (URLs, attributes), so words in the visible text
never count. Some technologies imply others (Next.js → React).
"""

from __future__ import annotations

from dataclasses import dataclass

from service.domain import FieldMethod
from service.research.extract.candidates import Candidate, candidate
from service.research.extract.document import Document


@dataclass(frozen=True)
class Signature:
    name: str
    src: tuple[str, ...] = ()
    html: tuple[str, ...] = ()
    header: tuple[tuple[str, str], ...] = ()  # (header name, value fragment or "")
    generator: str = ""


SIGNATURES: tuple[Signature, ...] = (
    Signature("WordPress", src=("/wp-content/", "/wp-includes/"), generator="wordpress"),
    Signature("Shopify", src=("cdn.shopify.com",), html=("shopify.theme",), header=(("x-shopid", ""),)),
    Signature("Wix", src=("static.wixstatic.com", "static.parastorage.com"), generator="wix.com"),
    Signature("Squarespace", src=("static1.squarespace.com", "assets.squarespace.com"), generator="squarespace"),
    Signature(
        "Webflow",
        src=("assets.website-files.com", "webflow.js"),
        html=("data-wf-page=",),
        generator="webflow",
    ),
    Signature(
        "Drupal",
        src=("/sites/default/files/", "/core/misc/drupal.js"),
        html=("drupal-settings-json",),
        header=(("x-generator", "drupal"),),
        generator="drupal",
    ),  # fmt: skip
    Signature("HubSpot", src=("js.hs-scripts.com", "js.hsforms.net", "js.hs-analytics.net")),
    Signature(
        "Google Analytics",
        src=("google-analytics.com/analytics.js", "googletagmanager.com/gtag/js"),
        html=("google-analytics.com/analytics.js", "googletagmanager.com/gtag/js"),
    ),  # fmt: skip
    Signature(
        "Google Tag Manager",
        src=("googletagmanager.com/gtm.js",),
        html=("googletagmanager.com/gtm.js", "googletagmanager.com/ns.html"),
    ),  # fmt: skip
    Signature("Segment", src=("cdn.segment.com/analytics.js",), html=("cdn.segment.com/analytics.js",)),
    Signature("Hotjar", src=("static.hotjar.com",), html=("static.hotjar.com",)),
    Signature("Intercom", src=("widget.intercom.io", "js.intercomcdn.com"), html=("widget.intercom.io",)),
    Signature("Drift", src=("js.driftt.com",), html=("js.driftt.com",)),
    Signature("Zendesk", src=("static.zdassets.com",), html=("static.zdassets.com",)),
    Signature("Stripe", src=("js.stripe.com",)),
    Signature("PayPal", src=("paypal.com/sdk/js", "paypalobjects.com")),
    Signature("Next.js", src=("/_next/static/",), html=('id="__next_data__"',)),
    Signature("Nuxt", src=("/_nuxt/",), html=("window.__nuxt__",)),
    Signature("React", src=("react.production.min.js", "react-dom.production.min.js"), html=("data-reactroot",)),
    Signature("Vue.js", src=("vue.min.js", "vue.global.prod.js", "/vue@"), html=("data-v-app",)),
    Signature("Angular", src=("angular.min.js",), html=("ng-version=",)),
    Signature("jQuery", src=("jquery.min.js", "jquery-", "/jquery@", "jquery.js")),
    Signature("Bootstrap", src=("bootstrap.min.css", "bootstrap.min.js", "bootstrap.bundle")),
    Signature("Tailwind CSS", src=("cdn.tailwindcss.com", "tailwind.min.css")),
    Signature("Cloudflare", html=("/cdn-cgi/",), header=(("server", "cloudflare"), ("cf-ray", ""))),
    Signature("Matomo", src=("matomo.js", "piwik.js")),
    Signature("Mailchimp", src=("chimpstatic.com", "list-manage.com")),
)
IMPLIES = {"Next.js": "React", "Nuxt": "Vue.js"}


def detect_tech(doc: Document) -> list[str]:
    """Names of the technologies whose signature the page shows, in SIGNATURES order."""
    sources = " ".join(doc.script_sources + [link.href for link in doc.links if link.rel]).lower()
    sources += " " + " ".join(n.attributes.get("href") or "" for n in doc.tree.css("link[href]")).lower()
    html = doc.html.lower()
    generator = doc.meta.get("generator", "").lower()
    found = [s.name for s in SIGNATURES if _matches(s, sources, html, generator, doc.headers)]
    for name, implied in IMPLIES.items():
        if name in found and implied not in found:
            found.append(implied)
    return found


def _matches(sig: Signature, sources: str, html: str, generator: str, headers: dict[str, str]) -> bool:
    if any(marker in sources for marker in sig.src) or any(marker in html for marker in sig.html):
        return True
    if sig.generator and sig.generator in generator:
        return True
    lowered = {k.lower(): v.lower() for k, v in headers.items()}
    return any(name in lowered and fragment in lowered[name] for name, fragment in sig.header)


def extract_tech(doc: Document) -> list[Candidate]:
    return [candidate("tech_stack", name, doc.url, FieldMethod.TECH_SIGNATURE) for name in detect_tech(doc)]
