"""Comptes, périmètres des contributeurs, tentatives de connexion, journal des modifications.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compte",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifiant", sa.String(200), nullable=False),
        sa.Column("nom", sa.String(200), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("mot_de_passe", sa.Text(), nullable=True),
        sa.Column("actif", sa.Boolean(), nullable=False),
        sa.Column("cree_le", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('contributeur', 'administrateur')", name="ck_compte_role"),
        sa.PrimaryKeyConstraint("id", name="pk_compte"),
        sa.UniqueConstraint("identifiant", name="uq_compte_identifiant"),
    )
    op.create_table(
        "perimetre_compte",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compte_id", sa.Integer(), nullable=False),
        sa.Column("ptce_id", sa.Integer(), nullable=True),
        sa.Column("territoire", sa.String(30), nullable=True),
        sa.CheckConstraint("(ptce_id IS NULL) <> (territoire IS NULL)", name="ck_perimetre_compte_un_seul"),
        sa.ForeignKeyConstraint(
            ["compte_id"], ["compte.id"], name="fk_perimetre_compte_compte_id_compte", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ptce_id"], ["ptce.id"], name="fk_perimetre_compte_ptce_id_ptce", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_perimetre_compte"),
    )
    op.create_table(
        "tentative_connexion",
        sa.Column("identifiant", sa.String(200), nullable=False),
        sa.Column("echecs", sa.Integer(), nullable=False),
        sa.Column("dernier_echec", sa.DateTime(), nullable=True),
        sa.Column("bloque_jusqu_a", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("identifiant", name="pk_tentative_connexion"),
    )
    op.create_table(
        "journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quand", sa.DateTime(), nullable=False),
        sa.Column("qui", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("table_nom", sa.String(30), nullable=False),
        sa.Column("ligne_id", sa.Integer(), nullable=False),
        sa.Column("avant", sa.Text(), nullable=True),
        sa.Column("apres", sa.Text(), nullable=True),
        sa.Column("lot", sa.String(36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint("action IN ('ajout', 'modification', 'suppression')", name="ck_journal_action"),
        sa.PrimaryKeyConstraint("id", name="pk_journal"),
    )
    op.create_index("ix_journal_quand", "journal", ["quand"])
    op.create_index("ix_journal_lot", "journal", ["lot"])


def downgrade() -> None:
    op.drop_index("ix_journal_lot", table_name="journal")
    op.drop_index("ix_journal_quand", table_name="journal")
    for table in ("journal", "tentative_connexion", "perimetre_compte", "compte"):
        op.drop_table(table)
