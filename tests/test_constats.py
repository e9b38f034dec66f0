"""Field statements of the seed pack, each beside the open-data figure for the same thing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.donnees import commerces, constats, financements, structures
from geo.territoires.referentiel import TerritoireId

PORTE_DU_HAINAUT = TerritoireId("epci", "200042190")
SEMENCES = Path("/work/shared/seeds")


def test_every_statement_cites_an_existing_field_document():
    table = pd.read_csv(constats.FICHIER, sep=";", dtype=str)
    assert not table.source.isna().any()
    documents = {s.split(" : ", 1)[0] for s in table.source}
    noms_connus = {
        "aliss-ptce-soissonnais.txt",
        "ptce-laureats-appel-2013-coorace.txt",
        "porte-du-hainaut-ess-carenews-2024.txt",
        "rtes-kit-municipaless-17-animer-son-territoire.txt",
        "rtes-progress-roannais-2010.txt",
    }
    assert documents <= noms_connus
    if SEMENCES.is_dir():
        for document in documents:
            assert (SEMENCES / document).is_file()


def test_porte_du_hainaut_statements_beside_open_data(referentiel, cache_miroir):
    liste = constats.constats(
        referentiel,
        PORTE_DU_HAINAUT,
        commerces.charger(referentiel, cache_miroir),
        structures.charger(referentiel, cache_miroir),
        financements.charger(referentiel, cache_miroir),
    )
    par_indicateur = {c.indicateur: c for c in liste}
    commerce = par_indicateur["communes_sans_commerce"]
    assert commerce.valeur_document == 6
    assert commerce.valeur_application == 5  # both shown: neither replaces the other
    assert commerce.ligne.startswith("Document de terrain (2024) : 6 communes")
    assert "BPE 2019" in commerce.ligne
    assert "5 communes sur 47" in commerce.ligne
    chomage = par_indicateur["taux_chomage_pct"]
    assert chomage.valeur_document == 18.5
    if referentiel.recensement is None:  # populations step not built: the census rate is not there
        assert chomage.texte_application is None
    else:
        assert chomage.valeur_application == 18.0
        assert "recensement 2021" in chomage.ligne
    # Nothing in the open data measures poverty here: said, not hidden.
    assert "pas de chiffre correspondant" in par_indicateur["taux_pauvrete_pct"].ligne
    assert "valeur du département du Nord" in par_indicateur["part_ess_emploi_pct"].ligne


def test_no_statement_for_a_territory_without_documents(referentiel):
    assert constats.constats(referentiel, TerritoireId("departement", "2A")) == []
    assert constats.constats(referentiel, None) == []
