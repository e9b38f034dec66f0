"""One way to start the app, as ``make run`` does, on a free loopback port: for the benchmarks
and the browser tests (tests/navigateur/)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
# Chromium for the benchmarks: only the loopback answers (map tiles fail as offline). Playwright's
# request routing would do the same but turns off the browser's HTTP cache, so every page view
# would download Streamlit's scripts again, which no visitor's browser does.
ARGS_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def application(
    environnement: dict[str, str] | None = None,
    journal: Path | None = None,
    delai_s: float = 60,
    port: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """The running app: (address, process, seconds until its health check answered).

    ``port``: a given loopback port (else a free one).

    ``journal``: a file for the server's output (else it is dropped). A server that stops or
    does not answer within ``delai_s`` raises, naming the journal.
    """
    port = port or port_libre()
    adresse = f"http://127.0.0.1:{port}"
    debut = time.perf_counter()
    with contextlib.ExitStack() as pile:
        sortie = pile.enter_context(journal.open("w")) if journal else subprocess.DEVNULL
        processus = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ui.demarrage",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=RACINE,
            env=environnement,
            stdout=sortie,
            stderr=subprocess.STDOUT,
        )
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"{adresse}/_stcore/health", timeout=1):
                        break
                except OSError:
                    if processus.poll() is not None or time.perf_counter() - debut > delai_s:
                        raise RuntimeError(
                            f"L'application n'a pas démarré (journal : {journal or 'non gardé'})."
                        ) from None
                    time.sleep(0.1)
            yield adresse, processus, time.perf_counter() - debut
        finally:
            processus.terminate()
            processus.wait(timeout=30)
