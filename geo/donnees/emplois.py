"""Jobs created and funding entered in the store, per territory and per project.

The store (:mod:`geo.base.store`) holds records; this module reads them into small
tables and answers per-territory questions. A record belongs to a territory
when its place lies entirely inside it: the project's own ``territoire`` when
given, else its PTCE's perimeter; a funding row's ``territoire``, else its
structure's commune (by SIRET), else its project's or PTCE's place. A PTCE
spread over an EPCI is counted for that EPCI, its département, its région and
France, not for one of its communes (which would claim jobs it may not hold);
those records are listed as « débordant » the territory instead.

Years: a job row without a year (the ALISS document gives none) is counted in
« toutes les années » only, and the figures say how many such rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from geo.base import semences, store
from geo.outils.codes import parmi
from geo.outils.text import accorder, nombre_fr
from geo.territoires.referentiel import Referentiel, TerritoireId

SOURCE_SAISIES = "Données saisies (PTCE et collectivités) et pack de semences des documents de terrain"


def depot_pret(url: str | None = None) -> store.Depot:
    """The store, migrated, with the seed pack loaded when it is empty (first use)."""
    depot = store.ouvrir(url)
    semences.semer_si_vide(depot)
    return depot


def _ids(texte: str | None) -> list[str]:
    return [t.strip() for t in (texte or "").split(",") if t.strip()]


def projets_choisis(projets: pd.DataFrame, projet: str | None = None, etape: str | None = None) -> pd.Series:
    """Which rows of a projects table are the project and the stage chosen (``None``: every one).

    A project whose stage no source gives is chosen by :data:`geo.base.store.ETAPE_INCONNUE`.
    """
    garder = pd.Series(True, index=projets.index)
    if projet is not None:
        garder &= projets.projet == projet
    if etape is not None:
        garder &= projets.etape.fillna(store.ETAPE_INCONNUE) == etape
    return garder


@dataclass
class DonneesSaisies:
    """A snapshot of the store as tables (one read, then pure pandas)."""

    ptce: pd.DataFrame
    projets: pd.DataFrame
    structures: pd.DataFrame
    emplois: pd.DataFrame
    financements: pd.DataFrame
    _communes: dict = field(default_factory=dict, repr=False)

    @classmethod
    def depuis_depot(cls, depot: store.Depot) -> DonneesSaisies:
        tables = store.lire_tables(depot)
        ptce = tables["ptce"].rename(columns={"id": "ptce_id", "nom": "ptce"})
        projets = tables["projets"].rename(columns={"id": "projet_id", "nom": "projet"})
        # Where a project is: its own territory, or else its PTCE's perimeter.
        perimetres = {i: None if pd.isna(v) else v for i, v in zip(ptce.ptce_id, ptce.perimetre, strict=True)}
        projets["lieu"] = [
            perimetres.get(ptce_id) if pd.isna(territoire) else territoire
            for territoire, ptce_id in zip(projets.territoire, projets.ptce_id, strict=True)
        ]
        ptce = ptce[["ptce_id", "ptce", "perimetre", "membres", "source"]]
        projets = projets[["projet_id", "projet", "ptce_id", "ptce", "etape", "secteur", "lieu", "source"]]
        structures = tables["structures"][
            ["nom", "siret", "forme", "commune", "ptce_id", "projet_id", "source"]
        ]
        emplois = tables["emplois"][["projet_id", "annee", "nature", "nombre", "source"]]
        financements = tables["financements"][
            [
                "projet_id",
                "ptce_id",
                "siret",
                "territoire",
                "financeur",
                "dispositif",
                "montant_eur",
                "annee_debut",
                "annee_fin",
                "note",
                "source",
            ]
        ]
        return cls.depuis_tables(ptce, projets, structures, emplois, financements)

    @classmethod
    def depuis_tables(cls, ptce, projets, structures, emplois, financements) -> DonneesSaisies:
        emplois = emplois.merge(
            projets[["projet_id", "projet", "ptce", "lieu", "etape"]], on="projet_id", how="left"
        )
        emplois["annee"] = emplois.annee.astype("Int64")
        emplois["nombre"] = emplois.nombre.astype(int)
        financements = financements.copy()
        for colonne in ("annee_debut", "annee_fin", "projet_id", "ptce_id"):
            financements[colonne] = pd.to_numeric(financements[colonne]).astype("Int64")
        financements["montant_eur"] = pd.to_numeric(financements.montant_eur).astype(float)
        financements = financements.merge(
            projets[["projet_id", "projet", "lieu"]].rename(columns={"lieu": "lieu_projet"}),
            on="projet_id",
            how="left",
        ).merge(
            ptce[["ptce_id", "ptce", "perimetre"]].astype({"ptce_id": "Int64"}),
            on="ptce_id",
            how="left",
        )
        communes_siret = structures.dropna(subset=["siret", "commune"]).set_index("siret").commune
        par_siret = financements.siret.map(
            lambda s: f"commune:{communes_siret[s]}" if s in communes_siret else None
        )
        financements["lieu"] = (
            financements.territoire.fillna(par_siret)
            .fillna(financements.lieu_projet)
            .fillna(financements.perimetre)
        )
        # A project's PTCE, when the funding names only the project.
        ptce_du_projet = projets.set_index("projet_id").ptce
        financements["ptce"] = financements.ptce.fillna(financements.projet_id.map(ptce_du_projet))
        financements["periode"] = [
            _periode(d, f) for d, f in zip(financements.annee_debut, financements.annee_fin, strict=True)
        ]
        return cls(ptce, projets, structures, emplois, financements)

    # Territories -------------------------------------------------------------

    def _communes_du_lieu(self, ref: Referentiel, lieu: str | None) -> frozenset[str] | None:
        if not lieu:
            return None
        if lieu not in self._communes:
            codes: set[str] = set()
            for texte in _ids(lieu):
                try:
                    codes |= set(ref.communes_de(TerritoireId.depuis_texte(texte)).code)
                except (ValueError, LookupError):
                    continue
            self._communes[lieu] = frozenset(codes)
        return self._communes[lieu]

    def _position(self, ref: Referentiel, tid: TerritoireId | None, lieux: pd.Series) -> pd.Series:
        """« dedans », « debordant » (overlaps only) or « dehors » for each place."""
        if tid is None:
            return pd.Series("dedans", index=lieux.index)
        territoire = _communes_territoire(ref, tid)
        positions = []
        for lieu in lieux:
            communes = self._communes_du_lieu(ref, lieu if isinstance(lieu, str) else None)
            if not communes:
                positions.append("dehors")
            elif communes <= territoire:
                positions.append("dedans")
            elif communes & territoire:
                positions.append("debordant")
            else:
                positions.append("dehors")
        return pd.Series(positions, index=lieux.index, dtype=object)

    def emplois_du_territoire(
        self, ref: Referentiel, tid: TerritoireId | None, annee: int | None = None
    ) -> pd.DataFrame:
        """Job rows of projects inside the territory (of the year, when given)."""
        lignes = self.emplois[self._position(ref, tid, self.emplois.lieu) == "dedans"]
        if annee is not None:
            lignes = lignes[lignes.annee == annee]
        return lignes

    def emplois_debordants(self, ref: Referentiel, tid: TerritoireId | None) -> pd.DataFrame:
        return self.emplois[self._position(ref, tid, self.emplois.lieu) == "debordant"]

    def financements_du_territoire(
        self, ref: Referentiel, tid: TerritoireId | None, annee: int | None = None
    ) -> pd.DataFrame:
        lignes = self.financements[self._position(ref, tid, self.financements.lieu) == "dedans"]
        if annee is not None:
            couvre = [_couvre(d, f, annee) for d, f in zip(lignes.annee_debut, lignes.annee_fin, strict=True)]
            lignes = lignes[pd.Series(couvre, index=lignes.index, dtype=bool)].copy()
            # A grant over several years counts for one year by an equal share, never in full:
            # otherwise it would be counted again in each year it covers.
            debut = lignes.annee_debut.fillna(lignes.annee_fin)
            fin = lignes.annee_fin.fillna(lignes.annee_debut)
            duree = (fin - debut + 1).astype("Float64").fillna(1.0).clip(lower=1.0)
            lignes["reparti_sur_annees"] = (duree > 1).astype(bool)
            lignes["montant_eur"] = (lignes.montant_eur / duree).astype(float).round(2)
        return lignes

    def projets_du_territoire(self, ref: Referentiel, tid: TerritoireId | None) -> pd.DataFrame:
        return self.projets[self._position(ref, tid, self.projets.lieu) == "dedans"]

    def restreindre(self, projet: str | None = None, etape: str | None = None) -> DonneesSaisies:
        """Only the chosen project (by name) or stage, with its PTCE, structures, jobs and funding.

        What a click on a chart selects, so that the map shows the same thing as the table.
        """
        if projet is None and etape is None:
            return self
        projets = self.projets[projets_choisis(self.projets, projet, etape)]
        ids_projets = set(projets.projet_id)
        ids_ptce = set(projets.ptce_id.dropna())
        structures = self.structures[
            parmi(self.structures.projet_id, ids_projets)
            | (self.structures.projet_id.isna() & parmi(self.structures.ptce_id, ids_ptce))
        ]
        return replace(
            self,
            ptce=self.ptce[parmi(self.ptce.ptce_id, ids_ptce)],
            projets=projets,
            structures=structures,
            emplois=self.emplois[parmi(self.emplois.projet_id, ids_projets)],
            financements=self.financements[
                parmi(self.financements.projet_id, ids_projets) | parmi(self.financements.ptce_id, ids_ptce)
            ],
        )

    def ptce_du_territoire(self, ref: Referentiel, tid: TerritoireId | None) -> pd.DataFrame:
        """PTCE whose perimeter lies inside or overlaps the territory (``position`` column)."""
        positions = self._position(ref, tid, self.ptce.perimetre)
        return self.ptce.assign(position=positions)[positions != "dehors"]

    def annees(self) -> list[int]:
        annees = set(self.emplois.annee.dropna().astype(int))
        for debut, fin in zip(self.financements.annee_debut, self.financements.annee_fin, strict=True):
            if pd.notna(debut):
                annees |= set(range(int(debut), int(fin if pd.notna(fin) else debut) + 1))
        return sorted(annees)

    def sirets_communes(self) -> dict[str, str]:
        """SIRET → commune of the structures entered with both."""
        connues = self.structures.dropna(subset=["siret", "commune"])
        return dict(zip(connues.siret, connues.commune, strict=True))

    # Report --------------------------------------------------------------------

    def bloc(self, ref: Referentiel, tid: TerritoireId | None, annee: int | None = None) -> dict:
        """Jobs of the projects inside the territory: known figures summed, projects without one counted.

        ``crees_total`` (and each kind) is ``None`` when no project of the territory has a figure
        (of the year, when given): no figure entered is not « zero jobs created ».
        """
        lignes = self.emplois_du_territoire(ref, tid, annee)
        projets = self.projets_du_territoire(ref, tid)
        connu = not lignes.empty
        par_nature = lignes.groupby("nature").nombre.sum()
        par_projet = []
        for (projet, ptce), groupe in lignes.groupby(["projet", "ptce"], dropna=False, sort=True):
            natures = groupe.groupby("nature").nombre.sum()
            par_projet.append(
                {
                    "projet": projet,
                    "ptce": None if pd.isna(ptce) else ptce,
                    "insertion": int(natures.get("insertion", 0)),
                    "encadrement": int(natures.get("encadrement", 0)),
                    "autre": int(natures.get("autre", 0)),
                    "total": int(groupe.nombre.sum()),
                    "annees": sorted({int(a) for a in groupe.annee.dropna()}),
                    "sources": sorted(set(groupe.source)),
                }
            )
        debordants = self.emplois_debordants(ref, tid)
        bloc = {
            "disponible": True,
            "annee": annee,
            "crees_total": int(lignes.nombre.sum()) if connu else None,
            **{nature: int(par_nature.get(nature, 0)) if connu else None for nature in store.NATURES_EMPLOI},
            "projets": len(projets),
            "projets_sans_emplois": int((~parmi(projets.projet_id, set(lignes.projet_id))).sum()),
            "par_projet": par_projet,
            "lignes_sans_annee": int(lignes.annee.isna().sum()),
            **(
                {
                    "non_comptes_debordants": int(debordants.nombre.sum()),
                    "raison_non_comptes": "emplois de projets dont le périmètre déborde ce territoire",
                }
                if len(debordants)
                else {}
            ),
            "source": SOURCE_SAISIES,
        }
        bloc["crees_texte"] = texte_emplois_crees(bloc)
        return bloc


def valeur_emplois_crees(bloc: dict) -> str:
    """The jobs total of a :meth:`DonneesSaisies.bloc` as a key figure: « 42 », or « inconnu »."""
    return nombre_fr(bloc.get("crees_total"), inconnu="inconnu")


def precision_emplois_crees(bloc: dict) -> str:
    """What the total leaves out: « 2 projets sans chiffre d'emplois », « aucun projet saisi… » or ``""``."""
    sans_chiffre = bloc.get("projets_sans_emplois") or 0
    if sans_chiffre:
        texte = accorder(sans_chiffre, "projet sans chiffre d'emplois", "projets sans chiffre d'emplois")
        return texte + (f" en {bloc['annee']}" if bloc.get("annee") else "")
    if bloc.get("crees_total") is None:
        return "aucun projet saisi dans ce territoire"
    return ""


