"""Cached access to the built data, keyed on small hashable arguments."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from geo.build import etapes
from geo.donnees import commerces, opportunites, qpv
from geo.outils import assets, config
from geo.rendu import carte_territoire, surcouches
from geo.territoires.referentiel import Referentiel, TerritoireId


@functools.lru_cache(maxsize=64)
def _manifeste_lu(nom: str, dossier_cache: Path, _mtime_ns: int, _taille: int) -> dict | None:
    return etapes.lire_manifeste(nom, dossier_cache)


def _manifeste(nom: str, dossier_cache: Path | None = None) -> dict | None:
    """A step's manifest, read again only when its file changes (every run asks for several).

    Read-only: the same dict serves every caller until the file changes.
    """
    dossier_cache = dossier_cache or config.dossier_cache()
    try:
        etat = (dossier_cache / nom / etapes.NOM_MANIFESTE).stat()
    except OSError:
        return None
    return _manifeste_lu(nom, dossier_cache, etat.st_mtime_ns, etat.st_size)


@st.cache_resource(show_spinner="Chargement des territoires (la première fois, construction des données)…")
def _referentiel(dossier: str, construit_le: str = "") -> Referentiel:
    from geo.build import construction  # only a fresh checkout without `make data` builds here

    return construction.referentiel(Path(dossier))


def referentiel() -> Referentiel:
    """The territory tables (built on first use if the cache is missing).

    A rebuild of the territories or of the census populations (new manifest dates) reloads them.
    """
    dates = "|".join(
        (_manifeste(nom) or {}).get("construit_le", "") for nom in ("territoires", "populations")
    )
    return _referentiel(str(config.dossier_territoires()), dates)


@st.cache_resource(show_spinner=False)
def ressources_statiques() -> str:
    """Copy Leaflet into ./static once per server; return its URL prefix."""
    # A failure is said on the page by carte_impossible(), never left as a blank map.
    with contextlib.suppress(ImportError, OSError):
        assets.installer()
    # Map data files this server no longer uses (see ui.carte): written again when needed.
    assets.nettoyer_cartes()
    return assets.url_base(st.get_option("server.baseUrlPath") or "")


def carte_impossible() -> str | None:
    """Why the maps cannot draw on this server (Leaflet files not served), in French; None when they can."""
    if not st.get_option("server.enableStaticServing"):
        return (
            "Les cartes ne peuvent pas s'afficher : le serveur ne sert pas le dossier static/ "
            "(option server.enableStaticServing désactivée dans .streamlit/config.toml)."
        )
    manquants = assets.manquants()
    if manquants:
        return (
            "Les cartes ne peuvent pas s'afficher : les fichiers de Leaflet manquent dans static/vendor/ "
            f"({', '.join(manquants[:4])}{' …' if len(manquants) > 4 else ''}). Lancez "
            "« python -m geo.outils.assets » (ou make run) pour les installer ; les chiffres et tableaux "
            "restent justes."
        )
    return None


@st.cache_resource(show_spinner="Préparation de la carte…", max_entries=64)
def _carte_preparee(dossier: str, territoire_id: str) -> carte_territoire.CarteTerritoire:
    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    return carte_territoire.preparer(referentiel(), tid)


def carte_preparee(tid: TerritoireId | None) -> carte_territoire.CarteTerritoire:
    return _carte_preparee(str(config.dossier_territoires()), str(tid) if tid else "")


@st.cache_resource(show_spinner="Chargement des quartiers prioritaires…")
def _donnees_qpv(dossier_cache: str, construit_le: str) -> qpv.DonneesQPV:
    return qpv.charger(referentiel(), Path(dossier_cache))


def donnees_qpv() -> qpv.DonneesQPV:
    """QPV tables; a rebuild (new manifest date) invalidates the cache."""
    manifeste = _manifeste(qpv.ETAPE.nom) or {}
    return _donnees_qpv(str(config.dossier_cache()), manifeste.get("construit_le", ""))


@st.cache_resource(show_spinner="Préparation de la couche des QPV…", max_entries=64)
def _surcouche_qpv(
    dossier_cache: str, construit_le: str, territoire_id: str, generation: str
) -> carte_territoire.Surcouche:
    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    return surcouches.qpv.surcouche(referentiel(), _donnees_qpv(dossier_cache, construit_le), tid, generation)


def surcouche_qpv(
    tid: TerritoireId | None, generation: str = qpv.GENERATION_ACTUELLE
) -> carte_territoire.Surcouche:
    manifeste = _manifeste(qpv.ETAPE.nom) or {}
    return _surcouche_qpv(
        str(config.dossier_cache()), manifeste.get("construit_le", ""), str(tid or ""), generation
    )


@st.cache_resource(show_spinner="Chargement des commerces (BPE)…")
def _donnees_commerces(dossier_cache: str, construit_le: str) -> commerces.DonneesCommerces:
    return commerces.charger(referentiel(), Path(dossier_cache))


def donnees_commerces() -> commerces.DonneesCommerces:
    """Shop counts per commune; a rebuild (new manifest date) invalidates the cache."""
    manifeste = _manifeste(commerces.ETAPE.nom) or {}
    return _donnees_commerces(str(config.dossier_cache()), manifeste.get("construit_le", ""))


@st.cache_resource(show_spinner="Préparation de la couche des commerces…", max_entries=64)
def _surcouche_commerces(
    dossier_cache: str, construit_le: str, territoire_id: str, definition: str
) -> carte_territoire.Surcouche:
    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    return surcouches.commerces.surcouche(
        referentiel(), _donnees_commerces(dossier_cache, construit_le), tid, definition
    )


def surcouche_commerces(tid: TerritoireId | None, definition: str) -> carte_territoire.Surcouche:
    manifeste = _manifeste(commerces.ETAPE.nom) or {}
    return _surcouche_commerces(
        str(config.dossier_cache()), manifeste.get("construit_le", ""), str(tid or ""), definition
    )


@st.cache_data(show_spinner=False, max_entries=256)
def _communes_sans_commerce(territoire_id: str, definition: str, construit_le: str) -> pd.DataFrame:
    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    donnees = donnees_commerces()
    return donnees.communes_sans_commerce(tid, donnees.definition(definition))


def communes_sans_commerce(tid: TerritoireId | None, definition: str) -> pd.DataFrame:
    """The table of communes without shops (cached on the territory and definition)."""
    manifeste = _manifeste(commerces.ETAPE.nom) or {}
    return _communes_sans_commerce(str(tid or ""), definition, manifeste.get("construit_le", ""))


def _dates_opportunites() -> str:
    """The build dates of the datasets the opportunities read: a rebuild invalidates caches."""
    return "|".join(_construit_le(nom) for nom in ("commerces", "qpv", "structures"))


_ETAPES_OFFICIELLES = ("territoires", "populations", "commerces", "qpv", "structures", "financements")


def dates_officielles() -> str:
    """The build dates of every dataset, without the store: the key of a figure made of official
    data only, which no write of a user (a project, a contribution, a moderation) empties."""
    return "|".join((_manifeste(nom) or {}).get("construit_le", "") for nom in _ETAPES_OFFICIELLES)


def dates_construction() -> str:
    """The build dates of every dataset (territories and steps) and the register's contributions
    (:func:`version_structures`): what a cached figure that counts structures depends on."""
    return "|".join(_construit_le(nom) for nom in _ETAPES_OFFICIELLES)


@st.cache_data(show_spinner="Comparaison avec les territoires englobants…", max_entries=128)
def _comparaison(territoire_id: str, dates: str) -> pd.DataFrame:
    from geo.donnees import indicators

    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    return indicators.comparaison(
        referentiel(), tid, donnees_commerces(), donnees_structures(), donnees_financements()
    )


def comparaison(tid: TerritoireId | None) -> pd.DataFrame:
    """Key figures of the territory beside its département, région and France (cached per territory)."""
    return _comparaison(str(tid or ""), dates_construction())


@st.cache_resource(show_spinner="Chargement des données des opportunités…", max_entries=2)
def _entrees_opportunites(dossier_cache: str, dates: str) -> opportunites.Entrees:
    return opportunites.charger_entrees(referentiel(), Path(dossier_cache), donnees_structures())


def entrees_opportunites() -> opportunites.Entrees:
    return _entrees_opportunites(str(config.dossier_cache()), _dates_opportunites())


@st.cache_data(show_spinner="Calcul des opportunités…", max_entries=128)
def _tables_opportunites(territoire_id: str, definition: str, dates: str) -> dict[str, pd.DataFrame]:
    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    entrees = entrees_opportunites()
    return {
        "candidats": opportunites.candidats_epiceries(entrees, tid, definition),
        "qpv": opportunites.presence_ess_qpv(entrees, tid),
        "territoires": opportunites.classement_territoires(entrees, tid, definition),
    }


def tables_opportunites(tid: TerritoireId | None, definition: str) -> dict[str, pd.DataFrame]:
    """The three ranked tables of the Opportunités page (cached on territory and definition)."""
    return _tables_opportunites(str(tid or ""), definition, _dates_opportunites())


@st.cache_resource(show_spinner="Préparation de la carte de l'indicateur…", max_entries=64)
def _choroplethe(
    territoire_id: str, niveau: str, indicateur: str, methode: str, k: int, definition: str, dates: str
) -> tuple[carte_territoire.Surcouche, pd.DataFrame]:
    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    entrees = entrees_opportunites()
    valeurs = opportunites.valeurs_indicateur(entrees, tid, niveau, indicateur, definition)
    classes, bornes = opportunites.classer(valeurs.valeur, methode, k)
    from geo.territoires.niveaux import dessin

    echelle = dessin(tid).echelle
    table = "epci" if niveau == "epci" else "communes"
    surcouche = surcouches.choroplethe.surcouche(
        referentiel(),
        valeurs,
        classes,
        bornes,
        table,
        echelle,
        opportunites.INDICATEURS[indicateur],
        opportunites.SOURCES_INDICATEURS[indicateur],
    )
    return surcouche, valeurs.assign(classe=classes)


def choroplethe(
    tid: TerritoireId | None, niveau: str, indicateur: str, methode: str, k: int, definition: str
) -> tuple[carte_territoire.Surcouche, pd.DataFrame]:
    """The indicator's map layer and its values per unit."""
    return _choroplethe(str(tid or ""), niveau, indicateur, methode, k, definition, _dates_opportunites())


