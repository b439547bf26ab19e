"""Small correctness versions of the benchmarks in tests/bench/ (no timings)."""

import sqlalchemy as sa

from tests.bench import bench_display
from voting.models import Ballot


def test_display_bench_builds_a_round_and_serves_it(app, db, client):
    token = bench_display.build(n_ballots=30, n_options=4)
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 30
    response = client.get(f"/display/{token}/live")
    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert (
        client.get(
            f"/display/{token}/live", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )
