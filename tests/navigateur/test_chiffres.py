"""In Chromium: downloads that work on every click, and a French answer to an unknown page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.navigateur.aides import ARTEFACTS, attendre_repos

pytestmark = pytest.mark.navigateur


def test_unknown_page_says_so_in_french_and_keeps_the_territory(application, page):
    page.goto(f"{application}/page-qui-n-existe-pas?territoire=epci:200042190")
    expect(page.get_by_text("n'existe pas dans ce tableau de bord")).to_be_visible(timeout=60_000)
    # The territory of the address is kept.
    titre = page.get_by_role("heading", name="Communauté d'agglomération de la Porte du Hainaut")
    expect(titre).to_be_visible()


def test_csv_download_works_on_every_click_even_right_after_a_rerun(application, page, tmp_path):
    page.goto(f"{application}/territoire?territoire=epci:200042190")
    bouton = page.get_by_role("button", name="Télécharger le tableau (CSV)")
    bouton.wait_for(timeout=60_000)
    attendre_repos(page)
    for essai in range(3):
        with page.expect_download(timeout=20_000) as telechargement:
            bouton.click()
        chemin = tmp_path / f"communes_{essai}.csv"
        telechargement.value.save_as(chemin)
        contenu = chemin.read_bytes()
        assert contenu.startswith(b"\xef\xbb\xbf")
        lignes = contenu.decode("utf-8-sig").splitlines()
        # French headers, never code names.
        assert lignes[0].startswith('"Nom";"Code";"Population (2021)";"Superficie (km²)"')
        assert len(lignes) == 48
        assert ",0;" not in lignes[1]  # whole numbers without « ,0 »
    # A rerun (the PDF is prepared) must not revoke the CSV: the very next click downloads.
    page.get_by_role("button", name="Préparer : Fiche territoire (PDF)").click()
    pdf = page.get_by_role("button", name="Fiche territoire (PDF)", exact=True)
    pdf.wait_for(timeout=120_000)
    with page.expect_download(timeout=20_000) as telechargement:
        bouton.click()
    assert telechargement.value.failure() is None
    for _ in range(2):
        with page.expect_download(timeout=20_000) as telechargement:
            pdf.click()
        chemin = tmp_path / "fiche.pdf"
        telechargement.value.save_as(chemin)
        assert chemin.read_bytes().startswith(b"%PDF")
    page.screenshot(path=str(ARTEFACTS / "territoire-telechargements.png"), full_page=True)
