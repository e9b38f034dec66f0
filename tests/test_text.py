import pytest

from geo.outils.text import accorder, cle_recherche, echapper, nombre_fr


def test_cle_recherche_ignores_accents_case_and_punctuation():
    assert cle_recherche("Saint-Étienne-du-Rouvray") == "saint etienne du rouvray"
    assert cle_recherche("  L’Haÿ-les-Roses ") == "l hay les roses"
    assert cle_recherche("Œuilly") == "oeuilly"


def test_echapper_neutralises_markup():
    assert echapper('<script>alert("x")</script>') == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert echapper(None) == ""


def test_nombre_fr():
    assert nombre_fr(158754) == "158\u202f754"
    assert nombre_fr(372.66, 1) == "372,7"
    assert nombre_fr(None) == "inconnue"
    assert nombre_fr(float("nan"), inconnu="?") == "?"


@pytest.mark.parametrize(
    ("nombre", "singulier", "pluriel", "attendu"),
    [
        (0, "commune", None, "0 commune"),
        (1, "commune", None, "1 commune"),
        (2, "commune", None, "2 communes"),
        (1.5, "poste", None, "1,5 poste"),
        (2.0, "poste", None, "2 postes"),
        (12345, "structure", None, "12\u202f345 structures"),
        (3, "QPV", None, "3 QPV"),
        (4, "jeu", "jeux", "4 jeux"),
        (2, "quartier prioritaire", "quartiers prioritaires", "2 quartiers prioritaires"),
        (1, "quartier prioritaire", "quartiers prioritaires", "1 quartier prioritaire"),
        (None, "commune", None, "nombre inconnu de communes"),
        (float("nan"), "commune", None, "nombre inconnu de communes"),
    ],
)
def test_accorder_follows_the_french_rule_that_0_and_1_are_singular(nombre, singulier, pluriel, attendu):
    assert accorder(nombre, singulier, pluriel) == attendu


def test_accorder_returns_the_words_alone_and_asks_for_the_plural_of_a_group_of_words():
    assert accorder(1, "refusée", avec_nombre=False) == "refusée"
    assert accorder(5, "refusée", avec_nombre=False) == "refusées"
    with pytest.raises(ValueError, match="pluriel"):
        accorder(2, "commune rurale")


def _pluriels_paresseux() -> list[str]:
    """User-facing string literals of the app that still write a lazy « (s) » plural."""
    import ast
    from pathlib import Path

    racine = Path(__file__).resolve().parent.parent
    dossiers = ("geo", "ui", "pages")
    fichiers = [racine / "app.py", *(p for d in dossiers for p in sorted((racine / d).rglob("*.py")))]
    trouves = []
    for fichier in fichiers:
        arbre = ast.parse(fichier.read_text(encoding="utf-8"))
        docstrings = {
            id(noeud.body[0].value)
            for noeud in ast.walk(arbre)
            if isinstance(noeud, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and noeud.body
            and isinstance(noeud.body[0], ast.Expr)
            and isinstance(noeud.body[0].value, ast.Constant)
        }
        for noeud in ast.walk(arbre):
            if (
                isinstance(noeud, ast.Constant)
                and isinstance(noeud.value, str)
                and id(noeud) not in docstrings
                and ("(s)" in noeud.value or "(e)s" in noeud.value)
            ):
                trouves.append(f"{fichier.relative_to(racine)}:{noeud.lineno}: {noeud.value[:70]!r}")
    return trouves


def test_no_lazy_plural_left_in_user_facing_strings():
    """Every « (s) » of a message goes through accorder, so « 1 ligne refusée », « 2 lignes refusées »."""
    assert _pluriels_paresseux() == []
