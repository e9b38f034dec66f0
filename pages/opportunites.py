"""Opportunités : où le territoire a le plus besoin de l'ESS, formules à l'appui."""

from __future__ import annotations

import streamlit as st

from geo.donnees import commerces, opportunites, structures
from geo.outils.text import accorder, nombre_fr
from geo.territoires import niveaux
from ui import carte as carte_ui
from ui import donnees, etat, page, tableaux, telechargement

contexte = page.contexte()
territoire = contexte.territoire

st.title("Opportunités")
st.caption(
    f"{territoire.nom} · {territoire.libelle_niveau} — où l'économie sociale et solidaire manque le plus, "
    "à partir des couches officielles. Chaque classement dit sa formule."
)

entrees = donnees.entrees_opportunites()
st.caption(opportunites.sources(entrees))
REGISTRE_PARTIEL = donnees.donnees_structures().partiel
INDICATEURS = opportunites.indicateurs(REGISTRE_PARTIEL)
if REGISTRE_PARTIEL:
    st.caption(structures.TEXTE_REGISTRE_PARTIEL + " Les emplois de l'ESS par habitant ne sont pas montrés.")
manquants = entrees.manquants()
if manquants:
    st.warning(
        "Données non disponibles sur ce serveur : "
        + ", ".join(manquants)
        + ". Les calculs qui en dépendent sont indiqués « inconnu » (voir la page Sources).",
        icon=":material/info:",
    )

definition_texte = etat.parametre(etat.CLE_DEFINITION, opportunites.DEFINITION_PAR_DEFAUT)
if entrees.commerces is not None and entrees.commerces.disponible:
    try:
        definition = entrees.commerces.definition(definition_texte)
    except commerces.DefinitionInvalide as erreur:
        etat.avertir(f"Lien : {erreur} Définition « alimentaire » utilisée.")
        definition = entrees.commerces.definition(opportunites.DEFINITION_PAR_DEFAUT)
    definition_texte = definition.parametre()
tables = donnees.tables_opportunites(contexte.tid, definition_texte)
fichier = territoire.code or "france"


# Headers that depend on the view; every other one comes from geo.outils.tableaux.ENTETES.
ENTETES_DU_JOUR = {"structures_autour": f"Structures de l'ESS à moins de {opportunites.RAYON_QPV_M} m"}


def _telecharger(table, nom: str, libelle: str) -> None:
    telechargement.csv(libelle, table, f"{nom}_{fichier}.csv", f"telecharger-{nom}", entetes=ENTETES_DU_JOUR)


# 1 -------------------------------------------------------------------------------------
st.header("Communes candidates pour une épicerie participative")
st.caption(opportunites.FORMULES["candidats_epiceries"])
candidats = tables["candidats"]
if entrees.commerces is not None and entrees.commerces.disponible:
    st.markdown(f"Définition : {definition.en_mots()}")
if candidats.empty:
    st.info("Aucune commune concernée dans ce territoire (ou commerces non disponibles).")
else:
    tableaux.afficher(
        candidats[
            [
                "rang",
                "nom",
                "code",
                "population",
                "distance_commerce_km",
                "commerce_proche_nom",
                "distance_structure_km",
                "structure_proche",
                "score",
            ]
        ],
        decimales={"distance_commerce_km": 1, "distance_structure_km": 1, "score": 0},
        raison_inconnu="population absente de la source (la commune n'a alors ni score ni rang), ou aucune "
        "structure de l'ESS localisée (registre non disponible).",
        column_config={
            "rang": st.column_config.NumberColumn("Rang"),
            "nom": st.column_config.TextColumn("Commune"),
            "code": st.column_config.TextColumn("Code INSEE"),
            "population": st.column_config.NumberColumn(f"Population ({contexte.ref.millesime_population})"),
            "distance_commerce_km": st.column_config.NumberColumn("Commerce le plus proche (km)"),
            "commerce_proche_nom": st.column_config.TextColumn("Commune qui en a"),
            "distance_structure_km": st.column_config.NumberColumn("Structure de l'ESS la plus proche (km)"),
            "structure_proche": st.column_config.TextColumn("Structure de l'ESS"),
            "score": st.column_config.NumberColumn("Score (hab. × km)"),
        },
    )
    _telecharger(candidats, "candidats_epiceries", "Télécharger la liste (CSV)")

