import sqlalchemy as sa

from voting.models import Account, Delegation, Event, Option, Participant, Poll


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_twice_gives_the_2005_seminar(app, db, runner):
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "already" in second.output
    # the first run prints a working admin sign-in and the projector links
    password = first.output.split("admin@demo.prioriza.org / ")[1].split()[0]
    admin = db.session.scalar(sa.select(Account).filter_by(role="admin"))
    assert admin.check_password(password)
    assert first.output.count("/display/") == 3 and "/j/" in first.output
    assert count(db, Event) == 1
    assert count(db, Delegation) == 18
    assert count(db, Participant) == 38
    event = db.session.scalar(sa.select(Event))
    assert event.language_list == ["es", "en"]
    assert len(event.workshops) == 2
    polls = db.session.scalars(sa.select(Poll)).all()
    assert len(polls) == 3
    assert [p.rounds[0].status for p in polls] == ["open", "open", "draft"]
    assert count(db, Option) == 15
    sme = db.session.scalar(sa.select(Option).filter_by(key="sme"))
    assert (
        sme.title["en"] == "Competitive SME participation in e-government procurement"
    )
    assert set(sme.title) == {"es", "en", "pt", "fr"}
    # every delegation has at least one delegate
    assert all(d.participants for d in event.delegations)


def test_create_account_prompts_for_the_password(app, db, runner):
    result = runner.invoke(
        args=[
            "create-account",
            "--email",
            "Fac@Example.org",
            "--name",
            "Fac",
            "--role",
            "facilitator",
        ],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code == 0, result.output
    account = db.session.scalar(sa.select(Account))
    assert account.email == "fac@example.org"
    assert account.check_password("s3cret-pass")
    assert "s3cret-pass" not in account.password_hash


def test_create_account_refuses_a_duplicate(app, db, runner):
    args = [
        "create-account",
        "--email",
        "a@example.org",
        "--name",
        "A",
        "--role",
        "admin",
    ]
    runner.invoke(args=args, input="longenough\nlongenough\n")
    result = runner.invoke(args=args, input="longenough\nlongenough\n")
    assert result.exit_code != 0
    assert "exists" in result.output
    assert count(db, Account) == 1


def test_backup_copies_a_consistent_sqlite_database(app, db, runner, tmp_path):
    import sqlite3

    if db.engine.dialect.name != "sqlite":
        result = runner.invoke(args=["backup", str(tmp_path / "b.db")])
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    runner.invoke(args=["seed-demo"])
    target = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM participant").fetchone() == (38,)
    conn.close()


def test_demo_event_code_joins_the_open_workshop_polls(app, db, client, runner):
    runner.invoke(args=["seed-demo"])
    event = db.session.scalar(sa.select(Event))
    response = client.get(f"/join?code={event.join_code}")
    assert response.status_code == 200
    assert 'name="name"' in response.get_data(as_text=True)  # name + delegation step
    workshop_polls = [p for p in event.polls if p.workshop_id]
    assert all(p.open_mode for p in workshop_polls)
