"""Tables that turn official codes into words: family of an ESS structure, activity, size.

- Family and sub-type come from the INSEE legal category (catégorie juridique,
  level III, 4 digits) and from the source that lists the structure (an SIAE
  list, the FINESS list of ESAT, the ANCT tiers-lieux), never from its name.
  A structure listed by a labelled source (SIAE, ESAT, tiers-lieu) belongs to
  that family; otherwise its legal category decides; an ESS-flagged legal unit
  whose category says nothing more is an « entreprise de l'ESS ».
- Activity: NAF rév. 2 code → section (A…U) → its official French title.
- Size: INSEE employee band (tranche d'effectif salarié) → label, and an
  **estimated** number of jobs: the middle of the band (10 000 for the open
  band « 10 000 salariés et plus »), 0 for units without employees, unknown when
  the band is not given. It is an estimate and is always shown as one.

SCIC have no legal category of their own in the INSEE nomenclature: a SCIC is
an « autre SARL/SA coopérative » (5460, 5560, 5660) or an SAS (5710); the table
cannot tell it apart from other co-operatives and does not pretend to.
"""

from __future__ import annotations

import re

import pandas as pd

# Families, in legend order.
ASSOCIATION = "association"
COOPERATIVE = "coopérative"
MUTUELLE = "mutuelle"
FONDATION = "fondation"
SIAE = "SIAE"
ESAT = "ESAT"
TIERS_LIEU = "tiers-lieu"
ENTREPRISE_ESS = "entreprise de l'ESS"
FAMILLES = (ASSOCIATION, COOPERATIVE, MUTUELLE, FONDATION, SIAE, ESAT, TIERS_LIEU, ENTREPRISE_ESS)
LIBELLES_FAMILLES = {
    ASSOCIATION: "Association",
    COOPERATIVE: "Coopérative (SCOP, SCIC, autre)",
    MUTUELLE: "Mutuelle",
    FONDATION: "Fondation",
    SIAE: "Insertion par l'activité économique (SIAE)",
    ESAT: "ESAT (travail protégé)",
    TIERS_LIEU: "Tiers-lieu (Fabrique de territoire)",
    ENTREPRISE_ESS: "Autre entreprise de l'ESS",
}
# Okabe–Ito palette (readable by colour-blind people) plus a dark grey.
COULEURS_FAMILLES = {
    ASSOCIATION: "#0072B2",
    COOPERATIVE: "#D55E00",
    MUTUELLE: "#009E73",
    FONDATION: "#CC79A7",
    SIAE: "#E69F00",
    ESAT: "#56B4E9",
    TIERS_LIEU: "#F0E442",
    ENTREPRISE_ESS: "#555555",
}

