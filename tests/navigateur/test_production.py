"""The production stack through its real front door: ``deploy/local.sh`` starts PostgreSQL, two
app processes and nginx with TLS (deploy/nginx.conf.template, the configuration compose uses);
Chromium opens the HTTPS address.

What only this shows: the page and its websocket work over HTTPS behind nginx, the
Content-Security-Policy lets Streamlit, its Vega charts and the map run (no violation in the console),
the text is compressed, the headers are there, a link slipped into the address is not
drawn, what a contributor writes through the proxy shows through each app process, and what
a first visitor downloads (every byte, as ``benchmarks/bench_premiere_visite.py`` counts it)
stays within its targets, with no export and no syntax highlighter (st.code, 1.56 MB)
fetched before a click.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import ipaddress
import json
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from benchmarks.bench_premiere_visite import CIBLES, PAGES, SURLIGNEUR, a_ne_pas_charger, premiere_visite
from benchmarks.serveur import port_libre
from geo.base import contributions as base_contributions
from geo.base import store
from tests.conftest import RACINE
from tests.navigateur import test_contributions as contributions
from tests.navigateur.aides import ARTEFACTS, IFRAME_CARTE, attendre_repos, financements_recus

pytestmark = pytest.mark.navigateur

LOCAL_SH = RACINE / "deploy" / "local.sh"
MODULE_BROTLI = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
MODULE_BROTLI_STATIQUE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
LIEN_INJECTE = "[Reconnectez-vous ici](https://evil.example/login)"
CONTRIBUTRICE = "animatrice@aliss.fr"
MOT_DE_PASSE = "un mot de passe assez long"
ALISS = "ALISS (PTCE du Soissonnais)"
SOISSONNAIS = "epci:240200477"
MODERATRICE = "anim@hainaut.fr"
MONTANT = 23_456


def _absents() -> list[str]:
    manque = [c for c in ("nginx", "openssl", "envsubst", "curl") if shutil.which(c) is None]
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        manque.append("initdb (postgresql)")
    return manque


@pytest.fixture(scope="module")
def production(donnees_application):
    """(HTTPS address, HTTP port, state folder) of a stack started by deploy/local.sh."""
    if manque := _absents():
        pytest.skip(
            f"Pile de production impossible à lancer, absent : {', '.join(manque)} (.ci/run les installe)."
        )
    # Under /tmp, open to all: PostgreSQL runs as the postgres user and must reach its cluster.
    etat = Path(tempfile.mkdtemp(prefix="ess-production-", dir="/tmp"))
    etat.chmod(0o755)
    ports = [port_libre() for _ in range(5)]
    environnement = dict(
        donnees_application,
        ESS_LOCAL_DOSSIER=str(etat),
        ESS_LOCAL_PORT_HTTPS=str(ports[0]),
        ESS_LOCAL_PORT_HTTP=str(ports[1]),
        ESS_LOCAL_PORTS_APP=f"{ports[2]} {ports[3]}",
        ESS_LOCAL_PORT_PG=str(ports[4]),
    )
    environnement.pop("ESS_LECTURE_SEULE", None)
    try:
        lancement = subprocess.run(
            [str(LOCAL_SH), "start"],
            env=environnement,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert lancement.returncode == 0, f"{lancement.stderr}\n{_journaux(etat)}"
        adresse = lancement.stdout.strip().splitlines()[-1]
        assert adresse == f"https://localhost:{ports[0]}/"
        yield adresse.rstrip("/"), ports[1], etat
    finally:
        subprocess.run(
            [str(LOCAL_SH), "stop"], env=environnement, capture_output=True, timeout=120, check=False
        )
        shutil.rmtree(etat, ignore_errors=True)


def _journaux(etat: Path) -> str:
    return "\n".join(
        f"--- {f.name}\n{f.read_text(errors='replace')[-3000:]}" for f in (etat / "journaux").glob("*")
    )


@contextlib.contextmanager
def _connexion(adresse: str, etat: Path):
    hote, port = re.fullmatch(r"https://([^:/]+):(\d+)", adresse).groups()
    # Checked against the self-signed certificate local.sh made (its name: localhost).
    contexte = ssl.create_default_context(cafile=etat / "tls" / "certificat.pem")
    connexion = http.client.HTTPSConnection(hote, int(port), context=contexte, timeout=30)
    try:
        yield connexion
    finally:
        connexion.close()


def _get(adresse: str, etat: Path, chemin: str, **entetes: str) -> http.client.HTTPResponse:
    with _connexion(adresse, etat) as connexion:
        connexion.request("GET", chemin, headers=entetes)
        reponse = connexion.getresponse()
        reponse.corps = reponse.read()
        return reponse


def test_la_page_la_carte_et_la_websocket_sous_la_politique_de_securite(production, navigateur):
    adresse, _port_http, etat = production
    contexte = navigateur.new_context(
        ignore_https_errors=True, viewport={"width": 1400, "height": 1000}, locale="fr-FR"
    )
    # Closed network, as the other browser tests: only the stack answers (map tiles fail).
    contexte.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith((adresse, "data:", "blob:", "about:"))
            else route.abort()
        ),
    )
    page = contexte.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    websockets: list[str] = []
    page.on("websocket", lambda ws: websockets.append(ws.url))
    try:
        page.goto(f"{adresse}/?territoire={LIEN_INJECTE}")
        expect(page.locator("h1").first).to_be_visible(timeout=90_000)
        expect(page.locator(IFRAME_CARTE).first).to_be_attached(timeout=90_000)
        carte = page.frame_locator(IFRAME_CARTE).first
        expect(carte.locator(".leaflet-container")).to_be_visible(timeout=60_000)
        expect(carte.locator("path.leaflet-interactive").first).to_be_attached(timeout=60_000)
        # A page with Vega charts under the same policy (Vega compiles its expressions without
        # eval: Streamlit passes it an interpreter).
        page.goto(f"{adresse}/emplois")
        expect(page.locator("[data-testid=stVegaLiteChart] g.mark-rect path").first).to_be_attached(
            timeout=90_000
        )
        page.goto(f"{adresse}/?territoire={LIEN_INJECTE}")
        expect(page.locator("h1").first).to_be_visible(timeout=90_000)
        page.wait_for_timeout(2_000)
        assert page.locator('a[href*="evil.example"]').count() == 0
        assert all(cadre.locator('a[href*="evil.example"]').count() == 0 for cadre in page.frames)
    finally:
        contexte.close()
    assert any(re.fullmatch(r"wss://localhost:\d+/_stcore/stream", url) for url in websockets), websockets
    violations = [m for m in console if "Content Security Policy" in m]
    assert not violations, violations
    # Access logs keep the path, never the query (what was typed, which territory).
    acces = (etat / "journaux" / "nginx-acces.log").read_text(encoding="utf-8")
    assert "GET / HTTP" in acces
    assert "territoire" not in acces
    assert "evil.example" not in acces


def test_les_entetes_de_securite(production):
    adresse, _port_http, etat = production
    reponse = _get(adresse, etat, "/")
    assert reponse.status == 200
    politique = reponse.getheader("Content-Security-Policy")
    assert "default-src 'self'" in politique
    assert "frame-ancestors 'self'" in politique
    assert "object-src 'none'" in politique
    hsts = reponse.getheader("Strict-Transport-Security")
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31_536_000
    assert reponse.getheader("X-Content-Type-Options") == "nosniff"
    assert reponse.getheader("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert "camera=()" in reponse.getheader("Permissions-Policy")


def test_compression_et_cache_des_fichiers_nommes_par_leur_contenu(production):
    adresse, _port_http, etat = production
    page = _get(adresse, etat, "/", **{"Accept-Encoding": "gzip"})
    assert page.getheader("Content-Encoding") == "gzip"
    html = gzip.decompress(page.corps).decode("utf-8")
    (script,) = re.findall(r'src="\.?(/static/js/[^"]+\.js)"', html)[:1]
    reponse = _get(adresse, etat, script, **{"Accept-Encoding": "gzip"})
    assert reponse.status == 200
    assert reponse.getheader("Content-Encoding") == "gzip"
    assert "immutable" in reponse.getheader("Cache-Control")
    # compressed once at the start (deploy/precompresser.sh), at gzip's best level
    assert reponse.corps == (etat / "statiques" / f"{script.lstrip('/')}.gz").read_bytes()
    # The page itself is never kept: a new version must reach visitors.
    assert "immutable" not in (page.getheader("Cache-Control") or "")
    # The fonts every first visit fetches (Material Symbols, Source Sans) are kept a year too.
    # (named relative to the script or sheet: ../media/<name>.woff2)
    polices = set(
        re.findall(
            r"media/((?:MaterialSymbols|SourceSans)[\w.-]+\.woff2)", _css_de_la_page(adresse, etat, html)
        )
    )
    assert {police.split("-")[0] for police in polices} == {"MaterialSymbols", "SourceSansVF"}, polices
    for police in polices:
        reponse = _get(adresse, etat, f"/static/media/{police}", **{"Accept-Encoding": "gzip, br"})
        assert reponse.status == 200, police
        assert reponse.getheader("Cache-Control") == "public, max-age=31536000, immutable", police


def _css_de_la_page(adresse: str, etat: Path, html: str) -> str:
    """The page's main script and style sheet, where Streamlit names its fonts."""
    textes = []
    for chemin in re.findall(r'(?:src|href)="\.?(/static/(?:js|css)/index\.[^"]+)"', html):
        textes.append(_get(adresse, etat, chemin).corps.decode("utf-8", "replace"))
    return "\n".join(textes)


