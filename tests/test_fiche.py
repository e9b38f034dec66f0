"""The one-page PDF fiche, read back as text and looked at as an image."""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pypdfium2
from pypdf import PdfReader

from geo.donnees import commerces, qpv, structures
from geo.rendu import fiche
from geo.territoires.referentiel import TerritoireId
from tests.conftest import RACINE

PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")


def _artefact(nom: str):
    """Where a rendered page is kept for a person to look at (tests/artefacts, not committed)."""
    dossier = RACINE / "tests" / "artefacts"
    dossier.mkdir(exist_ok=True)
    return dossier / nom


def _texte(contenu: bytes) -> tuple[int, str]:
    lecteur = PdfReader(io.BytesIO(contenu))
    texte = "\n".join(page.extract_text() for page in lecteur.pages)
    # Justified lines come back with doubled spaces.
    return len(lecteur.pages), re.sub(" {2,}", " ", texte)


def test_fiche_is_one_page_with_figures_sources_and_date(referentiel):
    contenu = fiche.pdf(referentiel, PORTE_DU_HAINAUT, date=dt.date(2026, 11, 22))
    pages, texte = _texte(contenu)
    territoire = referentiel.territoire(PORTE_DU_HAINAUT)
    assert pages == 1
    assert "Communauté d'agglomération de la Porte du Hainaut" in texte
    assert "Hauts-de-France › Nord" in texte
    assert "47" in texte
    assert f"{territoire.population:,}".replace(",", "\u202f") in texte
    assert f"population municipale {territoire.millesime_population}" in texte
    assert "Sources" in texte
    assert "Licence Ouverte 2.0" in texte
    assert "Fiche produite le 22/11/2026" in texte


def test_fiche_map_is_drawn(referentiel):
    contenu = fiche.pdf(referentiel, TerritoireId("commune", "02722"))
    image = pypdfium2.PdfDocument(contenu)[0].render(scale=1.2).to_pil().convert("RGB")
    image.save(_artefact("fiche-soissons.png"))
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    bleus = (pixels[:, 2] > pixels[:, 0] + 30) & (pixels[:, 2] > 150)  # the communes' blue fill
    orange = (pixels[:, 0] > 180) & (pixels[:, 1] < 160) & (pixels[:, 2] < 120)  # the chosen commune
    assert bleus.mean() > 0.03
    assert orange.mean() > 0.001


def test_fiche_with_qpv_says_what_is_unknown(referentiel, cache_qpv_miroir):
    donnees = qpv.charger(referentiel, cache_qpv_miroir)
    _, texte = _texte(fiche.pdf(referentiel, TerritoireId("commune", "31555"), donnees))
    assert "Quartiers prioritaires" in texte
    assert "12" in texte
    assert "inconnue" in texte  # the 2024 QPV population is not in the mirror
    assert "Périmètres des QPV 2015 en Occitanie" in texte  # used for Toulouse, cited


def test_fiche_of_the_whole_country(referentiel):
    pages, texte = _texte(fiche.pdf(referentiel, None))
    assert pages == 1
    assert "France entière" in texte


def test_fiche_with_shops_counts_and_hatches_them(referentiel, cache_miroir):
    donnees_commerces = commerces.charger(referentiel, cache_miroir)
    contenu = fiche.pdf(
        referentiel,
        PORTE_DU_HAINAUT,
        qpv.charger(referentiel, cache_miroir),
        donnees_commerces=donnees_commerces,
    )
    pages, texte = _texte(contenu)
    assert pages == 1
    assert "Communes sans aucun commerce" in texte
    assert "5 sur 47" in texte
    assert "Base permanente des équipements 2019" in texte
    image = pypdfium2.PdfDocument(contenu)[0].render(scale=1.2).to_pil().convert("RGB")
    image.save(_artefact("fiche-porte-du-hainaut.png"))


