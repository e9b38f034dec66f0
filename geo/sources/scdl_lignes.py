"""Normalising the rows of a SCDL file: amounts, dates, aid types, identifiers; repairs and refusals."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from geo.outils import siret as siret_mod
from geo.outils.text import accorder, cle_recherche
from geo.sources.scdl_lecture import TableBrute, correspondances, extrait
from geo.sources.scdl_publies import FichierPublie
from geo.sources.scdl_validation import MAX_MESSAGES, Validation

TYPES_AIDE = ("fonctionnement", "investissement", "non précisé")
_FONCTIONNEMENT = re.compile(r"fonctionn", re.IGNORECASE)
_INVESTISSEMENT = re.compile(
    r"investiss|[ée]quipement|travaux|construction|acquisition|am[ée]nagement|r[ée]habilitation|"
    r"r[ée]novation|extension|d[ée]molition",
    re.IGNORECASE,
)
_SCIENTIFIQUE = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*[eE]\s*\+?\s*\d+\s*$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_BARRES = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DATE_TABLEUR = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(:\d{2})?$")
_DATE_DEDANS = re.compile(r"(\d{4})-(\d{2})-(\d{2})|(\d{1,2})/(\d{1,2})/(\d{4})|(\d{4})/(\d{2})/(\d{2})")
_ANNEE = re.compile(r"^(19|20)\d{2}$")
_MONTANT_SIMPLE = re.compile(r"^-?\d+(\.\d+)?$")


COLONNES_SUBVENTIONS = [
    "ligne",
    "attribuant_nom",
    "attribuant_id",
    "date",
    "annee",
    "beneficiaire_nom",
    "beneficiaire_siret",
    "beneficiaire_siren",
    "beneficiaire_rna",
    "montant_eur",
    "nature",
    "type_aide",
    "dispositif",
    "objet",
]


def lire_montant(texte: str) -> tuple[float | None, bool]:
    """(amount in euros or None, whether it was written the French way and repaired).

    >>> lire_montant("24000.0"), lire_montant("26 956,00"), lire_montant("97 000euros")
    ((24000.0, False), (26956.0, True), (97000.0, True))
    >>> lire_montant("58\\u00a0400,00"), lire_montant("1.234,5"), lire_montant("beaucoup")
    ((58400.0, True), (1234.5, True), (None, False))
    """
    brut = texte.strip()
    if not brut:
        return None, False
    if _MONTANT_SIMPLE.match(brut):
        return float(brut), False
    propre = re.sub(r"(?i)\s*(€|euros?|eur)\s*$", "", brut)
    propre = re.sub(r"[\s\u00a0\u202f']", "", propre)
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", propre):  # 1.234,5
        propre = propre.replace(".", "")
    propre = propre.replace(",", ".")
    if re.fullmatch(r"-?\d+(\.\d+)?", propre):
        return float(propre), True
    return None, False


def lire_date(texte: str) -> tuple[str | None, str | None]:
    """(ISO date or None, repair made: ``barres``, ``jj/mm/aaaa``, ``tableur`` or None).

    >>> lire_date("2017-09-08"), lire_date("2017/09/08"), lire_date("06/12/2022")
    (('2017-09-08', None), ('2017-09-08', 'barres'), ('2022-12-06', 'jj/mm/aaaa'))
    >>> lire_date("31/02/2022"), lire_date("2014")
    ((None, None), (None, None))
    """
    brut = texte.strip()
    if not brut:
        return None, None
    for motif, genre, ordre in (
        (_DATE_ISO, None, (1, 2, 3)),
        (_DATE_BARRES, "barres", (1, 2, 3)),
        (_DATE_FR, "jj/mm/aaaa", (3, 2, 1)),
    ):
        trouve = motif.match(brut)
        if trouve:
            try:
                jour = dt.date(*(int(trouve.group(i)) for i in ordre))
            except ValueError:
                return None, None
            return jour.isoformat(), genre
    tableur = _DATE_TABLEUR.match(brut)
    if tableur:
        return lire_date(tableur.group(1))[0], "tableur"
    return None, None


def _premiere_date(texte: str) -> str | None:
    for trouve in _DATE_DEDANS.finditer(texte or ""):
        groupes = trouve.groups()
        try:
            if groupes[0]:
                return dt.date(int(groupes[0]), int(groupes[1]), int(groupes[2])).isoformat()
            if groupes[3]:
                return dt.date(int(groupes[5]), int(groupes[4]), int(groupes[3])).isoformat()
            return dt.date(int(groupes[6]), int(groupes[7]), int(groupes[8])).isoformat()
        except ValueError:
            continue
    return None


def type_aide(*textes: str) -> str:
    """« fonctionnement », « investissement » or « non précisé », from the words of the object.

    >>> type_aide("Subvention de Fonctionnement"), type_aide("Travaux réhabilitation"), type_aide("Fête")
    ('fonctionnement', 'investissement', 'non précisé')
    """
    texte = " ".join(t for t in textes if t)
    if _FONCTIONNEMENT.search(texte):
        return "fonctionnement"
    if _INVESTISSEMENT.search(texte):
        return "investissement"
    return "non précisé"


def nature(texte: str) -> str | None:
    """The SCDL nature (« aide en numéraire », « aide en nature » or both) from what files write.

    >>> nature("Aide en numéraire"), nature("Financier"), nature("")
    ('aide en numéraire', 'aide en numéraire', None)
    >>> nature("aide en nature;aide en numéraire")
    'aide en numéraire et en nature'
    """
    cle = cle_recherche(texte or "")
    if not cle:
        return None
    numeraire = "numeraire" in cle or "financ" in cle
    en_nature = bool(re.search(r"\ben nature\b|^nature$", cle))
    if numeraire and en_nature:
        return "aide en numéraire et en nature"
    if numeraire:
        return "aide en numéraire"
    if en_nature:
        return "aide en nature"
    return extrait(texte, 60)


@dataclass
class LectureScdl:
    """One published file read: the rows kept, what was repaired and refused, the validation."""

    fichier: str
    format: str
    version: str | None
    validation: Validation
    subventions: pd.DataFrame
    lignes_lues: int = 0
    refusees: Counter = field(default_factory=Counter)
    reparations: Counter = field(default_factory=Counter)
    identifiants_refuses: Counter = field(default_factory=Counter)
    messages_refus: list[str] = field(default_factory=list)
    encodage: str | None = None
    separateur: str | None = None

    @property
    def lignes_refusees(self) -> int:
        return sum(self.refusees.values())

    def comptes(self) -> dict:
        """Counts for the build manifest (JSON-ready)."""
        return {
            "fichier": self.fichier,
            "format": self.format,
            "version": self.version or "hors schéma",
            "validee_contre": self.validation.version,
            "encodage": self.encodage,
            "separateur": self.separateur,
            "lignes_lues": self.lignes_lues,
            "lignes_gardees": len(self.subventions),
            "lignes_refusees": self.lignes_refusees,
            "refus": dict(self.refusees),
            "reparations": dict(self.reparations),
            "identifiants_refuses": dict(self.identifiants_refuses),
            "defauts_schema": self.validation.nombre,
            "defauts_par_genre": dict(self.validation.par_defaut.most_common()),
            "montant_total_eur": round(float(self.subventions.montant_eur.sum()), 2),
        }

    def phrases(self) -> list[str]:
        """French sentences for the manifest's anomalies."""
        nom = self.fichier
        gardees = len(self.subventions)
        phrases = [
            f"{nom} : {accorder(self.lignes_lues, 'ligne lue', 'lignes lues')}, "
            f"{accorder(gardees, 'gardée')}, {accorder(self.lignes_refusees, 'refusée')} ; "
            f"format {self.format}, "
            + (f"schéma SCDL {self.version}" if self.version else "colonnes hors du format SCDL")
            + f", {accorder(self.validation.nombre, 'défaut')} au regard du schéma {self.validation.version}."
        ]
        # Each kind of row or value: its words in the singular and in the plural.
        libelles_refus = {
            "ligne_coupee": (
                "ligne coupée par une virgule décimale non protégée (cellules décalées)",
                "lignes coupées par une virgule décimale non protégée (cellules décalées)",
            ),
            "cellules": (
                "ligne dont le nombre de cellules ne correspond pas à l'en-tête",
                "lignes dont le nombre de cellules ne correspond pas à l'en-tête",
            ),
            "montant": ("ligne sans montant lisible", "lignes sans montant lisible"),
        }
        for genre, n in self.refusees.items():
            singulier, pluriel = libelles_refus.get(genre, (genre, genre))
            phrases.append(
                f"{nom} : {accorder(n, singulier, pluriel)}, {accorder(n, 'refusée', avec_nombre=False)}."
            )
        libelles_reparations = {
            "montant_fr": (
                "montant écrit à la française (« 26 956,00 ») lu comme nombre",
                "montants écrits à la française (« 26 956,00 ») lus comme nombres",
            ),
            "date_barres": ("date AAAA/MM/JJ remise en AAAA-MM-JJ", "dates AAAA/MM/JJ remises en AAAA-MM-JJ"),
            "date_jj/mm/aaaa": (
                "date JJ/MM/AAAA remise en AAAA-MM-JJ",
                "dates JJ/MM/AAAA remises en AAAA-MM-JJ",
            ),
            "date_tableur": (
                "date de tableur (avec heure) remise en AAAA-MM-JJ",
                "dates de tableur (avec heure) remises en AAAA-MM-JJ",
            ),
            "siret_ecriture": (
                "SIRET écrit avec espaces, points ou apostrophe, ou sans son zéro initial, "
                "remis en 14 chiffres",
                "SIRET écrits avec espaces, points ou apostrophe, ou sans leur zéro initial, "
                "remis en 14 chiffres",
            ),
            "annee_periode": (
                "année prise dans la période de versement faute de date de convention",
                "années prises dans la période de versement faute de date de convention",
            ),
            "annee_colonne": (
                "année prise dans la colonne de l'année faute de date de convention",
                "années prises dans la colonne de l'année faute de date de convention",
            ),
        }
        for genre, n in self.reparations.items():
            singulier, pluriel = libelles_reparations.get(genre, (genre, genre))
            phrases.append(f"{nom} : {accorder(n, singulier, pluriel)} (réparation sûre).")
        libelles_ids = {
            "scientifique": (
                "SIRET détruit par un tableur (écrit comme « 3,26E+13 ») : irrécupérable, "
                "subvention gardée sans bénéficiaire identifié",
                "SIRET détruits par un tableur (écrits comme « 3,26E+13 ») : irrécupérables, "
                "subventions gardées sans bénéficiaire identifié",
            ),
            "cle_fausse": (
                "SIRET à la clé de contrôle fausse (souvent tronqué par un tableur) : refusé, "
                "subvention gardée sans bénéficiaire identifié",
                "SIRET à la clé de contrôle fausse (souvent tronqués par un tableur) : refusés, "
                "subventions gardées sans bénéficiaire identifié",
            ),
            "illisible": (
                "identifiant de bénéficiaire illisible : refusé",
                "identifiants de bénéficiaire illisibles : refusés",
            ),
            "siren_seul": (
                "bénéficiaire donné par son seul SIREN (9 chiffres) : gardé à l'échelle de "
                "l'entreprise, sans établissement",
                "bénéficiaires donnés par leur seul SIREN (9 chiffres) : gardés à l'échelle de "
                "l'entreprise, sans établissement",
            ),
            "attribuant_scientifique": (
                "SIRET d'attribuant détruit par un tableur : attribuant reconnu par son nom",
                "SIRET d'attribuant détruits par un tableur : attribuants reconnus par leur nom",
            ),
        }
        for genre, n in self.identifiants_refuses.items():
            singulier, pluriel = libelles_ids.get(genre, (genre, genre))
            phrases.append(f"{nom} : {accorder(n, singulier, pluriel)}.")
        return phrases


