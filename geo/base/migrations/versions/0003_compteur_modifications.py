"""Compteur des modifications : une ligne, augmentée à chaque écriture, lue une fois par exécution.

Lets every process of a multi-process deployment know, for the price of one tiny query,
whether the entered data changed since its cached reads.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "compteur_modifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("valeur", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_compteur_modifications"),
    )
    op.bulk_insert(table, [{"id": 1, "valeur": 0}])


def downgrade() -> None:
    op.drop_table("compteur_modifications")
