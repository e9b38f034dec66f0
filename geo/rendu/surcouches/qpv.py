"""Priority neighbourhoods (QPV) over a territory's map: 2024 perimeters, points or communes
by level, and the 2015 Occitanie perimeters as a layer of their own.

What each level shows is read from :mod:`geo.territoires.niveaux`; every text that
reaches a tooltip is escaped.
"""

from __future__ import annotations

import folium
import numpy as np
import pandas as pd
import shapely

from geo.donnees.qpv import GENERATION_ACTUELLE, LIBELLES_GENERATION, note_legende_nationale
from geo.outils.text import accorder, echapper, nombre_fr
from geo.rendu.carte_territoire import Resume, Surcouche
from geo.rendu.leaflet import MOTIFS, CoucheContours, collection_geojson
from geo.territoires.niveaux import dessin
from geo.territoires.referentiel import Referentiel, TerritoireId

# The section of the QPV page whose table lists them.
ANCRE_LISTE = "liste-des-quartiers"
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


def surcouche(ref: Referentiel, donnees_qpv, tid: TerritoireId | None, generation: str = "2024") -> Surcouche:
    """QPV over the territory: dots at national and regional scale, perimeters below.

    Where the 2024 perimeters are not available, the communes that hold 2024 QPV
    are outlined and say so. ``generation="2015"`` draws the old 2015 perimeters
    instead (Occitanie only in the open data at hand), as a layer of its own.
    """
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
        note = None
        if tid is None:  # the national total leaves out QPV of collectivities outside the referential
            note = note_legende_nationale(len(points), donnees_qpv.qpv_2024_non_comptes)
        legende.append((STYLES_QPV["point_qpv"], f"QPV 2024 ({note or len(points)})"))
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
    return Surcouche(_element, legende, resume=[_resume_qpv(ref, donnees_qpv, tid, actuels, perimetres)])


def _resume_qpv(ref: Referentiel, donnees_qpv, tid: TerritoireId | None, actuels, perimetres) -> Resume:
    """The QPV of the territory in words: how many, and which are not drawn by their own outline."""
    precisions = []
    if tid is None and donnees_qpv.qpv_2024_non_comptes:
        precisions.append(note_legende_nationale(len(actuels), donnees_qpv.qpv_2024_non_comptes))
    if dessin(tid).communes:
        sans_perimetre = len(set(actuels.code_qp) - set(perimetres.code_qp))
        if sans_perimetre:
            precisions.append(
                f"dont {nombre_fr(sans_perimetre)} sans périmètre disponible, montrés par leur commune"
            )
    else:
        precisions.append("un point par quartier")
    return Resume(
        len(actuels),
        "quartier prioritaire 2024",
        "quartiers prioritaires 2024",
        precision=" ; ".join(precisions),
        page="qpv",
        ancre=ANCRE_LISTE,
        lien="Liste des quartiers prioritaires",
    )


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
    resume = Resume(
        len(perimetres),
        "ancien QPV 2015",
        "anciens QPV 2015",
        precision="périmètres connus en Occitanie seulement",
        page="qpv",
        lien="Liste des anciens QPV 2015",
    )

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name=_LIBELLES_PERIMETRES[generation], overlay=True, control=True)
        for nom, donnees, classe in couches:
            plan = _plan_qpv(classe)
            CoucheContours(donnees, nom, STYLES_QPV, True, classe, controle=False, plan=plan).add_to(groupe)
        return groupe

    return Surcouche(_element, legende, resume=[resume])
