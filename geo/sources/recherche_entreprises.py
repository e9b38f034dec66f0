"""Client of the national company search API (API Recherche d'entreprises, DINUM).

``GET https://recherche-entreprises.api.gouv.fr/search?est_ess=true&code_commune=…``
answers ``{"results": [...], "total_results": n, "page": p, "per_page": k,
"total_pages": m}``; each result is a legal unit (``siren``, ``nom_complet``,
``nature_juridique``, ``activite_principale``, ``tranche_effectif_salarie``,
``siege`` and ``matching_etablissements``: its establishments in the area
asked, with ``siret``, ``commune``, ``latitude``/``longitude``, ``adresse``,
``activite_principale``, ``tranche_effectif_salarie``, ``etat_administratif``).

One territory at a time (a commune or a département), for an up-to-date view
where the SIRENE stock files are not available. The client

- pages through the results (25 per page, the API's maximum; the API stops at
  10 000 results and the client says so);
- keeps under the API's limit of 7 requests per second;
- retries on 429 and 5xx answers and network errors with an exponential
  backoff (honouring ``Retry-After``);
- keeps each answer in a file cache (``data/cache/api_recherche_entreprises``)
  for a week, so that a page reload does not query the API again.

Errors are :class:`~geo.sources.SourceIndisponible` with a French message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import requests

from geo.outils import config, nomenclature
from geo.outils.text import accorder
from geo.sources import Source, SourceIndisponible, declarer
from geo.sources import ess_commun as commun

journal = logging.getLogger(__name__)

URL = "https://recherche-entreprises.api.gouv.fr/search"
PAR_PAGE_MAX = 25
RESULTATS_MAX = 10_000
DEBIT_MAX = 7.0  # requests per second allowed by the API
DUREE_CACHE_S = 7 * 24 * 3600

API_RECHERCHE_ENTREPRISES = declarer(
    Source(
        id="api_recherche_entreprises",
        titre="API Recherche d'entreprises (filtre ESS)",
        producteur="DINUM, à partir de SIRENE (INSEE) et du RNE (INPI)",
        licence="Licence Ouverte 2.0",
        millesime="Mise à jour quotidienne (date de la requête)",
        page="https://recherche-entreprises.api.gouv.fr/docs/",
        fichier="réponses de l'API (pas de fichier à fournir)",
        url=URL,
        description=(
            "Interrogée pour un territoire à la fois (commune ou département), avec le filtre "
            "est_ess=true : entreprises de l'ESS et leurs établissements, avec coordonnées. Réponses "
            "gardées une semaine dans data/cache/api_recherche_entreprises."
        ),
        limites=("L'API ne renvoie pas plus de 10 000 résultats par recherche.",),
    )
)


class ClientRechercheEntreprises:
    """Paged, rate-limited, retrying and caching client (see the module docstring)."""

    def __init__(
        self,
        url: str = URL,
        dossier_cache: Path | None = None,
        debit_max: float = DEBIT_MAX,
        essais: int = 5,
        pause_initiale_s: float = 1.0,
        delai_s: float = 30.0,
        hors_ligne: bool | None = None,
        session: requests.Session | None = None,
        horloge: Callable[[], float] = time.monotonic,
        dormir: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.dossier_cache = dossier_cache or config.dossier_cache() / "api_recherche_entreprises"
        self.intervalle = 1.0 / debit_max
        self.essais = essais
        self.pause_initiale_s = pause_initiale_s
        self.delai_s = delai_s
        self.hors_ligne = config.hors_ligne() if hors_ligne is None else hors_ligne
        self.session = session or requests.Session()
        self.horloge = horloge
        self.dormir = dormir
        self._derniere_requete: float | None = None
        self.requetes = 0  # requests actually sent (not answered from the cache)

    # HTTP ---------------------------------------------------------------------

    def _chemin_cache(self, parametres: dict) -> Path:
        cle = json.dumps({"url": self.url, **parametres}, sort_keys=True)
        return self.dossier_cache / f"{hashlib.sha256(cle.encode()).hexdigest()[:32]}.json"

    def _attendre_son_tour(self) -> None:
        if self._derniere_requete is not None:
            attente = self.intervalle - (self.horloge() - self._derniere_requete)
            if attente > 0:
                self.dormir(attente)
        self._derniere_requete = self.horloge()

    def page(self, parametres: dict) -> dict:
        """One page of results (from the cache when fresh)."""
        chemin = self._chemin_cache(parametres)
        if chemin.is_file() and time.time() - chemin.stat().st_mtime < DUREE_CACHE_S:
            return json.loads(chemin.read_text(encoding="utf-8"))
        if self.hors_ligne:
            raise SourceIndisponible(
                "API Recherche d'entreprises non interrogée : mode hors ligne (ESS_HORS_LIGNE) et aucune "
                "réponse en cache pour cette recherche."
            )
        derniere_erreur = ""
        for essai in range(self.essais):
            self._attendre_son_tour()
            self.requetes += 1
            try:
                reponse = self.session.get(self.url, params=parametres, timeout=self.delai_s)
            except requests.RequestException as erreur:
                derniere_erreur = f"erreur réseau ({erreur.__class__.__name__})"
                self._pause(essai, None)
                continue
            if reponse.status_code == 200:
                try:
                    donnees = reponse.json()
                except ValueError as erreur:
                    raise SourceIndisponible(
                        f"API Recherche d'entreprises : réponse illisible (pas du JSON) pour {parametres}."
                    ) from erreur
                if not isinstance(donnees, dict) or "results" not in donnees:
                    raise SourceIndisponible(
                        "API Recherche d'entreprises : réponse inattendue (pas de champ « results »)."
                    )
                chemin.parent.mkdir(parents=True, exist_ok=True)
                temporaire = chemin.with_suffix(".tmp")
                temporaire.write_text(json.dumps(donnees, ensure_ascii=False), encoding="utf-8")
                temporaire.replace(chemin)
                return donnees
            if reponse.status_code == 429 or reponse.status_code >= 500:
                derniere_erreur = f"HTTP {reponse.status_code}"
                self._pause(essai, reponse.headers.get("Retry-After"))
                continue
            raise SourceIndisponible(
                f"API Recherche d'entreprises : requête refusée (HTTP {reponse.status_code}) pour "
                f"{parametres} : {reponse.text[:200]}"
            )
        raise SourceIndisponible(
            f"API Recherche d'entreprises indisponible après {self.essais} essais ({derniere_erreur})."
        )

    def _pause(self, essai: int, retry_after: str | None) -> None:
        if essai == self.essais - 1:
            return
        pause = self.pause_initiale_s * 2**essai
        if retry_after and retry_after.strip().replace(".", "", 1).isdigit():
            pause = max(pause, float(retry_after))
        journal.info("API Recherche d'entreprises : nouvel essai dans %.1f s", pause)
        self.dormir(pause)

    # Searches -------------------------------------------------------------------

    def resultats(
        self,
        code_commune: str | None = None,
        departement: str | None = None,
        pages_max: int | None = None,
        remarques: list[str] | None = None,
    ) -> Iterator[dict]:
        """Every ESS legal unit of the area, page after page."""
        if not code_commune and not departement:
            raise ValueError("Indiquez une commune (code_commune) ou un département.")
        parametres: dict = {"est_ess": "true", "per_page": PAR_PAGE_MAX, "etat_administratif": "A"}
        if code_commune:
            parametres["code_commune"] = code_commune
        if departement:
            parametres["departement"] = departement
        numero = 1
        while True:
            reponse = self.page({**parametres, "page": numero})
            yield from reponse.get("results") or []
            total_pages = int(reponse.get("total_pages") or 0)
            if (
                numero == 1
                and int(reponse.get("total_results") or 0) > RESULTATS_MAX
                and remarques is not None
            ):
                remarques.append(
                    f"API Recherche d'entreprises : {reponse['total_results']} résultats, l'API n'en renvoie "
                    f"que {RESULTATS_MAX} : liste incomplète, cherchez commune par commune."
                )
            numero += 1
            if numero <= total_pages and pages_max and numero > pages_max and remarques is not None:
                remarques.append(
                    f"API Recherche d'entreprises : {accorder(pages_max, 'page lue', 'pages lues')} "
                    f"sur {total_pages} "
                    f"({reponse.get('total_results')} résultats) : liste incomplète, cherchez commune "
                    "par commune."
                )
            if (
                numero > total_pages
                or (pages_max and numero > pages_max)
                or numero * PAR_PAGE_MAX > RESULTATS_MAX
            ):
                break

    def structures(
        self, code_commune: str | None = None, departement: str | None = None, pages_max: int | None = None
    ) -> tuple[pd.DataFrame, list[str]]:
        """The establishments found, as a standard table of :mod:`geo.sources.ess_commun`."""
        remarques: list[str] = []
        lignes = []
        for rang, unite in enumerate(self.resultats(code_commune, departement, pages_max, remarques)):
            etablissements = unite.get("matching_etablissements") or [unite.get("siege") or {}]
            famille, sous_type = nomenclature.famille_juridique(unite.get("nature_juridique"))
            for etablissement in etablissements:
                if etablissement.get("etat_administratif", "A") != "A":
                    continue
                if code_commune and etablissement.get("commune") not in (None, code_commune):
                    continue
                lignes.append(
                    {
                        "id_source": etablissement.get("siret") or unite.get("siren"),
                        "siret_brut": etablissement.get("siret"),
                        "siren": unite.get("siren"),
                        "nom": unite.get("nom_complet") or unite.get("nom_raison_sociale"),
                        "famille_source": famille or nomenclature.ENTREPRISE_ESS,
                        "sous_type": sous_type,
                        "categorie_juridique": nomenclature.normaliser_categorie(
                            unite.get("nature_juridique")
                        ),
                        "naf": nomenclature.normaliser_naf(
                            etablissement.get("activite_principale") or unite.get("activite_principale")
                        ),
                        "tranche_effectif": nomenclature.normaliser_tranche(
                            etablissement.get("tranche_effectif_salarie")
                        ),
                        "commune": etablissement.get("commune"),
                        "lon": etablissement.get("longitude"),
                        "lat": etablissement.get("latitude"),
                        "adresse": etablissement.get("adresse"),
                        "code_postal": etablissement.get("code_postal"),
                        "nom_commune": etablissement.get("libelle_commune"),
                        "ligne": rang + 1,
                    }
                )
        if not lignes:
            return commun.vide(), remarques
        brut = pd.DataFrame(lignes)
        lon, lat = commun.coordonnees(
            brut.lon.astype("string"),
            brut.lat.astype("string"),
            brut.ligne,
            "API Recherche d'entreprises",
            remarques,
        )
        colonnes = {
            c: brut[c].astype("string") for c in brut.columns if c not in ("lon", "lat", "ligne", "siren")
        }
        tableau = commun.tableau_standard(
            API_RECHERCHE_ENTREPRISES.id,
            f"requête du {time.strftime('%Y-%m-%d')}",
            **colonnes,
            siren=commun.code_siren(brut.siren.astype("string")),
            lon=lon,
            lat=lat,
            precision=pd.Series(commun.PRECISION_ADRESSE, index=brut.index).where(lon.notna()),
            ligne=brut.ligne,
        )
        return tableau, remarques
