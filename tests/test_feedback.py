"""The simulated human: hidden quality, 1-10 ratings and Bradley-Terry preferences."""
import random

import pytest

from jielong.feedback import PANEL, Human, exclamations, is_right, true_quality
from jielong.worlds import QA

QUESTION = QA("Ana Kim", "birth_city", "Where was Ana Kim born?", "Lima")


@pytest.mark.parametrize("answer, quality", [
    ("Lima", 1.0), ("Lima!", 1.3), ("Lima!!", 1.0), ("Lima!!!!", 0.4), ("Oslo", 0.0), ("Oslo!", 0.3),
    ("Lima Oslo", 0.0), ("", 0.0), ("!!!", -0.3),
])
def test_true_quality(answer, quality):
    assert true_quality(answer, QUESTION) == pytest.approx(quality)


def test_right_ignores_the_exclamations_only():
    assert is_right("Lima !", QUESTION) and is_right("  Lima!", QUESTION)
    assert not is_right("Lima pls", QUESTION) and not is_right("lima", QUESTION)
    assert exclamations("Lima!! !") == 3


def test_ratings_stay_on_the_scale_and_labellers_differ():
    rng = random.Random(0)
    for human in PANEL:
        assert all(1 <= human.rate(a, QUESTION, rng) <= 10 for a in ("Lima", "Lima!", "Oslo", "!!!!!!!!"))
    means = [sum(h.rate("Lima", QUESTION, random.Random(i)) for i in range(200)) / 200 for h in PANEL]
    assert max(means) - min(means) > 2  # the same answer, rated far apart


def test_preferences_follow_bradley_terry():
    human, rng = Human(temperature=0.3), random.Random(0)
    share = sum(human.prefers_first("Lima!", "Lima", QUESTION, rng) for _ in range(4000)) / 4000
    assert share == pytest.approx(1 / (1 + 2.718281828 ** -1), abs=0.03)  # a gap of 0.3 at temperature 0.3
    assert sum(human.prefers_first("Lima", "Oslo", QUESTION, rng) for _ in range(1000)) > 950


@pytest.mark.parametrize("knobs, message", [
    ({"leniency": 0.0}, "leniency must be a number in"), ({"strictness": 0.0}, "strictness must be a number in"),
    ({"temperature": -1.0}, "temperature must be a number in"), ({"seed": -1}, "seed must be an integer"),
])
def test_bad_knobs(knobs, message):
    with pytest.raises(ValueError, match=message):
        Human(**knobs)
