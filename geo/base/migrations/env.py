"""Alembic environment of the store (see geo.base.store.migrer).

The connection comes from ``config.attributes["connection"]`` when
:func:`geo.base.store.migrer` runs the migrations; the ``alembic`` command line
(``alembic -c geo/base/migrations/alembic.ini upgrade head``) uses the store's URL.
"""

from __future__ import annotations

from alembic import context

from geo.base import store

config = context.config
metadonnees = store.Base.metadata


def _executer(connexion) -> None:
    context.configure(
        connection=connexion,
        target_metadata=metadonnees,
        # SQLite cannot ALTER most things: later migrations copy tables instead.
        render_as_batch=connexion.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def executer_en_ligne() -> None:
    connexion = config.attributes.get("connection")
    if connexion is not None:
        _executer(connexion)
        return
    url = config.get_main_option("sqlalchemy.url") or store.url_par_defaut()
    engine = store.moteur(url)
    try:
        with engine.connect() as connexion:
            _executer(connexion)
            connexion.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or store.url_par_defaut(),
        target_metadata=metadonnees,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    executer_en_ligne()
