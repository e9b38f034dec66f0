"""Moderating the public's contributions from a server's shell (the same rules as the Modération page).

Every action is done as an existing account (``--moderateur``), with its role and perimeter,
and goes into the audit journal::

    python -m geo.base.moderation --moderateur elu@agglo.fr liste
    python -m geo.base.moderation --moderateur elu@agglo.fr accepter 12 --champ activite="Réemploi"
    python -m geo.base.moderation --moderateur elu@agglo.fr refuser 13 --motif "Doublon"
    python -m geo.base.moderation --moderateur elu@agglo.fr fusionner 14 --cle 41234567800012 \\
        --commune 59606
    python -m geo.base.moderation --moderateur elu@agglo.fr masquer 41234567800012 --commune 59606 \\
        --motif "Fermée depuis 2025"
    python -m geo.base.moderation --moderateur elu@agglo.fr actions
    python -m geo.base.moderation --moderateur elu@agglo.fr annuler LOT
    python -m geo.base.moderation --moderateur admin@exemple.fr exporter-personne nom@exemple.fr
    python -m geo.base.moderation --moderateur admin@exemple.fr effacer-personne nom@exemple.fr
    python -m geo.base.moderation purger          # contacts kept past 30 days (nightly)

A contributor's perimeter is read with the territories' referential (a commune lies in its
EPCI), loaded only when needed.
"""

from __future__ import annotations

import sys

import pandas as pd

from geo.base import comptes, contributions, store
from geo.outils.ligne_de_commande import AnalyseurFr
from geo.outils.ligne_de_commande import journal as journal_de_commande


class _Referentiel:
    """The territories' referential, loaded on first use (a few seconds)."""

    def __init__(self) -> None:
        self._ref = None

    def __call__(self):
        if self._ref is None:
            from geo.build import construction

            self._ref = construction.referentiel()
        return self._ref


def _analyseur() -> AnalyseurFr:
    analyseur = AnalyseurFr(
        prog="python -m geo.base.moderation",
        description="Modérer les propositions et signalements du public.",
    )
    analyseur.add_argument("--url", help="base de données (défaut : DATABASE_URL ou data/saisie.sqlite3)")
    analyseur.add_argument("--moderateur", help="identifiant du compte qui agit (ses droits s'appliquent)")
    commandes = analyseur.add_subparsers(dest="commande", required=True, title="commandes")
    liste = commandes.add_parser("liste", help="contributions en attente de votre périmètre")
    liste.add_argument("--toutes", action="store_true", help="aussi celles déjà modérées")
    accepter = commandes.add_parser("accepter", help="accepter une contribution (avec modifications)")
    accepter.add_argument("id", type=int)
    accepter.add_argument(
        "--champ", action="append", default=[], metavar="NOM=VALEUR", help="modification (répétable)"
    )
    refuser = commandes.add_parser("refuser", help="refuser une contribution (motif au journal)")
    refuser.add_argument("id", type=int)
    refuser.add_argument("--motif", required=True)
    fusionner = commandes.add_parser("fusionner", help="fusionner une proposition avec une structure")
    fusionner.add_argument("id", type=int)
    fusionner.add_argument("--cle", required=True, help="clé de la structure du registre (son SIRET)")
    fusionner.add_argument("--siret", help="SIRET de la structure du registre (vérifié)")
    fusionner.add_argument("--commune", help="code INSEE de la commune de cette structure (périmètre)")
    masquer = commandes.add_parser("masquer", help="masquer ici une structure du registre")
    masquer.add_argument("cle", help="clé de la structure du registre (son SIRET)")
    masquer.add_argument("--commune", help="code INSEE de sa commune (périmètre)")
    masquer.add_argument("--nom", help="son nom, pour le journal")
    masquer.add_argument("--motif", required=True)
    annuler = commandes.add_parser("annuler", help="annuler une action de modération")
    annuler.add_argument("lot", help="identifiant de l'action (commande « actions »)")
    commandes.add_parser("actions", help="actions de modération de votre périmètre")
    exporter = commandes.add_parser("exporter-personne", help="contributions d'une personne (CSV)")
    exporter.add_argument("contact")
    effacer = commandes.add_parser("effacer-personne", help="effacer les contributions d'une personne")
    effacer.add_argument("contact")
    commandes.add_parser("purger", help="effacer les contacts modérés il y a plus de 30 jours")
    return analyseur