# ESS structures ---------------------------------------------------------------

# (families, NAF sections, size classes) chosen, as hashable tuples.
Filtres = tuple[tuple[str, ...], ...]


@st.cache_resource(show_spinner="Chargement des structures de l'ESS…", max_entries=2)
def _registre_officiel(dossier_cache: str, construit_le: str):
    from geo.donnees import structures

    return structures.charger(referentiel(), Path(dossier_cache))


@st.cache_resource(show_spinner=False, max_entries=2)
def _donnees_structures(dossier_cache: str, version: str):
    from geo.base import store
    from geo.donnees import structures

    construit_le, _, compteur = version.rpartition("|")
    officielles = _registre_officiel(dossier_cache, construit_le)
    if compteur == INACCESSIBLE:
        return officielles
    try:
        return structures.contributions_du_depot(officielles, _depot(store.url_par_defaut()))
    except store.BaseInaccessible as erreur:
        store.message_indisponible(erreur)  # logged; the official register still shows
        return officielles


INACCESSIBLE = "base inaccessible"


def version_structures() -> str:
    """The register's build date and the store's signature (:meth:`geo.base.store.Depot.signature`:
    newest moderation entry of the journal, address): a rebuild, a moderator's decision in any
    process, or another store (a restored backup, a test's), changes every cache key that
    depends on the register; a project entered or a proposal still pending changes none."""
    from geo.base import store
    from geo.donnees import structures

    construit_le = (_manifeste(structures.ETAPE.nom) or {}).get("construit_le", "")
    try:
        compteur = depot().signature()
    except store.BaseInaccessible:
        compteur = INACCESSIBLE
    return f"{construit_le}|{compteur}"