def _identifiant_beneficiaire(
    texte: str, comptes: Counter, reparations: Counter
) -> tuple[str | None, str | None]:
    """(SIRET, SIREN) of a beneficiary cell; refusals and repairs counted."""
    brut = texte.strip()
    if not brut or cle_recherche(brut) in {"", "sans objet", "non", "neant", "na"}:
        return None, None
    if _SCIENTIFIQUE.match(brut):
        comptes["scientifique"] += 1
        return None, None
    chiffres = re.sub(r"[\s.\-\u00a0\u202f=\"']", "", re.sub(r"\.0+$", "", brut))
    if re.fullmatch(r"\d{9}", chiffres):
        if siret_mod.siren_valide(chiffres):
            comptes["siren_seul"] += 1
            return None, chiffres
        comptes["cle_fausse"] += 1
        return None, None
    siret = siret_mod.normaliser(brut)
    if siret is None:
        comptes["illisible"] += 1
        return None, None
    if not siret_mod.siret_valide(siret):
        comptes["cle_fausse"] += 1
        return None, None
    if siret != brut:
        reparations["siret_ecriture"] += 1
    return siret, siret[:9]


def _identifiant_attribuant(texte: str, comptes: Counter) -> str | None:
    brut = texte.strip()
    if _SCIENTIFIQUE.match(brut):
        comptes["attribuant_scientifique"] += 1
        return None
    chiffres = re.sub(r"[\s.\-\u00a0\u202f=\"']", "", re.sub(r"\.0+$", "", brut))
    if re.fullmatch(r"\d{9}|\d{12,14}", chiffres):
        return chiffres.zfill(14) if len(chiffres) > 9 else chiffres
    return None


