"""The overlays drawn over a territory's map: priority neighbourhoods, communes without shops,
the choropleth of an indicator. Each returns a :class:`geo.layers.Surcouche`.

What each level shows (dots and shares above the département, perimeters and communes
below) is read from :mod:`geo.niveaux`; every text that reaches a tooltip is escaped.
"""

from __future__ import annotations

import folium
import numpy as np
import pandas as pd
import shapely

from geo.layers import Surcouche, geometries_affichage
from geo.leaflet import MOTIFS, CoucheContours, collection_geojson
from geo.niveaux import dessin
from geo.territories import Referentiel, TerritoireId
from geo.text import accorder, echapper, nombre_fr

# Priority neighbourhoods (QPV) ------------------------------------------------------


STYLES_QPV = {
    # Okabe–Ito reddish purple for the current geography, orange for the old one.
    "qpv_2024": {"color": "#6b2d5c", "weight": 1.5, "fillColor": "#CC79A7", "fillOpacity": 0.55},
    "qpv_2015": {
        "color": "#8a5a00",
        "weight": 1.5,
        "fillColor": "#E69F00",
        "fillOpacity": 0.3,
        "dashArray": "5 4",
    },
    # Hatched, not only coloured: readable by colour-blind people and in grey print.
    "commune_qpv": {
        "color": "#6b2d5c",
        "weight": 2,
        "fillColor": "url(#hachures-qpv)",
        "fillOpacity": 1,
        "dashArray": "2 5",
        "motif": MOTIFS["hachures-qpv"],
    },
    "point_qpv": {"color": "#6b2d5c", "weight": 1, "fillColor": "#CC79A7", "fillOpacity": 0.9, "radius": 5},
}


def _population_qpv(population, millesime) -> str:
    if population is None or pd.isna(population):
        return "Population : inconnue"
    return f"Population : {nombre_fr(population)} hab. ({echapper(millesime)})"


def _popup_qpv(
    ref: Referentiel, code: str, nom: str, generation: str, communes: list[str], population, millesime
) -> str:
    from geo.qpv import LIBELLES_GENERATION

    noms_communes = ", ".join(
        echapper(ref.communes.loc[c, "nom"]) for c in communes if c in ref.communes.index
    )
    return "<br>".join(
        [
            f"<b>{echapper(nom)}</b>",
            f"Code : {echapper(code)}",
            f"{'Communes' if ',' in noms_communes else 'Commune'} : {noms_communes or 'inconnue'}",
            _population_qpv(population, millesime),
            f"Génération : {echapper(LIBELLES_GENERATION[generation])}",
        ]
    )


def surcouche_qpv(
    ref: Referentiel, donnees_qpv, tid: TerritoireId | None, generation: str = "2024"
) -> Surcouche:
    """QPV over the territory: dots at national and regional scale, perimeters below.

    Where the 2024 perimeters are not available, the communes that hold 2024 QPV
    are outlined and say so. ``generation="2015"`` draws the old 2015 perimeters
    instead (Occitanie only in the open data at hand), as a layer of its own.
    """
    from geo.qpv import GENERATION_ACTUELLE

    if generation != GENERATION_ACTUELLE:
        return _surcouche_qpv_anciens(ref, donnees_qpv, tid, generation)
    actuels = donnees_qpv.qpv_du_territoire(ref, tid, GENERATION_ACTUELLE)
    perimetres = donnees_qpv.perimetres_du_territoire(ref, tid)
    perimetres = perimetres[perimetres.generation == GENERATION_ACTUELLE]
    couches: list[tuple[str, str, str]] = []  # (nom, geojson, classe)
    legende: list[tuple[dict, str]] = []
    par_code = perimetres.set_index("code_qp") if len(perimetres) else None

    if not dessin(tid).communes:  # QPV as dots: their perimeters would be invisible specks
        points, proprietes = [], []
        for qpv in actuels.itertuples():
            if par_code is not None and qpv.code_qp in par_code.index:
                point = par_code.loc[qpv.code_qp].geometry.representative_point()
                position = "périmètre"
            else:
                premiere = next((c for c in qpv.communes if c in ref.communes.index), None)
                geometrie = ref.communes.loc[premiere].geometry if premiere else None
                if geometrie is None:
                    continue
                point = geometrie.representative_point()
                position = "centre de sa commune (périmètre non disponible)"
            points.append(shapely.Point(round(point.x, 5), round(point.y, 5)))
            proprietes.append(
                {
                    "_s": "point_qpv",
                    "_t": f"<b>{echapper(qpv.nom)}</b><br>{echapper(qpv.code_qp)} · position : {position}",
                }
            )
        couches.append(("Quartiers prioritaires 2024", collection_geojson(points, proprietes), "qpv-point"))
        legende.append((STYLES_QPV["point_qpv"], f"QPV 2024 ({len(points)})"))
    else:
        if len(perimetres):
            couches.append(_perimetres_qpv(ref, perimetres, "2024", "qpv_2024", "qpv-2024", legende))
        sans_perimetre = donnees_qpv.communes_sans_perimetre(ref, tid)
        if len(sans_perimetre):
            affichage = ref.affichage("communes", "fin")
            proprietes, geometries = [], []
            for ligne in sans_perimetre.itertuples():
                liste = "<br>".join(
                    f"• {echapper(nom)} ({echapper(code)})"
                    for code, nom in zip(ligne.codes, ligne.noms, strict=True)
                )
                nom_commune = echapper(ref.communes.loc[ligne.commune, "nom"])
                proprietes.append(
                    {
                        "_s": "commune_qpv",
                        "_t": f"<b>{nom_commune}</b> : {len(ligne.codes)} QPV 2024 "
                        "(périmètres non disponibles)",
                        "_p": f"<b>{nom_commune}</b> comprend "
                        f"{accorder(len(ligne.codes), 'quartier prioritaire', 'quartiers prioritaires')} "
                        f"2024 :<br>{liste}<br><i>Commune entière montrée : les périmètres 2024 ne sont "
                        "pas disponibles ici.</i>",
                    }
                )
                geometries.append(affichage.geometry.get(ligne.commune))
            couches.append(
                (
                    "Communes comprenant des QPV 2024",
                    collection_geojson(geometries, proprietes),
                    "qpv-commune",
                )
            )
            legende.append(
                (STYLES_QPV["commune_qpv"], f"Commune comprenant des QPV 2024 ({len(geometries)})")
            )

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name="Quartiers prioritaires (QPV)", overlay=True, control=True)
        for nom, donnees, classe in couches:
            plan = _plan_qpv(classe)
            CoucheContours(donnees, nom, STYLES_QPV, True, classe, controle=False, plan=plan).add_to(groupe)
        return groupe

    if not legende:
        legende.append((STYLES_QPV["point_qpv"], "Aucun QPV dans ce territoire"))
    return Surcouche(_element, legende)


