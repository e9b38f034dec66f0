"""Quartiers prioritaires : les QPV du territoire, et « Est-ce en QPV ? »."""

from __future__ import annotations

import folium
import streamlit as st

from geo.donnees import qpv
from geo.outils import geocodage
from geo.outils.text import nombre_fr, texte_brut
from geo.rendu import exports, leaflet
from geo.rendu.surcouches.qpv import ANCRE_LISTE
from ui import carte as carte_ui
from ui import donnees, etat, page, sections, tableaux, telechargement

contexte = page.contexte()
ref, tid, territoire = contexte.ref, contexte.tid, contexte.territoire
donnees_qpv = donnees.donnees_qpv()

st.title("Quartiers prioritaires")
st.caption(f"{territoire.nom} · {territoire.libelle_niveau}")

if not donnees_qpv.disponible:
    st.warning(
        "Les données des quartiers prioritaires ne sont pas disponibles sur ce serveur. "
        "La page Sources indique les fichiers à fournir (dossier miroir ou téléchargement).",
        icon=":material/cloud_off:",
    )
    st.stop()

bloc = donnees_qpv.bloc(ref, tid)
sections.chiffres_qpv(bloc)
if not bloc["perimetres_disponibles"]:
    st.info(
        "Les périmètres officiels 2024 ne sont pas disponibles sur ce serveur : la carte montre les "
        "communes qui comprennent des QPV 2024 (liste ANCT), pas les quartiers eux-mêmes.",
        icon=":material/info:",
    )


def _liste(resume: dict):
    tableau = qpv.tableau_liste(resume, ref.communes.nom)
    tableaux.afficher(
        tableau,
        column_config={
            "code_qp": st.column_config.TextColumn("Code"),
            "nom": st.column_config.TextColumn("Quartier"),
            "noms_communes": st.column_config.TextColumn("Communes"),
            "population": st.column_config.NumberColumn("Population"),
        },
        raison_inconnu="population du quartier absente de la source.",
    )
    return tableau


if bloc["nombre"]:
    st.header("Liste des quartiers prioritaires 2024", anchor=ANCRE_LISTE)
    tableau = _liste(bloc)
    telechargement.csv(
        "Télécharger la liste (CSV)",
        tableau,
        f"qpv_2024_{territoire.code or 'france'}.csv",
        "telecharger-qpv",
        sources=exports.sources_du_fichier(*donnees_qpv.sources_utilisees()),
    )
if "generation_2015" in bloc:
    ancien = bloc["generation_2015"]
    with st.expander(f"Ancienne géographie prioritaire 2015 (Occitanie seulement) : {ancien['nombre']} QPV"):
        st.markdown(
            f"Population en QPV 2015 : **{nombre_fr(ancien['population'])}** "
            f"({ancien['millesime_population'] or 'millésime inconnu'})"
            + (
                f", soit {nombre_fr(ancien['part_population_pct'], 1)} % de la population."
                if ancien["part_population_pct"] is not None
                else "."
            )
        )
        _liste(ancien)

st.header("Est-ce en QPV ?")
st.markdown(
    "Cliquez sur la carte, saisissez des coordonnées ou cherchez une adresse : la réponse dit dans "
    "quel quartier prioritaire se trouve le point, ou le plus proche et sa distance."
)


def _lire_point() -> tuple[float, float] | None:
    texte = etat.parametre("point", "")
    if not texte:
        return None
    try:
        return geocodage.lire_coordonnees(texte)
    except ValueError as erreur:
        # Said at each run while the point stays in the address: taken out, the message would go
        # with the rerun the map asks for a second later.
        etat.avertir(f"Lien : {erreur} Aucun point vérifié.")
        return None


def _placer_point(lon: float, lat: float) -> None:
    etat.definir_parametre("point", f"{lat:.5f},{lon:.5f}")