# INSEE legal categories (level III) that say the family, with the sub-type shown.
CATEGORIES_JURIDIQUES: dict[str, tuple[str, str]] = {
    "9210": (ASSOCIATION, "Association non déclarée"),
    "9220": (ASSOCIATION, "Association déclarée"),
    "9221": (ASSOCIATION, "Association déclarée d'insertion par l'économique"),
    "9222": (ASSOCIATION, "Association intermédiaire"),
    "9223": (ASSOCIATION, "Groupement d'employeurs"),
    "9224": (ASSOCIATION, "Association d'avocats à responsabilité professionnelle individuelle"),
    "9230": (ASSOCIATION, "Association déclarée, reconnue d'utilité publique"),
    "9240": (ASSOCIATION, "Congrégation"),
    "9260": (ASSOCIATION, "Association de droit local (Bas-Rhin, Haut-Rhin, Moselle)"),
    "9300": (FONDATION, "Fondation"),
    "8210": (MUTUELLE, "Mutuelle"),
    "8250": (MUTUELLE, "Assurance mutuelle agricole"),
    "8290": (MUTUELLE, "Autre organisme mutualiste"),
    "6411": (MUTUELLE, "Société d'assurance à forme mutuelle"),
    "5458": (COOPERATIVE, "SCOP (SARL)"),
    "5558": (COOPERATIVE, "SCOP (SA à conseil d'administration)"),
    "5658": (COOPERATIVE, "SCOP (SA à directoire)"),
    "5459": (COOPERATIVE, "Union de sociétés coopératives (SARL)"),
    "5559": (COOPERATIVE, "Union de sociétés coopératives (SA)"),
    "5659": (COOPERATIVE, "Union de sociétés coopératives (SA à directoire)"),
    "5460": (COOPERATIVE, "Autre coopérative, dont SCIC (SARL)"),
    "5560": (COOPERATIVE, "Autre coopérative, dont SCIC (SA)"),
    "5660": (COOPERATIVE, "Autre coopérative, dont SCIC (SA à directoire)"),
    "5443": (COOPERATIVE, "Coopérative de construction"),
    "5543": (COOPERATIVE, "Coopérative de construction"),
    "5643": (COOPERATIVE, "Coopérative de construction"),
    "5547": (COOPERATIVE, "Coopérative de production de HLM"),
    "5647": (COOPERATIVE, "Coopérative de production de HLM"),
    "5451": (COOPERATIVE, "Coopérative de consommation"),
    "5551": (COOPERATIVE, "Coopérative de consommation"),
    "5651": (COOPERATIVE, "Coopérative de consommation"),
    "5552": (COOPERATIVE, "Coopérative de commerçants-détaillants"),
    "5652": (COOPERATIVE, "Coopérative de commerçants-détaillants"),
    "5453": (COOPERATIVE, "Coopérative artisanale"),
    "5553": (COOPERATIVE, "Coopérative artisanale"),
    "5653": (COOPERATIVE, "Coopérative artisanale"),
    "5454": (COOPERATIVE, "Coopérative d'intérêt maritime"),
    "5554": (COOPERATIVE, "Coopérative d'intérêt maritime"),
    "5654": (COOPERATIVE, "Coopérative d'intérêt maritime"),
    "5455": (COOPERATIVE, "Coopérative de transport"),
    "5555": (COOPERATIVE, "Coopérative de transport"),
    "5655": (COOPERATIVE, "Coopérative de transport"),
    "6316": (COOPERATIVE, "Coopérative d'utilisation de matériel agricole en commun (CUMA)"),
    "6317": (COOPERATIVE, "Société coopérative agricole"),
    "6318": (COOPERATIVE, "Union de sociétés coopératives agricoles"),
}
# Level II of the nomenclature when level III is not in the table.
_NIVEAU_II = {"92": (ASSOCIATION, "Association"), "82": (MUTUELLE, "Organisme mutualiste")}
# Legal-form words for categories that do not make a family (shown as sub-type).
_FORMES_GENERALES = {
    "57": "Société par actions simplifiée",
    "54": "SARL",
    "55": "Société anonyme",
    "56": "Société anonyme à directoire",
    "65": "Société civile",
    "83": "Comité social et économique (comité d'entreprise)",
    "84": "Organisme professionnel",
    "91": "Syndicat de propriétaires",
}

# Sub-types given by the labelled sources.
SOUS_TYPES_SIAE = {
    "ACI": "Atelier et chantier d'insertion (ACI)",
    "EI": "Entreprise d'insertion (EI)",
    "AI": "Association intermédiaire (AI)",
    "ETTI": "Entreprise de travail temporaire d'insertion (ETTI)",
    "EITI": "Entreprise d'insertion par le travail indépendant (EITI)",
    "GEIQ": "Groupement d'employeurs pour l'insertion et la qualification (GEIQ)",
    "EA": "Entreprise adaptée (EA)",
    "EATT": "Entreprise adaptée de travail temporaire (EATT)",
}
# Source families take precedence over the legal category (an ESAT run by an
# association is on the map as an ESAT; its legal form stays in ``forme_juridique``).
PRIORITE_FAMILLES = (SIAE, ESAT, TIERS_LIEU, COOPERATIVE, MUTUELLE, FONDATION, ASSOCIATION, ENTREPRISE_ESS)


def par_valeur(serie: pd.Series, fonction) -> pd.Series:
    """``serie.map(fonction)`` computed once per distinct value (codes repeat a lot)."""
    correspondance = {u: fonction(u) for u in pd.unique(serie.dropna())}
    return serie.astype(object).map(correspondance).astype(object)


def _absent(valeur: object) -> bool:
    """None, NaN or pandas' NA."""
    return valeur is None or valeur is pd.NA or (isinstance(valeur, float) and valeur != valeur)


def famille_juridique(categorie: object) -> tuple[str | None, str | None]:
    """(family, sub-type) from an INSEE legal category; (None, form) when it makes no family.

    >>> famille_juridique("9220")
    ('association', 'Association déclarée')
    >>> famille_juridique(5458)
    ('coopérative', 'SCOP (SARL)')
    >>> famille_juridique("5710")
    (None, 'Société par actions simplifiée')
    >>> famille_juridique("")
    (None, None)
    """
    code = normaliser_categorie(categorie)
    if code is None:
        return None, None
    if code in CATEGORIES_JURIDIQUES:
        return CATEGORIES_JURIDIQUES[code]
    if code[:2] in _NIVEAU_II:
        return _NIVEAU_II[code[:2]]
    return None, _FORMES_GENERALES.get(code[:2])


