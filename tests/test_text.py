from geo.text import accorder, cle_recherche, echapper, nombre_fr


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


def test_words_agree_with_their_number_the_french_way():
    assert accorder(0, "commune") == "0 commune"
    assert accorder(1, "commune") == "1 commune"
    assert accorder(2, "commune") == "2 communes"
    assert accorder(47, "QPV", "QPV") == "47 QPV"
    assert accorder(3, "ligne refusée", "lignes refusées") == "3 lignes refusées"
    assert accorder(12345, "structure") == "12\u202f345 structures"
