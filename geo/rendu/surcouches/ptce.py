"""Map overlay of the PTCE: their perimeters and their member structures placed by commune."""

from __future__ import annotations

import shapely

from geo.donnees.emplois import DonneesSaisies
from geo.outils.text import echapper, nombre_fr
from geo.rendu.carte_territoire import Resume, Surcouche
from geo.rendu.leaflet import CoucheContours, collection_geojson
from geo.territoires.referentiel import Referentiel, TerritoireId

STYLES_PTCE = {
    # Okabe–Ito bluish green, dashed outline: the perimeter is a cooperation area, not a boundary.
    "ptce": {
        "color": "#00674a",
        "weight": 2.5,
        "fillColor": "#009E73",
        "fillOpacity": 0.12,
        "dashArray": "8 5",
    },
    "structure": {
        "color": "#00674a",
        "weight": 1.5,
        "fillColor": "#F0E442",
        "fillOpacity": 0.95,
        "radius": 6,
    },
}
_ECHELLES = {"commune": "communes", "epci": "epci", "departement": "departements", "region": "regions"}


def _texte(valeur) -> str:
    return valeur if isinstance(valeur, str) else ""


def geometrie_perimetre(ref: Referentiel, perimetre: str | None):
    """Union of the display shapes of the perimeter's territories (None when none is known)."""
    morceaux = []
    for texte in (perimetre or "").split(","):
        texte = texte.strip()
        if not texte:
            continue
        try:
            tid = TerritoireId.depuis_texte(texte)
        except ValueError:
            continue
        couche = ref.affichage(_ECHELLES[tid.niveau], "moyen" if tid.niveau != "commune" else "fin")
        if tid.code in couche.index:
            morceaux.append(couche.loc[tid.code].geometry)
    morceaux = [m for m in morceaux if m is not None and not shapely.is_empty(m)]
    return shapely.union_all(morceaux) if morceaux else None


def surcouche(ref: Referentiel, saisies: DonneesSaisies, tid: TerritoireId | None) -> Surcouche:
    """PTCE overlapping the territory (dashed perimeters) and their structures with a commune."""
    ptce = saisies.ptce_du_territoire(ref, tid)
    emplois = saisies.emplois.groupby("ptce").nombre.sum()
    projets = saisies.projets.groupby("ptce").size()
    geometries, proprietes = [], []
    for ligne in ptce.itertuples():
        geometrie = geometrie_perimetre(ref, _texte(ligne.perimetre))
        if geometrie is None:
            continue
        geometries.append(shapely.transform(geometrie, lambda xy: xy.round(5)))
        membres = "<br>".join(
            f"• {echapper(m.strip())}" for m in _texte(ligne.membres).split(";") if m.strip()
        )
        proprietes.append(
            {
                "_s": "ptce",
                "_t": f"<b>{echapper(ligne.ptce)}</b> (PTCE)",
                "_p": f"<b>{echapper(ligne.ptce)}</b><br>"
                f"Projets saisis : {nombre_fr(int(projets.get(ligne.ptce, 0)))} · "
                f"emplois créés saisis : {nombre_fr(int(emplois.get(ligne.ptce, 0)))}"
                + (f"<br>Membres :<br>{membres}" if membres else "")
                + f"<br><i>Source : {echapper(ligne.source)}</i>",
            }
        )
    points, proprietes_points = [], []
    noms_ptce = dict(zip(saisies.ptce.ptce_id, saisies.ptce.ptce, strict=True))
    ids_visibles = set(ptce.ptce_id)
    for structure in saisies.structures.dropna(subset=["commune"]).itertuples():
        if structure.commune not in ref.communes.index:
            continue
        if tid is not None and not ref.masque_communes(tid).get(structure.commune, False):
            continue
        point = ref.communes.loc[structure.commune].geometry
        if point is None:
            continue
        point = point.representative_point()
        points.append(shapely.Point(round(point.x, 5), round(point.y, 5)))
        ptce_nom = noms_ptce.get(structure.ptce_id) if structure.ptce_id in ids_visibles else None
        proprietes_points.append(
            {
                "_s": "structure",
                "_t": f"<b>{echapper(structure.nom)}</b>" + (f" · {echapper(ptce_nom)}" if ptce_nom else ""),
                "_p": f"<b>{echapper(structure.nom)}</b>"
                + (f" ({echapper(structure.forme)})" if _texte(structure.forme) else "")
                + f"<br>Commune : {echapper(ref.communes.loc[structure.commune, 'nom'])} "
                "(point au centre de la commune)" + f"<br><i>Source : {echapper(structure.source)}</i>",
            }
        )
    perimetres = collection_geojson(geometries, proprietes)
    structures = collection_geojson(points, proprietes_points)

    def _element():
        import folium

        groupe = folium.FeatureGroup(name="PTCE et structures membres", overlay=True, control=True)
        CoucheContours(perimetres, "Périmètres des PTCE", STYLES_PTCE, True, "ptce", controle=False).add_to(
            groupe
        )
        if points:
            CoucheContours(
                structures, "Structures", STYLES_PTCE, True, "ptce-structure", controle=False
            ).add_to(groupe)
        return groupe

    legende = [(STYLES_PTCE["ptce"], f"Périmètre de PTCE ({len(geometries)})")]
    if points:
        legende.append((STYLES_PTCE["structure"], f"Structure membre ou créée ({len(points)})"))
    resume = [
        Resume(
            len(geometries), "périmètre de PTCE", "périmètres de PTCE", page="emplois", lien="Emplois et PTCE"
        ),
        Resume(
            len(points),
            "structure membre ou créée",
            "structures membres ou créées",
            precision="placées au centre de leur commune",
        ),
    ]
    return Surcouche(_element, legende, resume=resume)


def couches_export(ref: Referentiel, saisies: DonneesSaisies, tid: TerritoireId | None) -> dict:
    """The PTCE overlay's data for the territory, as a layer to download (CSV, GeoJSON, GeoPackage)."""
    import geopandas as gpd

    ptce = saisies.ptce_du_territoire(ref, tid)
    lignes = []
    for ligne in ptce.itertuples():
        geometrie = geometrie_perimetre(ref, _texte(ligne.perimetre))
        if geometrie is None:
            continue
        lignes.append(
            {
                "nom": ligne.ptce,
                "perimetre": ligne.perimetre,
                "membres": _texte(ligne.membres),
                "source": ligne.source,
                "geometry": geometrie,
            }
        )
    if not lignes:
        return {}
    return {"ptce_perimetres": gpd.GeoDataFrame(lignes, geometry="geometry", crs="EPSG:4326")}