def texte_emplois_crees(bloc: dict) -> str:
    """« 42 », « 42 (2 projets sans chiffre d'emplois) », « inconnu (3 projets sans chiffre d'emplois) »."""
    precision = precision_emplois_crees(bloc)
    return valeur_emplois_crees(bloc) + (f" ({precision})" if precision else "")


def texte_natures(bloc: dict) -> str:
    """The total by kind of job (« Insertion 35 · encadrement 7 · autre 0 »), or why there is none."""
    if bloc.get("crees_total") is None:
        return "Aucun chiffre d'emplois saisi : insertion, encadrement et autre inconnus"
    texte = " · ".join(f"{nature} {nombre_fr(bloc[nature])}" for nature in store.NATURES_EMPLOI)
    return texte[:1].upper() + texte[1:]


def _periode(debut, fin) -> str:
    if pd.isna(debut) and pd.isna(fin):
        return "année inconnue"
    if pd.isna(fin) or debut == fin:
        return str(int(debut if pd.notna(debut) else fin))
    if pd.isna(debut):
        return str(int(fin))
    return f"{int(debut)}–{int(fin)}"


def _couvre(debut, fin, annee: int) -> bool:
    if pd.isna(debut) and pd.isna(fin):
        return False
    debut = int(debut) if pd.notna(debut) else int(fin)
    fin = int(fin) if pd.notna(fin) else debut
    return debut <= annee <= fin