def _construit_le(nom: str) -> str:
    if nom == "structures":
        return version_structures()
    return (_manifeste(nom) or {}).get("construit_le", "")


def donnees_structures():
    """The register of ESS structures with the contributions accepted by moderators, and without
    the structures they hid; a rebuild or a moderation (change counter) invalidates the cache."""
    return _donnees_structures(str(config.dossier_cache()), version_structures())


# A resource, not data: the register can be large and is only read.
@st.cache_resource(show_spinner=False, max_entries=128)
def _structures_filtrees(
    dossier_cache: str, construit_le: str, territoire_id: str, filtres: Filtres, texte: str
):
    from geo.donnees import structures

    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    donnees = _donnees_structures(dossier_cache, construit_le)
    familles, sections, tailles = filtres
    return structures.filtrer(
        donnees.du_territoire(referentiel(), tid), list(familles), list(sections), list(tailles), texte
    )


def structures_filtrees(tid: TerritoireId | None, filtres: Filtres, texte: str = ""):
    """Structures of a territory that pass the filters (families, NAF sections, size classes)."""
    return _structures_filtrees(
        str(config.dossier_cache()), version_structures(), str(tid or ""), filtres, texte
    )


@st.cache_resource(show_spinner="Préparation de la couche des structures…", max_entries=64)
def _surcouche_structures(
    dossier_cache: str, construit_le: str, territoire_id: str, filtres: Filtres, texte: str
) -> carte_territoire.Surcouche:

    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    tableau = _structures_filtrees(dossier_cache, construit_le, territoire_id, filtres, texte)
    from geo.donnees import structures

    notes = []
    if structures.couverture_registre(_manifeste(structures.ETAPE.nom, Path(dossier_cache)))["partiel"]:
        notes.append("registre partiel (sans SIRENE : page Sources)")
    if any(filtres) or texte:
        notes.append("filtres de la page Structures appliqués")
    return surcouches.structures.surcouche(
        referentiel(), tableau, tid, " ; ".join(notes), signalement=adresse_signalement(territoire_id)
    )