def _ligne_coupee(ligne: list[str], positions: dict[int, str]) -> bool:
    """True when an unquoted decimal comma split the amount in two (``24 975`` | ``00``)."""
    position = next((p for p, c in positions.items() if c == "montant"), None)
    if position is None or position + 1 >= len(ligne):
        return False
    return bool(re.fullmatch(r"-?[\d\s\u00a0\u202f]+", ligne[position].strip())) and bool(
        re.fullmatch(r"\d{1,2}", ligne[position + 1].strip())
    )


def normaliser(brut: TableBrute, publie: FichierPublie | None, lecture: LectureScdl) -> pd.DataFrame:
    """The kept rows in :data:`COLONNES_SUBVENTIONS`, repairs and refusals counted on ``lecture``."""
    positions, extras = correspondances(brut.entetes)
    champ_position = {c: p for p, c in positions.items()}
    extra_position = {c: p for p, c in extras.items()}
    largeur = len(brut.entetes)
    # Trailing empty header cells (« pourcentageSubvention;; ») are not columns.
    while largeur and not brut.entetes[largeur - 1].strip(" ;"):
        largeur -= 1
    enregistrements = []
    for ligne, numero in zip(brut.lignes, brut.numeros, strict=True):
        if not any(c.strip() for c in ligne):
            continue
        lecture.lignes_lues += 1
        if len(ligne) > largeur and any(c.strip(" ;") for c in ligne[largeur:]):
            genre = "ligne_coupee" if _ligne_coupee(ligne, positions) else "cellules"
            lecture.refusees[genre] += 1
            if len(lecture.messages_refus) < MAX_MESSAGES:
                lecture.messages_refus.append(
                    f"{lecture.fichier}, ligne {numero} : {len(ligne)} cellules pour {largeur} colonnes"
                    + (" (virgule décimale non protégée dans le montant)" if genre == "ligne_coupee" else "")
                    + " : ligne refusée, ses colonnes ne peuvent pas être attribuées sans risque."
                )
            continue
        if len(ligne) < largeur and brut.format == "CSV":
            lecture.refusees["cellules"] += 1
            if len(lecture.messages_refus) < MAX_MESSAGES:
                lecture.messages_refus.append(
                    f"{lecture.fichier}, ligne {numero} : {len(ligne)} cellules pour {largeur} colonnes : "
                    "ligne refusée."
                )
            continue

        def valeur(champ: str, ligne=ligne) -> str:
            position = champ_position.get(champ, extra_position.get(champ))
            if position is None or position >= len(ligne):
                return ""
            return ligne[position].strip().strip(";").strip()

        montant, repare = lire_montant(valeur("montant"))
        if montant is None:
            lecture.refusees["montant"] += 1
            if len(lecture.messages_refus) < MAX_MESSAGES:
                lecture.messages_refus.append(
                    f"{lecture.fichier}, ligne {numero}, colonne « montant » : "
                    f"« {extrait(valeur('montant'))} » n'est pas un montant lisible : ligne refusée."
                )
            continue
        if repare:
            lecture.reparations["montant_fr"] += 1
        date, reparation = lire_date(valeur("dateConvention"))
        if reparation:
            lecture.reparations[f"date_{reparation}"] += 1
        annee = int(date[:4]) if date else None
        if annee is None:
            for source, genre in (
                (valeur("dateDecision"), None),
                (valeur("datesPeriodeVersement"), "annee_periode"),
            ):
                trouvee = lire_date(source)[0] or _premiere_date(source)
                if trouvee:
                    annee = int(trouvee[:4])
                    if genre:
                        lecture.reparations[genre] += 1
                    break
        if annee is None:
            for texte in (valeur("annee"), valeur("dateConvention")):
                if _ANNEE.match(texte):
                    annee = int(texte)
                    lecture.reparations["annee_colonne"] += 1
                    break
        siret, siren = _identifiant_beneficiaire(
            valeur("idBeneficiaire"), lecture.identifiants_refuses, lecture.reparations
        )
        objet = valeur("objet")
        dispositif = valeur("dispositifAide")
        enregistrements.append(
            {
                "ligne": numero,
                "attribuant_nom": valeur("nomAttribuant") or (publie.attribuant if publie else None) or None,
                "attribuant_id": _identifiant_attribuant(
                    valeur("idAttribuant"), lecture.identifiants_refuses
                ),
                "date": date,
                "annee": annee,
                "beneficiaire_nom": valeur("nomBeneficiaire") or None,
                "beneficiaire_siret": siret,
                "beneficiaire_siren": siren,
                "beneficiaire_rna": valeur("rnaBeneficiaire").upper() or None,
                "montant_eur": montant,
                "nature": nature(valeur("nature")),
                "type_aide": type_aide(objet, dispositif),
                "dispositif": dispositif or None,
                "objet": extrait(objet, 200) if objet else None,
            }
        )
    table = pd.DataFrame(enregistrements, columns=COLONNES_SUBVENTIONS)
    table["annee"] = table.annee.astype("Int64")
    table["montant_eur"] = table.montant_eur.astype(float)
    return table
