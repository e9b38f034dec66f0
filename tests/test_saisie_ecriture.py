"""Writing an import: rows in batches, each journaled as the ORM would, undone whole.

On SQLite, and on PostgreSQL when ESS_TEST_POSTGRES_URL names a server (``depot`` of conftest).
"""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest
import sqlalchemy as sa

from benchmarks.bench_import import fichier_financements
from geo.base import journal, saisie, store


def _etat(depot) -> dict[str, list]:
    with depot.engine.connect() as connexion:
        return {
            table.name: sorted(map(tuple, connexion.execute(sa.select(table)).all()), key=repr)
            for table in store.Base.metadata.sorted_tables
            if table.name in {"ptce", "projet", "structure", "emploi", "financement"}
        }


def _archive(**fichiers: str) -> bytes:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        for nom, texte in fichiers.items():
            archive.writestr(f"{nom}.csv", texte)
    return tampon.getvalue()


def test_rows_of_every_table_are_journaled_as_stored_and_undone_whole(depot):
    """Rows inserted in batches (structures, jobs, funding) get the journal entry an ORM object
    gets, in the order of the writes, so that an undo deletes them before what they name."""
    avant = _etat(depot)
    contenu = _archive(
        ptce="nom;perimetre\nALISS;200071991\n",
        projets="nom;ptce;date_debut\nRéaliss;ALISS;01/06/2016\n",
        structures="nom;siret;ptce;projet;commune\nLa Ressourcerie;732 829 320 00074;ALISS;Réaliss;02722\n",
        emplois="projet;annee;nature;nombre\nRéaliss;2021;insertion;4\n",
        financements="projet;financeur;montant_eur;annee_debut\nRéaliss;Région;1 200,50 €;2021\n",
    )
    rapport = saisie.importer(depot, contenu, "tout.zip")
    assert rapport.ecrites == {"ptce": 1, "projets": 1, "structures": 1, "emplois": 1, "financements": 1}
    with depot.session() as session:
        entrees = session.scalars(
            sa.select(store.Journal).where(store.Journal.lot == rapport.lot).order_by(store.Journal.id)
        ).all()
        assert [e.table_nom for e in entrees] == ["ptce", "projets", "structures", "emplois", "financements"]
        assert len({e.quand for e in entrees}) == 1
        for entree in entrees:
            ligne = session.get(journal.MODELES[entree.table_nom], entree.ligne_id)
            assert json.loads(entree.apres) == journal.instantane(ligne), entree.table_nom
        financement = session.scalars(sa.select(store.Financement)).one()
        projet = session.scalars(sa.select(store.Projet)).one()
        assert financement.projet_id == projet.id
        assert json.loads(entrees[-1].apres)["montant_eur"] == "1200.50"
    assert journal.annuler_lot(depot, rapport.lot, "admin") == 5
    assert _etat(depot) == avant


def test_a_large_import_makes_no_orm_object_per_row(depot):
    """An ORM object per funding line and per journal entry made 100 000 lines take a minute
    and 780 MB (benchmarks/bench_import.py): funding lines are inserted in batches."""
    with depot.session() as session:
        session.add(store.PTCE(nom="PTCE de mesure", source="essai"))
    objets: list[str] = []

    def compter(cible, *_args, **_kwargs) -> None:
        objets.append(type(cible).__name__)

    sa.event.listen(store.Base, "init", compter, propagate=True)
    try:
        rapport = saisie.importer(depot, fichier_financements(2 * saisie.TAILLE_LOT + 10), "financements.csv")
    finally:
        sa.event.remove(store.Base, "init", compter)
    assert rapport.ecrites["financements"] == 2 * saisie.TAILLE_LOT + 10
    assert objets == []
    with depot.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(store.Financement)) == rapport.total
        identifiants = session.scalars(
            sa.select(store.Journal.ligne_id).where(store.Journal.lot == rapport.lot)
        ).all()
        stockes = session.scalars(sa.select(store.Financement.id)).all()
    assert sorted(identifiants) == sorted(stockes)


def test_each_distinct_cell_is_parsed_once_per_sheet(depot, monkeypatch):
    """Years, funders and territories repeat from row to row: a parser sees each value once."""
    with depot.session() as session:
        session.add(store.PTCE(nom="PTCE de mesure", source="essai"))
    vues: list[object] = []
    annee = saisie._annee

    def annee_comptee(valeur):
        vues.append(valeur)
        return annee(valeur)

    monkeypatch.setattr(saisie, "_annee", annee_comptee)
    saisie.importer(depot, fichier_financements(2_600), "financements.csv")
    # 26 years in annee_debut and 26 in annee_fin (benchmarks/bench_import.py).
    assert len(vues) == 2 * 26


def test_a_cached_cell_is_told_apart_from_an_equal_one_of_another_type():
    """1, 1.0 and True are one key of a dict: the cache keys on the type too."""
    index, analyses = saisie._Index(), {}
    lu = []
    for cellule in (1, True, 1):
        ligne = saisie._Ligne("financements", 2, {"montant_eur": cellule}, index, None, [], analyses)
        lu.append((ligne.lire("montant_eur", saisie.montant_fr), [str(e) for e in ligne.problemes]))
    assert lu[0] == lu[2] == (1, [])
    assert lu[1] == (
        None,
        [
            "« financements », ligne 2, colonne « montant_eur » : « True » n'est pas un montant "
            "(exemple : 1 200,50 €)."
        ],
    )


@pytest.mark.parametrize(
    "cellule",
    [
        "'=SOMME(A1)",
        "nom\x07",
        "deux\nlignes",
        "\u202eevenir",
        "１２３",
        "٢٠٢١",
        "ﬁ",
    ],
)
def test_a_column_with_a_cell_to_normalise_is_never_skipped(cellule):
    """The column-wise search lists every column where a cell would be changed or refused."""
    for colonne in ("nom", "siret", "note", "montant_eur"):
        cadre = pd.DataFrame({colonne: ["propre", 12.5, None, cellule, "1 200 €"]}, dtype=object)
        normalisee, problemes = saisie._normaliser_ligne({colonne: cellule}, "f", 5)
        touchee = bool(problemes) or normalisee[colonne] != cellule
        assert (colonne in saisie._colonnes_a_normaliser(cadre)) or not touchee, (colonne, cellule)


def test_clean_columns_are_not_looked_at_cell_by_cell():
    cadre = pd.DataFrame(
        {"nom": ["Réaliss", "L'Atelier"], "montant_eur": ["1 200,50 €", "12"], "note": ["a\nb", None]},
        dtype=object,
    )
    assert saisie._colonnes_a_normaliser(cadre) == []
