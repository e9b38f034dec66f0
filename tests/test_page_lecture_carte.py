"""The Carte page read by a new visitor: it opens on the mission's layers, offers only the layers
that have something to show in the territory, and the ESS share of jobs as a map of France."""

from __future__ import annotations

from tests.test_pages import _ouvrir, _relancer

EPCI = "epci:200042190"


def _interrupteurs(at) -> dict[str, bool]:
    return {
        t.key.removeprefix("couche-"): t.value for t in at.toggle if t.key and t.key.startswith("couche-")
    }


def _texte_sous_carte(at) -> str:
    return next(m.value for m in at.markdown if "Ce que montre la carte" in m.value)


def test_the_map_opens_on_the_mission_layers():
    at = _ouvrir(territoire=EPCI)
    allumees = {nom for nom, valeur in _interrupteurs(at).items() if valeur}
    assert allumees == {"qpv", "commerces", "structures"}
    texte = _texte_sous_carte(at)
    assert "quartiers prioritaires 2024" in texte
    assert "communes sans commerce" in texte
    assert "Aucune couche de données allumée" not in texte
    # The mission's layers are the default: the address stays short.
    assert "couches" not in at.query_params


def test_an_empty_choice_in_the_address_stays_empty():
    at = _ouvrir(territoire=EPCI, couches="qpv")
    at.toggle(key="couche-qpv").set_value(False)
    _relancer(at)
    assert at.query_params["couches"] == ""
    assert not any(_interrupteurs(at).values())
    assert "Aucune couche de données allumée" in _texte_sous_carte(at)
    # Opened again from that address: still empty, not the mission's layers.
    rouvert = _ouvrir(territoire=EPCI, couches="")
    assert not any(_interrupteurs(rouvert).values())


def test_the_2015_qpv_layer_is_offered_only_where_it_has_data():
    assert "qpv_2015" not in _interrupteurs(_ouvrir(territoire=EPCI))
    assert "qpv_2015" in _interrupteurs(_ouvrir(territoire="commune:31555"))


def test_the_ess_share_of_jobs_is_offered_as_a_map_of_france():
    assert "part_ess" not in _interrupteurs(_ouvrir(territoire=EPCI))
    at = _ouvrir(couches="part_ess")
    assert _interrupteurs(at)["part_ess"] is True
    texte = _texte_sous_carte(at)
    assert "départements coloriés selon « Part de l'ESS dans l'emploi salarié privé en 2015 (%) »" in texte
    assert "INSEE, Clap 2015" in texte
    assert "None" not in texte
    assert "nan" not in texte
