"""The project's RGAA audit (geo/rendu/audit_rgaa.toml) and the rate the declaration computes from it."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from geo.outils import config
from geo.rendu import accessibilite
from geo.rendu.accessibilite import AuditInvalide, lire_audit
from tests.conftest import RACINE

_ENTETE = """
date = 2026-12-07
referentiel = "RGAA 4.1"
realise_par = "l'équipe"
axe_core = "4.12.1"
navigateur = "Chromium"
pages = ["Carte"]
vues = "la carte"
"""


def _critere(numero: str, statut: str) -> str:
    return (
        f'[[critere]]\nnumero = "{numero}"\ntitre = "Intitulé {numero}"\nstatut = "{statut}"\n'
        f'justification = "Parce que."\n'
    )


def _audit(tmp_path: Path, criteres: list[tuple[str, str]], entete: str = _ENTETE) -> Path:
    chemin = tmp_path / "audit.toml"
    chemin.write_text(entete + "".join(_critere(n, s) for n, s in criteres), encoding="utf-8")
    return chemin


def test_rate_is_respected_over_applicable_criteria_and_a_partial_audit_says_so(tmp_path):
    audit = lire_audit(
        _audit(
            tmp_path, [("1.1", "C"), ("2.1", "C"), ("8.3", "C"), ("3.3", "NC"), ("4.1", "NA"), ("4.3", "NA")]
        )
    )
    assert (audit.conformes, audit.non_conformes, audit.non_applicables, audit.evalues) == (3, 1, 2, 6)
    assert audit.taux == 75
    assert audit.etat == "partiellement conforme"
    assert audit.phrase_taux == "75 % des critères du RGAA 4.1 sont respectés."
    assert audit.phrase_couverture.startswith(
        "Audit partiel : 6 critères évalués sur 106 (3 conformes, 1 non conforme, 2 non applicables). "
        "Les 100 autres n'ont pas encore été évalués"
    )
    # In RGAA order, whatever the file's order.
    assert [c.numero for c in audit.criteres] == ["1.1", "2.1", "3.3", "4.1", "4.3", "8.3"]


def test_rate_keeps_one_decimal_in_french(tmp_path):
    audit = lire_audit(_audit(tmp_path, [("1.1", "C"), ("2.1", "C"), ("3.3", "NC")]))
    assert audit.phrase_taux == "66,7 % des critères du RGAA 4.1 sont respectés."


def test_only_a_complete_audit_with_every_criterion_respected_is_totally_conforming(tmp_path):
    tous = [
        f"{theme}.{rang}" for theme, n in accessibilite.CRITERES_PAR_THEME.items() for rang in range(1, n + 1)
    ]
    assert len(tous) == accessibilite.NOMBRE_CRITERES_RGAA == 106
    (tmp_path / "complet").mkdir()
    complet = lire_audit(
        _audit(tmp_path / "complet", [(n, "NA" if n.startswith("4.") else "C") for n in tous])
    )
    assert complet.complet
    assert complet.etat == "totalement conforme"
    assert complet.phrase_couverture.startswith("Audit complet : les 106 critères évalués")
    # Every criterion assessed respected, but most never looked at: not « totalement ».
    assert lire_audit(_audit(tmp_path, [("1.1", "C"), ("2.1", "C")])).etat == "partiellement conforme"


def test_under_half_or_nothing_applicable_is_not_conforming(tmp_path):
    assert lire_audit(_audit(tmp_path, [("1.1", "C"), ("2.1", "NC"), ("3.3", "NC")])).etat == "non conforme"
    vide = lire_audit(_audit(tmp_path, [("4.1", "NA")]))
    assert vide.taux is None
    assert vide.etat == "non conforme"
    assert vide.phrase_taux == "Aucun critère applicable du RGAA 4.1 n'a encore été évalué."


@pytest.mark.parametrize(
    ("criteres", "entete", "message"),
    [
        ([("1.1", "OK")], _ENTETE, "Critère 1.1 : statut « OK » inconnu (C, NC ou NA)."),
        ([("1.1", "C"), ("1.1", "NC")], _ENTETE, "Critère évalué deux fois dans l'audit : 1.1."),
        ([("14.1", "C")], _ENTETE, "Critère « 14.1 » : ce n'est pas un critère du RGAA 4.1 (thème.rang)."),
        ([("2.3", "C")], _ENTETE, "Critère « 2.3 » : ce n'est pas un critère du RGAA 4.1 (thème.rang)."),
        ([("1.1", "C")], _ENTETE.replace("date = 2026-12-07", 'date = "hier"'), "La date de l'audit manque"),
    ],
)
def test_a_bad_audit_file_says_what_is_wrong(tmp_path, criteres, entete, message):
    with pytest.raises(AuditInvalide, match=re.escape(message)):
        lire_audit(_audit(tmp_path, criteres, entete))


def test_projects_audit_rate_is_its_own_count_and_it_is_partial():
    brut = tomllib.loads(accessibilite.FICHIER_AUDIT.read_text(encoding="utf-8"))
    statuts = [c["statut"] for c in brut["critere"]]
    audit = accessibilite.audit_du_projet()
    assert audit.taux == 100 * statuts.count("C") / (statuts.count("C") + statuts.count("NC"))
    assert audit.evalues == len(statuts) < 106
    assert audit.etat == "partiellement conforme"


def _tests_definis(fichier: Path) -> set[str]:
    arbre = ast.parse(fichier.read_text(encoding="utf-8"))
    return {noeud.name for noeud in ast.walk(arbre) if isinstance(noeud, ast.FunctionDef)}


def test_every_assessed_criterion_names_a_test_that_exists():
    """A status tied to a test that was renamed or removed would be a claim nothing checks any more."""
    fautes = []
    for critere in accessibilite.audit_du_projet().criteres:
        if critere.verifie_par is None:
            continue
        fichier, _, nom = critere.verifie_par.partition("::")
        chemin = RACINE / fichier
        if not chemin.is_file() or nom not in _tests_definis(chemin):
            fautes.append(f"{critere.numero} : {critere.verifie_par}")
    assert fautes == []


def test_the_audits_axe_core_version_is_the_one_the_tests_run():
    axe = pytest.importorskip("axe_playwright_python", reason="axe-playwright-python absent")
    entete = (Path(axe.__file__).parent / "axe.min.js").read_text(encoding="utf-8")[:200]
    assert f"axe v{accessibilite.audit_du_projet().axe_core}\n" in entete


# What would make criteria 1.4, 1.5 and 4.x applicable (marked NA in the audit).
_MEDIA_OU_CAPTCHA = re.compile(r"st\.(audio|video)\(|<(audio|video)\b|captcha", re.IGNORECASE)


def test_the_app_has_no_captcha_nor_audio_or_video():
    fichiers = [RACINE / "app.py", *(RACINE / "pages").rglob("*.py"), *(RACINE / "ui").rglob("*.py")]
    fichiers += list((RACINE / "geo").rglob("*.py"))
    trouves = [
        f"{f.relative_to(RACINE)} : {m.group(0)}"
        for f in fichiers
        for m in _MEDIA_OU_CAPTCHA.finditer(f.read_text(encoding="utf-8"))
    ]
    assert trouves == []


def test_accessibility_contact_is_the_setting_or_nothing(monkeypatch):
    monkeypatch.delenv("ESS_CONTACT_ACCESSIBILITE", raising=False)
    assert config.contact_accessibilite() is None
    monkeypatch.setenv("ESS_CONTACT_ACCESSIBILITE", "  accessibilite@mairie.example  ")
    assert config.contact_accessibilite() == "accessibilite@mairie.example"


def _titres_des_pages_de_l_app() -> list[str]:
    arbre = ast.parse((RACINE / "app.py").read_text(encoding="utf-8"))
    return [
        mot_cle.value.value
        for noeud in ast.walk(arbre)
        if isinstance(noeud, ast.Call) and getattr(noeud.func, "attr", None) == "Page"
        for mot_cle in noeud.keywords
        if mot_cle.arg == "title"
    ]


def test_the_audit_covers_every_page_of_the_app():
    """The declaration lists the pages checked: a page added to the app must be added to the audit."""
    assert list(accessibilite.audit_du_projet().pages) == _titres_des_pages_de_l_app()
