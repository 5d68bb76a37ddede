"""books: who pays for a class place (self-paid series, the payer of each booking) and learners'
requests for a municipality-paid place; grant rates an administrator registers by year; months exported to the national introduction register.
Rule version 2 changes no stored record: ``flask
entitlement audit`` lists the records that break it.

Revision ID: 0020_books_rule_v2
Revises: 0019_audio_recordings
Create Date: 2026-12-07 12:30:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.db_types


# revision identifiers, used by Alembic.
revision = '0020_books_rule_v2'
down_revision = '0019_audio_recordings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('class_series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('self_paid', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('class_bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payer', sa.String(length=20), nullable=True))
    op.create_table('seat_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('created_at', webapp.db_types.UTCDateTime(), nullable=False),
    sa.Column('handled_at', webapp.db_types.UTCDateTime(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_seat_requests_handled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_seat_requests_learner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'], name=op.f('fk_seat_requests_municipality_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['series_id'], ['class_series.id'], name=op.f('fk_seat_requests_series_id_class_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat_requests'))
    )
    with op.batch_alter_table('seat_requests', schema=None) as batch_op:
        batch_op.create_index('ix_seat_requests_municipality_open', ['municipality_id', 'handled_at'], unique=False)
        batch_op.create_index('uq_seat_requests_open', ['learner_id', 'series_id'], unique=True, postgresql_where=sa.text('handled_at IS NULL'), sqlite_where=sa.text('handled_at IS NULL'))
    op.create_table('nir_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('exported_at', webapp.db_types.UTCDateTime(), nullable=False),
    sa.Column('exported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['exported_by_id'], ['users.id'], name=op.f('fk_nir_exports_exported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'], name=op.f('fk_nir_exports_municipality_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nir_exports')),
    sa.UniqueConstraint('municipality_id', 'month', name='one_export_per_month')
    )
    op.create_table('grant_rates',
    sa.Column('rule_set', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('per_person_nok', sa.Integer(), nullable=False),
    sa.Column('per_extension_nok', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('created_at', webapp.db_types.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('per_person_nok >= 0 AND per_extension_nok >= 0', name=op.f('ck_grant_rates_rates_not_negative')),
    sa.CheckConstraint('year >= 2000 AND year <= 2100', name=op.f('ck_grant_rates_year_sensible')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_grant_rates_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('rule_set', 'year', name=op.f('pk_grant_rates'))
    )


def downgrade():
    op.drop_table('grant_rates')
    op.drop_table('nir_exports')
    with op.batch_alter_table('seat_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_seat_requests_open', postgresql_where=sa.text('handled_at IS NULL'), sqlite_where=sa.text('handled_at IS NULL'))
        batch_op.drop_index('ix_seat_requests_municipality_open')
    op.drop_table('seat_requests')
    with op.batch_alter_table('class_bookings', schema=None) as batch_op:
        batch_op.drop_column('payer')
    with op.batch_alter_table('class_series', schema=None) as batch_op:
        batch_op.drop_column('self_paid')