def adresse_signalement(territoire_id: str) -> str:
    """The Structures page's report form, up to the structure's key (the map's popups end it)."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    parametres = urlencode({"territoire": territoire_id}) + "&" if territoire_id else ""
    return f"{'/' + base if base else ''}/structures?{parametres}signaler="


def surcouche_structures(
    tid: TerritoireId | None, filtres: Filtres, texte: str = ""
) -> carte_territoire.Surcouche:
    return _surcouche_structures(
        str(config.dossier_cache()), version_structures(), str(tid or ""), filtres, texte
    )


# Jobs and funding: the store of entered records, and the open-data funding tables.


@st.cache_resource(show_spinner="Ouverture de la base de saisie…")
def _depot(url: str):
    from geo.donnees import emplois

    return emplois.depot_pret(url)


def depot():
    """The store (``DATABASE_URL`` or data/saisie.sqlite3), seeded with the field documents on first use."""
    from geo.base import store

    return _depot(store.url_par_defaut())


@st.cache_resource(show_spinner=False, max_entries=4)
def _saisies(url: str, compteur: int):
    from geo.donnees import emplois

    return emplois.charger(_depot(url))


@st.cache_resource(show_spinner=False, max_entries=4)
def _contributions_ouvertes(url: str, signature: str) -> tuple[pd.DataFrame, dict]:
    from geo.base import contributions

    return contributions.publiees(_depot(url)), contributions.jeu_de_donnees(_depot(url))


def contributions_ouvertes() -> tuple[pd.DataFrame, dict]:
    """The accepted contributions as published (open data) and their dataset's description,
    re-read when the store's signature moved (read them, never change them). Raises
    :class:`geo.base.store.BaseInaccessible` when the store cannot be reached."""
    from geo.base import store

    return _contributions_ouvertes(store.url_par_defaut(), depot().signature())


def compteur_saisies() -> int:
    """The store's change counter of entered records (one tiny query): part of the key of every cached
    read of entered data, so that a project written by any process is seen by every other on its next
    run; a moderation or a public proposal leaves it (see :class:`geo.base.store.CompteurModifications`)."""
    from geo.base import store

    return _depot(store.url_par_defaut()).compteur()


def version_saisies() -> str:
    """:func:`compteur_saisies` as a key part, « base inaccessible » when the store is out of reach."""
    from geo.base import store

    try:
        return str(compteur_saisies())
    except store.BaseInaccessible:
        return INACCESSIBLE


def signature_fiche(tid: TerritoireId | None, annee: int | None) -> str:
    """What the territory's PDF is made of: the territory, the year, the builds, the register's
    contributions and the entered records (its jobs and funding blocks)."""
    return f"{tid}|{annee}|{dates_construction()}|{version_saisies()}"


def saisies():
    """The store's records as tables, re-read when the change counter moved (whichever process wrote)."""
    from geo.base import store

    return _saisies(store.url_par_defaut(), compteur_saisies())