def normaliser_categorie(categorie: object) -> str | None:
    """4-digit legal category, or None (``9220.0`` → ``9220``)."""
    if _absent(categorie):
        return None
    texte = str(categorie).strip()
    if texte.endswith(".0"):
        texte = texte[:-2]
    return texte if re.fullmatch(r"\d{4}", texte) else None


def choisir_famille(familles: list[str | None]) -> str:
    """The family shown when several sources say different things (see :data:`PRIORITE_FAMILLES`)."""
    presentes = {f for f in familles if isinstance(f, str)}
    for famille in PRIORITE_FAMILLES:
        if famille in presentes:
            return famille
    return ENTREPRISE_ESS


# Activity ----------------------------------------------------------------------

SECTIONS_NAF = {
    "A": "Agriculture, sylviculture et pêche",
    "B": "Industries extractives",
    "C": "Industrie manufacturière",
    "D": "Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné",
    "E": "Production et distribution d'eau ; assainissement, gestion des déchets et dépollution",
    "F": "Construction",
    "G": "Commerce ; réparation d'automobiles et de motocycles",
    "H": "Transports et entreposage",
    "I": "Hébergement et restauration",
    "J": "Information et communication",
    "K": "Activités financières et d'assurance",
    "L": "Activités immobilières",
    "M": "Activités spécialisées, scientifiques et techniques",
    "N": "Activités de services administratifs et de soutien",
    "O": "Administration publique",
    "P": "Enseignement",
    "Q": "Santé humaine et action sociale",
    "R": "Arts, spectacles et activités récréatives",
    "S": "Autres activités de services",
    "T": "Activités des ménages en tant qu'employeurs",
    "U": "Activités extra-territoriales",
}
# NAF rév. 2 divisions (2 first digits) per section.
_DIVISIONS = {
    "A": range(1, 4),
    "B": range(5, 10),
    "C": range(10, 34),
    "D": range(35, 36),
    "E": range(36, 40),
    "F": range(41, 44),
    "G": range(45, 48),
    "H": range(49, 54),
    "I": range(55, 57),
    "J": range(58, 64),
    "K": range(64, 67),
    "L": range(68, 69),
    "M": range(69, 76),
    "N": range(77, 83),
    "O": range(84, 85),
    "P": range(85, 86),
    "Q": range(86, 89),
    "R": range(90, 94),
    "S": range(94, 97),
    "T": range(97, 99),
    "U": range(99, 100),
}
SECTION_DE_DIVISION = {f"{d:02d}": s for s, divisions in _DIVISIONS.items() for d in divisions}


def normaliser_naf(code: object) -> str | None:
    """NAF rév. 2 code as ``88.99B`` whatever the writing (``8899B``, ``88.99b``).

    >>> normaliser_naf("8899B"), normaliser_naf("62.01Z"), normaliser_naf("NN")
    ('88.99B', '62.01Z', None)
    """
    if _absent(code):
        return None
    texte = str(code).strip().upper().replace(".", "").replace(" ", "")
    if not re.fullmatch(r"\d{4}[A-Z]", texte):
        return None
    return f"{texte[:2]}.{texte[2:]}"


def section_naf(code: object) -> str | None:
    """Section letter of a NAF code.

    >>> section_naf("8899B"), section_naf("62.01Z"), section_naf("")
    ('Q', 'J', None)
    """
    naf = normaliser_naf(code)
    return SECTION_DE_DIVISION.get(naf[:2]) if naf else None


def libelle_section(section: str | None) -> str | None:
    return SECTIONS_NAF.get(section) if isinstance(section, str) else None


# Size --------------------------------------------------------------------------

