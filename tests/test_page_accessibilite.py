"""The « Déclaration d'accessibilité » page (AppTest): the audit's rate, limits, contact, remedies."""

from __future__ import annotations

import tomllib

from streamlit.testing.v1 import AppTest

from geo.rendu import accessibilite
from tests.conftest import RACINE

APP = str(RACINE / "app.py")


def _ouvrir(territoire: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if territoire:
        at.query_params["territoire"] = territoire
    at.switch_page("pages/accessibilite.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _texte(at: AppTest) -> str:
    # Markdown escapes (« 1\\.1 », « ESS \\& ») are not what the reader sees.
    return "\n".join(m.value for m in at.markdown).replace("\\", "")


def test_declaration_shows_the_rate_its_audit_file_gives_and_says_the_audit_is_partial(monkeypatch):
    monkeypatch.delenv("ESS_CONTACT_ACCESSIBILITE", raising=False)
    brut = tomllib.loads(accessibilite.FICHIER_AUDIT.read_text(encoding="utf-8"))
    statuts = [critere["statut"] for critere in brut["critere"]]
    taux = round(100 * statuts.count("C") / (statuts.count("C") + statuts.count("NC")), 1)
    attendu = f"{taux:.1f}".replace(".", ",").removesuffix(",0")

    at = _ouvrir("epci:200042190")
    assert at.title[0].value == "Déclaration d'accessibilité"
    texte = _texte(at)
    assert f"**{attendu} % des critères du RGAA 4.1 sont respectés.**" in texte
    assert "Ce tableau de bord est **partiellement conforme**" in texte
    assert f"Audit partiel : {len(statuts)} critères évalués sur 106" in texte
    assert [h.value for h in at.header] == [
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
    ]
    # Each non-conforming criterion and each limit of the framework, in plain words.
    for critere in accessibilite.audit_du_projet().par_statut("NC"):
        assert f"Critère {critere.numero} : {critere.justification}" in texte
    for limite in accessibilite.LIMITES_DU_CADRE:
        assert f"{limite.composant} (critère {limite.critere}) : {limite.ce_qui_manque}" in texte
    assert "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07" in texte
    assert f"axe-core {brut['axe_core']}" in texte
    assert [t.value for t in at.text] == [
        "le suivi des tickets du projet ESS & territoires, sur sa forge de code."
    ]


def test_contact_setting_is_shown_as_plain_text(monkeypatch):
    contact = "accessibilite@mairie.example — **urgent** <b>03 27 00 00 00</b> [lien](https://x.example)"
    monkeypatch.setenv("ESS_CONTACT_ACCESSIBILITE", contact)
    at = _ouvrir()
    assert [t.value for t in at.text] == [contact]
    assert contact not in _texte(at)


def test_every_page_links_to_the_declaration_with_the_apps_state():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["territoire"] = "commune:02722"
    at.switch_page("pages/sources.py")
    at.run()
    liens = {(lien.proto.label, lien.proto.page) for lien in at.sidebar.get("page_link")}
    assert ("Accessibilité : partiellement conforme", "accessibilite") in liens
    assert ("Déclaration d'accessibilité", "accessibilite") in liens
