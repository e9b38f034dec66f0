"""Schéma initial : PTCE, projets, structures, emplois, financements.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ETAPES = "'veille', 'identification', 'modélisation', 'validation', 'expérimentation', 'lancement'"
_NATURES = "'insertion', 'encadrement', 'autre'"


def upgrade() -> None:
    op.create_table(
        "ptce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nom", sa.String(200), nullable=False),
        sa.Column("perimetre", sa.Text(), nullable=True),
        sa.Column("membres", sa.Text(), nullable=True),
        sa.Column("annee_creation", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ptce"),
        sa.UniqueConstraint("nom", name="uq_ptce_nom"),
    )
    op.create_table(
        "projet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nom", sa.String(200), nullable=False),
        sa.Column("ptce_id", sa.Integer(), nullable=True),
        sa.Column("etape", sa.String(20), nullable=True),
        sa.Column("date_debut", sa.Date(), nullable=True),
        sa.Column("date_fin", sa.Date(), nullable=True),
        sa.Column("secteur", sa.String(200), nullable=True),
        sa.Column("territoire", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(f"etape IS NULL OR etape IN ({_ETAPES})", name="ck_projet_etape"),
        sa.ForeignKeyConstraint(["ptce_id"], ["ptce.id"], name="fk_projet_ptce_id_ptce", ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_projet"),
        sa.UniqueConstraint("nom", name="uq_projet_nom"),
    )
    op.create_table(
        "structure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nom", sa.String(200), nullable=False),
        sa.Column("siret", sa.String(14), nullable=True),
        sa.Column("forme", sa.String(200), nullable=True),
        sa.Column("commune", sa.String(5), nullable=True),
        sa.Column("ptce_id", sa.Integer(), nullable=True),
        sa.Column("projet_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ptce_id"], ["ptce.id"], name="fk_structure_ptce_id_ptce", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"], ["projet.id"], name="fk_structure_projet_id_projet", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_structure"),
        sa.UniqueConstraint("nom", name="uq_structure_nom"),
        sa.UniqueConstraint("siret", name="uq_structure_siret"),
    )
    op.create_table(
        "emploi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("projet_id", sa.Integer(), nullable=False),
        sa.Column("annee", sa.Integer(), nullable=True),
        sa.Column("nature", sa.String(20), nullable=False),
        sa.Column("nombre", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(f"nature IN ({_NATURES})", name="ck_emploi_nature"),
        sa.CheckConstraint("nombre >= 0", name="ck_emploi_nombre"),
        sa.ForeignKeyConstraint(
            ["projet_id"], ["projet.id"], name="fk_emploi_projet_id_projet", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_emploi"),
    )
    op.create_table(
        "financement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("projet_id", sa.Integer(), nullable=True),
        sa.Column("ptce_id", sa.Integer(), nullable=True),
        sa.Column("siret", sa.String(14), nullable=True),
        sa.Column("territoire", sa.Text(), nullable=True),
        sa.Column("financeur", sa.String(300), nullable=True),
        sa.Column("dispositif", sa.String(300), nullable=True),
        sa.Column("montant_eur", sa.Numeric(14, 2), nullable=True),
        sa.Column("annee_debut", sa.Integer(), nullable=True),
        sa.Column("annee_fin", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "projet_id IS NOT NULL OR ptce_id IS NOT NULL OR siret IS NOT NULL OR territoire IS NOT NULL",
            name="ck_financement_beneficiaire",
        ),
        sa.CheckConstraint("montant_eur IS NULL OR montant_eur >= 0", name="ck_financement_montant"),
        sa.CheckConstraint(
            "annee_fin IS NULL OR annee_debut IS NULL OR annee_fin >= annee_debut",
            name="ck_financement_annees",
        ),
        sa.ForeignKeyConstraint(
            ["projet_id"], ["projet.id"], name="fk_financement_projet_id_projet", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["ptce_id"], ["ptce.id"], name="fk_financement_ptce_id_ptce", ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_financement"),
    )


def downgrade() -> None:
    for table in ("financement", "emploi", "structure", "projet", "ptce"):
        op.drop_table(table)
