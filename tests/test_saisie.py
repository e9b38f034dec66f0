"""Writing an import all or nothing, rows journaled as the ORM would, the form, the seed pack.

On SQLite, and on PostgreSQL when ESS_TEST_POSTGRES_URL names a server (``depot`` of conftest)."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from benchmarks.bench_import import fichier_financements
from geo.base import journal, saisie, saisie_export, saisie_modele, semences, store


def _compter(depot, modele) -> int:
    with depot.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(modele))


def _base_aliss(depot):
    saisie.importer(depot, b"nom;perimetre\nALISS;200071991\n", "ptce.csv")
    saisie.importer(depot, "nom;ptce;etape\nRéaliss;aliss;lancement\n".encode(), "projets.csv")


def test_an_error_in_a_later_sheet_rolls_back_earlier_sheets(depot):
    classeur = saisie_export.classeur_excel(
        {
            "ptce": pd.DataFrame({"nom": ["Pôle A"], "perimetre": ["epci:200042190"]}),
            "projets": pd.DataFrame({"nom": ["P1"], "ptce": ["Pôle A"], "etape": ["incubation"]}),
        }
    )
    with pytest.raises(saisie_modele.ImportRefuse) as refus:
        saisie.importer(depot, classeur, "saisie.xlsx")
    assert [(e.feuille, e.ligne, e.colonne) for e in refus.value.erreurs] == [("projets", 2, "etape")]
    assert "étape « incubation » inconnue" in refus.value.erreurs[0].message
    assert _compter(depot, store.PTCE) == 0


def test_form_rows_get_the_same_checks(depot):
    _base_aliss(depot)
    rapport = saisie.ajouter(depot, "emplois", {"projet": "Réaliss", "nature": "encadrement", "nombre": 3})
    assert rapport.ecrites == {"emplois": 1}
    with depot.session() as session:
        assert session.scalars(sa.select(store.Emploi.source)).one() == "saisie"
    with pytest.raises(saisie_modele.ImportRefuse, match="nombre"):
        saisie.ajouter(depot, "emplois", {"projet": "Réaliss", "nature": "autre", "nombre": "trois"})


def test_seed_pack_states_what_the_documents_say(depot):
    rapport = semences.semer(depot)
    assert rapport.ecrites["ptce"] == 5
    sources = pd.concat([t.source for t in semences.tables().values()])
    documents = {
        "aliss-ptce-soissonnais.txt",
        "ptce-laureats-appel-2013-coorace.txt",
        "porte-du-hainaut-ess-carenews-2024.txt",
        "rtes-kit-municipaless-17-animer-son-territoire.txt",
        "rtes-progress-roannais-2010.txt",
    }
    # Every row cites one of the five documents, and every document is used.
    assert set(sources.str.split(" : ").str[0]) == documents
    with depot.session() as session:
        emplois = session.execute(
            sa.select(store.Projet.nom, store.Emploi.nature, store.Emploi.nombre, store.Emploi.annee).join(
                store.Emploi.projet
            )
        ).all()
        montants = dict(
            session.execute(
                sa.select(store.PTCE.nom, store.Financement.montant_eur).join(store.Financement.ptce)
            ).all()
        )
    assert sum(n for _, _, n, _ in emplois) == 42  # 19+3 + 6+2 + 10+2
    assert {a for *_, a in emplois} == {None}  # the document gives no year
    assert montants["ALISS (PTCE du Soissonnais)"] == Decimal("120000")
    assert montants["PTCE Centre Isère"] is None  # share of the 3 M€ not stated
    # Loading twice writes nothing more; an empty store only is filled on first use.
    assert semences.semer(depot).total == 0
    assert semences.semer_si_vide(depot) is None


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
