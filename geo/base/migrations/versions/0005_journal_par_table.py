"""Index du journal par table : la dernière décision de modération se trouve sans lire les imports.

:meth:`geo.base.store.Depot.signature` (the key of the register's caches, read several times a
run) looks for the newest moderation entry; without this index, a journal holding an import of
100 000 rows was read backwards up to it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_journal_table_nom_id", "journal", ["table_nom", "id"])


def downgrade() -> None:
    op.drop_index("ix_journal_table_nom_id", table_name="journal")
