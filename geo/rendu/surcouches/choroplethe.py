"""The choropleth of an indicator per commune or EPCI, with its classes and the
unknown values drawn apart. Every text that reaches a tooltip is escaped.
"""

from __future__ import annotations

import folium
import pandas as pd

from geo.outils.text import echapper, nombre_fr
from geo.rendu.carte_territoire import Resume, Surcouche, geometries_affichage
from geo.rendu.leaflet import CoucheContours, collection_geojson
from geo.territoires.referentiel import Referentiel

# Neighbouring classes cannot all differ 3:1 from one another: the line between two units does,
# from both (WCAG 1.4.11), and each unit's value is in its tooltip and the tables.
SEPARATEUR = "#1b1b1b"
STYLE_INCONNU = {
    "color": SEPARATEUR,
    "weight": 0.8,
    "fillColor": "#d9d9d9",
    "fillOpacity": 0.6,
    "dashArray": "3 3",
}


UNITES_COLORIEES = {
    "communes": ("commune coloriée", "communes coloriées"),
    "epci": ("EPCI colorié", "EPCI coloriés"),
    "departements": ("département colorié", "départements coloriés"),
}


def palette_sequentielle(k: int) -> list[str]:
    """``k`` colours from light to dark, readable by colour-blind people (ColorBrewer YlGnBu)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    carte_couleurs = colormaps["YlGnBu"]
    # Not its darkest blues: the dark separator between units must stand out 3:1 from every class.
    return [to_hex(carte_couleurs(0.1 + 0.65 * i / max(1, k - 1))) for i in range(k)]


def _borne(valeur: float) -> str:
    return nombre_fr(valeur, 0 if abs(valeur) >= 100 else 1 if abs(valeur) >= 10 else 2)


def libelles_classes(bornes: list[float], minimum: float) -> list[str]:
    """``"0,5 à 2,1"`` labels of the classes, from the upper bounds and the smallest value."""
    libelles, bas = [], minimum
    for haut in bornes:
        libelles.append(_borne(haut) if _borne(bas) == _borne(haut) else f"{_borne(bas)} à {_borne(haut)}")
        bas = haut
    return libelles


def surcouche(
    ref: Referentiel,
    valeurs: pd.DataFrame,
    classes: pd.Series,
    bornes: list[float],
    table: str,
    echelle: str,
    titre: str,
    source: str,
    page: str = "opportunites",
    lien: str = "Tableaux des opportunités",
) -> Surcouche:
    """Units (``communes``, ``epci`` or ``departements``) coloured by class; unknown values grey and
    dashed, said so. ``page``/``lien``: the table listing the values, linked from the text under the map.
    """
    palette = palette_sequentielle(len(bornes))
    styles = {
        f"classe_{i}": {"color": SEPARATEUR, "weight": 0.8, "fillColor": c, "fillOpacity": 0.8}
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

    inconnues = sum(p["_s"] == "inconnu" for p in proprietes)
    singulier, pluriel = UNITES_COLORIEES[table]
    resume = Resume(
        len(proprietes),
        f"{singulier} selon « {titre} »",
        f"{pluriel} selon « {titre} »",
        precision=(f"dont {nombre_fr(inconnues)} de valeur inconnue ; " if inconnues else "")
        + f"{len(bornes)} classes ; {source}",
        page=page,
        lien=lien if page else "",
    )
    return Surcouche(_element, legende, couvre_le_fond=True, resume=[resume])
