"""Comparer: the same figures for any territory; an unknown stays unknown, a borrowed value says so."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from geo.donnees import comparateur
from geo.territoires.referentiel import TerritoireId

AISNE, NORD = TerritoireId("departement", "02"), TerritoireId("departement", "59")
SAINT_QUENTIN = TerritoireId("commune", "02691")


class QPV:
    """Two QPV in every territory, one of them without a population."""

    disponible = True

    def bloc(self, ref, tid):
        return {
            "nombre": 2,
            "population": None,
            "raison_part_inconnue": "population d'au moins un QPV inconnue",
        }


class Commerces:
    """Shops counted in Lille and Roubaix only."""

    disponible = True
    millesime = "2023"

    def definition(self, texte):
        return texte

    def communes_avec(self, definition):
        return pd.Index(["59350", "59512"])


class Financements:
    """ESS share published for the Aisne only (2015); Ci.Ville 2024, and 2025 at a flat rate."""

    disponible = True

    def __init__(self):
        self.part_ess = pd.DataFrame(
            {
                "niveau": ["departement"],
                "code": ["02"],
                "libelle": ["Aisne"],
                "annee": [2015],
                "part_pct": [11.1],
            }
        )
        self.postes = pd.DataFrame({"annee": [2024, 2025], "comparable": [True, False]})

    def annees(self):
        return [2024, 2025]

    def part_ess_du_territoire(self, ref, tid):
        from geo.donnees.financements import DonneesFinancements

        return DonneesFinancements.part_ess_du_territoire(self, ref, tid)


@pytest.fixture
def sans_financements(monkeypatch):
    """Ci.Ville placed nowhere: the funding block is 0 € with nothing left out."""
    from geo.donnees import financements

    monkeypatch.setattr(
        financements,
        "bloc",
        lambda donnees, saisies, ref, tid, annee: {"total_eur": 0.0, "annee": annee, "donnees_ouvertes": {}},
    )


def test_unknown_stays_unknown_with_its_reason_never_zero(referentiel, sans_financements):
    chiffres = comparateur.chiffres(referentiel, NORD, QPV(), Commerces(), None, Financements())
    assert chiffres["qpv_nombre"].valeur == 2
    assert chiffres["qpv_population"].valeur is None
    assert "population d'au moins un QPV inconnue" in chiffres["qpv_population"].raison
    # No ESS share published for the Nord in these files: unknown, not 0 %.
    assert chiffres["part_ess_emploi_pct"].valeur is None
    # A dataset absent here: unknown, and why.
    assert chiffres["structures"].valeur is None
    assert "non disponible" in chiffres["structures"].raison
    communes_du_nord = int((referentiel.communes.dep == "59").sum())
    assert chiffres["communes_sans_commerce"].valeur == communes_du_nord - 2
    assert chiffres["part_communes_sans_commerce_pct"].valeur == pytest.approx(
        100 * (communes_du_nord - 2) / communes_du_nord
    )

    indicateurs = comparateur.indicateurs(referentiel, Commerces(), None, Financements())
    tableau, notes = comparateur.tableau({"Nord (59)": chiffres}, indicateurs)
    ligne = tableau.set_index("Indicateur").loc["Habitants des QPV, 2024", "Nord (59)"]
    assert ligne == "— (1)"
    assert notes[0] == "(1) Habitants des QPV (Nord (59)) : inconnu, population d'au moins un QPV inconnue."
    long = comparateur.tableau_long({"Nord (59)": chiffres}, indicateurs).set_index("Indicateur")
    assert pd.isna(long.loc["Habitants des QPV", "Valeur"])
    assert long.loc["Habitants des QPV", "Remarque"].startswith("inconnu")
    # The Ci.Ville year compared is the last one not counted at a flat rate.
    assert long.loc["Adultes-relais et FONJEP par hab. (€)", "Millésime"] == "2024"


def test_a_value_borrowed_from_the_departement_says_so(referentiel, sans_financements):
    financements = Financements()
    commune = comparateur.chiffres(referentiel, SAINT_QUENTIN, None, None, None, financements)
    aisne = comparateur.chiffres(referentiel, AISNE, None, None, None, financements)
    assert commune["part_ess_emploi_pct"].valeur == aisne["part_ess_emploi_pct"].valeur == 11.1
    assert "valeur du département de l'Aisne" in commune["part_ess_emploi_pct"].emprunt
    assert aisne["part_ess_emploi_pct"].emprunt is None

    indicateurs = comparateur.indicateurs(referentiel, None, None, financements)
    colonnes = dict(
        zip(comparateur.libelles(referentiel, [SAINT_QUENTIN, AISNE]), [commune, aisne], strict=True)
    )
    tableau, notes = comparateur.tableau(colonnes, indicateurs)
    part = tableau.set_index("Indicateur").loc["Part de l'ESS dans l'emploi salarié, 2015"]
    assert part["Aisne (02)"] == "11,1 %"
    assert part["Saint-Quentin (02691)"].startswith("11,1 % (")
    assert any(
        "Part de l'ESS dans l'emploi salarié (%) (Saint-Quentin (02691)) : valeur du département de l'Aisne"
        in n
        for n in notes
    ), notes
    long = comparateur.tableau_long(colonnes, indicateurs)
    emprunts = long[long.Indicateur.str.startswith("Part de l'ESS")].set_index("Territoire")
    assert emprunts.loc["Saint-Quentin (02691)", "Emprunté à un territoire plus grand"] == "oui"
    assert emprunts.loc["Aisne (02)", "Emprunté à un territoire plus grand"] == "non"


class Structures:
    """Four structures, two of known workforce band."""

    disponible = True

    def __init__(self):
        self.manifeste = {"construit_le": "2026-12-01T10:00:00"}

    def bloc(self, ref, tid):
        return {
            "total": 4,
            "emplois_estimes": 37,
            "structures_avec_effectif": 2,
            "structures_sans_effectif": 2,
        }


def test_ess_jobs_are_the_known_bands_and_say_what_they_leave_out(referentiel):
    chiffres = comparateur.chiffres(referentiel, AISNE, None, None, Structures(), None)
    emplois = chiffres["emplois_structures"]
    assert emplois.valeur == 37
    assert "2 sans tranche connue non comptées" in emplois.remarque
    assert chiffres["structures_pour_10000"].valeur == pytest.approx(4 * 10_000 / 527_349)
    indicateurs = comparateur.indicateurs(referentiel, None, Structures(), None)
    tableau, notes = comparateur.tableau({"Aisne (02)": chiffres}, indicateurs)
    ligne = tableau.set_index("Indicateur").loc[
        "Emplois des structures de l'ESS (estimation), registre du 01/12/2026"
    ]
    appel = re.fullmatch(r"37 \((\d+)\)", ligne["Aisne (02)"])
    assert appel, ligne["Aisne (02)"]
    note = notes[int(appel.group(1)) - 1]
    assert "Emplois des structures de l'ESS (estimation) (Aisne (02)) : estimé sur 2 " in note


def test_the_address_keeps_valid_territories_and_says_what_it_drops(referentiel):
    choisis, messages = comparateur.lire_territoires(
        "departement:02, departement:59,departement:02,bidule:1,departement:999,france", referentiel
    )
    assert choisis == [AISNE, NORD, None]
    assert len(messages) == 2
    assert "bidule:1" in messages[0]
    assert "999" in messages[1]
    assert comparateur.texte_territoires(choisis) == "departement:02,departement:59,france"
    trop = ",".join(f"departement:0{i}" for i in range(1, 9))
    choisis, messages = comparateur.lire_territoires(trop, referentiel)
    assert len(choisis) == comparateur.MAXIMUM
    assert len(messages) == 2


def test_one_reason_shared_by_several_territories_is_one_note(referentiel, sans_financements):
    colonnes = {
        nom: comparateur.chiffres(referentiel, tid, QPV(), None, None, None)
        for nom, tid in (("Aisne (02)", AISNE), ("Nord (59)", NORD))
    }
    indicateurs = comparateur.indicateurs(referentiel)
    tableau, notes = comparateur.tableau(colonnes, indicateurs)
    ligne = tableau.set_index("Indicateur").loc["Habitants des QPV, 2024"]
    assert ligne["Aisne (02)"] == ligne["Nord (59)"] == "— (1)"
    assert notes[0] == (
        "(1) Habitants des QPV (Aisne (02), Nord (59)) : inconnu, population d'au moins un QPV inconnue."
    )
    # Every unknown of the table has its note: nothing reads « — » without a reason.
    appels = set(re.findall(r"\((\d+)\)", " ".join(tableau.drop(columns="Indicateur").to_numpy().ravel())))
    assert appels == {str(n) for n in range(1, len(notes) + 1)}


def test_two_territories_of_one_name_get_different_headers(referentiel):
    paris = [TerritoireId("commune", "75056"), TerritoireId("departement", "75")]
    entetes = comparateur.libelles(referentiel, paris)
    assert len(set(entetes)) == 2
    assert comparateur.libelles(referentiel, [AISNE, None]) == ["Aisne (02)", "France"]


def test_the_download_keeps_unknowns_empty_and_names_every_source(referentiel, sans_financements):
    import io

    from openpyxl import load_workbook

    from geo.outils import formats

    financements = Financements()
    colonnes = {
        "Nord (59)": comparateur.chiffres(referentiel, NORD, QPV(), Commerces(), None, financements),
        "Saint-Quentin (02691)": comparateur.chiffres(
            referentiel, SAINT_QUENTIN, QPV(), None, None, financements
        ),
    }
    indicateurs = comparateur.indicateurs(referentiel, Commerces(), None, financements)
    long = comparateur.tableau_long(colonnes, indicateurs)
    classeur = load_workbook(io.BytesIO(formats.vers_xlsx(long, sources=comparateur.sources(indicateurs))))
    assert classeur.sheetnames[-1] == "Sources"
    lignes = list(classeur.worksheets[0].values)
    entetes = list(lignes[0])
    qpv_nord = next(r for r in lignes[1:] if r[0] == "Nord (59)" and r[1] == "Habitants des QPV")
    # Unknown: an empty cell, never 0, and the reason beside it.
    assert qpv_nord[entetes.index("Valeur")] is None
    assert "inconnu" in qpv_nord[entetes.index("Remarque")]
    sources = list(classeur["Sources"].values)
    assert any("Ci.Ville" in str(cellule) for ligne in sources for cellule in ligne)
    csv = formats.vers_csv(long).decode("utf-8-sig")
    assert '"Saint-Quentin (02691)";"Part de l\'ESS dans l\'emploi salarié (%)";"11,1";"oui";' in csv