def _communes_territoire(ref: Referentiel, tid: TerritoireId) -> frozenset[str]:
    return frozenset(ref.communes_de(tid).code)


def charger(depot: store.Depot | None = None) -> DonneesSaisies:
    """The store's records as tables (the default store, seeded on first use, when none is given)."""
    return DonneesSaisies.depuis_depot(depot or depot_pret())


def bloc_rapport(ref: Referentiel, tid: TerritoireId | None, annee: int | None = None, **_options) -> dict:
    """The ``emplois`` block of ``geo.rendu.report``: jobs created by the projects entered."""
    try:
        donnees = charger()
    except store.BaseInaccessible as erreur:  # a store out of reach must not stop the report
        return {"disponible": False, "raison": store.message_indisponible(erreur)}
    return donnees.bloc(ref, tid, annee)


def table_ratio(
    donnees: DonneesSaisies, ref: Referentiel, tid: TerritoireId | None, annee: int | None = None
):
    """Per PTCE (or project without PTCE) of the territory: jobs, known funding, completeness.

    ``emplois`` is ``None`` (not 0) for a PTCE or project without any job figure.

    Funding counted for a PTCE is what it received and what its projects received;
    ``complet`` is False when one of those amounts is unknown, or when it received
    nothing recorded at all while it created jobs.
    """
    emplois = donnees.emplois_du_territoire(ref, tid, annee)
    financements = donnees.financements_du_territoire(ref, tid, annee)
    emplois = emplois.assign(nom=emplois.ptce.fillna(emplois.projet))
    financements = financements.assign(nom=financements.ptce.fillna(financements.projet))
    lignes = []
    for nom in sorted(set(emplois.nom.dropna()) | set(financements.nom.dropna())):
        f = financements[financements.nom == nom]
        e = emplois[emplois.nom == nom]
        lignes.append(
            {
                "nom": nom,
                # No job figure entered is unknown, not zero jobs for the money.
                "emplois": int(e.nombre.sum()) if len(e) else None,
                "financement_eur": float(f.montant_eur.sum()) if f.montant_eur.notna().any() else None,
                "complet": bool(len(f)) and bool(f.montant_eur.notna().all()),
            }
        )
    table = pd.DataFrame(lignes, columns=["nom", "emplois", "financement_eur", "complet"])
    return table.astype({"emplois": "Int64", "financement_eur": float})


