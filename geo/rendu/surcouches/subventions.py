"""Map overlay of the published subsidies received: one proportional circle per beneficiary commune.

Only subsidies placed by their beneficiary (its SIRET or SIREN in the register of
ESS structures, or a commune that is itself the beneficiary, or its SIRET in a
structure an accepted contribution adds, which the popup and the legend say) have a
place on the map; those counted at the grantor's territory do not, and the legend
says how many. Beneficiaries are drawn at the centre of their commune, never at an
address the files do not give.
"""

from __future__ import annotations

import math

import pandas as pd
import shapely

from geo.donnees.subventions import PAR_CONTRIBUTION, PAR_IDENTIFIANT, DonneesSubventions, decrire_source
from geo.outils.codes import parmi
from geo.outils.text import accorder, echapper, nombre_fr
from geo.rendu.carte_territoire import Resume, Surcouche
from geo.rendu.leaflet import CoucheContours, collection_geojson
from geo.territoires.referentiel import Referentiel, TerritoireId

# The section of the Emplois page whose table lists them.
ANCRE_TABLEAU = "subventions-publiees"
STYLE = {"color": "#8a3a00", "weight": 1.5, "fillColor": "#D55E00", "fillOpacity": 0.55}
RAYON_MIN, RAYON_MAX = 5.0, 28.0
# Placed on the beneficiary's commune: by official data, or by an accepted contribution.
SUR_UNE_COMMUNE = (*PAR_IDENTIFIANT, PAR_CONTRIBUTION)


def par_commune(donnees: DonneesSubventions, tid: TerritoireId | None) -> pd.DataFrame:
    """``commune, conventions, montant_eur, beneficiaires, noms, sources, par_contribution,
    montant_par_contribution`` per beneficiary commune (the last two: the conventions placed there
    by an accepted contribution, not by official data)."""
    recues = donnees.recues(tid)
    placees = recues[parmi(recues.placement.astype("string"), SUR_UNE_COMMUNE) & recues.commune.notna()]
    if placees.empty:
        return pd.DataFrame(
            columns=[
                "commune",
                "conventions",
                "montant_eur",
                "beneficiaires",
                "noms",
                "sources",
                "par_contribution",
                "montant_par_contribution",
            ]
        )
    lignes = []
    for commune, groupe in placees.groupby(placees.commune.astype(str)):
        montants = groupe.groupby(
            groupe.beneficiaire_nom.astype("string").fillna("nom non publié")
        ).montant_eur
        premiers = montants.sum().sort_values(ascending=False)
        par_contribution = groupe.placement.astype("string") == PAR_CONTRIBUTION
        lignes.append(
            {
                "commune": commune,
                "conventions": len(groupe),
                "montant_eur": round(float(groupe.montant_eur.sum()), 2),
                "beneficiaires": len(premiers),
                "noms": list(premiers.index[:5]),
                "sources": sorted({decrire_source(s)["producteur"] for s in groupe.source.astype(str)}),
                "par_contribution": int(par_contribution.sum()),
                "montant_par_contribution": round(float(groupe.montant_eur[par_contribution].sum()), 2),
            }
        )
    return pd.DataFrame(lignes)


