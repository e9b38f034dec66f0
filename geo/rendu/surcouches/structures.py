"""ESS structures on the map: clustered markers coloured by family, or counts per area.

- At the scale of a département, an EPCI or a commune, each structure is a
  marker coloured by family, grouped in clusters (Leaflet.markercluster, served
  by the app) with a popup: name, family, sub-type, activity, estimated jobs,
  place precision, sources.
- For the whole country (per EPCI) and a région (per commune), and whenever a
  territory holds more than :data:`MARQUEURS_MAX` structures, the map shows one
  proportional circle per area with its count: the browser never receives more
  than :data:`MARQUEURS_MAX` markers.

Every text is HTML-escaped here, then written into the page as JSON that cannot
close its ``<script>`` element (:func:`geo.rendu.leaflet.json_pour_script`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from urllib.parse import quote

import folium
import numpy as np
import pandas as pd
import shapely
from jinja2 import Template

from geo.donnees.structures import LIBELLE_CONTRIBUTION, SOURCE_CONTRIBUTION
from geo.outils import nomenclature
from geo.outils.text import accorder, echapper, nombre_fr
from geo.rendu.carte_territoire import Resume, Surcouche
from geo.rendu.leaflet import CoucheContours, collection_geojson, json_pour_script
from geo.sources import ess_commun
from geo.sources import source as source_declaree
from geo.territoires.niveaux import dessin
from geo.territoires.referentiel import Referentiel, TerritoireId

MARQUEURS_MAX = 50_000
# Proportional circles: one style per size class (radius grows with the square root of the count).
_CLASSES = 9
# Markers are outlined dark: most family colours (yellow, sky blue…) are too light to stand out
# 3:1 from the territory's surface by themselves.
CONTOUR_MARQUEUR = "#1b1b1b"
STYLES_COMPTES = {
    f"compte_{k}": {
        "color": CONTOUR_MARQUEUR,
        "weight": 1,
        "fillColor": "#0072B2",
        "fillOpacity": 0.6,
        "radius": round(3 + 1.5 * math.sqrt(2**k), 1),
    }
    for k in range(_CLASSES)
}


def style_famille(famille: str) -> dict:
    return {
        "color": CONTOUR_MARQUEUR,
        "weight": 1,
        "fillColor": nomenclature.COULEURS_FAMILLES[famille],
        "fillOpacity": 0.95,
        "radius": 6,
    }


class MarqueursStructures(folium.map.Layer):
    """Circle markers in a MarkerClusterGroup, built in the browser from compact arrays.

    ``tables`` holds the distinct, already escaped values of the repeated
    columns; each point refers to them by index, which keeps tens of thousands
    of markers light.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var t = {{ this.tables }};
            var points = {{ this.points }};
            var style = {{ this.style }};
            var groupe = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 45,
                                                showCoverageOnHover: false});
            var marqueurs = [];
            for (var i = 0; i < points.length; i++) {
                var p = points[i];
                var famille = t.familles[p[3]];
                var m = L.circleMarker([p[0], p[1]], Object.assign({}, style, {fillColor: famille[1],
                    className: "structure-ess", pane: "ess-points"}));
                m.bindPopup(
                    "<b>" + p[2] + "</b><br>" + famille[0]
                    + (p[4] >= 0 ? " · " + t.sous_types[p[4]] : "")
                    + "<br>Activité : " + (p[5] >= 0 ? t.activites[p[5]] : "inconnue")
                    + "<br>Emplois : " + t.emplois[p[6]]
                    + (p[9] ? "<br>SIRET : " + p[9] : "")
                    + "<br>Position : " + t.precisions[p[7]]
                    + "<br><small>" + t.sources[p[8]] + "</small>"
                    + (t.signaler ? '<br><a href="' + t.signaler + p[10]
                        + '" target="_blank" rel="noopener">Signaler une erreur (nouvel onglet)</a>'
                        : ""),
                    {maxWidth: 360});
                marqueurs.push(m);
            }
            groupe.addLayers(marqueurs);
            return groupe;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, tables: dict, points: list[list], nom: str = "Structures de l'ESS") -> None:
        super().__init__(name=nom, overlay=True, control=True, show=True)
        self._name = "MarqueursStructures"
        self.tables = json_pour_script(tables)
        self.points = json_pour_script(points)
        # The same outline, weight and opacity as the legend's swatches (style_famille).
        self.style = json_pour_script(
            {
                cle: valeur
                for cle, valeur in style_famille(nomenclature.ASSOCIATION).items()
                if cle != "fillColor"
            }
        )