def _dates_construction(*noms_etapes: str) -> str:
    """The build dates of the territories and of these steps: a rebuild changes every cache key."""
    dates = [referentiel().manifeste.get("construit_le", "")]
    dates += [_construit_le(nom) for nom in noms_etapes]
    return "|".join(dates)


@st.cache_resource(show_spinner=False, max_entries=256)
def _constats(territoire_id: str, dates: str) -> list:
    from geo.donnees import constats

    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    return constats.constats(
        referentiel(), tid, donnees_commerces(), donnees_structures(), donnees_financements()
    )


def constats_du_territoire(tid: TerritoireId | None) -> list:
    """The field statements about the territory beside the app's figures, once per build."""
    from geo.donnees import commerces, financements, structures

    dates = _dates_construction(commerces.ETAPE.nom, structures.ETAPE.nom, financements.ETAPE.nom)
    return _constats(str(tid or ""), dates)


@st.cache_resource(show_spinner=False, max_entries=128)
def _vue_emplois(territoire_id: str, annee: int | None, compteur: int | None, dates: str, url: str):
    from geo.rendu import vue_emplois

    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    saisies_ = _saisies(url, compteur) if compteur is not None else None
    return vue_emplois.calculer(referentiel(), donnees_financements(), saisies_, tid, annee)


def vue_emplois(tid: TerritoireId | None, annee: int | None, avec_saisies: bool = True):
    """What the Emplois page shows (:class:`geo.rendu.vue_emplois.VueEmplois`), computed once per
    territory, year, store counter and build, and register (a post may be placed by an accepted
    contribution): the page only draws it. The result is shared between sessions: read it, never
    change it."""
    from geo.base import store
    from geo.donnees import financements, structures

    compteur = compteur_saisies() if avec_saisies else None
    dates = _dates_construction(financements.ETAPE.nom, structures.ETAPE.nom)
    return _vue_emplois(str(tid or ""), annee, compteur, dates, store.url_par_defaut())


@st.cache_resource(show_spinner=False, max_entries=256)
def _vue_subventions(territoire_id: str, annee: int | None, sens: str, regroupement: str, dates: str):
    from geo.rendu import vue_emplois

    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    return vue_emplois.subventions_du_territoire(donnees_subventions(), tid, annee, sens, regroupement)


def vue_subventions(tid: TerritoireId | None, annee: int | None, sens: str, regroupement: str):
    """Published subsidies of the territory, cached per view and register version (a subsidy may be
    placed by an accepted contribution; read it, never change it)."""
    from geo.donnees import structures, subventions, subventions_import

    dates = (
        _dates_construction(subventions.ETAPE.nom, structures.ETAPE.nom)
        + "|"
        + str(subventions_import.empreinte_imports())
    )
    return _vue_subventions(str(tid or ""), annee, sens, regroupement, dates)


@st.cache_resource(show_spinner=False, max_entries=256)
def _couverture_annees(
    territoire_id: str, compteur: int | None, dates: str, url: str
) -> dict[int, list[str]]:
    from geo.donnees import financements

    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    saisies_ = _saisies(url, compteur) if compteur is not None else None
    return financements.couverture(
        donnees_financements(), saisies_, donnees_subventions(), referentiel(), tid
    )


def couverture_annees(tid: TerritoireId | None, avec_saisies: bool = True) -> dict[int, list[str]]:
    """For each year, the funding sources covering it for the territory (the year selector's labels),
    once per territory, store counter and build (read it, never change it)."""
    from geo.base import store
    from geo.donnees import financements, structures, subventions, subventions_import

    compteur = compteur_saisies() if avec_saisies else None
    dates = (
        _dates_construction(financements.ETAPE.nom, subventions.ETAPE.nom, structures.ETAPE.nom)
        + "|"
        + str(subventions_import.empreinte_imports())
    )
    return _couverture_annees(str(tid or ""), compteur, dates, store.url_par_defaut())


@st.cache_resource(show_spinner="Chargement des financements publics…")
def _financements_officiels(dossier_cache: str, construit_le: str):
    from geo.donnees import financements

    return financements.charger(referentiel(), Path(dossier_cache))


