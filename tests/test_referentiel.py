"""Territory ids, lookup, membership and search, on the real national tables."""

from __future__ import annotations

import pytest

from geo.territoires.referentiel import (
    IdentifiantInvalide,
    Territoire,
    TerritoireId,
    TerritoireInconnu,
    titre_document,
)

PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("commune:02722", TerritoireId("commune", "02722")),
        ("EPCI:200042190", TerritoireId("epci", "200042190")),
        ("departement:2a", TerritoireId("departement", "2A")),
        ("departement:974", TerritoireId("departement", "974")),
        ("region:32", TerritoireId("region", "32")),
    ],
)
def test_ids_parse_and_print_back(texte, attendu):
    assert TerritoireId.depuis_texte(texte) == attendu
    assert TerritoireId.depuis_texte(str(attendu)) == attendu


@pytest.mark.parametrize("texte", ["02722", "ville:02722", "commune:2722", "epci:12345", "region:ABC", ""])
def test_malformed_ids_are_refused_in_french(texte):
    with pytest.raises(IdentifiantInvalide, match="invalide"):
        TerritoireId.depuis_texte(texte)


def test_porte_du_hainaut_has_its_47_communes(referentiel):
    territoire = referentiel.territoire(PORTE_DU_HAINAUT)
    assert territoire.nom == "Communauté d'agglomération de la Porte du Hainaut"
    assert territoire.nb_communes == 47
    assert len(referentiel.communes_de(PORTE_DU_HAINAUT)) == 47
    assert territoire.population == referentiel.communes_de(PORTE_DU_HAINAUT).population.sum()
    # The field document speaks of about 160,000 inhabitants.
    assert 150_000 < territoire.population < 170_000
    assert [p["id"] for p in territoire.parents] == ["region:32", "departement:59"]
    assert territoire.libelle_niveau == "Communauté d'agglomération"


def test_commune_parents_go_from_region_to_epci(referentiel):
    parents = referentiel.territoire(TerritoireId("commune", "02722")).parents
    assert [p["niveau"] for p in parents] == ["region", "departement", "epci"]
    assert parents[2]["id"] == "epci:240200477"


def test_unknown_population_is_unknown_not_zero(referentiel):
    mayotte = referentiel.territoire(TerritoireId("departement", "976"))
    assert mayotte.population is None
    assert mayotte.note_population
    assert "976" in referentiel.territoire(None).note_population


def test_unknown_territory(referentiel):
    with pytest.raises(TerritoireInconnu, match="aucun EPCI n'a le code 123456789"):
        referentiel.territoire(TerritoireId("epci", "123456789"))


def test_country_is_framed_on_mainland(referentiel):
    minx, miny, maxx, maxy = referentiel.emprise(None)
    assert -6 < minx < -4
    assert 41 < miny < 42.5
    assert 8 < maxx < 10
    assert 50 < maxy < 51.5


@pytest.mark.parametrize(
    ("recherche", "premier"),
    [
        ("porte du hainaut", "epci:200042190"),
        ("Porte du Hainaut", "epci:200042190"),
        ("ca porte du hainaut", "epci:200042190"),
        ("soissons", "commune:02722"),
        ("saint etienne", "commune:42218"),
        ("st etienne", "commune:42218"),
        ("Saint-Étienne", "commune:42218"),
        ("59", "departement:59"),
        ("02722", "commune:02722"),
        ("200042190", "epci:200042190"),
        ("hauts de france", "region:32"),
        ("epci:200042190", "epci:200042190"),
    ],
)
def test_search_finds_what_people_type(referentiel, recherche, premier):
    resultats = referentiel.rechercher(recherche)
    assert resultats.id.iloc[0] == premier


def test_search_finds_agglomeration_inside_a_word(referentiel):
    resultats = referentiel.rechercher("soissons")
    assert "epci:240200477" in list(resultats.id)  # « GrandSoissons Agglomération »
    # What the sidebar lists: the commune first, with its département.
    assert resultats.libelle.iloc[0] == "Soissons — Commune · Aisne (02)"


