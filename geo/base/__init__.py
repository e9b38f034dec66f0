"""The store of entered data: models and connection (store), Alembic migrations, import and
export of files (saisie), accounts (comptes), the change log (journal), the seed pack
of the field documents (semences).
"""
