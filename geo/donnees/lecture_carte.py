"""Reading a territory from the Carte page: the layers it opens on, the layers worth offering in a
territory, and the key figures of a commune clicked on the map.

The map itself ships no per-commune figures (a France map would weigh megabytes): the page finds
the commune under the click (:meth:`geo.territoires.referentiel.Referentiel.commune_au_point`) and
asks :func:`chiffres_commune` for its figures, drawn beside the map as plain text.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from geo.outils.text import accorder, nombre_fr

# The mission's layers, on when the address names none: priority neighbourhoods, communes without
# shops and the ESS structures (sorted, as the address writes them).
COUCHES_MISSION: tuple[str, ...] = ("commerces", "qpv", "structures")


def couches_de_l_adresse(texte: str | None) -> list[str]:
    """The layers named by ``?couches=``: the mission's when absent, none when explicitly empty."""
    if texte is None:
        return list(COUCHES_MISSION)
    return [nom for nom in texte.split(",") if nom]


def texte_des_couches(noms: Iterable[str]) -> str | None:
    """What ``?couches=`` holds for these layers; None (left out of the address) for the mission's.

    An empty choice is written as an empty value, so that it stays empty when the link is opened.
    """
    choisies = sorted(set(noms))
    if tuple(choisies) == COUCHES_MISSION:
        return None
    return ",".join(choisies)


def couches_offertes(
    noms: Sequence[str],
    niveau: str | None,
    communes_du_territoire: Collection[str],
    communes_par_couche: Mapping[str, Collection[str]],
) -> list[str]:
    """The layers worth a switch in the territory (of level ``niveau``, None: France), in their order.

    A layer drawn for some levels only (:data:`NIVEAUX_DES_COUCHES`) is offered there only.
    ``communes_par_couche`` gives, for a layer whose data may be missing in whole regions (the 2015
    QPV exist for Occitanie only), the communes where it has rows; a layer without an entry is
    always offered (its absence is itself a figure: « aucun QPV »).
    """
    territoire = set(communes_du_territoire)
    return [
        nom
        for nom in noms
        if offerte_au_niveau(nom, niveau)
        and (nom not in communes_par_couche or not territoire.isdisjoint(communes_par_couche[nom]))
    ]


@dataclass(frozen=True)
class ChiffreCommune:
    libelle: str
    valeur: str  # « — » when unknown
    detail: str = ""  # the source, or why the value is unknown


@dataclass(frozen=True)
class FicheCommune:
    code: str
    nom: str
    chiffres: list[ChiffreCommune]

    @property
    def lien(self) -> str:
        """The commune's Territoire page."""
        return f"/territoire?territoire=commune:{self.code}"


INCONNU = "—"


