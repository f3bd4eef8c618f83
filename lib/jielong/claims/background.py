"""The claims of the lecture's background (lecture 6, stage 0), each with its control."""
from __future__ import annotations

from ..experiments.background import LEARNING_RATES, TRAIN_PICTURES, learning_rate_run, shortcut_run
from ..stats import mean
from ._core import Claim, Measurement, paired, rate


def _accuracy_gap(better: dict, worse: dict, key: str, seed: int, *floors: tuple[str, bool]) -> Measurement:
    """`better`'s accuracy minus `worse`'s on the same pictures, with its paired bootstrap interval."""
    a, b = better[key], worse[key]
    return paired(lambda i: mean(a, i) - mean(b, i), len(a), seed, *floors)


def _learning_rate(seed: int) -> Measurement:
    good = learning_rate_run(lr=LEARNING_RATES["good"], seed=seed)
    large = learning_rate_run(lr=LEARNING_RATES["too large"], seed=seed)
    return _accuracy_gap(good, large, "correct", seed,
                         ("the good rate's search ends below a tenth of its first loss",
                          good["final_loss"] < 0.1 * good["start_loss"]),
                         ("the large rate's search ends above its first loss (it diverged)",
                          large["final_loss"] > large["start_loss"]))


def _half_learning_rate(seed: int) -> Measurement:
    good = learning_rate_run(lr=LEARNING_RATES["good"], seed=seed)
    return _accuracy_gap(good, learning_rate_run(lr=LEARNING_RATES["good"] / 2, seed=seed), "correct", seed)


def _test_after(run: dict) -> Measurement:
    """Accuracy on black cats and yellow dogs, with its Wilson interval; the floor: training succeeded."""
    train = run["train_correct"]
    return rate(run["test_correct"], ("training accuracy ≥ 0.95", mean(train) >= 0.95))


def _shortcut(seed: int) -> Measurement:
    return _test_after(shortcut_run(seed=seed))


def _no_shortcut(seed: int) -> Measurement:
    return _test_after(shortcut_run(against_shortcut=0.5, seed=seed))


def _diversity(seed: int) -> Measurement:
    return _accuracy_gap(shortcut_run(against_shortcut=0.5, seed=seed), shortcut_run(seed=seed), "test_correct", seed)


def _more_of_the_same(seed: int) -> Measurement:
    return _accuracy_gap(shortcut_run(pictures_seen=4 * TRAIN_PICTURES, seed=seed), shortcut_run(seed=seed),
                         "test_correct", seed)


def _prior(seed: int) -> Measurement:
    return _accuracy_gap(shortcut_run(init="prior", seed=seed), shortcut_run(seed=seed), "test_correct", seed)


def _shuffled_prior(seed: int) -> Measurement:
    return _accuracy_gap(shortcut_run(init="shuffled prior", seed=seed), shortcut_run(seed=seed), "test_correct", seed)


CLAIMS = (
    Claim(
        "learning-rate-decides", 6, 0,
        "The hyperparameters decide whether the search for parameters succeeds: with one learning rate it finds "
        "parameters that tell every training picture apart, with a larger one it diverges and finds nothing.",
        "learning_rate_run", "training accuracy with the good learning rate minus with one 60 times larger", 0.3,
        _learning_rate, "the good learning rate against half of it (both in the range that works)",
        _half_learning_rate,
    ),
    Claim(
        "training-succeeds-testing-fails", 6, 0,
        "Training can succeed while testing fails: trained on yellow cats and black dogs, the classifier is right on "
        "every training picture and wrong on black cats and yellow dogs, because colour was the easier rule.",
        "shortcut_run", "accuracy on black cats and yellow dogs (a coin toss gets 0.5), once training succeeded",
        0.25, _shortcut, "the same test after training on pictures in which colour says nothing (half the cats black)",
        _no_shortcut, at_most=True,
    ),
    Claim(
        "diverse-data-fixes-the-shortcut", 6, 0,
        "More diverse training data fixes it: with black cats and yellow dogs among the training pictures, the "
        "classifier has to learn the ears, and it recognises the animals it failed on.",
        "shortcut_run", "test accuracy (black cats, yellow dogs) after diverse pictures minus after the lecture's", 0.3,
        _diversity, "four times as many pictures, all yellow cats and black dogs (more data, no more diversity)",
        _more_of_the_same,
    ),
    Claim(
        "a-good-prior-fixes-the-shortcut", 6, 0,
        "Good initial parameters fix it too: a classifier that first learnt cats and dogs of other colours starts "
        "its training on yellow cats and black dogs knowing about ears, and passes the test a random start fails.",
        "shortcut_run", "test accuracy (black cats, yellow dogs) from the prior minus from random parameters", 0.3,
        _prior, "a prior trained the same way on shuffled labels (as much training, no knowledge of ears)",
        _shuffled_prior,
    ),
)
