"""What the build left, per dataset: the data in place, its last refresh and its remarks, in words.

The Sources page opens on one row per dataset (vintage, where its figures come from and when,
the last refresh's result, how many remarks), and folds the build's remarks by dataset, each
group with its count; the build command prints one line per dataset and keeps the remarks
themselves in its log file. Both word the same facts, read from the manifests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass

from geo.build import actualisation, etapes
from geo.outils.text import accorder, date_fr
from geo.sources import source as source_declaree

# The territories' manifest has no step name nor title of its own.
ETAPE_TERRITOIRES = "territoires"
TITRE_TERRITOIRES = "Territoires (communes, EPCI, départements, régions)"


def nom_du_jeu(manifeste: dict) -> str:
    return manifeste.get("etape") or ETAPE_TERRITOIRES


def titre_du_jeu(manifeste: dict) -> str:
    return manifeste.get("titre") or TITRE_TERRITOIRES


def remarques_du_jeu(manifeste: dict) -> list[str]:
    """The remarks (anomalies) one build of a dataset recorded, as French sentences."""
    return [str(a) for a in manifeste.get("anomalies") or [] if str(a).strip()]


def nombre_de_remarques(nombre: int) -> str:
    """« 1 remarque », « 586 remarques »; « aucune remarque » for none."""
    return accorder(nombre, "remarque") if nombre else "aucune remarque"


@dataclass(frozen=True)
class Remarques:
    """One dataset's remarks, for a folded group of the Sources page."""

    etape: str
    titre: str
    textes: tuple[str, ...]

    @property
    def libelle(self) -> str:
        """« Quartiers prioritaires (QPV) — 3 remarques »."""
        return f"{self.titre} — {nombre_de_remarques(len(self.textes))}"


def remarques_par_jeu(manifestes: Iterable[dict]) -> list[Remarques]:
    """The remarks grouped by dataset, in the manifests' order; a dataset without any is left out."""
    groupes = []
    for manifeste in manifestes:
        textes = remarques_du_jeu(manifeste)
        if textes:
            groupes.append(Remarques(nom_du_jeu(manifeste), titre_du_jeu(manifeste), tuple(textes)))
    return groupes


def ligne_du_terminal(manifeste: dict) -> str:
    """The build command's one line for a dataset: ready or not, where from, how many remarks.

    « Quartiers prioritaires (QPV) : prêt (instantané du 02/12/2026) ; 3 remarques dans le
    journal. » The remarks themselves go to the log file (and to the terminal with ``--verbose``).
    """
    titre = titre_du_jeu(manifeste)
    nombre = len(remarques_du_jeu(manifeste))
    suite = f" ; {nombre_de_remarques(nombre)} dans le journal" if nombre else ""
    if not manifeste.get("etape"):
        comptes = manifeste.get("nombres", {})
        nombres = ", ".join(
            accorder(comptes.get(cle), singulier, pluriel)
            for cle, singulier, pluriel in (
                ("communes", "commune", "communes"),
                ("epci", "EPCI", "EPCI"),
                ("departements", "département", "départements"),
                ("regions", "région", "régions"),
            )
        )
        return f"Territoires prêts : {nombres}{suite}."
    if manifeste.get("disponible"):
        origine = (manifeste.get("instantane") or {}).get("libelle")
        return f"{titre} : prêt" + (f" ({origine})" if origine else "") + f"{suite}."
    raisons = " ".join(str(m) for m in (manifeste.get("indisponibles") or {}).values())
    return f"{titre} : indisponible{suite}." + (f" {raisons}" if raisons else "")


def _donnees(entree: dict) -> str:
    """Where and when this server got one source's figures: « instantané embarqué du 02/12/2026 »,
    « actualisé le 07/12/2026 depuis le site officiel », « dossier miroir local (copie du …) »."""
    origine = entree.get("origine")
    if origine == "instantane":
        return f"instantané embarqué du {date_fr(entree.get('date'))}"
    if origine in ("telechargement", "cache"):
        return f"actualisé le {date_fr(entree.get('date'))} depuis le site officiel"
    return etapes.libelle_chargement(entree)


def _resultat(jeu: dict | None, tentative: dict | None, administrateur: bool) -> str:
    if tentative is None:
        return "aucune tentative sur ce serveur"
    if jeu is None:
        return "non concerné par la dernière actualisation"
    resultat = jeu.get("resultat")
    if resultat == "refuse" and not administrateur:
        return "non actualisé : données en place gardées"
    return actualisation.RESULTATS.get(resultat, "inconnu")


def donnees_en_place(
    manifestes: Iterable[dict],
    etat: dict[str, dict],
    tentative: dict | None = None,
    administrateur: bool = False,
) -> list[dict]:
    """The Sources page's first table: one row per dataset, in the manifests' order.

    ``etat`` is :func:`etapes.etat_des_sources`, ``tentative`` the last refresh attempt
    (:func:`actualisation.derniere_tentative`). Each row gives the vintages in use, where and
    when this server got them, the last attempt's result for the dataset and the number of
    remarks. A refusal reads « refusé » to administrators only (the reason is theirs too); to
    others, « non actualisé : données en place gardées ».
    """
    resultats = {j.get("etape"): j for j in (tentative or {}).get("jeux", [])}
    lignes = []
    for manifeste in manifestes:
        nom = nom_du_jeu(manifeste)
        utilisees = [
            decrit
            for decrit in etat.values()
            if decrit.get("etape") == nom and decrit.get("etat") == "utilisee" and decrit.get("entree")
        ]
        millesimes, donnees = [], []
        for decrit in utilisees:
            with contextlib.suppress(KeyError):  # a source no longer declared
                millesimes.append(source_declaree(decrit["entree"]["source"]).millesime)
            donnees.append(_donnees(decrit["entree"]))
        disponible = manifeste.get("disponible", True)
        lignes.append(
            {
                "Jeu de données": titre_du_jeu(manifeste),
                "Millésime en place": " ; ".join(dict.fromkeys(millesimes)) or "—",
                "Données": " ; ".join(dict.fromkeys(donnees)) if disponible and donnees else "indisponible",
                "Dernière actualisation": _resultat(
                    resultats.get(manifeste.get("etape")), tentative, administrateur
                ),
                "Remarques": nombre_de_remarques(len(remarques_du_jeu(manifeste))),
            }
        )
    return lignes


def libelle_derniere_tentative(tentative: dict | None) -> str:
    """The last refresh in one sentence, for above the table."""
    if tentative is None:
        return (
            "Aucune actualisation depuis les sites officiels n'a encore été tentée sur ce serveur : les "
            "données en place sont décrites ci-dessous."
        )
    return f"Dernière actualisation : {actualisation.libelle_tentative(tentative)}."


__all__ = [
    "ETAPE_TERRITOIRES",
    "TITRE_TERRITOIRES",
    "Remarques",
    "donnees_en_place",
    "libelle_derniere_tentative",
    "ligne_du_terminal",
    "nom_du_jeu",
    "nombre_de_remarques",
    "remarques_du_jeu",
    "remarques_par_jeu",
    "titre_du_jeu",
]
