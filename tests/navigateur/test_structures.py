"""In Chromium: a structure whose name holds markup shows it as text in its popup."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from geo.build import etapes
from geo.donnees import structures
from geo.sources import Localisation, siae
from tests.navigateur.aides import ARTEFACTS, IFRAME_CARTE, attendre_carte_immobile, demarrer

pytestmark = pytest.mark.navigateur

NOM_PIEGE = '<script>window.__pirate=1</script><img src=x onerror="window.__pirate=2">Atelier'


@pytest.fixture(scope="module")
def application_structures(referentiel, tmp_path_factory):
    """The app over a cache whose only structure (in Lille) has a name full of markup."""
    dossier = tmp_path_factory.mktemp("structures_piege")
    fichier = dossier / "siae_2021_points.csv"
    fichier.write_text(
        "siret,name,kind,naf,address,post_code,city,department,longitude,latitude\n"
        f'73282932000074,"{NOM_PIEGE.replace(chr(34), chr(34) * 2)}",ACI,8899B,1 rue X,59000,Lille,59,'
        "3.0573,50.6329\n",
        encoding="utf-8",
    )
    cache = dossier / "donnees" / "cache"
    cache.mkdir(parents=True)
    (cache / "territoires").symlink_to(referentiel.dossier)
    localisation = Localisation(siae.SIAE_2021.id, fichier, "miroir", dt.date.today().isoformat())
    sortie = cache / structures.ETAPE.nom
    sortie.mkdir()
    manifeste = structures.construire(sortie, referentiel, {siae.SIAE_2021.id: localisation})
    manifeste.update(etape="structures", titre=structures.ETAPE.titre, sources=[], indisponibles={})
    (sortie / etapes.NOM_MANIFESTE).write_text(__import__("json").dumps(manifeste), encoding="utf-8")
    environnement = {**os.environ, "ESS_DATA_DIR": str(cache.parent)}
    environnement.pop("ESS_DATA_MIRROR", None)
    yield from demarrer(environnement, ARTEFACTS / "streamlit-structures.log")


def test_markup_in_a_name_shows_as_text_in_the_popup(application_structures, page):
    page.goto(f"{application_structures}/structures?territoire=commune:59350")
    carte = page.frame_locator(IFRAME_CARTE)
    marqueur = carte.locator("path.structure-ess")
    marqueur.first.wait_for(state="attached", timeout=60_000)
    assert marqueur.count() == 1
    attendre_carte_immobile(page)  # the map finishes framing the commune
    conteneur = carte.locator(".leaflet-container")
    conteneur.scroll_into_view_if_needed()
    boite = marqueur.first.bounding_box()
    page.mouse.click(boite["x"] + boite["width"] / 2, boite["y"] + boite["height"] / 2)
    popup = carte.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert NOM_PIEGE in popup.inner_text()
    assert popup.locator("script, img").count() == 0
    assert "Insertion par l'activité économique (SIAE)" in popup.inner_text()
    # Nothing in the name ran, in the map's frame or in the page.
    assert popup.evaluate("e => e.ownerDocument.defaultView.__pirate === undefined")
    assert page.evaluate("() => window.__pirate === undefined")
    page.screenshot(path=str(ARTEFACTS / "structures-popup-echappe.png"))
