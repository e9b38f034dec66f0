"""The app's accessibility, measured: its own RGAA audit, the rate it gives, the framework's limits.

One place read by the « Déclaration d'accessibilité » page (``pages/accessibilite.py``) and by
the tests. The audit is data (``audit_rgaa.toml``): each RGAA 4.1 criterion the project assessed,
with its status (C, NC, NA), a one-line reason and the automated test that checks it. A criterion
not in the file was not assessed: it counts neither as respected nor as failed, and the page says
how many were assessed (RGAA: rate = C / (C + NC); « totalement conforme » only when every
criterion is respected, « partiellement conforme » from 50 %, « non conforme » below or without an
audit).

``LIMITES_DU_CADRE`` lists what Streamlit, Leaflet or Vega draw and the app cannot make
accessible, once: the declaration shows it, and the axe test (``tests/navigateur/test_axe.py``)
admits a violation only inside an entry's element and fails when an entry is no longer seen
(no stale exception).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geo.outils.text import accorder, nombre_fr

FICHIER_AUDIT = Path(__file__).with_name("audit_rgaa.toml")
# RGAA 4.1: how many criteria each of its 13 themes has (images, cadres, couleurs, multimédia,
# tableaux, liens, scripts, éléments obligatoires, structuration, présentation, formulaires,
# navigation, consultation), 106 in all. A number outside them is no RGAA criterion.
CRITERES_PAR_THEME = {1: 9, 2: 2, 3: 3, 4: 13, 5: 8, 6: 2, 7: 5, 8: 10, 9: 4, 10: 14, 11: 13, 12: 11, 13: 12}
NOMBRE_CRITERES_RGAA = sum(CRITERES_PAR_THEME.values())
STATUTS = {"C": "Conforme", "NC": "Non conforme", "NA": "Non applicable"}
NOM_SERVICE = "ESS & territoires"

_NUMERO = re.compile(r"(1[0-3]|[1-9])\.([1-9]\d?)")


class AuditInvalide(ValueError):
    """The audit file cannot be read as an audit; the message says which line and why, in French."""


@dataclass(frozen=True)
class CritereAudite:
    numero: str
    titre: str
    statut: str  # C, NC or NA
    justification: str
    verifie_par: str | None  # "tests/x.py::test_y", the automated test that checks it

    @property
    def libelle_statut(self) -> str:
        return STATUTS[self.statut]


@dataclass(frozen=True)
class Audit:
    date: dt.date
    referentiel: str
    realise_par: str
    axe_core: str
    navigateur: str
    pages: tuple[str, ...]
    vues: str
    criteres: tuple[CritereAudite, ...]

    def _compte(self, statut: str) -> int:
        return sum(critere.statut == statut for critere in self.criteres)

    @property
    def conformes(self) -> int:
        return self._compte("C")

    @property
    def non_conformes(self) -> int:
        return self._compte("NC")

    @property
    def non_applicables(self) -> int:
        return self._compte("NA")

    @property
    def evalues(self) -> int:
        return len(self.criteres)

    @property
    def complet(self) -> bool:
        return self.evalues == NOMBRE_CRITERES_RGAA

    @property
    def taux(self) -> float | None:
        """Share of the applicable assessed criteria that are respected, in %; None when none applies."""
        applicables = self.conformes + self.non_conformes
        return 100 * self.conformes / applicables if applicables else None

    @property
    def etat(self) -> str:
        """« totalement conforme », « partiellement conforme » or « non conforme » (RGAA's three states).

        A partial audit never makes the app « totalement conforme »: criteria nobody looked at
        are not known to be respected.
        """
        if self.taux is None or self.taux < 50:
            return "non conforme"
        if self.taux == 100 and self.complet:
            return "totalement conforme"
        return "partiellement conforme"

    @property
    def phrase_taux(self) -> str:
        """« 90 % des critères du RGAA 4.1 sont respectés. »"""
        if self.taux is None:
            return f"Aucun critère applicable du {self.referentiel} n'a encore été évalué."
        taux = nombre_fr(self.taux, 1).removesuffix(",0")
        return f"{taux} % des critères du {self.referentiel} sont respectés."

    @property
    def phrase_couverture(self) -> str:
        """How much of the RGAA the audit covers, and what is not counted."""
        detail = (
            f"{accorder(self.conformes, 'conforme', 'conformes')}, "
            f"{accorder(self.non_conformes, 'non conforme', 'non conformes')}, "
            f"{accorder(self.non_applicables, 'non applicable', 'non applicables')}"
        )
        if self.complet:
            return f"Audit complet : les {NOMBRE_CRITERES_RGAA} critères évalués ({detail})."
        reste = NOMBRE_CRITERES_RGAA - self.evalues
        return (
            f"Audit partiel : {self.evalues} critères évalués sur {NOMBRE_CRITERES_RGAA} ({detail}). "
            f"Les {reste} autres n'ont pas encore été évalués ; ils ne sont comptés ni comme respectés "
            "ni comme non respectés."
        )

    def par_statut(self, statut: str) -> list[CritereAudite]:
        return [critere for critere in self.criteres if critere.statut == statut]

    def tableau(self) -> list[dict[str, str]]:
        """One row per assessed criterion, in RGAA order, with French column names."""
        return [
            {
                "Critère": critere.numero,
                "Intitulé": critere.titre,
                "Résultat": critere.libelle_statut,
                "Justification": critere.justification,
                "Vérifié par": critere.verifie_par or "revue manuelle",
            }
            for critere in self.criteres
        ]


def _cle_rgaa(numero: str) -> tuple[int, int]:
    theme, rang = numero.split(".")
    return int(theme), int(rang)


def _texte(valeur: object, quoi: str) -> str:
    if not isinstance(valeur, str) or not valeur.strip():
        raise AuditInvalide(f"{quoi} manque ou est vide.")
    return valeur.strip()


def _critere(brut: dict, rang: int) -> CritereAudite:
    numero = _texte(brut.get("numero"), f"Critère n° {rang} de l'audit : le numéro")
    forme = _NUMERO.fullmatch(numero)
    if not forme or int(forme[2]) > CRITERES_PAR_THEME[int(forme[1])]:
        raise AuditInvalide(f"Critère « {numero} » : ce n'est pas un critère du RGAA 4.1 (thème.rang).")
    statut = _texte(brut.get("statut"), f"Critère {numero} : le statut")
    if statut not in STATUTS:
        raise AuditInvalide(f"Critère {numero} : statut « {statut} » inconnu (C, NC ou NA).")
    verifie_par = brut.get("verifie_par")
    return CritereAudite(
        numero=numero,
        titre=_texte(brut.get("titre"), f"Critère {numero} : l'intitulé"),
        statut=statut,
        justification=_texte(brut.get("justification"), f"Critère {numero} : la justification"),
        verifie_par=_texte(verifie_par, f"Critère {numero} : le test") if verifie_par is not None else None,
    )


def lire_audit(chemin: Path = FICHIER_AUDIT) -> Audit:
    """The audit in ``chemin``, checked: every criterion numbered once, with a known status and a reason."""
    try:
        brut = tomllib.loads(chemin.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as erreur:
        raise AuditInvalide(f"Le fichier d'audit {chemin.name} ne peut pas être lu : {erreur}") from erreur
    date = brut.get("date")
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise AuditInvalide("La date de l'audit manque ou n'est pas une date (AAAA-MM-JJ).")
    criteres = [_critere(c, rang) for rang, c in enumerate(brut.get("critere", []), start=1)]
    numeros = [c.numero for c in criteres]
    if doubles := sorted({n for n in numeros if numeros.count(n) > 1}, key=_cle_rgaa):
        raise AuditInvalide(f"Critère évalué deux fois dans l'audit : {', '.join(doubles)}.")
    return Audit(
        date=date,
        referentiel=_texte(brut.get("referentiel"), "Le référentiel de l'audit"),
        realise_par=_texte(brut.get("realise_par"), "L'auteur de l'audit"),
        axe_core=_texte(brut.get("axe_core"), "La version d'axe-core"),
        navigateur=_texte(brut.get("navigateur"), "Le navigateur de test"),
        pages=tuple(_texte(p, "Une page vérifiée") for p in brut.get("pages", [])),
        vues=_texte(brut.get("vues"), "Les vues vérifiées"),
        criteres=tuple(sorted(criteres, key=lambda c: _cle_rgaa(c.numero))),
    )


@cache
def audit_du_projet() -> Audit:
    """The project's audit (``audit_rgaa.toml``), read once per process: every page names its state."""
    return lire_audit(FICHIER_AUDIT)


@dataclass(frozen=True)
class LimiteDuCadre:
    """Something Streamlit, Leaflet or Vega draws that the app cannot make accessible.

    ``ou`` is a CSS selector of the element, in the page or in the map's frame: the axe test
    must see it in at least one view, else the entry is stale. ``regle_axe``, when set, is the
    axe-core rule whose serious or critical violations are admitted inside that element only.
    """

    composant: str
    ou: str
    ce_qui_manque: str
    contournement: str
    critere: str
    regle_axe: str | None = None


LIMITES_DU_CADRE: tuple[LimiteDuCadre, ...] = (
    LimiteDuCadre(
        composant="Streamlit (tableaux)",
        ou='[data-testid="stDataFrame"] canvas',
        ce_qui_manque=(
            "Les tableaux sont dessinés par Streamlit sur une image (canvas). La grille qui les double "
            "pour les lecteurs d'écran ne contient que les lignes affichées à l'écran : le reste se lit "
            "en faisant défiler le tableau avec les flèches du clavier."
        ),
        contournement=(
            "La plupart des tableaux se téléchargent à côté, en CSV et en .xlsx, lisibles en entier "
            "hors de la page."
        ),
        critere="5.6",
    ),
    LimiteDuCadre(
        composant="Vega-Lite (graphiques)",
        ou='[data-testid="stVegaLiteChart"] svg.marks',
        ce_qui_manque=(
            "Les barres des graphiques ne s'atteignent pas au clavier : le filtre qu'ouvre un clic sur "
            "une barre ne se choisit qu'à la souris ou au toucher. Un lecteur d'écran lit le nom du "
            "graphique (la phrase qui le résume) et chaque barre, sans s'y déplacer comme dans un tableau."
        ),
        contournement=(
            "Chaque filtre qu'ouvre un clic se choisit aussi dans une liste sous le graphique ; sous chaque "
            "graphique, une phrase dit ce qu'il montre et « Valeurs du graphique (tableau) » en donne toutes "
            "les valeurs."
        ),
        critere="7.3",
    ),
    LimiteDuCadre(
        composant="Leaflet (cartes)",
        ou=".leaflet-interactive",
        ce_qui_manque=(
            "Les contours et marqueurs des cartes ne s'atteignent pas au clavier (une commune par arrêt "
            "rendait la page inutilisable) et leurs bulles ne s'ouvrent qu'à la souris ou au toucher."
        ),
        contournement=(
            "Ce que montrent les couches est dit sous la carte, avec un lien vers le tableau ou la liste qui "
            "reprend chaque contour ; "
            "« Est-ce en QPV ? » accepte aussi une adresse ou des coordonnées tapées."
        ),
        critere="7.3",
    ),
)


def contenus_non_soumis() -> list[str]:
    """Contents outside the accessibility obligation, in plain French (RGAA, « Champ d'application » :
    third-party contents, and online maps provided their essential information is given accessibly)."""
    return [
        "Les fonds de carte (Plan IGN, OpenStreetMap) : contenus de tiers, ni financés ni développés "
        "par le projet, affichés quand le navigateur accède à internet.",
        "Les cartes interactives elles-mêmes (les cartes et services de cartographie en ligne sont exemptés "
        "pourvu que leurs informations essentielles soient fournies sous une forme accessible) : ces "
        "informations sont reprises sous chaque carte, par un texte qui dit ce que montrent ses couches "
        "visibles avec un lien vers les tableaux qui les listent, et dans les chiffres des pages.",
    ]