def _texte_emplois(tranche, emplois) -> str:
    libelle = nomenclature.libelle_tranche(tranche)
    if libelle is None or emplois is None or pd.isna(emplois):
        return "inconnus (effectif non renseigné)"
    return f"≈ {nombre_fr(emplois, 1 if emplois % 1 else 0)} (estimation, tranche « {libelle} »)"


def _texte_sources(sources: str) -> str:
    """« Source : X (2024) » or « Sources : X (2024) ; Y (2023) », for the marker's popup."""
    morceaux = []
    for source_id in sources.split(", "):
        if source_id == SOURCE_CONTRIBUTION:
            morceaux.append(LIBELLE_CONTRIBUTION)
            continue
        try:
            src = source_declaree(source_id)
            morceaux.append(f"{src.producteur} ({src.millesime})")
        except KeyError:
            morceaux.append(source_id)
    morceaux = [m for m in dict.fromkeys(morceaux) if m]
    if not morceaux:
        return "Source inconnue"
    return f"{accorder(len(morceaux), 'Source', avec_nombre=False)} : {' ; '.join(morceaux)}"


def _indices(valeurs: pd.Series, transformer=echapper) -> tuple[list[str], np.ndarray]:
    """Distinct escaped values and each row's index into them (-1 when missing)."""
    codes, uniques = pd.factorize(valeurs.astype(object), use_na_sentinel=True)
    return [transformer(u) for u in uniques], codes


def donnees_marqueurs(tableau: pd.DataFrame, signalement: str = "") -> tuple[dict, list[list]]:
    """The compact, escaped arrays :class:`MarqueursStructures` draws.

    ``signalement``: the address of the report form, up to its structure key (« …&signaler= »);
    each popup then links to it with its structure's key, URL-encoded. Empty: no link. In a new
    tab, said in the link: Streamlit's component frames may not navigate the page that holds them.
    """
    places = tableau[tableau.lon.notna() & tableau.lat.notna()]
    familles = list(nomenclature.FAMILLES)
    indice_famille = places.famille.map({f: i for i, f in enumerate(familles)}).fillna(
        familles.index(nomenclature.ENTREPRISE_ESS)
    )
    sous_types, i_sous = _indices(places.sous_type)
    activites, i_act = _indices(places.activite)
    cles_emplois = places.tranche_effectif.fillna("?")
    emplois_uniques = pd.unique(cles_emplois)
    texte_par_cle = {
        c: echapper(_texte_emplois(None if c == "?" else c, nomenclature.emplois_estimes(c)))
        for c in emplois_uniques
    }
    i_emplois = pd.Series(cles_emplois).map({c: i for i, c in enumerate(emplois_uniques)}).to_numpy()
    precisions = [ess_commun.PRECISION_ADRESSE, ess_commun.PRECISION_CENTROIDE]
    i_prec = places.precision.map({p: i for i, p in enumerate(precisions)}).fillna(1).astype(int).to_numpy()
    sources, i_src = _indices(places.sources.fillna(""), lambda s: echapper(_texte_sources(s)))
    tables = {
        "familles": [
            [echapper(nomenclature.LIBELLES_FAMILLES[f]), nomenclature.COULEURS_FAMILLES[f]] for f in familles
        ],
        "sous_types": sous_types,
        "activites": activites,
        "emplois": [texte_par_cle[c] for c in emplois_uniques],
        "precisions": ["adresse (géocodée)", "centre de la commune (adresse non géocodée)"],
        "sources": sources,
        "signaler": echapper(signalement),
    }
    cles = places.cle.fillna("").map(lambda cle: echapper(quote(str(cle), safe=""))).to_numpy()
    noms = places.nom.fillna("(sans nom)").map(echapper).to_numpy()
    sirets = places.siret.fillna("").to_numpy()
    lats = np.round(places.lat.to_numpy(dtype=float), 5)
    lons = np.round(places.lon.to_numpy(dtype=float), 5)
    points = [
        [float(la), float(lo), nom, int(f), int(s), int(a), int(e), int(p), int(so), str(si), cle]
        for la, lo, nom, f, s, a, e, p, so, si, cle in zip(
            lats,
            lons,
            noms,
            indice_famille.to_numpy(dtype=int),
            i_sous,
            i_act,
            i_emplois,
            i_prec,
            i_src,
            sirets,
            cles,
            strict=True,
        )
    ]
    return tables, points