def test_fiche_carries_jobs_and_funding_charts(referentiel):
    bloc_emplois = {
        "crees_total": 42,
        "source": "aliss-ptce-soissonnais.txt",
        "par_projet": [
            {
                "projet": "Réaliss (régie de quartier)",
                "insertion": 19,
                "encadrement": 3,
                "autre": 0,
                "total": 22,
            },
            {
                "projet": "Axo'Meca (garage solidaire)",
                "insertion": 6,
                "encadrement": 2,
                "autre": 0,
                "total": 8,
            },
        ],
    }
    bloc_financements = {
        "total_eur": 300000.0,
        "par_annee": {"2024": 100000.0, "2025": 50000.0, "année inconnue": 150000.0},
        "donnees_ouvertes": {
            "postes": 3,
            "annees": [2024, 2025],
            "source": "ANCT, Ci.Ville (adultes-relais et postes FONJEP), Licence Ouverte 2.0",
            "non_comparables": {"postes": 1},
        },
    }
    contenu = fiche.pdf(
        referentiel,
        TerritoireId("epci", "240200477"),
        bloc_emplois=bloc_emplois,
        bloc_financements=bloc_financements,
    )
    pages, texte = _texte(contenu)
    assert pages == 1
    assert "Emplois créés par projet (42 au total)" in texte
    assert "Financements reçus par année (300\u202f000 € au total)" in texte
    assert "montant forfaitaire" in texte
    assert "Financements 2024–2025 — ANCT, Ci.Ville" in texte
    image = pypdfium2.PdfDocument(contenu)[0].render(scale=1.2).to_pil().convert("RGB")
    image.save(_artefact("fiche-soissonnais-graphiques.png"))
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    verts = (pixels[:, 1] > 130) & (pixels[:, 0] < 60) & (pixels[:, 2] > 90) & (pixels[:, 2] < 160)
    assert verts.mean() > 0.0005  # the funding bars are drawn


def test_fiche_shows_ess_structures(referentiel, cache_miroir):
    donnees_structures = structures.charger(referentiel, cache_miroir)
    contenu = fiche.pdf(referentiel, TerritoireId("departement", "02"), donnees_structures=donnees_structures)
    pages, texte = _texte(contenu)
    assert pages == 1
    total = donnees_structures.bloc(referentiel, TerritoireId("departement", "02"))["total"]
    assert total > 0
    assert f"Structures de l'ESS\n{total}" in texte
    assert "Fabriques de territoire" in texte  # a source of the register, cited


def test_fiche_compares_and_sets_field_statements_beside_open_data(referentiel, cache_miroir):
    """Porte du Hainaut: the article's six shop-less communes beside the BPE's five, never one alone."""
    from geo.donnees import financements

    contenu = fiche.pdf(
        referentiel,
        PORTE_DU_HAINAUT,
        qpv.charger(referentiel, cache_miroir),
        donnees_commerces=commerces.charger(referentiel, cache_miroir),
        donnees_structures=structures.charger(referentiel, cache_miroir),
        donnees_financements=financements.charger(referentiel, cache_miroir),
    )
    pages, texte = _texte(contenu)
    assert pages == 1
    assert "Comparaison" in texte
    assert "Nord" in texte
    assert "France" in texte
    ligne = next(ligne for ligne in texte.splitlines() if "6 communes sans aucun commerce" in ligne)
    assert "Document de terrain (2024)" in ligne
    assert "BPE 2019" in ligne
    assert "5 communes sur 47" in ligne
    assert "taux de chômage de 18,5 %" in texte
    assert "valeur du département du Nord" in texte


def test_fiche_of_a_commune_explains_its_zero_jobs_and_funding(referentiel, cache_miroir):
    """Soissons: 0 jobs and 0 € come with what is counted at the EPCI or département only."""
    from geo.donnees import financements

    donnees_fin = financements.charger(referentiel, cache_miroir)
    bloc_fin = financements.bloc(donnees_fin, None, referentiel, TerritoireId("commune", "02722"))
    bloc_emplois = {"crees_total": 0, "par_projet": [], "non_comptes_debordants": 42}
    _, texte = _texte(
        fiche.pdf(
            referentiel,
            TerritoireId("commune", "02722"),
            bloc_emplois=bloc_emplois,
            bloc_financements=bloc_fin,
            donnees_financements=donnees_fin,
        )
    )
    assert "ne sont connus qu'à l'échelle du département ou de l'EPCI" in texte
    assert "42 emplois" in texte
    assert "valeur du département de l'Aisne" in texte