@st.cache_resource(show_spinner=False, max_entries=2)
def _donnees_financements(dossier_cache: str, construit_le: str, version: str):
    officielles = _financements_officiels(dossier_cache, construit_le)
    return officielles.avec_contributions(
        _donnees_structures(dossier_cache, version).sirets_des_contributions()
    )


def donnees_financements():
    """Ci.Ville posts and ESS share of jobs, the posts the official data leave without a commune
    placed by the structures accepted contributions add; a rebuild (new manifest date) or a
    moderation (the register's version) invalidates the cache."""
    from geo.donnees import financements

    manifeste = _manifeste(financements.ETAPE.nom) or {}
    return _donnees_financements(
        str(config.dossier_cache()), manifeste.get("construit_le", ""), version_structures()
    )


def blocs_emplois_financements(tid: TerritoireId | None, annee: int | None = None) -> dict:
    """The jobs and funding blocks of a territory for the fiche; empty when the store is unreachable."""
    # Imported here: the store (SQLAlchemy, 0.3 s) is not on the path of a page that shows no
    # entered data, such as the first map of a cold server.
    from geo.base.store import BaseInaccessible
    from geo.donnees import financements

    try:
        saisies_territoire = saisies()
        bloc_financements = financements.bloc(
            donnees_financements(), saisies_territoire, referentiel(), tid, annee=annee
        )
        from geo.donnees import subventions

        bloc_financements["subventions"] = subventions.bloc(donnees_subventions(), tid, annee)
        return {
            "bloc_emplois": saisies_territoire.bloc(referentiel(), tid, annee=annee),
            "bloc_financements": bloc_financements,
        }
    # A store out of reach (PostgreSQL down…) must not block the PDF: it goes without charts.
    except BaseInaccessible:
        return {}


@st.cache_data(show_spinner=False, max_entries=256)
def _bloc_commerces(territoire_id: str, definition: str, construit_le: str) -> dict:
    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    return donnees_commerces().bloc(tid, definition)


def bloc_commerces(tid: TerritoireId | None, definition: str) -> dict:
    """The shops block of a territory (distances to every shop-less commune: cached, not per run)."""
    manifeste = _manifeste(commerces.ETAPE.nom) or {}
    return _bloc_commerces(str(tid or ""), definition, manifeste.get("construit_le", ""))


@st.cache_resource(show_spinner="Chargement des subventions publiées…", max_entries=4)
def _subventions_officielles(dossier_cache: str, construit_le: str, imports: str):
    from geo.donnees import subventions

    return subventions.charger(referentiel(), Path(dossier_cache))


@st.cache_resource(show_spinner=False, max_entries=4)
def _donnees_subventions(dossier_cache: str, construit_le: str, imports: str, version: str):
    officielles = _subventions_officielles(dossier_cache, construit_le, imports)
    return officielles.avec_contributions(
        referentiel(), _donnees_structures(dossier_cache, version).sirets_des_contributions()
    )


def donnees_subventions():
    """Published SCDL subsidies, those the official data leave without their beneficiary's commune
    placed by the structures accepted contributions add; a rebuild, a new imported file or a
    moderation (the register's version) invalidates the cache."""
    from geo.donnees import subventions, subventions_import

    manifeste = _manifeste(subventions.ETAPE.nom) or {}
    return _donnees_subventions(
        str(config.dossier_cache()),
        manifeste.get("construit_le", ""),
        subventions_import.empreinte_imports(),
        version_structures(),
    )


@st.cache_data(show_spinner="Calcul des chiffres du territoire…", max_entries=256)
def _chiffres_comparateur(territoire_id: str, dates: str) -> dict:
    from geo.donnees import comparateur

    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    return comparateur.chiffres(
        referentiel(), tid, donnees_qpv(), donnees_commerces(), donnees_structures(), donnees_financements()
    )


def chiffres_comparateur(tid: TerritoireId | None) -> dict:
    """The comparator's figures of one territory (cached per territory: a choice adds one, not six)."""
    return _chiffres_comparateur(str(tid or ""), dates_construction())