def _plan_qpv(classe: str) -> str:
    # Communes hatched for lack of perimeters are surfaces like any commune layer.
    return "ess-surfaces" if classe == "qpv-commune" else "ess-perimetres"


_LIBELLES_PERIMETRES = {
    "2024": "Quartiers prioritaires 2024",
    "2015": "Anciens QPV 2015 (Occitanie seulement)",
}


def _perimetres_qpv(ref, choisis, generation: str, style: str, classe: str, legende: list) -> tuple:
    proprietes = [
        {
            "_s": style,
            "_t": f"<b>{echapper(p.nom)}</b><br>{echapper(p.code_qp)}",
            "_p": _popup_qpv(
                ref, p.code_qp, p.nom, generation, p.communes.split(","), p.population, p.millesime_population
            ),
        }
        for p in choisis.itertuples()
    ]
    geometries = shapely.transform(choisis.geometry.to_numpy(), lambda xy: np.round(xy, 5))
    libelle = _LIBELLES_PERIMETRES[generation]
    legende.append((STYLES_QPV[style], f"{libelle} ({len(choisis)})"))
    return (libelle, collection_geojson(geometries, proprietes), classe)


def _surcouche_qpv_anciens(
    ref: Referentiel, donnees_qpv, tid: TerritoireId | None, generation: str
) -> Surcouche:
    perimetres = donnees_qpv.perimetres_du_territoire(ref, tid)
    perimetres = perimetres[perimetres.generation == generation]
    legende: list[tuple[dict, str]] = []
    couches = []
    if len(perimetres):
        couches.append(_perimetres_qpv(ref, perimetres, generation, "qpv_2015", "qpv-2015", legende))
    else:
        legende.append((STYLES_QPV["qpv_2015"], "Aucun ancien QPV 2015 connu ici (Occitanie seulement)"))

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name=_LIBELLES_PERIMETRES[generation], overlay=True, control=True)
        for nom, donnees, classe in couches:
            plan = _plan_qpv(classe)
            CoucheContours(donnees, nom, STYLES_QPV, True, classe, controle=False, plan=plan).add_to(groupe)
        return groupe

    return Surcouche(_element, legende)


# Communes without shops ----------------------------------------------------------

STYLES_COMMERCES = {
    # Hatched in the other direction from QPV communes, so both read where they overlap.
    "sans_commerce": {
        "color": "#7a4f00",
        "weight": 1.5,
        "fillColor": "url(#hachures-commerces)",
        "fillOpacity": 1,
        "motif": MOTIFS["hachures-commerces"],
    },
    # Share of communes without shops, per EPCI or département (ColorBrewer Oranges).
    "part_0": {"color": "#7a4f00", "weight": 0.8, "fillColor": "#feedde", "fillOpacity": 0.75},
    "part_1": {"color": "#7a4f00", "weight": 0.8, "fillColor": "#fdbe85", "fillOpacity": 0.75},
    "part_2": {"color": "#7a4f00", "weight": 0.8, "fillColor": "#fd8d3c", "fillOpacity": 0.75},
    "part_3": {"color": "#7a4f00", "weight": 0.8, "fillColor": "#d94701", "fillOpacity": 0.75},
}
CLASSES_PART = (
    (10, "part_0", "moins de 10 %"),
    (25, "part_1", "10 à 25 %"),
    (50, "part_2", "25 à 50 %"),
    (float("inf"), "part_3", "50 % ou plus"),
)


