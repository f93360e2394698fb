"""The sample: reproducible from its seed, weighted by share, named inputs added."""

from esgflow.assurance.sample import Candidate, draw, shares


def _candidates(weights: dict[str, float]) -> list[Candidate]:
    return [
        Candidate(n, entity, "env_diesel", 1, "环境", "E5", str(w), "L", w)
        for n, (entity, w) in enumerate(sorted(weights.items()))
    ]


def test_the_same_seed_draws_the_same_sample_and_another_seed_another() -> None:
    pool = _candidates({f"E{n:02}": 1 / 40 for n in range(40)})
    first = draw(pool, 5, seed=7)
    assert [c.entity for c in first] == [c.entity for c in draw(list(reversed(pool)), 5, seed=7)]
    assert len(first) == 5 and len({c.entity for c in first}) == 5
    assert any([c.entity for c in draw(pool, 5, seed=s)] != [c.entity for c in first] for s in range(8, 12))


def test_an_input_that_makes_up_most_of_its_figure_is_almost_always_drawn() -> None:
    pool = _candidates({"BIG": 0.9, **{f"S{n:02}": 0.1 / 20 for n in range(20)}})
    picked = [draw(pool, 1, seed=s)[0].entity for s in range(50)]
    assert picked.count("BIG") >= 40
    assert draw(_candidates({"ZERO": 0.0, "ONE": 1.0}), 2, seed=1) == [_candidates({"ONE": 1.0})[0]]


def test_named_inputs_come_first_and_are_not_drawn_twice() -> None:
    pool = _candidates({"A": 0.5, "B": 0.3, "C": 0.2})
    sample = draw(pool, 2, seed=3, named=[("C", "env_diesel")])
    assert sample[0].entity == "C" and len(sample) == 3 and len({c.entity for c in sample}) == 3


def test_shares_are_of_each_indicators_total() -> None:
    got = shares([(1, "env_diesel", 30.0), (2, "env_diesel", 10.0), (3, "env_water", -5.0)])
    assert got == {1: 0.75, 2: 0.25, 3: 1.0}