TABLES_SAISIES = {
    "ptce": "PTCE",
    "projets": "projets",
    "structures": "structures",
    "emplois": "emplois",
    "financements": "financements",
}


# What one row of each table is, in the count of rows the Saisie page gives.
LIGNES_SAISIES = {
    "ptce": ("PTCE", "PTCE"),
    "projets": ("projet", "projets"),
    "structures": ("structure", "structures"),
    "emplois": ("ligne d'emplois", "lignes d'emplois"),
    "financements": ("financement", "financements"),
}


def resume_tables_saisies(tables: dict[str, pd.DataFrame]) -> str:
    """Rows of each table of the store (:func:`geo.base.saisie_export.exporter`), the jobs they hold summed.

    A row of ``emplois`` holds a number of jobs of one kind: its rows are not its jobs
    (6 rows of the seed pack hold 42 jobs). The total is the one every page gives for France,
    with the projects that have no job row counted, as :meth:`DonneesSaisies.bloc` does.
    """
    parties = [accorder(len(tables[table]), *libelles) for table, libelles in LIGNES_SAISIES.items()]
    lignes_emplois, projets = tables["emplois"], tables["projets"]
    if len(projets):
        bloc = {
            "crees_total": int(lignes_emplois.nombre.sum()) if len(lignes_emplois) else None,
            "projets_sans_emplois": int((~parmi(projets.nom, set(lignes_emplois.projet))).sum()),
        }
        total = (
            "emplois créés : inconnu"
            if bloc["crees_total"] is None
            else accorder(bloc["crees_total"], "emploi créé", "emplois créés")
        )
        precision = precision_emplois_crees(bloc)
        parties[3] += f" ({total}" + (f" ; {precision})" if precision else ")")
    return " · ".join(parties)


