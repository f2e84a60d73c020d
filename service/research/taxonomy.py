"""The industry taxonomy and its offline classifier.

Twenty-six industries (see ``service/research/TAXONOMY.md``), each with weighted keyword
phrases in English, German, French and Spanish. ``classify_industry(text,
title=...)`` counts word-bounded phrase hits (title and description count
three times), sums the weights per industry and returns the winner only when
it is clearly ahead: score ≥ ``MIN_SCORE``, ≥ ``MIN_LEAD`` × the runner-up,
and hits on at least ``MIN_DISTINCT`` different phrases (one word repeated
in a title is not evidence).
Otherwise it returns "" — empty is better than wrong. Deterministic: same
text, same answer; no network, no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

MIN_SCORE = 6.0
MIN_LEAD = 1.5
MIN_DISTINCT = 2  # the winner needs hits on at least this many different phrases
TITLE_WEIGHT = 3


@dataclass(frozen=True)
class Industry:
    name: str
    keywords: dict[str, float]  # phrase (lower case) -> weight


def _kw(strong: str, weak: str = "") -> dict[str, float]:
    """Keywords from two ``|``-separated lists: strong ones weigh 3, weak ones 1."""
    out = {k.strip(): 3.0 for k in strong.split("|") if k.strip()}
    out.update({k.strip(): 1.0 for k in weak.split("|") if k.strip()})
    return out


INDUSTRIES: tuple[Industry, ...] = (
    Industry("Software & SaaS", _kw("saas|software platform|cloud software|software-as-a-service|workflow software|project management software|logiciel|softwarelösung|plataforma de software", "software|platform|dashboard|integrations|api|app|free trial|per user|plattform|plateforme|plataforma")),  # noqa: E501
    Industry("IT Services & Consulting", _kw("it services|it consulting|managed services|system integrator|it-dienstleister|it-beratung|conseil informatique|servicios informáticos|consultoría tecnológica", "consulting|consultancy|outsourcing|beratung|conseil|consultoría|digital transformation")),  # noqa: E501
    Industry("Cybersecurity", _kw("cybersecurity|cyber security|penetration testing|threat detection|endpoint security|cybersécurité|ciberseguridad|it-sicherheit", "security|firewall|vulnerability|ransomware|sicherheit|sécurité|seguridad|siem|zero trust")),  # noqa: E501
    Industry("AI & Data", _kw("artificial intelligence|machine learning|data analytics|computer vision|large language model|künstliche intelligenz|intelligence artificielle|inteligencia artificial", "ai|data|analytics|predictive|models|datos|données|daten")),  # noqa: E501
    Industry("Financial Services & Fintech", _kw("fintech|payments platform|banking|neobank|wealth management|asset management|lending|zahlungsverkehr|services financiers|servicios financieros", "payments|invoices|accounting|finance|finanzen|credit|investment|loans|bank")),  # noqa: E501
    Industry("Insurance", _kw("insurance|insurer|insurtech|versicherung|assurance|seguros|aseguradora", "policy|claims|coverage|premium")),  # noqa: E501
    Industry("E-commerce & Retail", _kw("online shop|online store|e-commerce|ecommerce|retailer|onlineshop|boutique en ligne|tienda online", "shop|store|add to cart|free shipping|checkout|warenkorb|panier|carrito|collection")),  # noqa: E501
    Industry("Food & Beverage", _kw("bakery|coffee roaster|roastery|brewery|winery|chocolate|food products|bäckerei|rösterei|kaffeerösterei|boulangerie|brasserie|panadería|cervecería|bodega", "coffee|bread|beer|wine|organic|kaffee|brot|café|pain|vin|vino|pan|tea|food|snacks|cheese")),  # noqa: E501
    Industry("Restaurants & Hospitality", _kw("restaurant|hotel|bistro|trattoria|catering|gasthaus|hôtel|restaurante|hostel", "menu|reservation|book a table|dinner|lunch|rooms|tisch reservieren|réserver|reservar|chef|cuisine|speisekarte")),  # noqa: E501
    Industry("Travel & Tourism", _kw("travel agency|tour operator|tours|vacation rentals|reisebüro|agence de voyage|agencia de viajes|travel", "trips|destinations|holidays|flights|reisen|voyages|viajes|excursions|booking")),  # noqa: E501
    Industry("Healthcare & Medical", _kw("healthcare|medical devices|clinic|telemedicine|patients|hospital|medizintechnik|praxis|santé|clinique|salud|clínica|dental", "health|care|doctors|therapy|diagnosis|gesundheit|médical|médico|patient")),  # noqa: E501
    Industry("Biotech & Pharma", _kw("biotech|biotechnology|pharmaceutical|drug discovery|clinical trials|biotechnologie|pharma|farmacéutica", "molecules|therapeutics|antibodies|laboratory|research|genomics|vaccines")),  # noqa: E501
    Industry("Education & E-learning", _kw("e-learning|online courses|edtech|language school|university|school|weiterbildung|formation en ligne|cursos online|academia", "courses|students|learning|teachers|training|kurse|cours|cursos|lessons|bildung")),  # noqa: E501
    Industry("Manufacturing & Industrial", _kw("manufacturing|manufacturer|industrial machinery|cnc machining|maschinenbau|fertigung|fabricant|fabricación|usinage|precision parts", "factory|machines|production|components|industrial|industrie|industria|steel|tooling")),  # noqa: E501
    Industry("Robotics & Automation", _kw("robotics|robots|robot|autonomous mobile robots|industrial automation|robotik|robotique|robótica|cobots", "automation|automatisierung|automatisation|automatización|warehouse|picking|sensors|autonomous")),  # noqa: E501
    Industry("Automotive & Mobility", _kw("automotive|electric vehicles|car dealership|e-bikes|mobility|fahrzeuge|automobile|automoción|scooters|charging stations", "cars|vehicles|fleet|auto|ev|bikes|ride")),  # noqa: E501
    Industry("Logistics & Transportation", _kw("logistics|freight|shipping company|supply chain|last-mile delivery|spedition|logistik|logistique|logística|transporte", "delivery|warehousing|shipments|transport|cargo|parcels|fleet")),  # noqa: E501
    Industry("Energy & Utilities", _kw("renewable energy|solar|wind energy|energy storage|utility|photovoltaik|erneuerbare energien|énergie solaire|energía solar|photovoltaïque|heat pumps", "energy|energie|énergie|energía|power|grid|batteries|panels|kwh|efficiency")),  # noqa: E501
    Industry("Real Estate & Construction", _kw("real estate|property management|construction company|architecture firm|immobilien|bauunternehmen|immobilier|inmobiliaria|construcción|architects", "properties|apartments|buildings|homes|renovation|bau|projets|obras|rentals")),  # noqa: E501
    Industry("Marketing & Advertising", _kw("marketing agency|digital marketing|advertising agency|seo agency|branding agency|werbeagentur|agence marketing|agencia de marketing|agence de communication", "marketing|advertising|campaigns|seo|branding|social media|werbung|publicité|publicidad|content")),  # noqa: E501
    Industry("Media & Entertainment", _kw("media company|publishing|film production|music label|streaming|podcast|podcasts|video-studio|medienhäuser|verlag|production audiovisuelle|productora", "news|magazine|films|music|games|video|entertainment|stories|audience")),  # noqa: E501
    Industry("Telecommunications", _kw("telecommunications|telecom|internet service provider|mobile network|fiber broadband|telekommunikation|télécommunications|telecomunicaciones", "broadband|fiber|5g|connectivity|network|sim|glasfaser|fibre")),  # noqa: E501
    Industry("Legal Services", _kw("law firm|legal services|attorneys|lawyers|rechtsanwälte|kanzlei|cabinet d'avocats|avocats|abogados|bufete", "legal|law|litigation|contracts|counsel|recht|juridique|jurídico")),  # noqa: E501
    Industry("Agriculture", _kw("agriculture|agritech|farming|farm|landwirtschaft|agriculture biologique|agricultura|vineyard", "crops|harvest|farmers|soil|seeds|livestock|irrigation|greenhouse")),  # noqa: E501
    Industry("Fashion & Apparel", _kw("fashion|apparel|clothing|streetwear|sneakers|mode|bekleidung|vêtements|ropa|moda", "collection|wear|jackets|shirts|dresses|fabrics|cotton|outfits")),  # noqa: E501
    Industry("HR & Recruiting", _kw("recruiting|recruitment agency|staffing|talent acquisition|personalvermittlung|recrutement|reclutamiento|hr software|payroll", "hiring|candidates|jobs|talent|employees|onboarding|hr")),  # noqa: E501
)  # fmt: skip


@cache
def _pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])")


def industry_scores(text: str, *, title: str = "") -> dict[str, float]:
    """Score per industry (only industries with a hit)."""
    return {name: score for name, (score, _) in _evidence(text, title).items()}


def _evidence(text: str, title: str) -> dict[str, tuple[float, int]]:
    """Per industry: (score, number of distinct phrases hit)."""
    body, head = text.lower(), title.lower()
    found: dict[str, tuple[float, int]] = {}
    for industry in INDUSTRIES:
        score, distinct = 0.0, 0
        for phrase, weight in industry.keywords.items():
            pattern = _pattern(phrase)
            hits = min(len(pattern.findall(body)), 5) + TITLE_WEIGHT * min(len(pattern.findall(head)), 2)
            score += weight * hits
            distinct += hits > 0
        if score:
            found[industry.name] = (score, distinct)
    return found


def classify_industry(text: str, *, title: str = "") -> str:
    """The industry clearly supported by ``text`` (``title`` weighs more), else ""."""
    ranked = sorted(_evidence(text, title).items(), key=lambda kv: (-kv[1][0], kv[0]))
    if not ranked:
        return ""
    name, (score, distinct) = ranked[0]
    runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
    clear = score >= MIN_SCORE and score >= MIN_LEAD * runner_up and distinct >= MIN_DISTINCT
    return name if clear else ""


INDUSTRY_NAMES: tuple[str, ...] = tuple(i.name for i in INDUSTRIES)
