"""A refused official file is named, its fault said in French, and what was kept said too."""

from __future__ import annotations

import json

import pytest

from geo import sources
from geo.build import etapes
from geo.sources import FichierInutilisable, Source
from geo.sources import civille as sources_civille
from geo.sources import qpv as sources_qpv

CONTRATS = "contrats_de_ville_2015_2023_centroides.geojson"


def _point(code: str, lon: object, lat: object) -> dict:
    return {
        "type": "Feature",
        "properties": {"code_cv": code, "lib_cv": f"Contrat {code}", "codgeo": "59172", "insee_dep": "59"},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def _contrats(*points: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(points)})


BON = _contrats(_point("C1", 3.5, 50.3), _point("C2", 3.6, 50.4))
PERIMETRE = {
    "type": "Feature",
    "properties": {"code_qp": "QN05901M", "lib_qp": "Essai", "insee_com": "59172"},
    "geometry": {"type": "Polygon", "coordinates": [[[3.5, 50.3], [3.6, 50.3], [3.6, 50.4], [3.5, 50.3]]]},
}

# What an administrator meets, and the French words that must say it.
DEFAUTS = {
    "tronque": (BON[: len(BON) // 2], "fichier tronqué"),
    "liste": ("[1, 2, 3]", "n'est pas un GeoJSON"),
    "features_nombre": ('{"features": 12}', "n'est pas un GeoJSON"),
    "coordonnees_nan": (_contrats(_point("C1", float("nan"), float("nan"))), "coordonnées manquantes (NaN)"),
    "page_html": ("<!DOCTYPE html><html><body>Erreur 502</body></html>", "page web reçue au lieu du fichier"),
    "vide": ("", "fichier vide"),
}


@pytest.mark.parametrize("defaut", sorted(DEFAUTS))
def test_a_bad_contracts_file_is_named_with_its_fault_in_french(defaut, tmp_path):
    contenu, attendu = DEFAUTS[defaut]
    chemin = tmp_path / CONTRATS
    chemin.write_text(contenu, encoding="utf-8")
    with pytest.raises(FichierInutilisable) as erreur:
        sources_civille.lire_contrats_de_ville(chemin)
    assert str(erreur.value).startswith(f"{CONTRATS} : {attendu}")
    assert erreur.value.fichier == CONTRATS


@pytest.mark.parametrize(
    ("contenu", "attendu"),
    [
        ('{"features": 12}', "n'est pas un GeoJSON"),
        ("[1, 2, 3]", "n'est pas un GeoJSON"),
        (json.dumps({"type": "FeatureCollection", "features": [PERIMETRE]})[:120], "fichier tronqué"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [{**PERIMETRE, "geometry": _point("C", 3, 50)["geometry"]}],
                }
            ),
            "n'est pas un fichier de polygones (géométries trouvées : Point)",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            **PERIMETRE,
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [[["NaN", "NaN"], [1, 2], [2, 2]]],
                            },
                        }
                    ],
                }
            ),
            "coordonnées manquantes (NaN)",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            **PERIMETRE,
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [[[1, 2], [2, 2], [2, 3], [1, 2]]],
                            },
                        },
                        {
                            **PERIMETRE,
                            "geometry": {"type": "Polygon", "coordinates": [[[None, 2], [2, 2], [2, 3]]]},
                        },
                    ],
                }
            ).replace("null", "NaN"),
            "coordonnées manquantes (NaN)",
        ),
    ],
)
def test_bad_qpv_perimeters_are_named_with_their_fault_in_french(contenu, attendu, tmp_path):
    chemin = tmp_path / "qpv2024_perimetres_4decimales.geojson"
    chemin.write_text(contenu, encoding="utf-8")
    with pytest.raises(sources_qpv.DonneesQPVInvalides) as erreur:
        sources_qpv.lire_perimetres(chemin)
    assert str(erreur.value).startswith(f"qpv2024_perimetres_4decimales.geojson : {attendu}")
    assert "GEOS" not in str(erreur.value)
    assert "Unterminated" not in str(erreur.value)


# A step with several files names the bad one only ------------------------------------------------


