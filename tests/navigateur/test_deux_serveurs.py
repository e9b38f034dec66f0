"""Two app processes on one PostgreSQL: what one records, the other shows on its next run.

The deployment of ``deploy/`` runs several identical processes behind a proxy. Each keeps
its own caches of the entered data; a change counter in the database (one tiny query per
run) tells every process that another one wrote. Here, a funding entered through server A's
Saisie page appears on server B's Emplois page, which had already computed (and cached)
that territory's figures.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from geo.base import comptes, store
from geo.donnees import emplois
from tests.conftest import URL_POSTGRES, _base_postgres_neuve
from tests.navigateur.aides import ARTEFACTS, demarrer, financements_recus

pytestmark = pytest.mark.navigateur

MOT_DE_PASSE = "un mot de passe assez long"
SOISSONNAIS = "epci:240200477"  # ALISS, PTCE du Soissonnais (seed pack)
MONTANT = 12_345


@pytest.fixture(scope="module")
def base_partagee(referentiel):
    if not URL_POSTGRES:
        pytest.skip("Pas de serveur PostgreSQL de test : définissez ESS_TEST_POSTGRES_URL (.ci/run le fait).")
    url, schema = _base_postgres_neuve(store.url_par_defaut_de(URL_POSTGRES))
    # Seeded and given an account before either server opens it (as an operator would).
    depot = emplois.depot_pret(url)
    comptes.creer(depot, "admin", "administrateur", MOT_DE_PASSE, nom="Camille")
    depot.fermer()
    yield url
    moteur = store.moteur(store.url_par_defaut_de(URL_POSTGRES))
    with moteur.begin() as connexion:
        connexion.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    moteur.dispose()


@pytest.fixture(scope="module")
def deux_serveurs(base_partagee):
    environnement = dict(os.environ, DATABASE_URL=base_partagee)
    environnement.pop("ESS_LECTURE_SEULE", None)
    serveur_a = demarrer(environnement, ARTEFACTS / "streamlit-a.log")
    serveur_b = demarrer(environnement, ARTEFACTS / "streamlit-b.log")
    adresses = (next(serveur_a), next(serveur_b))
    yield adresses
    for serveur in (serveur_a, serveur_b):
        next(serveur, None)  # stops the process


def test_a_funding_entered_on_one_server_shows_on_the_other(deux_serveurs, navigateur, page):
    adresse_a, adresse_b = deux_serveurs
    assert adresse_a != adresse_b

    # Server B computes (and caches) the Soissonnais figures first.
    page.goto(f"{adresse_b}/emplois?territoire={SOISSONNAIS}")
    avant = financements_recus(page)

    # A contributor records a funding of ALISS through server A.
    contexte_a = navigateur.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    saisie = contexte_a.new_page()
    try:
        saisie.goto(f"{adresse_a}/saisie")
        saisie.get_by_label("Identifiant").fill("admin")
        saisie.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        saisie.get_by_role("button", name="Se connecter").click()
        saisie.get_by_text("Un financement").click()
        ptce = saisie.get_by_role("combobox", name="PTCE")
        ptce.click()
        saisie.get_by_role("option", name="ALISS (PTCE du Soissonnais)").click()
        saisie.get_by_label("Financeur").fill("Essai à deux serveurs")
        saisie.get_by_label("Montant (€)").fill(f"{MONTANT} €")
        saisie.get_by_label("Première année").fill("2024")
        saisie.get_by_role("button", name="Enregistrer").click()
        expect(saisie.get_by_test_id("stAlertContentSuccess")).to_be_visible(timeout=60_000)
    finally:
        contexte_a.close()

    # Server B's next run sees it: its cached figures were keyed on the old counter.
    page.reload()
    apres = financements_recus(page)
    assert apres == avant + MONTANT