def test_search_nothing_for_nonsense_or_empty(referentiel):
    assert referentiel.rechercher("zzzxqj").empty
    assert referentiel.rechercher("   ").empty


def test_resolve_refuses_ambiguous_names(referentiel):
    assert referentiel.resoudre("porte du hainaut") == PORTE_DU_HAINAUT
    with pytest.raises(TerritoireInconnu, match="ambigu"):
        referentiel.resoudre("saint")


def test_old_and_arrondissement_codes_map_to_current_communes(referentiel):
    import pandas as pd

    codes = pd.Series(["75101", "69381", "13201", "02722", "12076", "99999", None])
    actuels = referentiel.codes_actuels(codes)
    # Arrondissements → Paris, Lyon, Marseille; a commune déléguée → its commune nouvelle.
    assert actuels.tolist()[:5] == ["75056", "69123", "13055", "02722", "12218"]
    assert actuels.iloc[5:].isna().all()


def test_affichage_lu_une_fois_quand_deux_fils_le_demandent(monkeypatch):
    """The warm-up thread and a visitor's run ask for the same outlines: one read, both served."""
    import threading
    import time

    import geopandas as gpd

    from geo.outils import config
    from geo.territoires.referentiel import charger_referentiel

    ref = charger_referentiel(config.dossier_territoires())  # its own: nothing read yet
    lectures = []
    vraie_lecture = gpd.read_parquet

    def lente(chemin, *a, **k):
        lectures.append(chemin)
        time.sleep(0.2)  # the other thread arrives while this one reads
        return vraie_lecture(chemin, *a, **k)

    monkeypatch.setattr(gpd, "read_parquet", lente)
    tables = []
    fils = [
        threading.Thread(target=lambda: tables.append(ref.affichage("departements", "grossier")))
        for _ in range(2)
    ]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert len(lectures) == 1
    assert tables[0] is tables[1]
    assert len(tables[0]) > 90


def _territoire(niveau: str, nom: str) -> Territoire:
    tid = None if niveau == "france" else TerritoireId(niveau, "200042190" if niveau == "epci" else "59")
    return Territoire(tid, niveau, tid.code if tid else None, nom, None, 1, 1.0)


@pytest.mark.parametrize(
    ("niveau", "nom", "court"),
    [
        ("epci", "Communauté d'agglomération de la Porte du Hainaut", "Porte du Hainaut"),
        ("epci", "Communauté de communes du Pays de Mormal", "Pays de Mormal"),
        ("epci", "Communauté de communes des Hauts de Flandre", "Hauts de Flandre"),
        ("epci", "Communauté de communes de l'Estuaire", "Estuaire"),
        ("epci", "Communauté d'agglomération d'Épinal", "Épinal"),
        ("epci", "Communauté de communes Cœur de l'Avesnois", "Cœur de l'Avesnois"),
        ("epci", "Communauté urbaine de Dunkerque", "Dunkerque"),
        ("epci", "Communauté de communes de la région de Guise", "Région de Guise"),
        ("epci", "Métropole Européenne de Lille", "Métropole Européenne de Lille"),
        ("departement", "Nord", "Nord"),
        # Only an EPCI's name starts with its legal form: a commune's is left whole.
        ("commune", "Communauté de communes", "Communauté de communes"),
        ("france", "France entière", "France"),
    ],
)
def test_a_territory_short_name_leaves_out_its_legal_form(niveau, nom, court):
    assert _territoire(niveau, nom).nom_court == court


def test_a_page_title_names_the_page_then_the_territory_then_the_app(referentiel):
    assert (
        titre_document("Commerces", referentiel.territoire(PORTE_DU_HAINAUT))
        == "Commerces – Porte du Hainaut – ESS & territoires"
    )
    assert titre_document("Carte", referentiel.territoire(None)) == "Carte – France – ESS & territoires"