@dataclass
class ComptesParZone:
    niveau: str  # commune, epci
    comptes: pd.DataFrame  # code, nom, total, per-family columns


def comptes_par_zone(ref: Referentiel, tableau: pd.DataFrame, niveau: str) -> ComptesParZone:
    """Number of structures per commune or per EPCI, with the family breakdown."""
    places = tableau[tableau.commune.notna()]
    if niveau == "epci":
        zones = places.commune.map(ref.communes.epci)
        noms = ref.epci.nom
    else:
        zones = places.commune
        noms = ref.communes.nom
    tableau_zones = pd.DataFrame({"zone": zones.to_numpy(), "famille": places.famille.to_numpy()}).dropna()
    croise = pd.crosstab(tableau_zones.zone, tableau_zones.famille)
    croise = croise.reindex(columns=list(nomenclature.FAMILLES), fill_value=0)
    croise["total"] = croise.sum(axis=1)
    croise = croise.sort_values("total", ascending=False)
    croise.insert(0, "nom", noms.reindex(croise.index).to_numpy())
    croise.index.name = "code"
    return ComptesParZone(niveau, croise.reset_index())


def texte_situees(situees: int, total: int) -> str:
    """« 5 680 situées sur la carte, sur 9 063 en tout » — the two counts side by side, explained.

    The headline figure counts every structure of the territory; the map can only draw those
    with a place (address or commune). Structures known by their SIREN alone have none.
    """
    if situees == total:
        return f"{nombre_fr(total)} en tout, toutes situées sur la carte"
    return (
        f"{nombre_fr(situees)} situées sur la carte, sur {nombre_fr(total)} en tout "
        f"({nombre_fr(total - situees)} sans adresse ni commune connue, comptées dans le total)"
    )


def _surcouche_comptes(
    ref: Referentiel, zones: ComptesParZone, raison: str, total_tableau: int | None = None
) -> Surcouche:
    table = ref.epci if zones.niveau == "epci" else ref.communes
    geometries = table.geometry.reindex(zones.comptes.code)
    points, proprietes = [], []
    familles = [f for f in nomenclature.FAMILLES if f in zones.comptes.columns]
    libelle_zone = "EPCI" if zones.niveau == "epci" else "commune"
    for ligne, geometrie in zip(zones.comptes.to_dict("records"), geometries, strict=True):
        if geometrie is None or geometrie.is_empty:
            continue
        point = geometrie.representative_point()
        total = int(ligne["total"])
        classe = min(_CLASSES - 1, int(math.log2(total))) if total else 0
        detail = "<br>".join(
            f"{echapper(nomenclature.LIBELLES_FAMILLES[f])} : {nombre_fr(int(ligne[f]))}"
            for f in familles
            if ligne[f]
        )
        nom_zone = echapper(ligne["nom"])
        proprietes.append(
            {
                "_s": f"compte_{classe}",
                "_t": f"<b>{nom_zone}</b> ({libelle_zone}) : {accorder(total, 'structure')}",
                "_p": f"<b>{nom_zone}</b><br>{accorder(total, 'structure')} de l'ESS<br>{detail}",
            }
        )
        points.append(shapely.Point(round(point.x, 5), round(point.y, 5)))
    donnees = collection_geojson(points, proprietes)
    nom = f"Structures de l'ESS par {libelle_zone}"

    def _element() -> folium.FeatureGroup:
        groupe = folium.FeatureGroup(name=nom, overlay=True, control=True)
        couche = CoucheContours(donnees, nom, STYLES_COMPTES, True, "structures-comptes", controle=False)
        couche.add_to(groupe)
        return groupe

    total = int(zones.comptes.total.sum())
    legende = [
        (
            STYLES_COMPTES["compte_3"],
            f"Structures de l'ESS par {libelle_zone} (cercle proportionnel) : "
            f"{texte_situees(total, total if total_tableau is None else total_tableau)} — {raison}",
        ),
    ]
    return Surcouche(_element, legende)