@pytest.mark.skipif(not MODULE_BROTLI.exists(), reason="nginx sans brotli (libnginx-mod-http-brotli-filter)")
def test_brotli_quand_nginx_a_le_module(production):
    adresse, _port_http, etat = production
    page = _get(adresse, etat, "/", **{"Accept-Encoding": "br"})
    assert page.getheader("Content-Encoding") == "br"
    brute = _get(adresse, etat, "/")
    assert brute.getheader("Content-Encoding") is None
    (script,) = re.findall(r'src="\.?(/static/js/[^"]+\.js)"', brute.corps.decode("utf-8"))[:1]
    # What Chromium asks for: brotli is chosen over gzip.
    reponse = _get(adresse, etat, script, **{"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert reponse.status == 200
    assert reponse.getheader("Content-Encoding") == "br"
    en_gzip = _get(adresse, etat, script, **{"Accept-Encoding": "gzip"})
    assert len(reponse.corps) < len(en_gzip.corps)
    if MODULE_BROTLI_STATIQUE.exists() and shutil.which("brotli"):
        # the brotli -q 11 copy made once, not nginx's on-the-fly level
        assert reponse.corps == (etat / "statiques" / f"{script.lstrip('/')}.br").read_bytes()


def test_http_renvoie_vers_https(production):
    adresse, port_http, _etat = production
    connexion = http.client.HTTPConnection("localhost", port_http, timeout=30)
    try:
        connexion.request("GET", "/emplois?territoire=epci:240200477")
        reponse = connexion.getresponse()
    finally:
        connexion.close()
    assert reponse.status == 301
    assert reponse.getheader("Location") == f"{adresse}/emplois?territoire=epci:240200477"


def test_le_defi_lets_encrypt_est_servi_en_http_sans_renvoi(production):
    """certbot --webroot writes its HTTP-01 token under the state folder's acme/; Let's Encrypt
    fetches it over plain HTTP, where every other path goes to HTTPS."""
    adresse, port_http, etat = production
    defis = etat / "acme" / ".well-known" / "acme-challenge"
    (defis / "jeton-essai").write_text("jeton-essai.empreinte-du-compte", encoding="utf-8")
    connexion = http.client.HTTPConnection("localhost", port_http, timeout=30)
    try:
        connexion.request("GET", "/.well-known/acme-challenge/jeton-essai")
        reponse = connexion.getresponse()
        corps = reponse.read().decode("utf-8")
        connexion.request("GET", "/.well-known/autre")
        autre = connexion.getresponse()
        autre.read()
    finally:
        connexion.close()
    assert (reponse.status, corps) == (200, "jeton-essai.empreinte-du-compte")
    assert autre.status == 301
    assert autre.getheader("Location") == f"{adresse}/.well-known/autre"


def _ports_de_la_pile(etat: Path) -> tuple[list[int], int]:
    """The app processes' ports and PostgreSQL's, as deploy/local.sh left them in its folder."""
    applications = sorted(int(f.stem.removeprefix("app-")) for f in (etat / "pids").glob("app-*.pid"))
    # The cluster's socket, in the state folder, is named after its port.
    (port_pg,) = [
        int(trouve.group(1))
        for f in (etat / "pg").iterdir()
        if (trouve := re.fullmatch(r"\.s\.PGSQL\.(\d+)", f.name))
    ]
    return applications, port_pg


def test_une_contributrice_ecrit_par_le_proxy_et_chaque_processus_le_montre(production, navigateur):
    adresse, _port_http, etat = production
    ports_app, port_pg = _ports_de_la_pile(etat)
    assert len(ports_app) == 2
    # nginx sends a client always to the same process (ip_hash): the processes are also read
    # directly on their own ports, so that the one that did not serve the writer is read too.
    directes = [f"http://127.0.0.1:{port}" for port in ports_app]
    contexte = navigateur.new_context(
        ignore_https_errors=True, viewport={"width": 1400, "height": 1000}, locale="fr-FR"
    )
    contexte.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith((adresse, *directes, "data:", "blob:", "about:"))
            else route.abort()
        ),
    )
    try:
        # Each process computes (and caches) the Soissonnais figures first (and the first
        # page opened seeds the store).
        lecteurs = []
        for directe in directes:
            lecteur = contexte.new_page()
            lecteur.goto(f"{directe}/emplois?territoire={SOISSONNAIS}")
            lecteurs.append(lecteur)
        avant = [financements_recus(lecteur) for lecteur in lecteurs]
        assert avant[0] == avant[1]

        # The account, made as the IT team would: the command line on the stack's database.
        commande = [sys.executable, "-m", "geo.base.comptes"]
        commande += ["--url", f"postgresql://postgres@127.0.0.1:{port_pg}/ess", "ajouter", CONTRIBUTRICE]
        commande += ["--role", "contributeur", "--ptce", ALISS, "--mot-de-passe-stdin"]
        creation = subprocess.run(
            commande,
            input=f"{MOT_DE_PASSE}\n",
            cwd=RACINE,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert creation.returncode == 0, creation.stderr

        # She signs in and records a funding through the front door: HTTPS, nginx, the websocket.
        saisie = contexte.new_page()
        saisie.goto(f"{adresse}/saisie")
        saisie.get_by_label("Identifiant").fill(CONTRIBUTRICE)
        saisie.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        saisie.get_by_role("button", name="Se connecter").click()
        # (the address is drawn with a word joiner after « @ »: never a mail link)
        connectee = re.compile(r"^Connecté : animatrice@\W?aliss\.fr \(contributeur : ")
        expect(saisie.get_by_text(connectee)).to_be_visible(timeout=60_000)
        saisie.get_by_text("Un financement").click()
        saisie.get_by_role("combobox", name="PTCE").click()
        saisie.get_by_role("option", name=ALISS).click()
        saisie.get_by_label("Financeur").fill("Essai à travers le proxy")
        saisie.get_by_label("Montant (€)").fill(f"{MONTANT} €")
        saisie.get_by_label("Première année").fill("2024")
        saisie.get_by_role("button", name="Enregistrer").click()
        expect(saisie.get_by_test_id("stAlertContentSuccess")).to_be_visible(timeout=60_000)

        # Both processes show it on their next run, the one that did not write included.
        for lecteur in lecteurs:
            lecteur.reload()
            assert financements_recus(lecteur) == avant[0] + MONTANT
        # The built-in login lives in the Streamlit session, not in a cookie: a reload is a new
        # session, which asks again (the cookie secret signs st.login's cookie and the XSRF one).
        saisie.reload()
        expect(saisie.get_by_role("button", name="Se connecter")).to_be_visible(timeout=60_000)
        # And through the proxy, after a reload.
        saisie.goto(f"{adresse}/emplois?territoire={SOISSONNAIS}")
        assert financements_recus(saisie) == avant[0] + MONTANT
    finally:
        contexte.close()


def _creer_compte(port_pg: int, identifiant: str, *options: str) -> None:
    """An account made as the IT team would: the command line on the stack's database."""
    commande = [sys.executable, "-m", "geo.base.comptes"]
    commande += ["--url", f"postgresql://postgres@127.0.0.1:{port_pg}/ess", "ajouter", identifiant]
    creation = subprocess.run(
        [*commande, *options, "--mot-de-passe-stdin"],
        input=f"{MOT_DE_PASSE}\n",
        cwd=RACINE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert creation.returncode == 0, creation.stderr


def _reseau_ferme(contexte, *adresses: str) -> None:
    """Closed network, as the other browser tests: only the stack answers (map tiles fail)."""
    contexte.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith((*adresses, "data:", "blob:", "about:"))
            else route.abort()
        ),
    )


