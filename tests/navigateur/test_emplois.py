"""In Chromium: clicking a bar of the jobs chart filters the table (only a browser can click a bar)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.navigateur.aides import ARTEFACTS, IFRAME_CARTE, attendre_repos

pytestmark = pytest.mark.navigateur

GRAPHIQUE = "[data-testid=stVegaLiteChart]"
# The bars Vega draws (SVG: a path per bar in its rectangles' group).
BARRES = "g.mark-rect path"


def test_clicking_a_project_bar_filters_the_projects_table(application, page):
    page.goto(f"{application}/emplois?territoire=epci:240200477")
    # By its title: while Streamlit replaces a first run's elements, the first chart in the page
    # can briefly be another one (CI once found the FONJEP chart there).
    graphique = page.locator(GRAPHIQUE, has_text="Emplois créés par projet")
    barres = graphique.locator(BARRES)
    barres.first.wait_for(state="attached", timeout=60_000)
    # Source and years are printed under the title, in the chart's SVG.
    assert "Source : données saisies" in graphique.inner_text()
    # Largest project on top: the first bar drawn is Réaliss's.
    boite = barres.first.bounding_box()
    page.mouse.click(boite["x"] + boite["width"] / 2, boite["y"] + boite["height"] / 2)
    filtre = page.get_by_role("combobox", name="Projet (ou cliquez sur une barre)")
    expect(filtre).to_have_value("Réaliss (régie de quartier)", timeout=30_000)
    # The map shows the same selection: the PTCE of the project clicked, opened by the click.
    page.get_by_text("Carte des PTCE et de leurs structures (sélection)").wait_for(timeout=30_000)
    carte = page.locator(IFRAME_CARTE).last.content_frame
    expect(carte.locator("path.ptce")).to_have_count(1, timeout=60_000)
    filtre.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTEFACTS / "emplois-soissonnais-filtre.png"), full_page=True)
    # The year chosen goes in the address and reaches every figure. Chosen once the click's run
    # is over: a run that ends while the list is open replaces the box and closes the list.
    attendre_repos(page)
    annee = page.get_by_role("combobox", name="Année", exact=True)
    annee.scroll_into_view_if_needed()
    annee.click()
    # Each year says which sources cover it (« 2019 — aucune source de financement ici »).
    page.get_by_role("option", name=re.compile(r"^2019 — ")).click()
    page.wait_for_url("**annee=2019**", timeout=30_000)
    # No source covers 2019: the funding figure says so instead of « 0 € ».
    expect(page.get_by_text("aucune source pour 2019").first).to_be_visible(timeout=30_000)


def test_a_chart_saves_as_png_with_its_source(application, page, tmp_path):
    page.goto(f"{application}/emplois?territoire=epci:240200477")
    graphique = page.locator(GRAPHIQUE, has_text="Emplois créés par projet")
    graphique.locator(BARRES).first.wait_for(state="attached", timeout=60_000)
    graphique.hover()
    # Streamlit's toolbar over the chart: the PNG is made in the browser by Vega itself, title,
    # source and years included (nothing leaves the page).
    bouton = page.get_by_role("button", name=re.compile("png", re.IGNORECASE)).first
    with page.expect_download(timeout=60_000) as telechargement:
        bouton.click()
    fichier = tmp_path / "graphique.png"
    telechargement.value.save_as(fichier)
    assert telechargement.value.suggested_filename.endswith(".png")
    from PIL import Image

    with Image.open(fichier) as image:
        assert image.format == "PNG"
        assert image.width >= 800  # scale 2: sharp enough for a slide


def test_a_chart_values_table_opens_from_the_keyboard(application, page):
    """Issue 33: a chart's values table is drawn once its expander opens (closed, the four grids
    cost the page's opening 0.2 s); opened with the keyboard, it shows the chart's values."""
    page.goto(f"{application}/emplois?territoire=epci:240200477")
    graphique = page.locator(GRAPHIQUE, has_text="Emplois créés par projet")
    graphique.locator(BARRES).first.wait_for(state="attached", timeout=60_000)
    attendre_repos(page)
    boite = page.get_by_test_id("stExpander").filter(has_text="Valeurs du graphique (tableau)").first
    # Once the page's own grids are drawn, the closed expander holds none (it held one before).
    expect(page.locator("[data-testid=stDataFrame]:visible").first).to_be_visible(timeout=30_000)
    expect(boite.get_by_test_id("stDataFrame")).to_have_count(0)
    sommaire = boite.locator("summary")
    sommaire.focus()
    page.keyboard.press("Enter")
    tableau = boite.get_by_test_id("stDataFrame")
    expect(tableau).to_be_visible(timeout=30_000)
    # The grid's own table for assistive technologies holds the values the chart draws.
    expect(tableau).to_contain_text("Réaliss (régie de quartier)", timeout=30_000)
    expect(sommaire).to_be_focused()
