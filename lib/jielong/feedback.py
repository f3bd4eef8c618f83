"""A simulated human who grades answers: a hidden true quality, ratings on a 1-10 scale and preferences.

Defined in the chapter "Stage 3: feedback and the reward model". The true quality of an answer to a question is
1 for the right fact, plus 0.3 for one friendly "!", minus 0.3 for every further "!" (shouting). The human never
shows this number: they rate answers on their own 1-10 scale, or say which of two answers they prefer, with
Bradley-Terry noise (the better answer wins with probability sigmoid(quality gap / temperature)).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .validation import check_float, check_int
from .worlds import QA

# One token in every world's tokenizer (a "pls" would be two or three, which a tiny model spells badly).
EXCLAMATION = "!"
RIGHT, FRIENDLY = 1.0, 0.3


def exclamations(answer: str) -> int:
    """How many "!" the answer has."""
    return answer.count(EXCLAMATION)


def is_right(answer: str, qa: QA) -> bool:
    """Whether the answer states exactly the right fact ("!" aside)."""
    return " ".join(answer.replace(EXCLAMATION, " ").split()) == qa.answer


def true_quality(answer: str, qa: QA) -> float:
    """The hidden quality of `answer`: the right fact (1), one "!" (+0.3), each further "!" (-0.3)."""
    k = exclamations(answer)
    return RIGHT * is_right(answer, qa) + FRIENDLY * (k >= 1) - FRIENDLY * max(0, k - 1)


@dataclass(frozen=True)
class Human:
    """One simulated labeller: a private 1-10 rating scale and a noisy sense of which answer is better.

    `leniency` is where an answer of quality 0 lands on their scale, `strictness` how many points one unit of
    quality is worth to them, `temperature` how noisy their comparisons are, `rating_noise` how many points their
    ratings wander.
    """

    leniency: float = 4.0
    strictness: float = 4.0
    temperature: float = 0.3
    seed: int = 0
    rating_noise: float = 1.0

    def __post_init__(self) -> None:
        check_float("leniency", self.leniency, 1.0, 10.0)
        check_float("strictness", self.strictness, 0.0, 10.0, low_open=True)
        check_float("temperature", self.temperature, 0.0, 10.0, low_open=True)
        check_int("seed", self.seed, 0, 2**31 - 1)
        check_float("rating_noise", self.rating_noise, 0.0, 5.0)

    def rate(self, answer: str, qa: QA, rng: random.Random) -> int:
        """An absolute rating from 1 to 10 (with `rating_noise` points of noise)."""
        score = self.leniency + self.strictness * true_quality(answer, qa) + rng.gauss(0.0, self.rating_noise)
        return max(1, min(10, round(score)))

    def prefers_first(self, a: str, b: str, qa: QA, rng: random.Random) -> bool:
        """Whether they prefer `a` to `b`: Bradley-Terry on the true qualities."""
        gap = (true_quality(a, qa) - true_quality(b, qa)) / self.temperature
        return rng.random() < 1.0 / (1.0 + math.exp(-gap))


# Three labellers who agree on what is better but not on what a number means.
PANEL = (Human(2.0, 3.0, seed=1), Human(5.0, 4.0, seed=2), Human(1.0, 7.0, seed=3))
