"""Structures de l'ESS : carte, liste filtrable et téléchargements."""

from __future__ import annotations

import streamlit as st

from geo.donnees import structures
from geo.outils.text import accorder, nombre_fr, texte_brut
from geo.rendu import exports
from ui import carte as carte_ui
from ui import contributions as contributions_ui
from ui import donnees, etat, filtres_structures, page, sections_structures, tableaux, telechargement

# Beyond this the list shows the first rows (as every table on screen); downloads hold everything filtered.
LIGNES_AFFICHEES = tableaux.LIGNES_MAX

contexte = page.contexte()
ref, tid, territoire = contexte.ref, contexte.tid, contexte.territoire
donnees_structures = donnees.donnees_structures()

st.title("Structures de l'ESS")
st.caption(f"{territoire.nom} · {territoire.libelle_niveau}")

if not donnees_structures.disponible:
    st.warning(
        "Les structures de l'ESS ne sont pas disponibles sur ce serveur. La page Sources indique les "
        "fichiers à fournir (dossier miroir ou téléchargement).",
        icon=":material/cloud_off:",
    )
    st.stop()

# A link from a map popup (« Signaler une erreur ») or from the commune panel (« Proposer »).
cle_signalee = st.query_params.get("signaler")
depuis_la_liste = sections_structures.signalement_depuis_la_liste()
if cle_signalee and not depuis_la_liste:
    contributions_ui.formulaire_signalement(
        sections_structures.structure_du_registre(donnees_structures.registre, cle_signalee), cle_signalee
    )
contributions_ui.formulaire_proposition(ref, tid, ouvert=st.query_params.get("proposer") == "1")

filtres = filtres_structures.choisir()
recherche = st.text_input(
    "Rechercher une structure", key="recherche_structure", placeholder="nom ou début du SIRET"
)
tableau = donnees.structures_filtrees(tid, filtres, recherche)
bloc = structures.resume(tableau, donnees_structures.manifeste)
sections_structures.chiffres(bloc, tableau_familles=False)

colonne_carte, colonne_liste = st.columns([3, 2])
with colonne_carte:
    carte_ui.afficher(
        tid,
        [donnees.surcouche_structures(tid, filtres, recherche)],
        cle="carte-structures",
        hauteur=600,
        bibliotheques=carte_ui.STRUCTURES,
        page_courante="structures",
    )
with colonne_liste:
    liste = tableau.assign(
        nom_commune=tableau.commune.map(ref.communes.nom),
        famille_libelle=tableau.famille.map(lambda f: structures.nomenclature.LIBELLES_FAMILLES.get(f, f)),
    )
    st.markdown(f"**{accorder(len(liste), 'structure')}**")
    if len(liste) > LIGNES_AFFICHEES:
        st.caption(
            f"Les {nombre_fr(LIGNES_AFFICHEES)} premières sont listées ; affinez avec les filtres ou la "
            "recherche. Les téléchargements contiennent toute la sélection."
        )
    tableaux.afficher(
        liste.head(LIGNES_AFFICHEES)[
            ["nom", "famille_libelle", "sous_type", "activite", "nom_commune", "emplois_estimes", "siret"]
        ],
        height=540,
        raison_inconnu="non renseigné dans les sources (emplois : tranche d'effectif inconnue).",
        column_config={
            "nom": st.column_config.TextColumn("Nom"),
            "famille_libelle": st.column_config.TextColumn("Famille"),
            "sous_type": st.column_config.TextColumn("Type"),
            "activite": st.column_config.TextColumn("Activité"),
            "nom_commune": st.column_config.TextColumn("Commune"),
            "emplois_estimes": st.column_config.NumberColumn(
                "Emplois (estimation)", format="localized", help=structures.nomenclature.REGLE_EMPLOIS
            ),
            "siret": st.column_config.TextColumn("SIRET"),
        },
    )
    sections_structures.signaler_depuis_la_liste(liste.head(LIGNES_AFFICHEES))
    # Chosen in the list: the form opens where the eye and the focus are.
    if cle_signalee and depuis_la_liste:
        contributions_ui.formulaire_signalement(
            sections_structures.structure_du_registre(donnees_structures.registre, cle_signalee), cle_signalee
        )

nom_fichier = f"structures_ess_{territoire.code or 'france'}"
export = structures.tableau_export(tableau, ref.communes.nom)
boutons = st.columns(2)
telechargement.csv(
    "Télécharger la sélection (CSV)",
    export,
    f"{nom_fichier}.csv",
    "telecharger-structures-csv",
    boutons[0],
    help="Séparateur point-virgule, virgule décimale, UTF-8 avec BOM (tableurs français).",
    sources=exports.sources_du_fichier(*(s["id"] for s in bloc["sources"])),
)
telechargement.fichier(
    "Télécharger la sélection (GeoJSON)",
    export,
    structures.geojson_de,
    "geojson-structures",
    f"{nom_fichier}.geojson",
    "application/geo+json",
    "telecharger-structures-geojson",
    boutons[1],
    icon=":material/download:",
    help="Structures situées (adresse ou centre de la commune), en longitude/latitude WGS84.",
)
with st.expander("Contributions vérifiées : données ouvertes", icon=":material/public:"):
    contributions_ui.telechargements_ouverts("telecharger-contributions")
if tid is not None and tid.niveau in structures.NIVEAUX_DU_JOUR:
    with st.expander("Données du jour : API Recherche d'entreprises", icon=":material/cloud_sync:"):
        st.caption(
            "Interroge l'API publique Recherche d'entreprises (DINUM, données SIRENE) avec le filtre ESS "
            "pour ce territoire : entreprises de l'ESS actives aujourd'hui et leurs établissements. Au plus "
            "1 000 résultats ; les réponses sont gardées une semaine."
        )
        # A callback, not the button's value: the answer stays on screen through later reruns.
        st.button(
            "Interroger l'API pour ce territoire",
            key="api_recherche_entreprises",
            on_click=st.session_state.__setitem__,
            args=("api_territoire", str(tid)),
        )
        if st.session_state.get("api_territoire") == str(tid):
            from geo.sources import SourceIndisponible

            try:
                with st.spinner("Interrogation de l'API…"):
                    du_jour = structures.structures_du_jour(donnees_structures, tid)
            except SourceIndisponible as erreur:
                st.info(texte_brut(erreur), icon=":material/wifi_off:")
            else:
                st.markdown(
                    f"**{accorder(len(du_jour.trouvees), 'établissement')}** de l'ESS trouvés, dont "
                    f"**{nombre_fr(du_jour.absentes_du_registre)}** absents du registre ci-dessus."
                )
                for remarque in du_jour.remarques:
                    st.caption(texte_brut(remarque))
                tableaux.afficher(
                    du_jour.trouvees[["nom", "siret", "sous_type", "naf", "tranche_effectif", "nom_commune"]],
                    column_config={
                        "nom": "Nom",
                        "siret": "SIRET",
                        "sous_type": "Type",
                        "naf": "Activité (NAF)",
                        "tranche_effectif": "Tranche d'effectif",
                        "nom_commune": "Commune",
                    },
                )

st.caption(structures.nomenclature.REGLE_EMPLOIS)
sections_structures.sources(bloc)
st.page_link(
    "pages/carte.py",
    label="Voir sur la carte principale (couche « Structures de l'ESS »)",
    icon=":material/map:",
    query_params={
        **etat.parametres(),
        "couches": ",".join(sorted({*etat.noms_des_surcouches(), "structures"})),
    },
)
