"""PrefLib reading and writing."""

import importlib
import json
from pathlib import Path

import numpy as np
import pytest

from voting.aggregation import Profile, tally
from voting.aggregation.preflib import (
    PreflibError,
    format_order,
    parse_order,
    read_preflib,
    write_preflib,
)

from .preflib_examples import EXAMPLES

CASES = json.loads(
    (Path(__file__).parents[1] / "data" / "public-cases.json").read_text("utf-8")
)


@pytest.mark.parametrize("ext", ["soc", "soi", "toc", "toi"])
def test_worked_examples_parse(ext):
    d = read_preflib(EXAMPLES[ext], ext)
    assert d.data_type == ext
    assert d.options == list(range(1, len(d.names) + 1))
    assert sum(c for c, _ in d.orders) == int(d.header["NUMBER VOTERS"])
    assert len(d.orders) == int(d.header["NUMBER UNIQUE ORDERS"])
    assert d.profile.total_weight == int(d.header["NUMBER VOTERS"])


def test_worked_example_details():
    soi = read_preflib(EXAMPLES["soi"])
    assert soi.orders[1] == (30, [[2], [1], [5]])
    assert soi.names == {1: "A", 2: "B", 3: "C", 4: "D", 5: "E"}
    toc = read_preflib(EXAMPLES["toc"])
    assert toc.orders[1] == (30, [[2], [1], [5], [3, 4]])
    # the imbued .toc and the .soi are the same profile under "unranked last"
    np.testing.assert_allclose(toc.profile.pairwise, soi.profile.pairwise)
    toi = read_preflib(EXAMPLES["toi"])
    assert toi.orders[0] == (40, [[2]])
    assert toi.orders[7] == (8, [[1, 3, 4]])
    soc = read_preflib(EXAMPLES["soc"])
    assert tally(soc.profile, "irv").winner == 4  # Knoxville


def test_matches_preflibtools():
    importlib.import_module("preflibtools")
    from preflibtools.instances import OrdinalInstance

    for ext, text in EXAMPLES.items():
        inst = OrdinalInstance()
        inst.parse_str(text, ext)
        ours = read_preflib(text, ext)
        theirs = {
            tuple(frozenset(t) for t in order): count
            for order, count in inst.multiplicity.items()
        }
        mine = {tuple(frozenset(t) for t in tiers): c for c, tiers in ours.orders}
        assert mine == theirs
        assert ours.names == dict(inst.alternatives_name)


def replace_line(text, old, new):
    assert old in text
    return text.replace(old, new, 1)


BAD = [
    ("soc", "42: 1,2,3,4", "42: 1,2,3", "line 17: a .soc order must rank all 4"),
    ("soc", "42: 1,2,3,4", "42: 1,2,{3,4}", "line 17: braces (ties) are not allowed"),
    ("soc", "42: 1,2,3,4", "42: 1,2,3,5", "line 17: alternative 5 is outside 1..4"),
    ("soc", "42: 1,2,3,4", "42: 1,2,2,4", "line 17: alternative 2 appears twice"),
    ("soc", "42: 1,2,3,4", "x: 1,2,3,4", "line 17: multiplicity must be an integer"),
    ("soc", "42: 1,2,3,4", "0: 1,2,3,4", "line 17: multiplicity must be an integer"),
    ("soc", "42: 1,2,3,4", "42 1,2,3,4", "line 17: expected 'count: order'"),
    ("soc", "42: 1,2,3,4", "42: 1,2,3,a", "line 17: 'a' is not an alternative"),
    ("soc", "42: 1,2,3,4", "42: 1,2,3,4,", "line 17: trailing comma"),
    (
        "soc",
        "26: 2,3,4,1",
        "26: 1,2,3,4",
        "line 18: the same order is already on line 17",
    ),
    (
        "soc",
        "# NUMBER VOTERS: 100",
        "# NUMBER VOTERS: 99",
        "line 11: NUMBER VOTERS says 99",
    ),
    ("soc", "# NUMBER UNIQUE ORDERS: 4", "# NUMBER UNIQUE ORDERS: 5", "line 12"),
    ("soc", "# NUMBER ALTERNATIVES: 4", "# NUMBER ALTERNATIVES: four", "line 10"),
    ("soc", "# DATA TYPE: soc", "# DATA TYPE: xyz", "line 4: DATA TYPE must be one of"),
    ("toi", "18: {1,3},4", "18: {1,3,4", "line 18: '{' is never closed"),
    ("toi", "18: {1,3},4", "18: {},4", "line 18: empty tie group"),
    ("toi", "18: {1,3},4", "18: {1,{3}},4", "line 18: nested braces"),
    ("toi", "18: {1,3},4", "18: 1,3},4", "line 18: unbalanced brace"),
    ("toi", "18: {1,3},4", "18: {1,3}4", "line 18: expected ','"),
    ("toi", "18: {1,3},4", "18: ", "line 18: the order is empty"),
    ("toi", "6: 1,2,3,4", "6: 1,2,3,4\n# LATE: x", "line 27: header line after"),
]