def test_une_proposition_faite_sur_un_processus_est_moderee_sur_l_autre(production, navigateur):
    """Issue 31, item 9: an anonymous visitor proposes a structure through app process A, a
    contributor of the EPCI accepts it through process B; the proxy and A then publish it."""
    adresse, _port_http, etat = production
    ports_app, port_pg = _ports_de_la_pile(etat)
    assert len(ports_app) == 2
    processus_a, processus_b = (f"http://127.0.0.1:{port}" for port in ports_app)
    contexte = navigateur.new_context(
        ignore_https_errors=True,
        viewport={"width": 1400, "height": 1000},
        locale="fr-FR",
        accept_downloads=True,
    )
    _reseau_ferme(contexte, adresse, processus_a, processus_b)
    _creer_compte(
        port_pg,
        MODERATRICE,
        "--role",
        "contributeur",
        "--nom",
        "Dominique",
        "--territoire",
        contributions.HAINAUT,
    )
    recherche = contributions.NOM[:20]
    try:
        # The count of Porte du Hainaut's structures, as each door shows it before anything.
        pages = {}
        for porte in (adresse, processus_a, processus_b):
            pages[porte] = contexte.new_page()
            contributions._ouvrir_structures(pages[porte], porte)
        avant = {porte: contributions._total(page) for porte, page in pages.items()}
        assert len(set(avant.values())) == 1, avant
        (avant,) = set(avant.values())

        # The visitor proposes it on process A, without an account.
        visiteur = pages[processus_a]
        # (the tab in front: Chromium holds back the animation frames of the others)
        visiteur.bring_to_front()
        contributions._ouvrir_structures(visiteur, processus_a, "&proposer=1")
        contributions._remplir(
            visiteur,
            commune="Wallers (59632)",
            point="50.3754, 3.3925",
            contact="moi@exemple.fr",
            description="Réemploi, réparation et vente solidaire.",
        )
        contributions._envoyer(visiteur)
        expect(
            visiteur.get_by_text("Merci : votre proposition sera publiée après vérification")
        ).to_be_visible(timeout=60_000)

        # Nowhere public, through the proxy nor on the other process (nor on A).
        for porte, page in pages.items():
            page.bring_to_front()
            contributions._ouvrir_structures(page, porte)
            assert contributions._total(page) == avant, porte
            contributions._chercher(page, recherche, 0)

        # A contributor of the EPCI signs in on process B, sees it waiting and accepts it.
        moderation = contexte.new_page()
        contributions._se_connecter(moderation, processus_b)
        expect(moderation.get_by_text(f"Proposition : {contributions.NOM}")).to_be_visible(timeout=60_000)
        contributions._accepter_la_proposition(moderation)

        # Published through the proxy and on process A (a page opened anew: a new session reads
        # the store), counted, listed, with its source.
        for porte in (processus_a, adresse):
            page = pages[porte]
            page.bring_to_front()
            contributions._ouvrir_structures(page, porte)
            assert contributions._total(page) == avant + 1, porte
            contributions._chercher(page, recherche, 1)
            # The sources line under the list (the open-data section's text says it too).
            sources = page.locator("p").filter(has_text=re.compile(r"^Sources :"))
            ligne = sources.filter(has_text=re.compile(r"vérifiées par un modérateur .*: 1\b"))
            expect(ligne.first).to_be_visible()
        # The proxy's download of the list names its source, its date and the moderator's role.
        with page.expect_download(timeout=60_000) as attente:
            page.get_by_role("button", name="Télécharger la sélection (CSV)").click()
        lignes = attente.value.path().read_text(encoding="utf-8-sig").splitlines()
        (ligne,) = [ligne for ligne in lignes if contributions.NOM in ligne]
        assert "Contribution vérifiée : vérifiée le " in ligne
        assert "par un contributeur du territoire" in ligne
    except Exception:
        for rang, onglet in enumerate(contexte.pages):
            onglet.screenshot(path=str(ARTEFACTS / f"echec-deux-processus-{rang}.png"))
        raise
    finally:
        contexte.close()


