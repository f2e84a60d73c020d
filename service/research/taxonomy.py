"""The industry taxonomy and its offline classifier.

Twenty-nine industries (see ``service/research/TAXONOMY.md``), each with weighted keyword
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
    Industry("HR & Recruiting", _kw("recruiting|recruitment agency|staffing|talent acquisition|personalvermittlung|recrutement|reclutamiento|hr software|job board|offres d'emploi|stellenangebote|vacatures", "hiring|candidates|jobs|talent|employees|onboarding|hr")),  # noqa: E501
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


# Industries for the small businesses that make up much of the web, and more languages (it, nl, pt) for all.
NEW_INDUSTRIES: tuple[Industry, ...] = (
    Industry("Accounting & Tax Services", _kw("chartered accountants|chartered accountancy|accounting firm|accountancy|bookkeeping|tax advisor|tax consultancy|payroll|steuerberater|steuerberatung|buchhaltung|lohnbuchhaltung|expert-comptable|expertise comptable|cabinet comptable|commercialista|consulenza fiscale|contabilità|elaborazione paghe|consulenza aziendale|boekhouder|accountantskantoor|administratiekantoor|contabilidad|asesoría fiscal|gestoría|contabilidade|escritório de contabilidade", "accounting|tax|taxes|audit|income tax|gst|fiscal|fiscale|steuer|comptabilité|contabile|belasting|impuestos|bilancio")),  # noqa: E501
    Industry("Beauty & Personal Care", _kw("barber|barbershop|barber shop|hair salon|beauty salon|barbier|friseur|friseursalon|coiffeur|coiffure|institut de beauté|centro estetico|estetica|parrucchiere|kapsalon|schoonheidssalon|huidzorg|huidverbetering|peluquería|barbería|salón de belleza|salão de beleza|massage|massages|masajes|massaggi|day spa|nail salon", "haircut|beard|manicure|pedicure|skincare|facial|waxing|epilazione|laserontharing|beauty|beauté|bellezza|belleza|spa|relax|wellness")),  # noqa: E501
    Industry("Facility Services & Cleaning", _kw("cleaning company|cleaning services|commercial cleaning|office cleaning|janitorial|facility management|facility services|gebäudereinigung|reinigungsfirma|unterhaltsreinigung|hausmeisterservice|hausmeister|gartenpflege|baumpflege|baumfällung|landscaping|tree care|entreprise de nettoyage|nettoyage|impresa di pulizie|pulizie|giardinaggio|manutenzione del verde|schoonmaakbedrijf|schoonmaak|glasbewassing|groenbeheer|groenonderhoud|hoveniersbedrijf|tuinonderhoud|empresa de limpieza|limpieza|jardinería|limpeza|jardinagem", "cleaning|reinigung|garden|gardens|garten|jardin|giardini|tuin|winterdienst|lawn|ménage|glasreinigung")),  # noqa: E501
)  # fmt: skip
_MORE: dict[str, tuple[str, str]] = {
    "Legal Services": ("rechtsanwalt|rechtsanwaltskanzlei|strafrecht|avocat|avocate|avocat fiscaliste|avvocato|studio legale|advocaat|advocatenkantoor|advogado|advocacia|abogado", "droit|diritto|direito|derecho|verteidigung"),  # noqa: E501
    "Real Estate & Construction": ("painting contractor|painters|malerbetrieb|malermeister|schilderwerken|schildersbedrijf|schilderwerk|peintre en bâtiment|imbianchino|electrician|elektriker|elektriciteitswerken|elektricien|électricien|elettricista|electricista|roofing|dakdekker|bouwtekeningen|bouwkundig|bouwadvies|vermessung|vermessungswesen|ingenieurbüro|land surveying|travaux publics|voirie|btp|edilizia|impresa edile|bouwbedrijf|aannemer|rental apartments|apartments for rent|lotissement|terrains à bâtir|immobiliare", "renovatie|verbouwing|bouw|chantier|construction|building|obra|lofts|vergunning"),  # noqa: E501
    "Automotive & Mobility": ("garage automobile|autohaus|kfz-werkstatt|fahrzeugaufbereitung|autoreinigung|car detailing|car wash|lavage automobile|autobedrijf|concessionaria|auto usate|officina|taller mecánico|occasions", "voiture|véhicule|fahrzeug|carrozzeria|garage|auto's|autos"),  # noqa: E501
    "Logistics & Transportation": ("trasporti|spedizioni|corriere|transportbedrijf|mensajería|paquetería|casillero|transportadora|monitoramento de cargas", "consegne|carga|paquetes|fretes|envíos"),  # noqa: E501
    "Restaurants & Hospitality": ("ristorante|pizzeria|agriturismo|location per matrimoni|wedding venue|burger|burgers|food truck|foodtruck|traiteur|buffet", "menú|carta|la carte|matrimoni|wedding|mariage|pub|bar"),  # noqa: E501
    "Travel & Tourism": ("location de bateaux|location de yachts|yacht charter|boat rental|ferienwohnung|ferienvilla|ferienhaus|vakantiehuis|casa vacanze|holiday villa|luxusvilla", "urlaub|vacances|vacanze|bateaux|yachts|apartments"),  # noqa: E501
    "Healthcare & Medical": ("psychologie|klinische psychologie|psychotherapie|diagnostics|diagnostic centre|radiology|mri|ct scan|pathology|dementia care|nursing home|farmácia|farmácias|farmácia de manipulação|pharmacy|apotheke|pharmacie|farmacia|huidkliniek", "salute|saúde|gezondheid|zorg|therapie|terapia|nursing|dementia"),  # noqa: E501
    "Education & E-learning": ("yoga teacher training|yoga school|scuola|opleiding|formação|cursus", "curso|corsi|yoga"),  # noqa: E501
    "Manufacturing & Industrial": ("zeilmakerij|manifattura|pelletteria|fustellificio|stampa 3d|aserradero|carpintería|fabbrica|fabriek|maßanfertigung", "produzione|productie|werkplaats|madera|maderas|doek|pelle|produção"),  # noqa: E501
    "Energy & Utilities": ("zonnepanelen|thuisbatterij|laadpaal|laadpalen|fotovoltaico|painéis solares|energia solar|énergie renouvelable", "energie|energia|batterij"),  # noqa: E501
    "Financial Services & Fintech": ("gestion de patrimoine|conseil en gestion de patrimoine|vermögensberatung|bullion|precious metals|gold prices", "patrimoine|placements|investissement|épargne|gold|silver|spot price"),  # noqa: E501
    "Telecommunications": ("internet corporativo|proveedor de internet|fibra óptica|internet dedicado", "conectividad|internet|red"),  # noqa: E501
    "Agriculture": ("azienda agricola|castagneti|castagne|olivicoltura|landbouw", "raccolto|castagni|uliveti|oogst"),  # noqa: E501
}  # fmt: skip


def _extended(industry: Industry) -> Industry:
    strong, weak = _MORE.get(industry.name, ("", ""))
    return Industry(industry.name, {**industry.keywords, **_kw(strong, weak)})


INDUSTRIES = tuple(_extended(i) for i in INDUSTRIES) + NEW_INDUSTRIES
INDUSTRY_NAMES: tuple[str, ...] = tuple(i.name for i in INDUSTRIES)

# schema.org types (JSON-LD / microdata) that name an industry outright.
SCHEMA_TYPES: dict[str, str] = {
    "LegalService": "Legal Services",
    "Attorney": "Legal Services",
    "Notary": "Legal Services",
    "Restaurant": "Restaurants & Hospitality",
    "FoodEstablishment": "Restaurants & Hospitality",
    "CafeOrCoffeeShop": "Restaurants & Hospitality",
    "BarOrPub": "Restaurants & Hospitality",
    "LodgingBusiness": "Restaurants & Hospitality",
    "Hotel": "Restaurants & Hospitality",
    "BedAndBreakfast": "Restaurants & Hospitality",
    "Bakery": "Food & Beverage",
    "Winery": "Food & Beverage",
    "Brewery": "Food & Beverage",
    "CleaningService": "Facility Services & Cleaning",
    "HairSalon": "Beauty & Personal Care",
    "BeautySalon": "Beauty & Personal Care",
    "DaySpa": "Beauty & Personal Care",
    "NailSalon": "Beauty & Personal Care",
    "HealthAndBeautyBusiness": "Beauty & Personal Care",
    "AutoRepair": "Automotive & Mobility",
    "AutoDealer": "Automotive & Mobility",
    "AutoWash": "Automotive & Mobility",
    "AutomotiveBusiness": "Automotive & Mobility",
    "Dentist": "Healthcare & Medical",
    "Physician": "Healthcare & Medical",
    "MedicalClinic": "Healthcare & Medical",
    "MedicalBusiness": "Healthcare & Medical",
    "Pharmacy": "Healthcare & Medical",
    "AccountingService": "Accounting & Tax Services",
    "RealEstateAgent": "Real Estate & Construction",
    "GeneralContractor": "Real Estate & Construction",
    "Electrician": "Real Estate & Construction",
    "HousePainter": "Real Estate & Construction",
    "Plumber": "Real Estate & Construction",
    "RoofingContractor": "Real Estate & Construction",
    "HomeAndConstructionBusiness": "Real Estate & Construction",
    "TravelAgency": "Travel & Tourism",
    "MusicGroup": "Media & Entertainment",
    "InsuranceAgency": "Insurance",
    "EducationalOrganization": "Education & E-learning",
    "School": "Education & E-learning",
    "EmploymentAgency": "HR & Recruiting",
    "MovingCompany": "Logistics & Transportation",
}


def industry_of_types(types: set[str]) -> str:
    """The industry a set of schema.org types names, when exactly one does; else ""."""
    named = {SCHEMA_TYPES[t] for t in types if t in SCHEMA_TYPES}
    return named.pop() if len(named) == 1 else ""