@pytest.mark.parametrize(("ext", "old", "new", "message"), BAD)
def test_errors_name_line_and_problem(ext, old, new, message):
    with pytest.raises(PreflibError) as err:
        read_preflib(replace_line(EXAMPLES[ext], old, new), ext)
    assert message in str(err.value)


def test_other_errors():
    with pytest.raises(PreflibError, match="does not match the file extension"):
        read_preflib(EXAMPLES["toi"], "soc")
    with pytest.raises(PreflibError, match="NUMBER ALTERNATIVES:' is missing"):
        read_preflib("# TITLE: x\n1: 1\n")
    with pytest.raises(PreflibError, match="pre-2022"):
        read_preflib("3\n1,a\n2,b\n3,c\n2,2,2\n1,1,2,3\n1,3,2,1\n")
    with pytest.raises(PreflibError, match="not UTF-8"):
        read_preflib(b"\xff\xfe# x")
    with pytest.raises(PreflibError, match="same name"):
        read_preflib(EXAMPLES["soc"].replace("NAME 2: Nashville", "NAME 2: Memphis"))
    with pytest.raises(PreflibError, match="outside 1..4"):
        read_preflib(EXAMPLES["soc"].replace("NAME 2:", "NAME 9:"))
    # bytes with a BOM and CRLF line ends are fine
    d = read_preflib(("\ufeff" + EXAMPLES["soc"]).replace("\n", "\r\n").encode())
    assert d.data_type == "soc"


def test_parse_and_format_order():
    assert parse_order(" 1 , { 2 ,3 } ,4", 4) == [[1], [2, 3], [4]]
    assert format_order([[1], [2, 3], [4]]) == "1,{2,3},4"


@pytest.mark.parametrize("ext", ["soc", "soi", "toc", "toi"])
def test_write_read_round_trip_of_examples(ext):
    d = read_preflib(EXAMPLES[ext])
    text, dt = write_preflib(
        d.profile,
        names=d.names,
        title=d.header["TITLE"],
        file_name=d.header["FILE NAME"],
        publication_date="2024-01-01",
        modification_date="2024-01-01",
    )
    assert dt == ext
    again = read_preflib(text, ext)
    assert again.names == d.names
    key = lambda data: sorted(  # noqa: E731
        (c, tuple(frozenset(t) for t in tiers)) for c, tiers in data.orders
    )
    assert key(again) == key(d)
    # the header keys are written exactly as preflibtools reads them
    assert "# NUMBER ALTERNATIVES: " in text and "\n\n" not in text


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_oracle_cases_round_trip_through_preflib(case):
    opts = case["options"]
    p = Profile(opts, [(b["ranking"], b["count"]) for b in case["ballots"]])
    text, dt = write_preflib(p, names={o: o for o in opts}, title=case["id"])
    d = read_preflib(text, dt)
    assert [d.names[i] for i in d.options] == opts
    np.testing.assert_allclose(d.profile.pairwise, p.pairwise)
    want = "soi" if case["unranked_semantics"] else "soc"
    assert dt == want