def _classe_part(part: float) -> str:
    return next(style for seuil, style, _ in CLASSES_PART if part < seuil)


def _distance_texte(distance_km, plus_proche_nom) -> str:
    if distance_km is None or pd.isna(distance_km):
        return "Commune la plus proche qui en a : inconnue"
    return (
        f"Commune la plus proche qui en a : {echapper(plus_proche_nom)}<br>"
        f"à {nombre_fr(distance_km, 1)} km (à vol d'oiseau, de centre à centre)"
    )


def surcouche_commerces(
    ref: Referentiel, donnees, tid: TerritoireId | None, texte_definition: str | None
) -> Surcouche:
    """Communes without shops: hatched communes below the region, shares per EPCI or département above."""
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

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name="Communes sans commerce", overlay=True, control=True)
        for nom, donnees_geojson, classe in couches:
            CoucheContours(donnees_geojson, nom, STYLES_COMMERCES, True, classe, controle=False).add_to(
                groupe
            )
        return groupe

    # Above the EPCI, every unit is coloured by its share: the base map's swatch would mislead.
    return Surcouche(_element, legende, couvre_le_fond=not trace.communes)


# Choropleth of an indicator -------------------------------------------------------------

STYLE_INCONNU = {
    "color": "#6b6b6b",
    "weight": 0.6,
    "fillColor": "#d9d9d9",
    "fillOpacity": 0.6,
    "dashArray": "3 3",
}


def palette_sequentielle(k: int) -> list[str]:
    """``k`` colours from light to dark, readable by colour-blind people (ColorBrewer YlGnBu)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    carte_couleurs = colormaps["YlGnBu"]
    return [to_hex(carte_couleurs(0.15 + 0.8 * i / max(1, k - 1))) for i in range(k)]


def _borne(valeur: float) -> str:
    return nombre_fr(valeur, 0 if abs(valeur) >= 100 else 1 if abs(valeur) >= 10 else 2)


def libelles_classes(bornes: list[float], minimum: float) -> list[str]:
    """``"0,5 à 2,1"`` labels of the classes, from the upper bounds and the smallest value."""
    libelles, bas = [], minimum
    for haut in bornes:
        libelles.append(_borne(haut) if _borne(bas) == _borne(haut) else f"{_borne(bas)} à {_borne(haut)}")
        bas = haut
    return libelles


def surcouche_choroplethe(
    ref: Referentiel,
    valeurs: pd.DataFrame,
    classes: pd.Series,
    bornes: list[float],
    table: str,
    echelle: str,
    titre: str,
    source: str,
) -> Surcouche:
    """Units (``communes`` or ``epci``) coloured by class; unknown values grey and dashed, said so."""
    palette = palette_sequentielle(len(bornes))
    styles = {
        f"classe_{i}": {"color": "#ffffff", "weight": 0.6, "fillColor": c, "fillOpacity": 0.8}
        for i, c in enumerate(palette)
    }
    styles["inconnu"] = STYLE_INCONNU
    affichage = geometries_affichage(ref, table, echelle, list(valeurs.code))
    proprietes, geometries = [], []
    for ligne, classe in zip(valeurs.itertuples(), classes, strict=True):
        if ligne.code not in affichage.index:
            continue
        connue = not pd.isna(classe)
        valeur = nombre_fr(ligne.valeur, 2) if connue else "inconnue"
        proprietes.append(
            {
                "_s": f"classe_{int(classe)}" if connue else "inconnu",
                "_t": f"<b>{echapper(ligne.nom)}</b><br>{echapper(titre)} : {valeur}",
            }
        )
        geometries.append(affichage.loc[ligne.code])
    minimum = float(valeurs.valeur.min()) if valeurs.valeur.notna().any() else 0.0
    legende = [({"color": "#ffffff", "weight": 0, "fill": False}, f"{titre} ({source})")]
    legende += [
        (styles[f"classe_{i}"], libelle) for i, libelle in enumerate(libelles_classes(bornes, minimum))
    ]
    if any(p["_s"] == "inconnu" for p in proprietes):
        legende.append((STYLE_INCONNU, "Donnée inconnue"))
    donnees = collection_geojson(geometries, proprietes)

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name=titre, overlay=True, control=True)
        CoucheContours(donnees, titre, styles, True, "indicateur", controle=False).add_to(groupe)
        return groupe

    return Surcouche(_element, legende, couvre_le_fond=True)