def _adresse_de_la_machine() -> str | None:
    """An IPv4 address of this machine other than loopback (its network card's), or None."""
    candidates = set()
    with contextlib.suppress(OSError):
        candidates |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as prise, contextlib.suppress(OSError):
        prise.connect(("192.0.2.1", 9))  # UDP: nothing is sent, the system only picks a route
        candidates.add(prise.getsockname()[0])
    return min((a for a in candidates if not ipaddress.ip_address(a).is_loopback), default=None)


def test_la_limite_d_envois_compte_l_adresse_que_nginx_a_vue(production, navigateur):
    """Behind nginx, the app process's connection always comes from the proxy: the rate limits
    must count the visitor's address, which nginx passes on (X-Forwarded-For, which the app's
    server believes from 127.0.0.1, and X-Real-IP, which geo.outils.reseau believes from a
    private address, as compose's network). Without them every visitor would share one count."""
    adresse, _port_http, etat = production
    machine = _adresse_de_la_machine()
    if machine is None:
        pytest.skip("Aucune adresse réseau autre que 127.0.0.1 : le visiteur ne peut venir d'ailleurs.")
    # The same nginx, reached on the network card: it sees the visitor come from ``machine``.
    par_le_reseau = adresse.replace("localhost", machine)
    _ports_app, port_pg = _ports_de_la_pile(etat)
    depot = store.ouvrir(f"postgresql://postgres@127.0.0.1:{port_pg}/ess")
    try:

        def envois_de(emetteuse: str) -> int:
            with depot.engine.connect() as connexion:
                return connexion.scalar(
                    select(func.count())
                    .select_from(store.EnvoiContribution)
                    .where(
                        store.EnvoiContribution.empreinte_adresse
                        == base_contributions.empreinte(depot, emetteuse)
                    )
                )

        avant = {qui: envois_de(qui) for qui in (machine, "127.0.0.1")}
        contexte = navigateur.new_context(
            ignore_https_errors=True, viewport={"width": 1400, "height": 1000}, locale="fr-FR"
        )
        _reseau_ferme(contexte, par_le_reseau)
        try:
            page = contexte.new_page()
            contributions._ouvrir_structures(page, par_le_reseau, "&proposer=1")
            # A SIRET with a wrong key: refused, nothing stored but the send (what the limits count).
            contributions._remplir(page, nom="Envoi compté à son adresse", siret="77562194900278")
            contributions._envoyer(page)
            expect(page.get_by_text("Rien n'a été envoyé").first).to_be_visible()
        finally:
            contexte.close()
        assert envois_de(machine) == avant[machine] + 1
        assert envois_de("127.0.0.1") == avant["127.0.0.1"]
    finally:
        depot.fermer()