def _source(fichier: str) -> Source:
    return Source(
        id=f"essai_{fichier}",
        titre=f"Essai {fichier}",
        producteur="Essai",
        licence="Licence Ouverte 2.0",
        millesime="2024",
        page="http://127.0.0.1:9/",
        fichier=fichier,
    )


FICHIERS = [CONTRATS, *(f"autre_{n}.geojson" for n in range(16))]
SOURCES = [_source(f) for f in FICHIERS]


def _construire(dossier, ref, localisations):
    # Read the way a real step does, without catching anything itself.
    for source in SOURCES:
        sources_civille.lire_contrats_de_ville(localisations[source.id].chemin).to_parquet(
            dossier / f"{source.id}.parquet"
        )
    return {"nombres": {}, "anomalies": [], "disponible": True}


ETAPE = etapes.Etape(
    nom="essai_contrats",
    titre="Contrats de ville (essai)",
    module=__name__,
    sources=tuple(s.id for s in SOURCES),
    construire=_construire,
)


@pytest.mark.parametrize("defaut", ["tronque", "features_nombre", "coordonnees_nan"])
def test_a_refused_step_names_the_bad_file_its_fault_and_what_was_kept(
    defaut, referentiel, tmp_path, monkeypatch
):
    miroir = tmp_path / "miroir"
    miroir.mkdir()
    for fichier in FICHIERS:
        (miroir / fichier).write_text(BON, encoding="utf-8")
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    for source in SOURCES:
        monkeypatch.setitem(sources._REGISTRE, source.id, source)
    cache = tmp_path / "cache"
    assert etapes.construire_etape(ETAPE, referentiel, cache, instantane=False)["disponible"]

    contenu, attendu = DEFAUTS[defaut]
    (miroir / CONTRATS).write_text(contenu, encoding="utf-8")
    manifeste = etapes.construire_etape(ETAPE, referentiel, cache, instantane=False)

    refus = manifeste["refus"]
    assert refus.startswith(f"Contrats de ville (essai) : mise à jour refusée — {CONTRATS} : {attendu}")
    assert "données précédentes du" in refus
    assert refus.endswith("conservées.")
    assert "autre_" not in refus  # the good files are not listed as if they were at fault
    for anglais in ("Unterminated", "GEOSException", "Error", "line ", "char "):
        assert anglais not in refus


def test_a_csv_line_with_too_many_fields_is_said_in_french(tmp_path):
    chemin = tmp_path / "liste_qpv_2024.csv"
    chemin.write_text("code_qp;lib_qp;insee_com\nQN1;A;59172\nQN2;B;59172;en trop\n", encoding="utf-8")
    with pytest.raises(sources_qpv.DonneesQPVInvalides) as erreur:
        sources_qpv.lire_csv_souple(chemin, chemin.name)
    assert str(erreur.value) == (
        "liste_qpv_2024.csv : fichier CSV mal formé, ligne 3 : 4 valeurs au lieu de 3 (un séparateur de "
        "trop, ou un texte qui en contient sans guillemets)."
    )


POSTES = _source("adulte-relais-2023.json")


def _construire_postes(dossier, ref, localisations):
    sources_civille.lire_postes(localisations[POSTES.id].chemin)
    return {"nombres": {}, "anomalies": [], "disponible": True}


def test_a_refusal_does_not_end_a_sentence_before_what_was_kept(referentiel, tmp_path, monkeypatch):
    miroir = tmp_path / "miroir"
    miroir.mkdir()
    (miroir / POSTES.fichier).write_text("{pas du json", encoding="utf-8")
    monkeypatch.setenv("ESS_DATA_MIRROR", str(miroir))
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    monkeypatch.setitem(sources._REGISTRE, POSTES.id, POSTES)
    etape = etapes.Etape(
        nom="essai_postes",
        titre="Postes (essai)",
        module=__name__,
        sources=(POSTES.id,),
        construire=_construire_postes,
    )
    refus = etapes.construire_etape(etape, referentiel, tmp_path / "cache", instantane=False)["refus"]
    assert refus == (
        "Postes (essai) : mise à jour refusée — adulte-relais-2023.json : JSON invalide "
        "(ligne 1, colonne 2) ; aucune donnée précédente : jeu indisponible."
    )