colonne_carte, colonne_reponse = st.columns([3, 2])
point = _lire_point()
# The forms run before the map is drawn, so that the map shows (and centres on) their point.
with colonne_reponse:
    with st.form("coordonnees_qpv", border=False):
        saisie = st.text_input(
            "Coordonnées (latitude, longitude)", placeholder="43.5723, 1.4009", key="qpv_coordonnees"
        )
        if st.form_submit_button("Vérifier ces coordonnées"):
            try:
                point = geocodage.lire_coordonnees(saisie)
                _placer_point(*point)
            except ValueError as erreur:
                st.error(texte_brut(erreur))
    with st.form("adresse_qpv", border=False):
        adresse = st.text_input("Adresse", placeholder="12 rue de la République, Denain", key="qpv_adresse")
        cherche = st.form_submit_button("Chercher l'adresse")
    if cherche:
        try:
            trouvees = geocodage.chercher_adresse(adresse)
        except (ValueError, geocodage.GeocodageIndisponible) as erreur:
            st.info(texte_brut(erreur), icon=":material/wifi_off:")
        else:
            if not trouvees:
                st.info("Aucune adresse trouvée : précisez la commune ou le code postal.")
            else:
                meilleure = trouvees[0]
                point = (meilleure.lon, meilleure.lat)
                _placer_point(*point)
                st.caption(texte_brut(f"Adresse retenue : {meilleure.libelle} (score {meilleure.score:.2f})"))

with colonne_carte:
    # The map opens on the session's first point (a shared link); later points move it through
    # st_folium's center/zoom below, so it is never redrawn for a new point.
    point_ouverture = st.session_state.setdefault(f"_qpv_ouverture_{tid}", point)
    marqueur = folium.FeatureGroup(name="Point vérifié", control=False)
    if point is not None:
        pastille = folium.CircleMarker(
            location=[point[1], point[0]],
            radius=8,
            color="#000000",
            weight=3,
            fill=True,
            fill_color="#F0E442",
            fill_opacity=1,
            tooltip="Point vérifié",
        )
        pastille.options["pane"] = "ess-points"  # above the perimeters (folium drops a pane argument)
        pastille.add_to(marqueur)
    # Only clicks rerun the page; the marker is added without redrawing the map.
    clic = carte_ui.afficher(
        tid,
        [donnees.surcouche_qpv(tid)],
        cle="carte-qpv",
        hauteur=520,
        point=(point_ouverture[1], point_ouverture[0]) if point_ouverture is not None else None,
        autres=[marqueur],
        # A click on a neighbourhood opens its popup, which stops the map's own click
        # event: clicks on objects come back separately, with a counter.
        retours=["last_clicked", "last_object_clicked", "last_object_clicked_count"],
        # The answer's point is brought into view, close enough to see its neighbourhood;
        # the component moves the map without redrawing it.
        centre=(point[1], point[0]) if point is not None else None,
        zoom=leaflet.ZOOM_POINT_VERIFIE if point is not None else None,
        page_courante="qpv",
    )
    clic = clic or {}
    signature = (clic.get("last_clicked"), clic.get("last_object_clicked_count"))
    ancienne = st.session_state.get("_dernier_clic_qpv", (None, None))
    nouveau = None
    if signature[1] and signature[1] != ancienne[1]:
        nouveau = clic.get("last_object_clicked")
    elif signature[0] and signature[0] != ancienne[0]:
        nouveau = clic.get("last_clicked")
    st.session_state["_dernier_clic_qpv"] = signature
    if nouveau:
        _placer_point(nouveau["lng"], nouveau["lat"])
        # Redraw with the new point: the marker above was placed before the click was read.
        st.rerun()

with colonne_reponse:
    if point is not None:
        reponse = donnees_qpv.localiser(ref, *point)
        st.markdown(f"**Point vérifié** : {point[1]:.5f}, {point[0]:.5f}")
        if any(q["generation"] == "2024" for q in reponse.dedans):
            st.success(reponse.message, icon=":material/check_circle:")
        else:
            st.info(reponse.message, icon=":material/info:")
        st.caption("Lien de cette réponse : copiez l'adresse de la page.")

st.caption(
    "Sources : ANCT (liste et périmètres des QPV, géographie prioritaire 2024 ; périmètres 2015 "
    "d'Occitanie), INSEE (populations). Licence Ouverte 2.0. Adresses : Base Adresse Nationale "
    "(Géoplateforme), en ligne seulement. Détails : page Sources."
)
