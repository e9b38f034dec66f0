"""Blocks of figures shown on several pages (one function each, not pasted per page)."""

from __future__ import annotations

import streamlit as st

from geo.text import nombre_fr


def chiffres_qpv(bloc: dict) -> None:
    """Three big figures for the QPV block of a territory (see geo.qpv.DonneesQPV.bloc)."""
    colonnes = st.columns(3)
    colonnes[0].metric("Quartiers prioritaires (2024)", nombre_fr(bloc["nombre"]))
    colonnes[1].metric(
        "Habitants en QPV",
        nombre_fr(bloc["population"]),
        help=f"Population : {bloc['millesime_population'] or 'non disponible pour les QPV 2024'}.",
    )
    part = bloc["part_population_pct"]
    colonnes[2].metric(
        "Part de la population",
        f"{nombre_fr(part, 1)} %" if part is not None else "inconnue",
        help=bloc.get("raison_part_inconnue"),
    )
    if bloc["population"] is None and bloc["nombre"]:
        st.caption(
            "Population des QPV 2024 inconnue ici : fichier de l'INSEE « population de référence "
            "QPV 2024 » non disponible (voir Sources). Elle n'est pas estimée."
        )


def chiffres_cles(contexte) -> None:
    """The territory's key figures in big type (presentation mode, brief)."""
    from geo import indicators
    from geo.sources.data_france import MILLESIME_POPULATION
    from ui import donnees

    territoire = contexte.territoire
    figures = [
        (
            "Habitants",
            nombre_fr(territoire.population),
            f"Population municipale {MILLESIME_POPULATION} (INSEE)",
        ),
        ("Communes", nombre_fr(territoire.nb_communes), None),
        ("Habitants au km²", nombre_fr(indicators.densite(territoire)), None),
    ]
    donnees_qpv = donnees.donnees_qpv()
    if donnees_qpv.disponible:
        bloc = donnees_qpv.bloc(contexte.ref, contexte.tid)
        figures.append(
            ("Quartiers prioritaires", nombre_fr(bloc["nombre"]), "Géographie prioritaire 2024 (ANCT)")
        )
    donnees_commerces = donnees.donnees_commerces()
    if donnees_commerces.disponible:
        bloc = donnees.bloc_commerces(contexte.tid, "tous")
        figures.append(
            (
                "Communes sans aucun commerce",
                f"{nombre_fr(bloc['nb_communes_sans_commerce'])} sur {nombre_fr(bloc['nb_communes'])}",
                f"BPE {bloc['millesime']} (INSEE)",
            )
        )
    donnees_structures = donnees.donnees_structures()
    if donnees_structures.disponible:
        bloc = donnees_structures.bloc(contexte.ref, contexte.tid)
        figures.append(
            (
                "Structures de l'ESS",
                nombre_fr(bloc["total"]),
                "Registre des structures (SIRENE, ASP, FINESS, ANCT)",
            )
        )
    for colonne, (libelle, valeur, aide) in zip(st.columns(len(figures)), figures, strict=True):
        colonne.metric(libelle, valeur, help=aide)
