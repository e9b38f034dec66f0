"""What the build left, per dataset: the Sources page's first table, its folded remarks, and the
build command's one line per dataset."""

from __future__ import annotations

import json
import re

import pytest

from geo.build import bilan, construction, etapes

TERRITOIRES = {
    "construit_le": "2026-12-07T20:00:00",
    "nombres": {"communes": 34875, "epci": 1253, "departements": 101, "regions": 18},
    "anomalies": ["4 communes sans contour dans la source.", "1 commune hors EPCI."],
}
QPV = {
    "etape": "qpv",
    "titre": "Quartiers prioritaires (QPV)",
    "disponible": True,
    "anomalies": ["586 périmètres invalides réparés dans a.geojson."],
}
COMMERCES = {
    "etape": "commerces",
    "titre": "Commerces (BPE)",
    "disponible": True,
    "instantane": {"libelle": "instantané du 02/12/2026"},
    "anomalies": [],
}
SUBVENTIONS = {
    "etape": "subventions",
    "titre": "Subventions publiées par les collectivités",
    "disponible": True,
    "anomalies": [f"fichier_{i}.csv : 1 ligne refusée." for i in range(198)],
}


def test_remarks_are_grouped_by_dataset_in_build_order_with_their_count():
    groupes = bilan.remarques_par_jeu([TERRITOIRES, QPV, COMMERCES, SUBVENTIONS])
    # A dataset without remarks has no group; the territories (no step name) come first.
    assert [(g.etape, len(g.textes)) for g in groupes] == [
        ("territoires", 2),
        ("qpv", 1),
        ("subventions", 198),
    ]
    assert [g.libelle for g in groupes] == [
        "Territoires (communes, EPCI, départements, régions) — 2 remarques",
        "Quartiers prioritaires (QPV) — 1 remarque",
        "Subventions publiées par les collectivités — 198 remarques",
    ]
    assert groupes[1].textes == ("586 périmètres invalides réparés dans a.geojson.",)


def test_the_terminal_says_one_line_per_dataset():
    assert bilan.ligne_du_terminal(TERRITOIRES) == (
        "Territoires prêts : 34\u202f875 communes, 1\u202f253 EPCI, 101 départements, 18 régions ; "
        "2 remarques dans le journal."
    )
    assert bilan.ligne_du_terminal(QPV) == "Quartiers prioritaires (QPV) : prêt ; 1 remarque dans le journal."
    assert bilan.ligne_du_terminal(COMMERCES) == "Commerces (BPE) : prêt (instantané du 02/12/2026)."
    indisponible = {
        **COMMERCES,
        "disponible": False,
        "indisponibles": {"bpe": "Fichier attendu : BPE25.zip."},
    }
    assert (
        bilan.ligne_du_terminal(indisponible)
        == "Commerces (BPE) : indisponible. Fichier attendu : BPE25.zip."
    )


def _entree(source: str, origine: str, date: str = "2026-12-07") -> dict:
    return {"source": source, "origine": origine, "date": date, "origine_libelle": "instantané du 02/12/2026"}


ETAT = {
    "qpv_2024_perimetres_republication": {
        "etape": "qpv",
        "etat": "utilisee",
        "entree": _entree("qpv_2024_perimetres_republication", "telechargement", "2026-12-06"),
    },
    "qpv_2024_perimetres": {"etape": "qpv", "etat": "introuvable"},
    "bpe_2019": {
        "etape": "commerces",
        "etat": "utilisee",
        "entree": _entree("bpe_2019", "instantane", "2026-12-02"),
    },
}
TENTATIVE = {
    "debut": "2026-12-07T03:15:00",
    "declencheur": "planifiee",
    "jeux": [
        {"etape": "qpv", "titre": "Quartiers prioritaires (QPV)", "resultat": "actualise", "detail": ""},
        {
            "etape": "commerces",
            "titre": "Commerces (BPE)",
            "resultat": "refuse",
            "detail": "BPE25.zip : page web",
        },
    ],
}