# --- First visit: every byte received, through the proxy, empty cache ------------------------

# Every page of the app (app.py) at the EPCI the targets are set for, and the map at France
# scale (it once fetched france_departements.geojson, 3.6 MB, for its export panel).
ADRESSES = ["/"] + [
    f"/{chemin}?territoire=epci:200042190"
    for chemin in (
        "",
        "territoire",
        "qpv",
        "commerces",
        "structures",
        "opportunites",
        "saisie",
        "sources",
        "emplois",
    )
]


def test_carte_epci_au_plus_1_5_mo(production, navigateur):
    adresse, _port_http, _etat = production
    chemin, quoi = PAGES["Carte EPCI"]
    visite = premiere_visite(navigateur, adresse + chemin, quoi)
    assert visite.websocket > 0
    assert visite.total <= CIBLES["Carte EPCI"], _detail(visite)
    assert not visite.exports(), visite.exports()


def test_emplois_au_plus_2_5_mo(production, navigateur):
    adresse, _port_http, _etat = production
    chemin, quoi = PAGES["Emplois EPCI"]
    visite = premiere_visite(navigateur, adresse + chemin, quoi)
    assert visite.total <= CIBLES["Emplois EPCI"], _detail(visite)


def test_aucun_export_ni_surligneur_avant_un_clic(production, navigateur):
    """Every page, one after the other in one tab: nothing to download is fetched until clicked,
    and a click on a download still gets the file."""
    adresse, _port_http, _etat = production
    contexte = navigateur.new_context(
        ignore_https_errors=True,
        viewport={"width": 1400, "height": 1000},
        locale="fr-FR",
        accept_downloads=True,
    )
    try:
        onglet = contexte.new_page()
        # Chromium's network log: every response of the page and of its frames.
        cdp = contexte.new_cdp_session(onglet)
        cdp.send("Network.enable")
        recus: list[tuple[str, int]] = []
        cdp.on(
            "Network.responseReceived",
            lambda e: recus.append((e["response"]["url"], e["response"]["status"])),
        )
        for chemin in ADRESSES:
            onglet.goto(adresse + chemin)
            expect(onglet.locator("h1").first).to_be_visible(timeout=90_000)
            attendre_repos(onglet)
            onglet.wait_for_timeout(1_500)
        assert [url for url, _statut in recus if SURLIGNEUR in url] == []
        # The proxy answers the check of Streamlit's download buttons with an empty 204.
        assert [(url, statut) for url, statut in recus if a_ne_pas_charger(url) and statut != 204] == []
        assert any(url.startswith(f"{adresse}/media/") for url, _statut in recus), "aucun bouton vu"
        # The proxy keeps the check Streamlit's buttons make (fetch) empty, not the click.
        bouton = onglet.get_by_test_id("stDownloadButton").first
        expect(bouton).to_be_visible(timeout=30_000)
        with onglet.expect_download(timeout=30_000) as attente:
            bouton.click()
        fichier = attente.value.path()
        assert fichier.stat().st_size > 100
    finally:
        contexte.close()


