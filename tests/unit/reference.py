"""Slow, obviously-correct reference implementations for differential tests."""

from itertools import permutations, product


def pairwise(options, ballots, unranked="last"):
    """Pure-Python P[x][y] from (tiers, weight) ballots."""
    P = {x: {y: 0.0 for y in options} for x in options}
    for tiers, w in ballots:
        pos = {o: i for i, t in enumerate(tiers) for o in t}
        for x in options:
            for y in options:
                if x == y:
                    continue
                if unranked == "ignore" and (x not in pos or y not in pos):
                    continue
                px, py = pos.get(x, len(tiers)), pos.get(y, len(tiers))
                if px < py:
                    P[x][y] += w
    return P


def kemeny_optimal_orders(P, m):
    """All optimal strict orders (tuples of indices), by brute force."""
    best, orders = None, []
    for perm in permutations(range(m)):
        c = sum(P[perm[j]][perm[i]] for i in range(m) for j in range(i + 1, m))
        if best is None or c < best - 1e-9:
            best, orders = c, [perm]
        elif abs(c - best) <= 1e-9:
            orders.append(perm)
    return best, orders


def ranked_pairs_outcomes(M, m):
    """Final locked relations over every order of equal-margin pairs."""
    pairs = sorted(
        ((M[x][y], x, y) for x in range(m) for y in range(m) if M[x][y] > 1e-9),
        key=lambda t: -t[0],
    )
    groups = []
    for mg, x, y in pairs:
        if groups and abs(groups[-1][0] - mg) <= 1e-9:
            groups[-1][1].append((x, y))
        else:
            groups.append((mg, [(x, y)]))
    outcomes = set()
    for choice in product(*(permutations(g) for _, g in groups)):
        reach = [set() for _ in range(m)]
        for group in choice:
            for x, y in group:
                if x in reach[y]:
                    continue
                for a in range(m):
                    if a == x or x in reach[a]:
                        reach[a] |= {y} | reach[y]
        outcomes.add(tuple(frozenset(r) for r in reach))
    return outcomes


def schulze_beats(P, m):
    """Schulze's beat relation (winning votes), textbook Floyd–Warshall."""
    d = [[P[i][j] if P[i][j] > P[j][i] else 0 for j in range(m)] for i in range(m)]
    for k in range(m):
        for i in range(m):
            for j in range(m):
                if i != j and i != k and j != k:
                    d[i][j] = max(d[i][j], min(d[i][k], d[k][j]))
    return [[i != j and d[i][j] > d[j][i] for j in range(m)] for i in range(m)]