def chiffres_commune(
    code: str,
    nom: str,
    population: float | None,
    millesime_population: str,
    qpv_communes: pd.DataFrame | None,
    communes_avec_commerce: Collection[str] | None,
    millesime_commerces: str | None,
    structures: pd.DataFrame | None,
    registre_partiel: bool = False,
) -> FicheCommune:
    """Key figures of one commune, each with its source or, when unknown, « — » and why.

    ``qpv_communes``: ``code_qp, commune, generation`` rows (None: QPV not available);
    ``communes_avec_commerce``: codes of the communes with at least one shop (None: BPE not
    available); ``structures``: the located ESS structures, ``commune, emplois_estimes`` (None:
    register not available). Funding is known per EPCI only (Ci.Ville contracts): never split
    between communes.
    """
    chiffres = []
    if population is None or pd.isna(population):
        chiffres.append(ChiffreCommune("Habitants", INCONNU, "population municipale non publiée"))
    else:
        chiffres.append(
            ChiffreCommune(
                "Habitants", nombre_fr(population), f"population municipale {millesime_population} (INSEE)"
            )
        )
    if qpv_communes is None:
        chiffres.append(
            ChiffreCommune("Quartiers prioritaires", INCONNU, "liste des QPV non disponible sur ce serveur")
        )
    else:
        lignes = qpv_communes[(qpv_communes.commune == code) & (qpv_communes.generation == "2024")]
        chiffres.append(
            ChiffreCommune(
                "Quartiers prioritaires",
                nombre_fr(lignes.code_qp.nunique()),
                "géographie prioritaire 2024 (ANCT)",
            )
        )
    if communes_avec_commerce is None:
        chiffres.append(
            ChiffreCommune("Commerces", INCONNU, "base permanente des équipements non disponible")
        )
    else:
        source = f"BPE {millesime_commerces} (INSEE)" if millesime_commerces else "BPE (INSEE)"
        avec = code in set(communes_avec_commerce)
        chiffres.append(
            ChiffreCommune("Commerces", "au moins un commerce" if avec else "aucun commerce", source)
        )
    if structures is None:
        raison = "registre des structures non disponible sur ce serveur"
        chiffres.append(ChiffreCommune("Structures de l'ESS", INCONNU, raison))
        chiffres.append(ChiffreCommune("Emplois estimés de l'ESS", INCONNU, raison))
    else:
        siennes = structures[structures.commune == code]
        source = "registre des structures (SIRENE, ASP, FINESS, ANCT)" + (
            ", registre partiel" if registre_partiel else ""
        )
        chiffres.append(ChiffreCommune("Structures de l'ESS", nombre_fr(len(siennes)), source))
        emplois = siennes.emplois_estimes.astype(float)
        sans_effectif = int(emplois.isna().sum())
        if len(siennes) and sans_effectif == len(siennes):
            chiffres.append(
                ChiffreCommune(
                    "Emplois estimés de l'ESS", INCONNU, "aucune de ses structures n'a d'effectif connu"
                )
            )
        else:
            detail = "d'après la tranche d'effectif SIRENE"
            if sans_effectif:
                detail += (
                    f" ; {accorder(sans_effectif, 'structure')} sans effectif connu, non "
                    f"{accorder(sans_effectif, 'comptée', avec_nombre=False)}"
                )
            chiffres.append(
                ChiffreCommune("Emplois estimés de l'ESS", nombre_fr(round(float(emplois.sum()))), detail)
            )
    chiffres.append(
        ChiffreCommune(
            "Financements reçus",
            INCONNU,
            "connus par EPCI seulement (contrats Ci.Ville) : voir la page Territoire de son EPCI",
        )
    )
    return FicheCommune(code, nom, chiffres)


# The ESS share of employment, a choropleth of the départements at France scale --------------

TITRE_PART_ESS = "Part de l'ESS dans l'emploi salarié privé"
# Layers drawn for some levels only (None: France entière): the share is published per département
# and région, so its map colours the départements of France.
NIVEAUX_DES_COUCHES: dict[str, tuple[str | None, ...]] = {"part_ess": (None,)}


def offerte_au_niveau(nom: str, niveau: str | None) -> bool:
    """Whether the layer ``nom`` is drawn for a territory of this level (None: France entière)."""
    return niveau in NIVEAUX_DES_COUCHES.get(nom, (niveau,))


def part_ess_par_departement(
    part_ess: pd.DataFrame, departements: pd.DataFrame
) -> tuple[pd.DataFrame, int | None]:
    """The latest published share per département (``code, nom, valeur``) and its year.

    Every département of ``departements`` (``code, nom``) has a row: NaN where none is published
    for that year (drawn grey, « Donnée inconnue », never a low share).
    """
    lignes = part_ess[part_ess.niveau == "departement"]
    annee = int(lignes.annee.max()) if len(lignes) else None
    if annee is not None:
        lignes = lignes[lignes.annee == annee]
    valeurs = lignes.drop_duplicates("code").set_index("code").part_pct.astype(float)
    return (
        pd.DataFrame(
            {
                "code": departements.code.to_numpy(),
                "nom": departements.nom.to_numpy(),
                "valeur": valeurs.reindex(departements.code).round(1).to_numpy(),
            }
        ),
        annee,
    )
