"""The screened top-k draw of the choice model equals drawing every Gumbel noise and sorting every utility."""

from __future__ import annotations

import numpy as np
import pytest

from admissions.synth import choice
from admissions.synth.choice import _gumbel, _sorted_top, _top_choices, draw_choices, load_choice_model


def plain_draw(model, appeal, slope, indifferent, fixed, distance, school, merit, last_lowest, meets_requirement,
               offer_requirement, vocational, introductory, rng):
    """The utility of the module docstring computed in full, one Gumbel draw per (student, offer)."""
    k = min(model.max_choices, len(appeal))
    z = (merit - model.merit_centre) / model.merit_scale
    indifference = rng.random(len(merit))
    by_merit = np.where(indifference[:, None] < indifferent[None, :], 0.0, z[:, None])
    utility = (appeal + fixed)[None, :] + by_merit * slope[None, :]
    utility += (model.distance_per_10km / 10.0) * distance[school]
    short = np.nan_to_num(last_lowest[None, :] - merit[:, None], nan=0.0)
    utility += (model.below_last_lowest / model.merit_scale) * np.maximum(short, 0.0)
    ok = meets_requirement[:, offer_requirement]
    im = np.where(vocational[:, None], model.introductory_for_eligible,
                  np.where(ok, model.introductory_for_ineligible, model.ineligible))
    utility += np.where(introductory[None, :], im, np.where(ok, 0.0, model.ineligible))
    utility += rng.gumbel(size=utility.shape)
    return _sorted_top(utility, k)


#: The draw's ways: the cut by the bound per compulsory school (with the usual probes, and with as
#: few as the student has choices), and the computation of every offer.
WAYS = {"cut": {"CUT_SHARE": 1.0}, "cut, k probes": {"CUT_SHARE": 1.0, "PROBES": 8}, "every offer": {"CUT_SHARE": 0.0}}


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("seed", range(12))
def test_draw_equals_plain_draw(seed, way, monkeypatch):
    """Students spread over 600 km, offers with strong and weak appeal, some ineligible, some out of
    reach by last year's lowest merit, some chosen whatever the grades: same choices, same stream,
    whichever way the draw takes."""
    for name, value in WAYS[way].items():
        monkeypatch.setattr(choice, name, value)
    model = load_choice_model()
    rng = np.random.default_rng(seed)
    n, p, s = 300, 150 + 40 * seed, 30
    appeal = rng.normal(0, 2, p)
    slope = rng.normal(0, 3, p)
    indifferent = np.where(rng.random(p) < 0.3, rng.uniform(0, 0.8, p), 0.0)
    fixed = np.where(rng.random(p) < 0.2, 0.5, 0.0)
    distance = rng.uniform(0, 600, (s, p))
    distance[:, : p // 10] = rng.uniform(0, 15, (s, p // 10))  # a cluster of near offers
    school = rng.integers(0, s, n)
    merit = rng.uniform(0, 340, n)
    last_lowest = np.where(rng.random(p) < 0.8, rng.uniform(80, 320, p), np.nan)
    meets_requirement = rng.random((n, 5)) < 0.85
    offer_requirement = rng.integers(0, 5, p)
    vocational = rng.random(n) < 0.85
    introductory = rng.random(p) < 0.05
    args = (model, appeal, slope, indifferent, fixed, distance, school, merit, last_lowest, meets_requirement,
            offer_requirement, vocational, introductory)
    screened_rng, plain_rng = np.random.default_rng(seed + 100), np.random.default_rng(seed + 100)
    np.testing.assert_array_equal(draw_choices(*args, screened_rng), plain_draw(*args, plain_rng))
    assert screened_rng.random() == plain_rng.random()  # the stream goes on from the same point


@pytest.mark.parametrize("seed", range(20))
def test_top_choices_on_ties_of_systematic_utility(seed):
    """Rows where many offers share the best systematic utility, or a few stand 30 above the rest."""
    rng = np.random.default_rng(seed)
    systematic = np.round(rng.normal(0, 3, (300, 200)))
    systematic[rng.random(300) < 0.3, :4] += 30.0
    uniform = rng.random(systematic.shape)
    for k in (1, 3, 8):
        np.testing.assert_array_equal(_top_choices(systematic, uniform, k),
                                      _sorted_top(systematic + _gumbel(uniform), k))


def test_gumbel_is_numpys_draw():
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    np.testing.assert_array_equal(_gumbel(a.random(100_000)), b.gumbel(size=100_000))


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("seed", range(3))
def test_draw_over_a_country_equals_plain_draw(seed, way, monkeypatch):
    """Schools and 1,200 offers along 1,500 km, a quarter of the offers in one town: most offers are
    far from most students, so the cut leaves out most of each row."""
    for name, value in WAYS[way].items():
        monkeypatch.setattr(choice, name, value)
    model = load_choice_model()
    rng = np.random.default_rng(seed)
    n, p, s = 1000, 1200, 80
    appeal = rng.normal(0, 2, p)
    slope = rng.normal(0, 3, p)
    indifferent = np.where(rng.random(p) < 0.3, rng.uniform(0, 0.8, p), 0.0)
    fixed = np.where(rng.random(p) < 0.2, 0.5, 0.0)
    school_at = rng.uniform(0, 1500, s)
    offer_at = np.concatenate([rng.uniform(0, 1500, p - p // 4), rng.normal(200, 10, p // 4)])
    distance = np.abs(school_at[:, None] - offer_at[None, :]) + rng.uniform(0, 5, (s, p))
    school = rng.integers(0, s, n)
    merit = rng.uniform(0, 340, n)
    last_lowest = np.where(rng.random(p) < 0.8, rng.uniform(80, 320, p), np.nan)
    meets_requirement = rng.random((n, 5)) < 0.8
    offer_requirement = rng.integers(0, 5, p)
    vocational = rng.random(n) < 0.8
    introductory = rng.random(p) < 0.01
    args = (model, appeal, slope, indifferent, fixed, distance, school, merit, last_lowest, meets_requirement,
            offer_requirement, vocational, introductory)
    screened_rng, plain_rng = np.random.default_rng(seed + 7), np.random.default_rng(seed + 7)
    np.testing.assert_array_equal(draw_choices(*args, screened_rng), plain_draw(*args, plain_rng))
    assert screened_rng.random() == plain_rng.random()