def indicateurs_comparateur() -> list:
    """The comparator's rows, with the sources and vintages of the datasets built here."""
    from geo.donnees import comparateur

    return comparateur.indicateurs(
        referentiel(), donnees_commerces(), donnees_structures(), donnees_financements()
    )


# Reading the Carte page ------------------------------------------------------------------


@st.cache_resource(show_spinner="Préparation de la carte de la part de l'ESS dans l'emploi…", max_entries=4)
def _surcouche_part_ess(dates: str) -> carte_territoire.Surcouche | str:
    from geo.donnees import financements, lecture_carte
    from geo.territoires.niveaux import ECHELLE_NATIONALE

    donnees = donnees_financements()
    part_ess = getattr(donnees, "part_ess", None)
    if part_ess is None or part_ess.empty:
        return (
            "La part de l'ESS dans l'emploi (INSEE, Clap) n'est pas disponible sur ce serveur : voir la page "
            "Sources."
        )
    ref = referentiel()
    valeurs, annee = lecture_carte.part_ess_par_departement(part_ess, ref.departements)
    classes, bornes = opportunites.classer(valeurs.valeur, "quantiles", 5)
    return surcouches.choroplethe.surcouche(
        ref,
        valeurs,
        classes,
        bornes,
        "departements",
        ECHELLE_NATIONALE,
        f"{lecture_carte.TITRE_PART_ESS} en {annee} (%)",
        f"{financements.SOURCE_PART_ESS.split(',')[0]}, Clap {annee}",
        page="",
    )


def surcouche_part_ess() -> carte_territoire.Surcouche | str:
    """The départements of France coloured by the ESS share of salaried jobs (or why it cannot be)."""
    return _surcouche_part_ess(dates_officielles())


@st.cache_data(show_spinner=False, max_entries=256)
def _couches_offertes(territoire_id: str, noms: tuple[str, ...], dates: str) -> tuple[str, ...]:
    from geo.donnees import lecture_carte

    tid = TerritoireId.depuis_texte(territoire_id) if territoire_id else None
    ref = referentiel()
    par_couche = {}
    donnees = donnees_qpv()
    if donnees.disponible:
        lignes = donnees.qpv_communes
        par_couche["qpv_2015"] = set(lignes.loc[lignes.generation == "2015", "commune"].dropna())
    else:
        par_couche["qpv_2015"] = set()
    communes = ref.communes_de(tid).code
    return tuple(lecture_carte.couches_offertes(noms, tid.niveau if tid else None, communes, par_couche))


def couches_offertes(tid: TerritoireId | None, noms: tuple[str, ...]) -> tuple[str, ...]:
    """The layers of ``noms`` worth a switch in the territory (cached per territory)."""
    return _couches_offertes(str(tid or ""), noms, dates_officielles())


@st.cache_data(show_spinner=False, max_entries=256)
def _fiche_commune(code: str, definition: str, dates: str):
    from geo.donnees import lecture_carte

    ref = referentiel()
    ligne = ref.communes.loc[code]
    qpv_donnees = donnees_qpv()
    commerces_donnees = donnees_commerces()
    avec_commerce, millesime = None, None
    if commerces_donnees.disponible:
        try:
            avec_commerce = commerces_donnees.communes_avec(commerces_donnees.definition(definition))
        except commerces.DefinitionInvalide:
            avec_commerce = commerces_donnees.communes_avec(commerces_donnees.definition("tous"))
        millesime = commerces_donnees.millesime
    structures_donnees = donnees_structures()
    registre = structures_donnees.registre if structures_donnees.disponible else None
    population = ligne.population
    return lecture_carte.chiffres_commune(
        code,
        str(ligne.nom),
        None if pd.isna(population) else float(population),
        ref.millesime_population,
        qpv_donnees.qpv_communes if qpv_donnees.disponible else None,
        avec_commerce,
        millesime,
        registre[["commune", "emplois_estimes"]] if registre is not None else None,
        structures_donnees.partiel if structures_donnees.disponible else False,
    )


def fiche_commune(code: str, definition: str):
    """Key figures of one commune (geo.donnees.lecture_carte.chiffres_commune), cached per commune."""
    return _fiche_commune(code, definition, dates_construction())


def commune_au_point(lon: float, lat: float) -> str | None:
    """INSEE code of the commune under a point of the map, or None."""
    return referentiel().commune_au_point(lon, lat)