def test_write_rejects_fractional_weights_and_merges():
    p = Profile([1, 2], [([[1]], 0.5)])
    with pytest.raises(PreflibError.__mro__[1], match="whole numbers"):
        write_preflib(p)
    q = Profile([1, 2, 3], [([[1], [2, 3]], 2), ([[1], [3, 2]], 1), ([[2]], 0)])
    text, dt = write_preflib(q)
    assert dt == "toc" and text.rstrip().endswith("3: 1,{2,3}")


def random_file(rng, n, m, data_type, spaces=False):
    """A valid PrefLib text of ``data_type`` with n distinct random orders."""
    ties, complete = data_type[0] == "t", data_type[2] == "c"
    seen, lines = set(), []
    while len(lines) < n:
        perm = (rng.permutation(m) + 1).tolist()
        k = m if complete else int(rng.integers(1, m + 1))
        tiers, cur = [], []
        for i, a in enumerate(perm[:k]):
            cur.append(a)
            if not ties or rng.random() < 0.6 or i == k - 1:
                tiers.append(cur)
                cur = []
        key = tuple(frozenset(t) for t in tiers)
        if key in seen:
            continue
        seen.add(key)
        sep = ", " if spaces else ","
        order = sep.join(
            str(t[0]) if len(t) == 1 else "{" + sep.join(map(str, t)) + "}"
            for t in tiers
        )
        lines.append(f"{int(rng.integers(1, 50))}: {order}")
    head = f"# DATA TYPE: {data_type}\n# NUMBER ALTERNATIVES: {m}\n"
    return head + "\n".join(lines) + "\n"


def test_a_valid_file_is_read_in_bulk_not_order_by_order(monkeypatch):
    """The slow reader of issue 18 parsed every order character by character."""
    import voting.aggregation.preflib as reader

    text = random_file(np.random.default_rng(1), 2_000, 12, "toi", spaces=True)

    def refuse(*args, **kwargs):
        raise AssertionError("parse_order called on a valid file")

    monkeypatch.setattr(reader, "parse_order", refuse)
    d = read_preflib(text.encode(), "toi")
    assert len(d.counts) == 2_000 and d.profile.n_distinct == 2_000


@pytest.mark.parametrize("data_type", ["soc", "soi", "toc", "toi"])
@pytest.mark.parametrize("spaces", [False, True])
def test_bulk_and_line_by_line_readers_agree(monkeypatch, data_type, spaces):
    import voting.aggregation.preflib as reader

    rng = np.random.default_rng(len(data_type) + spaces)
    for n, m in ((1, 1), (1, 3), (40, 5), (300, 9)):
        text = random_file(rng, min(n, 2 if m == 1 else n), m, data_type, spaces)
        text = text.replace("\n", "\r\n\n  \n", 3)  # blank lines, CRLF
        fast = read_preflib(text, data_type)
        with monkeypatch.context() as mp:
            mp.setattr(reader, "parse_body", lambda *a: None)
            slow = read_preflib(text, data_type)
        np.testing.assert_array_equal(fast.counts, slow.counts)
        np.testing.assert_array_equal(fast.ranks, slow.ranks)
        assert fast.orders == slow.orders
        np.testing.assert_array_equal(fast.profile.pairwise, slow.profile.pairwise)


def test_a_file_of_a_stricter_type_is_read_under_its_own_type():
    """soi in .toi, soc in .soi/.toc/.toi: read as the declared type."""
    for ext, data_type in (("toi", "soi"), ("toi", "soc"), ("soi", "soc")):
        d = read_preflib(EXAMPLES[data_type], ext)
        assert (d.data_type, d.extension) == (data_type, ext)
    assert read_preflib(EXAMPLES["toi"], "toi").extension == ""
    with pytest.raises(PreflibError, match="braces"):  # still strict: soi rules
        read_preflib(EXAMPLES["soi"].replace("30: 2,1,5", "30: {2,1},5"), "toi")
    for ext, data_type in (("soc", "soi"), ("soi", "toi"), ("toc", "soi")):
        with pytest.raises(PreflibError, match="does not match the file extension"):
            read_preflib(EXAMPLES[data_type], ext)