def test_sante_et_etat_du_serveur_a_travers_la_pile(production, donnees_application):
    """What the IT team's monitoring reads: health through nginx, ``ess-statut`` on the stack's
    PostgreSQL, and the app processes' logs as JSON lines without query strings."""
    adresse, _port_http, etat = production
    sante = _get(adresse, etat, "/_stcore/health")
    assert sante.status == 200
    assert sante.corps == b"ok"
    assert sante.getheader("Strict-Transport-Security")  # nginx answered, not an app process

    # local.sh puts PostgreSQL's socket in its state folder, named after the port.
    (port_pg,) = [p.suffix[1:] for p in (etat / "pg").glob(".s.PGSQL.*") if p.suffix[1:].isdigit()]
    environnement = dict(donnees_application, DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port_pg}/ess")
    installee = RACINE / ".venv" / "bin" / "ess-statut"
    commande = [str(installee)] if installee.is_file() else [sys.executable, "-m", "geo.rendu.statut"]
    sortie = subprocess.run(
        [*commande, "--json"], env=environnement, cwd=RACINE, capture_output=True, text=True, timeout=120
    )
    assert sortie.returncode == 0, sortie.stderr
    statut = json.loads(sortie.stdout)
    assert statut["base"]["joignable"] is True
    assert statut["base"]["moteur"] == "postgresql"
    assert statut["base"]["revision"]
    assert set(statut["base"]["comptes"]) == {"administrateur", "contributeur"}
    assert statut["donnees"]["jeux"]

    # Where nothing listens, the store is said unreachable, with a non-zero exit code.
    injoignable = dict(environnement, DATABASE_URL="postgresql://postgres@127.0.0.1:9/ess")
    sortie = subprocess.run(
        commande, env=injoignable, cwd=RACINE, capture_output=True, text=True, timeout=120
    )
    assert sortie.returncode == 1
    assert "Base de saisie : INJOIGNABLE" in sortie.stdout

    lignes = [
        ligne
        for journal in (etat / "journaux").glob("app-*.log")
        for ligne in journal.read_text(encoding="utf-8").splitlines()
        if ligne.startswith("{")
    ]
    enregistrements = [json.loads(ligne) for ligne in lignes]
    assert any(e["journal"].startswith("geo.") for e in enregistrements), lignes[:5]
    assert all({"moment", "niveau", "journal", "message"} <= set(e) for e in enregistrements)
    assert not any("territoire=" in ligne for ligne in lignes)


def _detail(visite) -> str:
    gros = sorted(visite.reponses, key=lambda r: -r[1])[:8]
    return f"{visite.total / 1e6:.2f} Mo (websocket {visite.websocket / 1e6:.2f} Mo) : " + ", ".join(
        f"{url.rsplit('/', 1)[-1][:40]} {octets / 1e3:.0f} ko {codage}" for url, octets, codage in gros
    )
