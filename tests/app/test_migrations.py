"""`flask db upgrade` from empty to head, and models that match the migrations."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import reset_database


def test_upgrade_from_empty_to_head_matches_the_models(app, db, runner):
    reset_database(db.engine)
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_downgrade_to_base_removes_every_table(app, db, runner):
    reset_database(db.engine)
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    import sqlalchemy as sa

    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