def surcouche(
    ref: Referentiel, tableau: pd.DataFrame, tid: TerritoireId | None, note: str = "", signalement: str = ""
) -> Surcouche:
    """The structures overlay for a territory (``tableau`` already filtered; ``note`` says how;
    ``signalement``: see :func:`donnees_marqueurs`)."""
    dessinee = _surcouche_structures(ref, tableau, tid, signalement)
    dessinee.resume = [_resume_structures(tableau, dessin(tid).comptes_structures)]
    if note:
        style, libelle = dessinee.legende[-1]
        dessinee.legende[-1] = (style, f"{libelle} — {note}")
        resume = dessinee.resume[0]
        precision = f"{resume.precision} ; {note}" if resume.precision else note
        dessinee.resume = [replace(resume, precision=precision)]
    return dessinee


def _resume_structures(tableau: pd.DataFrame, zone: str | None) -> Resume:
    """Every structure of the selection counted; those the map cannot place said so."""
    situees = int((tableau.lon.notna() & tableau.lat.notna()).sum())
    precisions = []
    if situees < len(tableau):
        precisions.append(
            f"dont {nombre_fr(len(tableau) - situees)} sans adresse ni commune connue, absentes de la carte"
        )
    if zone is not None:
        precisions.append(f"comptées par {'EPCI' if zone == 'epci' else 'commune'}")
    return Resume(
        len(tableau),
        "structure de l'ESS",
        "structures de l'ESS",
        precision=" ; ".join(precisions),
        page="structures",
        lien="Liste des structures",
    )


def _surcouche_structures(
    ref: Referentiel, tableau: pd.DataFrame, tid: TerritoireId | None, signalement: str = ""
) -> Surcouche:
    zone = dessin(tid).comptes_structures
    places = tableau[tableau.lon.notna()]
    if zone is not None:
        raison = {"epci": "un cercle par EPCI", "commune": "un cercle par commune"}[zone]
        return _surcouche_comptes(ref, comptes_par_zone(ref, places, zone), raison, len(tableau))
    if len(places) > MARQUEURS_MAX:
        raison = f"plus de {nombre_fr(MARQUEURS_MAX)} structures : un cercle par commune"
        return _surcouche_comptes(ref, comptes_par_zone(ref, places, "commune"), raison, len(tableau))
    tables, points = donnees_marqueurs(places, signalement)
    comptes = places.famille.value_counts()
    legende = [
        (style_famille(f), f"{nomenclature.LIBELLES_FAMILLES[f]} ({nombre_fr(int(comptes[f]))})")
        for f in nomenclature.FAMILLES
        if comptes.get(f, 0)
    ]
    if not legende:
        legende = [(style_famille(nomenclature.ENTREPRISE_ESS), "Aucune structure de l'ESS ici")]
    return Surcouche(lambda: MarqueursStructures(tables, points), legende, liens=("markercluster",))
