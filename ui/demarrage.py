"""Start the app server, loading the territories while the first visitor's browser loads Streamlit.

``python -m ui.demarrage [streamlit options]`` is ``streamlit run app.py [options]`` plus one
thing: as soon as the process starts, a background thread imports the data libraries and reads
the territory tables into the cache the pages use (``ui.donnees``). Streamlit runs the app's
script only when a visitor connects, so without this the first visitor waited for all of it
(about 3 s on two cores) after their browser had loaded Streamlit, instead of during.

A failure here is never fatal: the page does the same work itself and says what went wrong.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import logging
import sys
import threading
import time
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"
NOM_FIL = "prechauffage"
# Never streamlit-folium (nor ui.carte): a component registers itself with the server only
# when first imported inside a visitor's run; imported here, the map would answer 404.
MODULES_DES_PAGES = (
    "geo.donnees.opportunites",
    "geo.donnees.structures",
    "geo.rendu.charts",
    "geo.rendu.surcouches.qpv",
    "geo.rendu.surcouches.commerces",
    "geo.rendu.surcouches.structures",
    "ui.surcouches_disponibles",
    "geo.base.store",
    "ui.sections",
    "ui.exports",
    "pandas.io.formats.style",
)


def _hors_prechauffage(enregistrement: logging.LogRecord) -> bool:
    return enregistrement.threadName != NOM_FIL


def _fichiers_des_modules() -> None:
    # Declaring the map component (streamlit-folium's import, in the visitor's run) asks
    # inspect.getmodule, which first maps every module loaded since its last scan to its real
    # path: 0.3 to 0.6 s on the first call, paid here. A code object from no file makes it scan
    # (for an object of a file already mapped it returns before).
    inspect.getmodule(compile("", "<préchauffage>", "exec"))


# Set when a visitor's run ends (app.py): the warm-up's second half waits for it.
premiere_page_finie = threading.Event()
ATTENTE_PREMIERE_PAGE_S = 30


def prechauffer() -> None:
    """Import what the pages import and fill the territory and France-map caches."""
    prechauffer_l_essentiel()
    prechauffer_le_reste()


def _sans_avertissements_de_contexte() -> None:
    # Outside a visitor's run, Streamlit warns that there is no script context: expected in this
    # thread only. A filter, because Streamlit resets its loggers' levels as it starts.
    for nom in ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching"):
        logging.getLogger(nom).addFilter(_hors_prechauffage)


def prechauffer_l_essentiel() -> None:
    """What every page's first run needs: the territories, folium's plugins, the detailed outlines."""
    _sans_avertissements_de_contexte()
    with contextlib.suppress(Exception):
        from ui import donnees

        ref = donnees.referentiel()
        # Folium's plugins, which streamlit-folium imports and whose templates take 0.25 s to
        # compile (not a component: safe to import here).
        importlib.import_module("folium.plugins")
        _fichiers_des_modules()
        # What the first map of an EPCI or a commune needs besides: the communes' detailed
        # outlines (0.25 s to read).
        ref.affichage("communes", "fin")
        # The register of structures is keyed on the store's change counter (accepted
        # contributions): the first page with structures opens the store, done here instead.
        donnees.compteur_saisies()


def prechauffer_le_reste() -> None:
    """What some pages need (their modules, the France map): after the first page, not during it.

    The warm-up shares one interpreter lock with the visitor's run: done while that run goes
    on, it slowed the first map by the half-second it took (the chart libraries' imports among it).
    """
    _sans_avertissements_de_contexte()
    with contextlib.suppress(Exception):
        from ui import donnees

        for module in MODULES_DES_PAGES:
            importlib.import_module(module)
        donnees.carte_preparee(None)
        _fichiers_des_modules()  # the modules loaded since: a few milliseconds


def _quand_le_serveur_tourne() -> None:
    # Imports in two threads at once can meet a half-imported module (a library can look pandas up in
    # sys.modules while the other thread is still importing it): the warm-up waits until the
    # server has started, its own imports done, which is when the first browser loads anyway.
    from streamlit.runtime import Runtime

    limite = time.monotonic() + 60
    while not Runtime.exists() and time.monotonic() < limite:
        time.sleep(0.05)
    prechauffer_l_essentiel()
    premiere_page_finie.wait(ATTENTE_PREMIERE_PAGE_S)
    prechauffer_le_reste()


def sans_avertissement_hors_streamlit() -> None:
    """Skip Streamlit's check, at the first element of a process, that it runs under ``streamlit run``.

    The check (``env_util.is_repl``) calls ``inspect.stack()``, which maps every loaded module
    to its real path: 1 s of the first visitor's run on two cores, 16,000 ``lstat`` calls. The
    answer is known here: this command is ``streamlit run``.
    """
    from streamlit import delta_generator

    if hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True


def journaux_du_serveur() -> None:
    """The project's log setup (:mod:`geo.outils.journaux`), Streamlit's own loggers included.

    Streamlit gives each of its loggers a handler of its own (they do not reach the root's), and
    sets it again whenever its configuration is read: in JSON mode, each one gets the project's
    formatter and cleaning filter as it is set up.
    """
    from streamlit import logger as journal_streamlit

    from geo.outils import journaux

    journaux.configurer()
    if not journaux.en_json() or getattr(journal_streamlit.setup_formatter, "_ess", False):
        return
    installer_formateur = journal_streamlit.setup_formatter

    def installer_formateur_json(journal: logging.Logger) -> None:
        installer_formateur(journal)
        sortie = journal.streamlit_console_handler
        sortie.setFormatter(journaux.FormatJSON())
        sortie.addFilter(journaux.Expurgation())

    installer_formateur_json._ess = True
    journal_streamlit.setup_formatter = installer_formateur_json
    journal_streamlit.update_formatter()


def _hors_annonce_anglaise(enregistrement: logging.LogRecord) -> bool:
    return not str(enregistrement.msg).startswith("Uvicorn server started")


def annoncer_l_adresse(_demonstration: bool = False) -> None:
    """Streamlit's start banner (``bootstrap._print_url``), in French.

    Streamlit's own says « You can now view your Streamlit app in your browser », and, run
    headless as ``make run`` and the servers do, first asks a server abroad for this machine's
    public address (« Did not auto detect external IP » on a closed network): not here.
    """
    from streamlit import config as options
    from streamlit import net_util
    from streamlit.web.server import server_util

    if options.get_option("logger.hideWelcomeMessage"):
        return
    adresses = []
    if options.is_manually_set("browser.serverAddress"):
        adresses.append(("Adresse", server_util.get_url(options.get_option("browser.serverAddress"))))
    elif options.is_manually_set("server.address") and options.get_option("server.address") not in {
        "0.0.0.0",  # noqa: S104 (what is listened on, not an address to give)
        "::",
    }:
        adresses.append(("Adresse", server_util.get_url(options.get_option("server.address"))))
    else:
        adresses.append(("Sur cette machine", server_util.get_url("localhost")))
        if interne := net_util.get_internal_ip():
            adresses.append(("Depuis le réseau local", server_util.get_url(interne)))
    lignes = ["", "  Le tableau de bord est prêt : ouvrez-le dans un navigateur.", ""]
    lignes += [f"  {nom} : {adresse}" for nom, adresse in adresses]
    print("\n".join([*lignes, ""]), flush=True)


def franciser_le_demarrage() -> None:
    """What the server says as it starts, in French: the banner, without the web server's line."""
    from streamlit.web import bootstrap

    bootstrap._print_url = annoncer_l_adresse
    logging.getLogger("streamlit.web.server.starlette.starlette_server").addFilter(_hors_annonce_anglaise)


def main(arguments: list[str]) -> None:
    from streamlit.web import cli

    journaux_du_serveur()
    sans_avertissement_hors_streamlit()
    franciser_le_demarrage()
    threading.Thread(target=_quand_le_serveur_tourne, name=NOM_FIL, daemon=True).start()

    sys.argv = ["streamlit", "run", str(APP), *arguments]
    cli.main()


if __name__ == "__main__":
    # Run as ``ui.demarrage``, not ``__main__``: app.py signals the end of the first page
    # through this module's event, and would otherwise import a second copy of it.
    importlib.import_module("ui.demarrage").main(sys.argv[1:])
