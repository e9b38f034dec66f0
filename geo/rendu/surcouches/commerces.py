"""Communes without shops over a territory's map: hatched communes from the département
down, shares of shop-less communes per département or EPCI for France and a région.

What each level shows is read from :mod:`geo.territoires.niveaux`; every text that
reaches a tooltip is escaped.
"""

from __future__ import annotations

import folium
import pandas as pd

from geo.outils.text import accorder, echapper, nombre_fr
from geo.rendu.carte_territoire import Resume, Surcouche, geometries_affichage
from geo.rendu.leaflet import MOTIFS, CoucheContours, collection_geojson
from geo.territoires.niveaux import dessin
from geo.territoires.referentiel import Referentiel, TerritoireId

SEPARATEUR_PARTS = "#3d2600"
STYLES_COMMERCES = {
    # Hatched in the other direction from QPV communes, so both read where they overlap.
    "sans_commerce": {
        "color": "#7a4f00",
        "weight": 1.5,
        "fillColor": "url(#hachures-commerces)",
        "fillOpacity": 1,
        "motif": MOTIFS["hachures-commerces"],
    },
    # Share of communes without shops, per EPCI or département (ColorBrewer Oranges), each unit
    # outlined dark enough to stand out 3:1 from every class (see surcouches.choroplethe).
    "part_0": {"color": SEPARATEUR_PARTS, "weight": 0.8, "fillColor": "#feedde", "fillOpacity": 0.75},
    "part_1": {"color": SEPARATEUR_PARTS, "weight": 0.8, "fillColor": "#fdbe85", "fillOpacity": 0.75},
    "part_2": {"color": SEPARATEUR_PARTS, "weight": 0.8, "fillColor": "#fd8d3c", "fillOpacity": 0.75},
    "part_3": {"color": SEPARATEUR_PARTS, "weight": 0.8, "fillColor": "#d94701", "fillOpacity": 0.75},
}
# The section of the Commerces page whose table lists them.
ANCRE_LISTE = "communes-sans-commerce"
CLASSES_PART = (
    (10, "part_0", "moins de 10 %"),
    (25, "part_1", "10 à 25 %"),
    (50, "part_2", "25 à 50 %"),
    (float("inf"), "part_3", "50 % ou plus"),
)


def _classe_part(part: float) -> str:
    return next(style for seuil, style, _ in CLASSES_PART if part < seuil)


def _sans(choisie) -> str:
    """« sans commerce alimentaire » from the definition's « Aucun commerce alimentaire »."""
    libelle = choisie.libelle
    return "sans " + libelle.split(" ", 1)[1] if libelle.startswith("Aucun ") else libelle.lower()


def _distance_texte(distance_km, plus_proche_nom) -> str:
    if distance_km is None or pd.isna(distance_km):
        return "Commune la plus proche qui en a : inconnue"
    return (
        f"Commune la plus proche qui en a : {echapper(plus_proche_nom)}<br>"
        f"à {nombre_fr(distance_km, 1)} km (à vol d'oiseau, de centre à centre)"
    )


