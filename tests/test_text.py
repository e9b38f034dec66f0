from geo.text import cle_recherche, echapper, nombre_fr


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