def provenance_saisies(donnees: DonneesSaisies) -> pd.DataFrame:
    """Rows of the store per origin: each field document, each imported file, the in-app form.

    A row's ``source`` starts with its document or file name (``"aliss-ptce-soissonnais.txt : …"``);
    field documents end in ``.txt``. Columns: ``origine, source, <one column per table>, total``.
    """
    lignes = []
    for attribut, libelle in TABLES_SAISIES.items():
        table = getattr(donnees, attribut)
        if table.empty:
            continue
        sources = table.source.fillna("non précisée").astype(str).str.split(" : ").str[0].str.strip()
        for source, nombre in sources.value_counts().items():
            lignes.append({"source": source, "table": libelle, "lignes": int(nombre)})
    if not lignes:
        return pd.DataFrame(columns=["origine", "source", "total"])
    tableau = pd.DataFrame(lignes).pivot_table(
        index="source", columns="table", values="lignes", aggfunc="sum", fill_value=0
    )
    tableau = tableau.reindex(columns=[c for c in TABLES_SAISIES.values() if c in tableau.columns])
    tableau["total"] = tableau.sum(axis=1)
    tableau = tableau.reset_index()
    tableau.insert(
        0,
        "origine",
        tableau.source.map(
            lambda s: (
                "document de terrain (pack de semences)"
                if s.endswith(".txt")
                else "saisie dans l'application"
                if s == "saisie"
                else "fichier importé par un utilisateur"
            )
        ),
    )
    return tableau.sort_values(["origine", "source"]).reset_index(drop=True)
