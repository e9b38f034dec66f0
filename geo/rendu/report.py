"""Key figures of a territory on the command line.

``python -m geo.rendu.report epci:200042190 --json`` prints a JSON object whose
``territoire`` block holds ``id``, ``niveau``, ``nom``, ``population``,
``nb_communes``, ``superficie_km2`` and ``parents``. The territory may also be
given by name or code when that is unambiguous (``"porte du hainaut"``, ``59``).
Builds the data cache first when it is missing.
"""

from __future__ import annotations

import importlib
import json
import sys

from geo.build import construction, etapes
from geo.donnees import indicators, qpv
from geo.donnees.commerces import DefinitionInvalide
from geo.outils import geocodage, ligne_de_commande
from geo.outils.text import accorder, nombre_fr
from geo.sources import SourceIndisponible
from geo.territoires import populations
from geo.territoires.referentiel import IdentifiantInvalide, TerritoireInconnu

# Blocks added by dataset modules, in report order: (key, "module:function").
# Each function takes (ref, tid, **options) and returns a JSON-ready dict; it
# builds its dataset when missing and says so in the block when unavailable.
BLOCS: tuple[tuple[str, str], ...] = (
    ("qpv", "geo.donnees.qpv:bloc_rapport"),
    ("commerces", "geo.donnees.commerces:bloc_rapport"),
    ("structures", "geo.donnees.structures:bloc_rapport"),
    ("emplois", "geo.donnees.emplois:bloc_rapport"),
    ("financements", "geo.donnees.financements:bloc_rapport"),
    ("opportunites", "geo.donnees.opportunites:bloc_rapport"),
)


def rapport(texte_territoire: str, **options) -> dict:
    """The report as a dict (raises TerritoireInconnu / IdentifiantInvalide).

    ``options`` (e.g. ``definition`` for shops) are passed to every block.
    """
    ref = construction.referentiel()

    # Census populations replace the 2017 ones in every figure: built first when missing.
    if etapes.lire_manifeste(populations.ETAPE.nom) is None:
        etapes.assurer_etape(populations.ETAPE, ref)
        ref = construction.referentiel()
    france = texte_territoire.strip().lower() in {"france", "fr"}
    tid = None if france else ref.resoudre(texte_territoire)
    resultat = {"territoire": indicators.bloc_territoire(ref, tid)}
    for cle, chemin in BLOCS:
        module, fonction = chemin.split(":")
        resultat[cle] = getattr(importlib.import_module(module), fonction)(ref, tid, **options)
    resultat["sources"] = [
        {k: v for k, v in s.items() if k in {"source", "origine", "date", "detail"}}
        for s in ref.manifeste["sources"]
    ]
    resultat["donnees_construites_le"] = ref.manifeste["construit_le"]
    # Which figures come from the embedded snapshot and which from official files read here.
    resultat["provenance"] = etapes.provenance_jeux()
    return resultat


def _texte(resultat: dict) -> str:
    t = resultat["territoire"]
    lignes = [
        f"{t['nom']} ({t['id'] or 'France'})",
        f"  Population : {nombre_fr(t['population'])} (population municipale {t['millesime_population']})",
        f"  Communes : {nombre_fr(t['nb_communes'])}",
        f"  Superficie : {nombre_fr(t['superficie_km2'], 1)} km²",
    ]
    if t.get("note_population"):
        lignes.append(f"  ({t['note_population']})")
    recensement = t.get("recensement") or {}
    if recensement.get("taux_chomage_pct") is not None:
        lignes.append(
            f"  Chômage des 15–64 ans (recensement 2021) : {nombre_fr(recensement['taux_chomage_pct'], 1)} %"
        )
    if recensement.get("evolution_population_pct") is not None:
        lignes.append(
            "  Évolution de la population 2015–2021 : "
            f"{nombre_fr(recensement['evolution_population_pct'], 1)} %"
        )
    if t["parents"]:
        lignes.append("  Fait partie de : " + " › ".join(p["nom"] for p in t["parents"]))
    commerces = resultat.get("commerces") or {}
    if commerces.get("disponible"):
        lignes.append(
            f"  {commerces['definition_libelle']} (BPE {commerces['millesime']}) : "
            f"{accorder(commerces['nb_communes_sans_commerce'], 'commune')} sur "
            f"{nombre_fr(commerces['nb_communes'])}, {nombre_fr(commerces['population_concernee'])} habitants"
        )
    emplois = resultat.get("emplois") or {}
    if emplois.get("disponible"):
        lignes.append(f"  Emplois créés (saisis) : {emplois['crees_texte']}")
    return "\n".join(lignes)


def main(arguments: list[str] | None = None) -> int:
    analyseur = ligne_de_commande.AnalyseurFr(
        prog="python -m geo.rendu.report", description="Chiffres clés d'un territoire."
    )
    analyseur.add_argument(
        "territoire",
        nargs="?",
        help="commune:CODE_INSEE, epci:SIREN, departement:CODE, region:CODE, france, "
        "ou un nom sans ambiguïté",
    )
    analyseur.add_argument(
        "--point",
        metavar="LAT,LON",
        help="« Est-ce en QPV ? » : le QPV 2024 qui contient ce point, ou le plus proche et sa distance",
    )
    analyseur.add_argument("--json", action="store_true", help="sortie JSON")
    analyseur.add_argument(
        "--definition",
        default=None,
        help="communes sans commerce : « tous » (aucun commerce, par défaut), « alimentaire », "
        "ou des codes de types de la BPE séparés par des virgules (B201,B202)",
    )
    analyseur.add_argument(
        "--annee",
        type=ligne_de_commande.annee,
        default=None,
        help="emplois et financements d'une seule année (par exemple 2022)",
    )
    options = analyseur.parse_args(arguments)
    if options.point is None and options.territoire is None:
        analyseur.error("indiquez un territoire, ou --point LAT,LON")
    with ligne_de_commande.journal(options.verbose):
        return _repondre(options)


def _repondre(options) -> int:
    if options.point is not None:
        return _repondre_point(options.point, options.json)
    try:
        resultat = rapport(options.territoire, definition=options.definition, annee=options.annee)
    except (TerritoireInconnu, IdentifiantInvalide, DefinitionInvalide) as erreur:
        print(f"Erreur : {erreur.args[0]}", file=sys.stderr)
        return 2
    except SourceIndisponible as erreur:
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 3
    if options.json:
        print(json.dumps(resultat, ensure_ascii=False, indent=2))
    else:
        print(_texte(resultat))
    return 0


def _repondre_point(texte: str, en_json: bool) -> int:
    try:
        lon, lat = geocodage.lire_coordonnees(texte)
    except ValueError as erreur:
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 2
    ref = construction.referentiel()
    donnees = qpv.charger(ref)
    if not donnees.disponible:
        print(
            "Erreur : les quartiers prioritaires ne sont pas disponibles (voir la page Sources).",
            file=sys.stderr,
        )
        return 3
    reponse = donnees.localiser(ref, lon, lat)
    if en_json:
        resultat = {
            **reponse.en_dict(ref),
            "provenance": [j for j in etapes.provenance_jeux() if j["etape"] == qpv.ETAPE.nom],
        }
        print(json.dumps(resultat, ensure_ascii=False, indent=2))
    else:
        print(reponse.message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