def surcouche(ref: Referentiel, donnees: DonneesSubventions, tid: TerritoireId | None) -> Surcouche:
    table = par_commune(donnees, tid)
    table = table[parmi(table.commune, ref.communes.index)] if len(table) else table
    maximum = float(table.montant_eur.max()) if len(table) else 0.0
    points, proprietes, styles = [], [], {}
    for rang, ligne in enumerate(table.itertuples()):
        commune = ref.communes.loc[ligne.commune]
        if commune.geometry is None:
            continue
        point = commune.geometry.representative_point()
        points.append(shapely.Point(round(point.x, 5), round(point.y, 5)))
        rayon = (
            RAYON_MIN + (RAYON_MAX - RAYON_MIN) * math.sqrt(ligne.montant_eur / maximum)
            if maximum
            else RAYON_MIN
        )
        styles[f"s{rang}"] = {**STYLE, "radius": round(rayon, 1)}
        noms = "<br>".join(f"• {echapper(n)}" for n in ligne.noms)
        reste = ligne.beneficiaires - len(ligne.noms)
        proprietes.append(
            {
                "_s": f"s{rang}",
                "_t": f"<b>{echapper(commune['nom'])}</b> · {nombre_fr(ligne.montant_eur)} €",
                "_p": f"<b>{echapper(commune['nom'])}</b><br>"
                f"{accorder(ligne.conventions, 'convention')}, {nombre_fr(ligne.montant_eur)} € "
                f"pour {accorder(ligne.beneficiaires, 'bénéficiaire')} :<br>{noms}"
                + (f"<br>… et {accorder(reste, 'autre')}" if reste > 0 else "")
                + (
                    f"<br>dont {accorder(ligne.par_contribution, 'convention')} "
                    f"({nombre_fr(ligne.montant_par_contribution)} €) "
                    f"{accorder(ligne.par_contribution, 'placée', avec_nombre=False)} grâce à une "
                    "contribution vérifiée (pas une donnée officielle)"
                    if ligne.par_contribution
                    else ""
                )
                + "<br>(point au centre de la commune)"
                + f"<br><i>Source : {echapper(', '.join(ligne.sources))}, format SCDL</i>",
            }
        )
    collection = collection_geojson(points, proprietes)
    non_places = donnees.recues(tid)
    non_places = non_places[~parmi(non_places.placement.astype("string"), SUR_UNE_COMMUNE)]
    avec_contribution = int((table.par_contribution > 0).sum()) if len(table) else 0

    def _element():
        return CoucheContours(collection, "Subventions publiées reçues", styles, True, "subventions")

    legende = [
        (
            {**STYLE, "radius": 8},
            f"Bénéficiaires de subventions publiées, à leur commune ({accorder(len(points), 'commune')} ; "
            f"cercle proportionnel au montant)",
        )
    ]
    if avec_contribution:
        legende.append(
            (
                {**STYLE, "fillOpacity": 0.0, "radius": 0},
                f"dont {accorder(avec_contribution, 'commune')} où des subventions sont placées grâce à une "
                "contribution vérifiée (pas une donnée officielle : voir la bulle)",
            )
        )
    if len(non_places):
        legende.append(
            (
                {**STYLE, "fillOpacity": 0.0, "radius": 0},
                f"{accorder(len(non_places), 'subvention')} sans commune du bénéficiaire, "
                f"{'non dessinée' if len(non_places) < 2 else 'non dessinées'}",
            )
        )
    resume = Resume(
        len(points),
        "commune de bénéficiaires de subventions publiées",
        "communes de bénéficiaires de subventions publiées",
        precision=(
            f"{accorder(len(non_places), 'subvention')} sans commune du bénéficiaire, non "
            f"{'dessinée' if len(non_places) < 2 else 'dessinées'}"
        )
        if len(non_places)
        else "",
        page="emplois",
        ancre=ANCRE_TABLEAU,
        lien="Tableau des subventions publiées",
    )
    return Surcouche(_element, legende, resume=[resume])


def couches_export(ref: Referentiel, donnees: DonneesSubventions, tid: TerritoireId | None) -> dict:
    """Subsidies placed on a commune, one row per commune, as a layer to download."""
    import geopandas as gpd

    table = par_commune(donnees, tid)
    table = table[parmi(table.commune, ref.communes.index)] if len(table) else table
    if table.empty:
        return {}
    geometries = [ref.communes.loc[c].geometry.representative_point() for c in table.commune]
    sortie = table.assign(
        nom=[ref.communes.loc[c, "nom"] for c in table.commune],
        noms=table.noms.map(" ; ".join),
        sources=table.sources.map(" ; ".join),
    )
    return {"subventions_par_commune": gpd.GeoDataFrame(sortie, geometry=geometries, crs="EPSG:4326")}