# 2 -------------------------------------------------------------------------------------
st.header("L'ESS dans et autour des quartiers prioritaires")
st.caption(opportunites.FORMULES["presence_ess_qpv"])
presence = tables["qpv"]
if presence.empty:
    st.info("Aucun quartier prioritaire dans ce territoire (ou données QPV non disponibles).")
else:
    sans_perimetre = int((~presence.perimetre.astype(bool)).sum())
    if sans_perimetre:
        st.caption(
            f"{accorder(sans_perimetre, 'quartier')} sans périmètre disponible ici : présence de l'ESS "
            f"non calculable, {accorder(sans_perimetre, 'listé', avec_nombre=False)} à la fin."
        )
    if contexte.tid is None and (
        note := donnees.donnees_qpv().bloc(contexte.ref, None).get("note_total_national")
    ):
        st.caption(note)
    tableaux.afficher(
        presence,
        decimales={"structures_pour_1000": 2, "population": 0},
        raison_inconnu="population du quartier non publiée ici (fichier INSEE des QPV 2024 absent) : pas de "
        "taux pour 1 000 habitants ; ou périmètre non disponible : la présence de l'ESS n'est pas "
        "calculable. Jamais remplacé par zéro.",
        column_config={
            "code_qp": st.column_config.TextColumn("Code"),
            "nom": st.column_config.TextColumn("Quartier"),
            "generation": st.column_config.TextColumn("Géographie"),
            "population": st.column_config.NumberColumn("Population"),
            "perimetre": st.column_config.CheckboxColumn("Périmètre"),
            "structures_dedans": st.column_config.NumberColumn("Structures dans le quartier"),
            "structures_autour": st.column_config.NumberColumn(f"À moins de {opportunites.RAYON_QPV_M} m"),
            "structures_non_situees": st.column_config.NumberColumn(
                "Non situées (au centre de la commune)",
                help="Structures de ses communes dont l'adresse n'est pas géocodée dans la source : elles "
                "peuvent être dans le quartier ou près de lui. Elles ne sont pas comptées à gauche.",
            ),
            "structures_pour_1000": st.column_config.NumberColumn("Pour 1 000 hab."),
            "exemples": st.column_config.TextColumn("Exemples"),
        },
    )
    _telecharger(presence, "ess_et_qpv", "Télécharger le tableau (CSV)")

# 3 -------------------------------------------------------------------------------------
territoires = tables["territoires"]
if not territoires.empty:
    unites = opportunites.LIBELLES_UNITES[territoires.niveau.iloc[0]]
    st.header(f"Besoin et présence de l'ESS, par {unites}")
    st.caption(opportunites.FORMULES["territoires_par_besoin"])
    tableaux.afficher(
        territoires[
            [
                "rang",
                "nom",
                "code",
                "population",
                "besoin_pour_1000",
                "structures_pour_1000",
                *([] if REGISTRE_PARTIEL else ["emplois_pour_1000"]),
                "nb_qpv",
                "situation",
            ]
        ],
        decimales={"besoin_pour_1000": 1, "structures_pour_1000": 2, "emplois_pour_1000": 1},
        raison_inconnu="donnée nécessaire absente (population d'un QPV non publiée, population, commerces "
        "ou registre des structures) ; un territoire au besoin inconnu n'a pas de rang : la colonne "
        "« Situation » dit ce qu'il vaut au moins et pourquoi.",
        column_config={
            "rang": st.column_config.NumberColumn("Rang"),
            "nom": st.column_config.TextColumn("Territoire"),
            "code": st.column_config.TextColumn("Code"),
            "population": st.column_config.NumberColumn("Population"),
            "besoin_pour_1000": st.column_config.NumberColumn("Besoin pour 1 000 hab."),
            "structures_pour_1000": st.column_config.NumberColumn("Structures ESS pour 1 000 hab."),
            "emplois_pour_1000": st.column_config.NumberColumn("Emplois ESS estimés pour 1 000 hab."),
            "nb_qpv": st.column_config.NumberColumn("QPV 2024"),
            "situation": st.column_config.TextColumn("Situation", width="large"),
        },
    )
    inconnus = int(territoires.besoin_pour_1000.isna().sum())
    if inconnus:
        st.caption(opportunites.texte_besoins_inconnus(territoires))
    sans_effectif = territoires.structures_sans_effectif.sum()
    if sans_effectif > 0:
        st.caption(
            f"Emplois estimés d'après la tranche d'effectif SIRENE : "
            f"{accorder(sans_effectif, 'structure')} sans effectif connu "
            + ("n'y est pas comptée" if sans_effectif < 2 else "n'y sont pas comptées")
            + " (estimation partielle)."
        )
    _telecharger(territoires, "besoin_et_ess", "Télécharger le classement (CSV)")