# INSEE code → (label, low, high) in employees; high None for the open band.
TRANCHES_EFFECTIF: dict[str, tuple[str, int, int | None]] = {
    "NN": ("Sans salarié (unité non employeuse)", 0, 0),
    "00": ("0 salarié (a employé dans l'année)", 0, 0),
    "01": ("1 ou 2 salariés", 1, 2),
    "02": ("3 à 5 salariés", 3, 5),
    "03": ("6 à 9 salariés", 6, 9),
    "11": ("10 à 19 salariés", 10, 19),
    "12": ("20 à 49 salariés", 20, 49),
    "21": ("50 à 99 salariés", 50, 99),
    "22": ("100 à 199 salariés", 100, 199),
    "31": ("200 à 249 salariés", 200, 249),
    "32": ("250 à 499 salariés", 250, 499),
    "41": ("500 à 999 salariés", 500, 999),
    "42": ("1 000 à 1 999 salariés", 1000, 1999),
    "51": ("2 000 à 4 999 salariés", 2000, 4999),
    "52": ("5 000 à 9 999 salariés", 5000, 9999),
    "53": ("10 000 salariés et plus", 10000, None),
}
REGLE_EMPLOIS = (
    "Emplois estimés : milieu de la tranche d'effectif salarié déclarée à l'INSEE (par exemple 34,5 "
    "pour « 20 à 49 salariés »), 10 000 pour « 10 000 salariés et plus », 0 sans salarié ; "
    "inconnu quand la tranche n'est pas renseignée. La tranche de l'établissement est utilisée ; "
    "celle de l'unité légale seulement quand elle n'a qu'un établissement dans le registre et n'est "
    "pas une personne publique (l'effectif d'une commune qui porte un chantier d'insertion est celui "
    "de la mairie). "
    "C'est une estimation, pas un décompte."
)
# Size classes offered as a filter, from the band code.
CLASSES_TAILLE = {
    "sans salarié": ("NN", "00"),
    "1 à 9 salariés": ("01", "02", "03"),
    "10 à 49 salariés": ("11", "12"),
    "50 à 249 salariés": ("21", "22", "31"),
    "250 salariés et plus": ("32", "41", "42", "51", "52", "53"),
}
TAILLE_INCONNUE = "effectif inconnu"
_CLASSE_DE_TRANCHE = {code: classe for classe, codes in CLASSES_TAILLE.items() for code in codes}


def normaliser_tranche(valeur: object) -> str | None:
    """INSEE band code (``"1"`` → ``"01"``), or the code of a label such as « 50 à 99 salariés ».

    >>> normaliser_tranche("1"), normaliser_tranche("NN"), normaliser_tranche("50 à 99 salariés")
    ('01', 'NN', '21')
    >>> normaliser_tranche("Non renseigné") is None
    True
    """
    if _absent(valeur):
        return None
    texte = str(valeur).strip()
    if texte.endswith(".0"):
        texte = texte[:-2]
    if texte.upper() == "NN":
        return "NN"
    if texte.isdigit() and len(texte) <= 2:
        texte = texte.zfill(2)
        return texte if texte in TRANCHES_EFFECTIF else None
    # Labels (API Entreprise, le marché de l'inclusion): match the band's bounds.
    nombres = [int(n) for n in re.findall(r"\d+", texte.replace("\u202f", "").replace(" ", ""))]
    if not nombres:
        return None
    for code, (_libelle, bas, haut) in TRANCHES_EFFECTIF.items():
        if code in ("NN", "00"):
            continue
        if len(nombres) >= 2 and nombres[0] == bas and nombres[1] == haut:
            return code
        if haut is None and nombres[0] == bas:
            return code
    if nombres == [0]:
        return "00"
    return None


def libelle_tranche(code: str | None) -> str | None:
    return TRANCHES_EFFECTIF[code][0] if isinstance(code, str) and code in TRANCHES_EFFECTIF else None


def emplois_estimes(code: str | None) -> float | None:
    """Estimated jobs for a band (see :data:`REGLE_EMPLOIS`).

    >>> emplois_estimes("12"), emplois_estimes("53"), emplois_estimes("NN"), emplois_estimes(None)
    (34.5, 10000.0, 0.0, None)
    """
    if not isinstance(code, str) or code not in TRANCHES_EFFECTIF:
        return None
    _libelle, bas, haut = TRANCHES_EFFECTIF[code]
    return float(bas) if haut is None else (bas + haut) / 2


def classe_taille(code: str | None) -> str:
    return _CLASSE_DE_TRANCHE.get(code, TAILLE_INCONNUE) if isinstance(code, str) else TAILLE_INCONNUE


def colonnes_activite_taille(naf: pd.Series, tranche: pd.Series) -> pd.DataFrame:
    """Derived columns for a table: section, its words, band label, jobs estimate, size class."""
    sections = par_valeur(naf, section_naf)
    return pd.DataFrame(
        {
            "section_naf": sections.astype("string"),
            "activite": sections.map(SECTIONS_NAF).astype("string"),
            "tranche_effectif_libelle": par_valeur(tranche, libelle_tranche).astype("string"),
            "emplois_estimes": par_valeur(tranche, emplois_estimes).astype("Float64"),
            "taille": par_valeur(tranche, classe_taille).fillna(TAILLE_INCONNUE).astype("string"),
        },
        index=naf.index,
    )