def test_the_first_table_says_per_dataset_what_is_in_place_and_the_last_refresh():
    lignes = bilan.donnees_en_place([QPV, COMMERCES], ETAT, TENTATIVE)
    assert [ligne["Jeu de données"] for ligne in lignes] == [
        "Quartiers prioritaires (QPV)",
        "Commerces (BPE)",
    ]
    qpv, commerces = lignes
    assert qpv["Données"] == "actualisé le 06/12/2026 depuis le site officiel"
    assert qpv["Dernière actualisation"] == "actualisé"
    assert qpv["Remarques"] == "1 remarque"
    assert commerces["Millésime en place"] == "BPE 2019 (géographie communale 2019)"
    assert commerces["Données"] == "instantané embarqué du 02/12/2026"
    assert commerces["Remarques"] == "aucune remarque"
    # A refusal is said as such to administrators only.
    assert commerces["Dernière actualisation"] == "non actualisé : données en place gardées"
    admin = bilan.donnees_en_place([COMMERCES], ETAT, TENTATIVE, administrateur=True)
    assert admin[0]["Dernière actualisation"] == "refusé"
    # No attempt yet, or an attempt that left a dataset aside.
    assert (
        bilan.donnees_en_place([QPV], ETAT)[0]["Dernière actualisation"] == "aucune tentative sur ce serveur"
    )
    sans_qpv = {**TENTATIVE, "jeux": TENTATIVE["jeux"][1:]}
    assert bilan.donnees_en_place([QPV], ETAT, sans_qpv)[0]["Dernière actualisation"] == (
        "non concerné par la dernière actualisation"
    )
    # A dataset with nothing in use reads « indisponible », never None.
    vide = bilan.donnees_en_place([{**QPV, "etape": "structures", "disponible": False}], ETAT)[0]
    assert vide["Données"] == "indisponible"
    assert vide["Millésime en place"] == "—"


def test_the_last_attempt_in_one_sentence():
    assert bilan.libelle_derniere_tentative(TENTATIVE) == (
        "Dernière actualisation : 7 décembre 2026 à 3 h 15, actualisation planifiée : 1 actualisé, 1 refusé."
    )
    assert bilan.libelle_derniere_tentative(None).startswith(
        "Aucune actualisation depuis les sites officiels"
    )


def test_the_cache_manifests_come_territories_first_then_in_build_order(tmp_path):
    for nom, manifeste in (("territoires", TERRITOIRES), ("subventions", SUBVENTIONS), ("qpv", QPV)):
        (tmp_path / nom).mkdir()
        (tmp_path / nom / etapes.NOM_MANIFESTE).write_text(json.dumps(manifeste), encoding="utf-8")
    lus = construction.manifestes_en_place(tmp_path)
    assert [bilan.nom_du_jeu(m) for m in lus] == ["territoires", "qpv", "subventions"]


@pytest.fixture
def construction_factice(tmp_path, monkeypatch):
    """The build command over made-up manifests: 201 remarks in all, as a full build has about 230."""
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    monkeypatch.setattr(
        construction, "construire_tout", lambda *a, **k: [TERRITOIRES, QPV, COMMERCES, SUBVENTIONS]
    )
    return construction.chemin_journal


def test_the_build_command_prints_one_line_per_dataset_and_logs_the_remarks(construction_factice, capsys):
    """``make run`` printed about 200 « Remarque » lines, one per remark of every dataset."""
    assert construction.main([]) == 0
    sortie = capsys.readouterr()
    terminal = (sortie.out + sortie.err).splitlines()
    assert not [ligne for ligne in terminal if ligne.startswith("Remarque")]
    assert terminal == [
        "Territoires prêts : 34\u202f875 communes, 1\u202f253 EPCI, 101 départements, 18 régions ; "
        "2 remarques dans le journal.",
        "Quartiers prioritaires (QPV) : prêt ; 1 remarque dans le journal.",
        "Commerces (BPE) : prêt (instantané du 02/12/2026).",
        "Subventions publiées par les collectivités : prêt ; 198 remarques dans le journal.",
        f"Journal détaillé (remarques, téléchargements, avertissements) : {construction_factice()}",
    ]
    journal = construction_factice().read_text(encoding="utf-8")
    assert journal.count(" : Remarque (") == 201
    assert (
        "Remarque (Quartiers prioritaires (QPV)) : 586 périmètres invalides réparés dans a.geojson."
        in journal
    )
    assert "Remarque (Territoires (communes, EPCI, départements, régions)) : 1 commune hors EPCI." in journal


def test_verbose_shows_every_remark_in_the_terminal_too(construction_factice, capsys):
    assert construction.main(["--verbose"]) == 0
    erreurs = capsys.readouterr().err.splitlines()
    assert sum(ligne.startswith("geo.build : Remarque (") for ligne in erreurs) == 201


def test_a_real_small_build_speaks_french_numbers_one_line_per_dataset(tmp_path, monkeypatch, capsys):
    """« Nettoyage … (34875 communes) », « Construction terminée en 62.3 s »: the numbers as in French."""
    monkeypatch.setenv("ESS_DATA_DIR", str(tmp_path / "donnees"))
    cache = tmp_path / "donnees" / "cache"
    assert construction.main(["--dossier", str(cache), "--departements", "90", "--seulement", "qpv"]) == 0
    sortie = capsys.readouterr()
    assert "Nettoyage de la couverture communale (101 communes)…" in sortie.err
    assert re.search(r"^Territoires construits en \d+,\d s dans ", sortie.err, flags=re.MULTILINE)
    lignes = sortie.out.splitlines()
    assert lignes[0].startswith("Territoires prêts : 101 communes, 3 EPCI, 1 département, 1 région")
    assert lignes[1].startswith("Quartiers prioritaires (QPV) : prêt")
    assert len(lignes) == 3  # and the log file's address