def main(arguments: list[str] | None = None) -> int:
    options = _analyseur().parse_args(arguments)
    with journal_de_commande(options.verbose):
        return _executer(options)


def _modifications(champs: list[str]) -> dict[str, str]:
    modifications = {}
    for champ in champs:
        nom, egal, valeur = champ.partition("=")
        if not egal or nom.strip() not in contributions.LONGUEURS_MAX:
            noms = ", ".join(sorted(contributions.LONGUEURS_MAX))
            raise contributions.ModerationImpossible(f"« {champ} » : NOM=VALEUR attendu, NOM parmi {noms}.")
        modifications[nom.strip()] = valeur
    return modifications


def _afficher(tableau: pd.DataFrame) -> None:
    if tableau.empty:
        print("Rien.")
        return
    print(tableau.fillna("—").to_csv(sep="\t", index=False), end="")


def _executer(options) -> int:
    try:
        depot = store.ouvrir(options.url)
    except store.BaseInaccessible as erreur:
        print(f"Erreur : {store.message_indisponible(erreur)}", file=sys.stderr)
        return 3
    ref = _Referentiel()
    try:
        if options.commande == "purger":
            print(f"Contacts effacés : {contributions.purger_contacts(depot)}.")
            return 0
        if not options.moderateur:
            raise contributions.ModerationImpossible(
                "--moderateur IDENTIFIANT est nécessaire pour cette commande."
            )
        moderateur = comptes.par_identifiant(depot, options.moderateur)
        if moderateur is None:
            raise contributions.ModerationImpossible(f"aucun compte actif « {options.moderateur} ».")
        dans = None if moderateur.est_administrateur else comptes.dans_referentiel(ref())
        if options.commande == "liste":
            statuts = contributions.STATUTS if options.toutes else (contributions.EN_ATTENTE,)
            tableau = contributions.a_moderer(depot, moderateur, dans, statuts)
            _afficher(tableau.drop(columns=["description"]))
        elif options.commande == "accepter":
            modifications = _modifications(options.champ)
            deplace = {"lon", "lat", "commune"} & set(modifications)
            lieux = contributions.communes_aux_points_de(ref()) if deplace else None
            lot = contributions.accepter(depot, options.id, moderateur, modifications, lieux, dans)
            print(f"Contribution n° {options.id} acceptée (action {lot}).")
        elif options.commande == "refuser":
            lot = contributions.refuser(depot, options.id, moderateur, options.motif, dans)
            print(f"Contribution n° {options.id} refusée (action {lot}).")
        elif options.commande == "fusionner":
            lot = contributions.fusionner(
                depot,
                options.id,
                options.cle,
                moderateur,
                siret_cible=options.siret,
                dans=dans,
                commune_cible=options.commune,
            )
            print(f"Contribution n° {options.id} fusionnée avec {options.cle} (action {lot}).")
        elif options.commande == "masquer":
            lot = contributions.masquer(
                depot, options.cle, options.commune, options.motif, moderateur, options.nom, dans
            )
            print(f"Structure {options.cle} masquée (action {lot}).")
        elif options.commande == "annuler":
            lot = contributions.annuler(depot, options.lot, moderateur, dans)
            print(f"Action {options.lot} annulée (action {lot}).")
        elif options.commande == "actions":
            _afficher(contributions.actions(depot, moderateur, dans))
        elif options.commande == "exporter-personne":
            tableau = contributions.exporter_personne(depot, options.contact, moderateur)
            sys.stdout.write(contributions.csv_personne(tableau).decode("utf-8"))
        elif options.commande == "effacer-personne":
            nombre = contributions.effacer_personne(depot, options.contact, moderateur)
            print(f"Contributions effacées : {nombre}.")
    except contributions.ModerationImpossible as erreur:
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 2
    finally:
        depot.fermer()
    return 0


if __name__ == "__main__":
    sys.exit(main())
