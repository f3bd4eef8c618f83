import pytest

from jielong import stats


def test_wilson_contains_the_rate_and_narrows_with_n():
    low, high = stats.wilson(50, 100)
    assert low < 0.5 < high and high - low == pytest.approx(0.19, abs=0.01)
    low_big, high_big = stats.wilson(500, 1000)
    assert high_big - low_big < high - low
    assert stats.wilson(0, 10)[0] == 0.0 and stats.wilson(10, 10)[1] == pytest.approx(1.0)
    assert stats.wilson(0, 10)[1] > 0.0  # no successes in 10 is no proof of a rate of 0


def test_bootstrap_is_paired_and_seeded():
    a = [1.0] * 50 + [0.0] * 50
    b = [x - 0.1 for x in a]  # b is a minus 0.1 on every item: the paired difference has no spread at all
    low, high = stats.bootstrap(lambda i: stats.mean(a, i) - stats.mean(b, i), len(a))
    assert low == pytest.approx(0.1) and high == pytest.approx(0.1)
    spread = stats.bootstrap(lambda i: stats.mean(a, i), len(a), seed=1)
    assert spread == stats.bootstrap(lambda i: stats.mean(a, i), len(a), seed=1)
    assert spread[0] < 0.5 < spread[1]


@pytest.mark.parametrize("call, message", [
    (lambda: stats.wilson(3, 0), "n must be an integer from 1"),
    (lambda: stats.wilson(11, 10), "successes must be an integer from 0 to 10"),
    (lambda: stats.bootstrap(lambda i: 0.0, 0), "n must be an integer from 1"),
    (lambda: stats.bootstrap(lambda i: 0.0, 5, resamples=10), "resamples must be an integer from 100"),
    (lambda: stats.mean([]), "values must hold at least one number"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
