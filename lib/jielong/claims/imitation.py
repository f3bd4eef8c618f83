"""The claims of lecture 7 about imitating a stronger model (stage 2), each with its control."""
from __future__ import annotations

from ..experiments.imitation import imitation_run
from ..stats import wilson
from ._core import Claim, Measurement, rate


def _style(seed: int) -> Measurement:
    return rate(imitation_run(seed=seed)["unknown"]["styled"])


def _style_before(seed: int) -> Measurement:
    return rate(imitation_run(seed=seed)["unknown_before"]["styled"])


def _above_chance(scored: dict, *floors: tuple[str, bool]) -> Measurement:
    k, n = sum(scored["right"]), len(scored["right"])
    low, high = wilson(k, n)
    return Measurement(k / n - scored["chance"], (low - scored["chance"], high - scored["chance"]), floors)


def _imitated_facts(seed: int) -> Measurement:
    run = imitation_run(seed=seed)
    known = run["known"]
    return _above_chance(run["unknown"], ("the style is learnt (≥ 0.9)", run["unknown"]["format"] >= 0.9),
                         ("facts it read are used (≥ 0.3 above chance)", known["accuracy"] - known["chance"] >= 0.3))


def _read_facts(seed: int) -> Measurement:
    return _above_chance(imitation_run(seed=seed)["known"])


CLAIMS = (
    Claim(
        "imitation-copies-style", 7, 2,
        "Fine-tuned on a stronger model's answers, a model answers in that model's style.",
        "imitation_run", "share of answers in the teacher's style, about people not in the imitation data", 0.9,
        _style,
        "the same student before imitation", _style_before,
    ),
    Claim(
        "imitation-does-not-copy-knowledge", 7, 2,
        "Imitation does not transfer knowledge: about people only the teacher knew, the student's facts are no better "
        "than guesses.",
        "imitation_run", "accuracy on facts only the teacher knew, minus chance", 0.1, _imitated_facts,
        "the same student on people it read about in pre-training", _read_facts, at_most=True,
    ),
)