def surcouche(ref: Referentiel, donnees, tid: TerritoireId | None, texte_definition: str | None) -> Surcouche:
    """Communes without shops: hatched communes below the région, shares per EPCI or département above."""
    choisie = donnees.definition(texte_definition)
    source = f"BPE {donnees.millesime}"
    couches: list[tuple[str, str, str]] = []
    legende: list[tuple[dict, str]] = []
    trace = dessin(tid)
    if not trace.communes:
        table, echelle = trace.parts_commerces, trace.echelle
        libelle_niveau = {"departements": "département", "epci": "EPCI"}[table]
        if table == "departements":
            codes = list(ref.departements.code)
            noms = ref.departements.set_index("code").nom
        else:
            epci = ref.epci[ref.epci.regs.str.split(",").map(lambda regs: tid.code in regs)]
            codes, noms = list(epci.code), epci.set_index("code").nom
        parts = donnees.part_par_sous_territoire(table, codes, choisie)
        affichage = ref.affichage(table, echelle)
        proprietes, geometries = [], []
        for ligne in parts.itertuples():
            if ligne.code not in affichage.index:
                continue
            texte = (
                f"<b>{echapper(noms.get(ligne.code, ligne.code))}</b><br>"
                f"{accorder(ligne.nb_sans, 'commune')} sur "
                f"{nombre_fr(ligne.nb_communes)} sans commerce ({nombre_fr(ligne.part_pct, 1)} %)<br>"
                f"{nombre_fr(ligne.population_concernee)} habitants concernés · {echapper(source)}"
            )
            proprietes.append({"_s": _classe_part(ligne.part_pct), "_t": texte})
            geometries.append(affichage.geometry.loc[ligne.code])
        couches.append(
            (
                f"{choisie.libelle} : part des communes par {libelle_niveau}",
                collection_geojson(geometries, proprietes),
                "commerces-part",
            )
        )
        legende.append(
            (
                {"color": "#ffffff", "weight": 0, "fill": False},
                f"{choisie.libelle} — part des communes par {libelle_niveau} ({source})",
            )
        )
        legende.extend((STYLES_COMMERCES[style], texte) for _, style, texte in CLASSES_PART)
        nombre_unites = len(geometries)
        resume = Resume(
            int(parts.nb_sans.sum()),
            f"commune {_sans(choisie)}",
            f"communes {_sans(choisie)}",
            precision=f"{source} ; leur part coloriée par {libelle_niveau}, "
            f"{accorder(nombre_unites, libelle_niveau)}",
            page="commerces",
            ancre=ANCRE_LISTE,
            lien="Liste des communes sans commerce",
        )
    else:
        sans = donnees.communes_sans_commerce(tid, choisie)
        # Same level of detail as the base map's communes.
        affichage = geometries_affichage(ref, "communes", trace.echelle, list(ref.communes_de(tid).code))
        proprietes, geometries = [], []
        for ligne in sans.itertuples():
            if ligne.code not in affichage.index:
                continue
            population = (
                "Population : inconnue"
                if pd.isna(ligne.population)
                else f"Population : {nombre_fr(ligne.population)} hab. ({ref.millesime_population})"
            )
            texte = (
                f"<b>{echapper(ligne.nom)}</b> ({echapper(ligne.code)}) : {echapper(choisie.libelle.lower())}"
                f"<br>{population}<br>{_distance_texte(ligne.distance_km, ligne.plus_proche_nom)}"
                f"<br><i>{echapper(source)}</i>"
            )
            proprietes.append({"_s": "sans_commerce", "_t": texte, "_p": texte})
            geometries.append(affichage.loc[ligne.code])
        couches.append(
            (
                f"Communes : {choisie.libelle.lower()}",
                collection_geojson(geometries, proprietes),
                "commerces-commune",
            )
        )
        legende.append(
            (
                STYLES_COMMERCES["sans_commerce"],
                f"{choisie.libelle} ({accorder(len(geometries), 'commune')}, {source})",
            )
        )
        non_dessinees = len(sans) - len(geometries)
        resume = Resume(
            len(sans),
            f"commune {_sans(choisie)}",
            f"communes {_sans(choisie)}",
            noms=tuple(sans.nom),
            precision=source
            + (
                f" ; dont {nombre_fr(non_dessinees)} sans contour sur la carte, comptées et nommées ici"
                if non_dessinees
                else ""
            ),
            page="commerces",
            ancre=ANCRE_LISTE,
            lien="Liste des communes sans commerce",
        )

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name="Communes sans commerce", overlay=True, control=True)
        for nom, donnees_geojson, classe in couches:
            CoucheContours(donnees_geojson, nom, STYLES_COMMERCES, True, classe, controle=False).add_to(
                groupe
            )
        return groupe

    # Above the EPCI, every unit is coloured by its share: the base map's swatch would mislead.
    return Surcouche(_element, legende, couvre_le_fond=not trace.communes, resume=[resume])
