"""The tables of entered data and how an import reports (geo.base.saisie_modele)."""

from __future__ import annotations

from geo.base import saisie_modele


def test_columns_and_required_columns_follow_the_template():
    assert saisie_modele.colonnes("emplois") == ["projet", "annee", "nature", "nombre", "source"]
    assert saisie_modele.requises("emplois") == ["projet", "nature", "nombre"]
    assert saisie_modele.requises("financements") == []
    assert set(saisie_modele.ORDRE) == set(saisie_modele.COLONNES)
    sans_aide = {c for t in saisie_modele.ORDRE for c in saisie_modele.colonnes(t)} - set(
        saisie_modele.AIDE_COLONNES
    )
    assert sans_aide == set()


def test_an_error_names_sheet_line_and_column_in_french():
    assert str(saisie_modele.Erreur("emplois", 3, "nombre", "valeur obligatoire manquante.")) == (
        "« emplois », ligne 3, colonne « nombre » : valeur obligatoire manquante."
    )
    assert str(saisie_modele.Erreur("", None, None, "réservé aux administrateurs.")) == (
        "réservé aux administrateurs."
    )


def test_a_refusal_counts_every_error_and_quotes_the_first_five():
    erreurs = [saisie_modele.Erreur("f", n, None, "faux.") for n in range(2, 9)]
    refus = saisie_modele.ImportRefuse(erreurs)
    assert refus.erreurs == erreurs
    assert str(refus).startswith("Import refusé, rien n'a été enregistré : 7 erreurs. « f », ligne 2 : faux.")
    assert str(refus).count("faux.") == 5
    assert str(refus).endswith(" …")


def test_the_report_says_what_was_written_and_skipped():
    rapport = saisie_modele.RapportImport(
        ecrites={"ptce": 0, "financements": 3}, ignorees={"financements": 2}
    )
    assert rapport.total == 3
    assert rapport.resume() == (
        "Import réussi, lignes enregistrées : financements 3. "
        "Lignes déjà présentes, non réécrites : financements 2."
    )
    assert saisie_modele.RapportImport().resume() == "Import réussi, lignes enregistrées : aucune."
