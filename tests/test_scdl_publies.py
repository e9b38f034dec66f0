"""The mirror's SCDL files declared as sources (geo.sources.scdl_publies)."""

from __future__ import annotations

from pathlib import Path

from geo.sources import scdl_publies
from geo.sources import source as source_declaree

PUBLIES = Path("financements") / "scdl" / "publies"


def test_every_mirror_file_is_declared_as_a_source(miroir):
    fichiers = {p.name for p in (miroir / PUBLIES).rglob("*") if p.is_file()}
    assert fichiers == {p.fichier for p in scdl_publies.FICHIERS_PUBLIES}
    for source in scdl_publies.SOURCES.values():
        assert source.producteur
        assert source.millesime
        assert source.licence.startswith("Licence Ouverte")
        assert source.page.startswith("https://")


def test_each_published_file_is_one_source_found_by_its_identifier():
    """One source per file, registered under an identifier made from its name, and the way back."""
    identifiants = [scdl_publies._identifiant(p.fichier) for p in scdl_publies.FICHIERS_PUBLIES]
    assert len(set(identifiants)) == len(scdl_publies.FICHIERS_PUBLIES)
    assert list(scdl_publies.SOURCES) == identifiants
    assert scdl_publies._identifiant("DEP_Nièvre_CD58_SUBVENTIONS_2016_LISTE.csv") == (
        "scdl_dep_nievre_cd58_subventions_2016_liste"
    )
    for identifiant, publie in scdl_publies.PUBLIES_PAR_SOURCE.items():
        declaree = source_declaree(identifiant)
        assert declaree.fichier == publie.fichier
        assert declaree.producteur == publie.producteur
        assert publie.millesime in declaree.titre