# 4 -------------------------------------------------------------------------------------
st.header("Carte d'un indicateur")
NIVEAUX = list(niveaux.dessin(contexte.tid).mailles_indicateur)
LIBELLES_NIVEAUX = {"communes": "par commune", "epci": "par EPCI"}
# « 1 commune renseignée », « 2 EPCI renseignés »: each mesh's words, singular and plural.
RENSEIGNES = {
    "communes": ("commune renseignée", "communes renseignées"),
    "epci": ("EPCI renseigné", "EPCI renseignés"),
}

CLES_CARTE = {
    "indicateur": ("indicateur", "besoin_pour_1000", list(INDICATEURS)),
    "niveau": ("niveau", NIVEAUX[0], NIVEAUX),
    "methode": ("classes", "quantiles", list(opportunites.METHODES)),
    "k": ("k", "5", [str(k) for k in range(3, 8)]),
}
choix = {nom: etat.parametre(cle, defaut, permises) for nom, (cle, defaut, permises) in CLES_CARTE.items()}


def _changer(nom: str) -> None:
    cle, defaut, _ = CLES_CARTE[nom]
    etat.definir_parametre(cle, str(st.session_state[f"carte-{nom}"]), defaut)


colonnes = st.columns([3, 1.2, 1.6, 1])
for colonne, nom, libelle, options, format_option in (
    (colonnes[0], "indicateur", "Indicateur", list(INDICATEURS), INDICATEURS.get),
    (colonnes[1], "niveau", "Maille", NIVEAUX, LIBELLES_NIVEAUX.get),
    (colonnes[2], "methode", "Classes", list(opportunites.METHODES), opportunites.METHODES.get),
    (colonnes[3], "k", "Nombre de classes", [str(k) for k in range(3, 8)], str),
):
    # The URL wins over stale widget state (permalink opened, back button).
    st.session_state[f"carte-{nom}"] = choix[nom]
    colonne.selectbox(
        libelle,
        options,
        key=f"carte-{nom}",
        format_func=format_option,
        on_change=_changer,
        args=(nom,),
        placeholder=page.CHOISIR,
    )

surcouche, valeurs = donnees.choroplethe(
    contexte.tid, choix["niveau"], choix["indicateur"], choix["methode"], int(choix["k"]), definition_texte
)
if valeurs.valeur.isna().all():
    st.info(
        f"« {INDICATEURS[choix['indicateur']]} » est inconnu ici : les données nécessaires "
        "ne sont pas disponibles (voir l'avertissement en haut de page).",
        icon=":material/layers_clear:",
    )
carte_ui.afficher(
    contexte.tid, [surcouche], cle="carte-opportunites", hauteur=560, page_courante="opportunites"
)
connues = valeurs.valeur.notna().sum()
st.caption(
    f"{accorder(connues, *RENSEIGNES[choix['niveau']])} sur "
    f"{nombre_fr(len(valeurs))} · classes : {opportunites.METHODES[choix['methode']].lower()} · source : "
    f"{opportunites.SOURCES_INDICATEURS[choix['indicateur']]}."
    + (
        f" En gris, « donnée inconnue » : {opportunites.RAISONS_INCONNU[choix['indicateur']]}."
        if connues < len(valeurs)
        else ""
    )
)
_telecharger(valeurs, f"indicateur_{choix['indicateur']}", "Télécharger les valeurs (CSV)")
