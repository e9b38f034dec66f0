"""The Territoire page's summary (geo.rendu.resume): the sections' figures, unknowns with a reason."""

from __future__ import annotations

import re

import pandas as pd

from geo.rendu import resume

BLOC_QPV = {"nombre": 13, "population": None, "millesime_population": None}
BLOC_COMMERCES = {
    "nb_communes": 47,
    "nb_communes_sans_commerce": 10,
    "millesime": 2019,
    "definition_libelle": "Aucun commerce",
    "communes_sans_commerce": [{"nom": f"Village <{i}>"} for i in range(10)],
}
BLOC_STRUCTURES = {"total": 1234, "emplois_estimes": 5600}
BLOC_EMPLOIS = {"crees_total": None, "projets_sans_emplois": 2, "annee": None}
BLOC_FIN = {"sans_source": True, "annee": 2019, "part_ess_emploi_salarie": None}


def _reperes(**remplacements):
    blocs = {
        "bloc_qpv": BLOC_QPV,
        "bloc_commerces": BLOC_COMMERCES,
        "bloc_structures": BLOC_STRUCTURES,
        "bloc_emplois": BLOC_EMPLOIS,
        "bloc_fin": BLOC_FIN,
    } | remplacements
    return resume.reperes(**blocs, raisons={resume.ANCRE_EMPLOIS: "base de saisie injoignable"})


def test_the_four_cards_read_the_sections_blocks_in_their_order():
    qpv, commerces, structures, emplois = _reperes()
    assert [r.ancre for r in (qpv, commerces, structures, emplois)] == [
        resume.ANCRE_QPV,
        resume.ANCRE_COMMERCES,
        resume.ANCRE_STRUCTURES,
        resume.ANCRE_EMPLOIS,
    ]
    assert qpv.valeur == "13"
    assert commerces.valeur == "10"
    assert commerces.details[0] == "sur 47 communes (BPE 2019)"
    assert structures.valeur == "1\u202f234"
    assert structures.details == ("≈ 5\u202f600 emplois (estimation par tranche d'effectif)",)


def test_unknowns_read_a_dash_with_their_reason_never_zero_or_none():
    qpv, _, _, emplois = _reperes()
    assert "—" in qpv.details[0]
    assert "non disponible" in qpv.details[0]
    assert emplois.valeur == "—"
    assert emplois.details == (
        "2 projets sans chiffre d'emplois",
        "financements reçus : — (aucune source pour 2019)",
    )
    absent = _reperes(bloc_emplois=None, bloc_fin=None, bloc_qpv=None)
    assert (absent[0].valeur, absent[3].valeur) == ("—", "—")
    assert absent[3].details == ("base de saisie injoignable",)
    assert absent[0].details == ("données non disponibles",)
    texte = resume.html(absent + _reperes())
    assert "None" not in texte
    assert not re.search(r"\bnan\b", texte)


def test_a_long_list_of_shopless_communes_is_cut_and_says_how_many_more_and_names_are_escaped():
    commerces = _reperes()[1]
    assert commerces.details[1].endswith(" et 2 autres")
    assert commerces.details[1].count(", ") == resume.NOMS_MONTRES - 1
    texte = resume.html(_reperes())
    assert "Village <0>" not in texte
    assert "Village &lt;0&gt;" in texte
    assert 'href="#commerces"' in texte


def test_the_phones_comparison_lists_every_value_with_its_decimals_and_says_what_a_dash_means():
    table = pd.DataFrame(
        {
            "indicateur": ["Habitants au km²", "Part de l'ESS <privé> (%)"],
            "decimales": [0, 1],
            "Porte du Hainaut": [452.4, float("nan")],
            "Nord": [451.0, 11.25],
        }
    )
    texte = resume.comparaison_html(table, "non publié à cette échelle")
    assert texte.count('scope="colgroup"') == 2
    assert "<td>452</td>" in texte
    assert "<td>11,2</td>" in texte or "<td>11,3</td>" in texte
    assert "<td>—</td>" in texte
    assert "« — » : non publié à cette échelle" in texte
    assert "&lt;privé&gt;" in texte
    assert "None" not in texte
    complet = resume.comparaison_html(table.iloc[:1], "jamais dit")
    assert "jamais dit" not in complet
