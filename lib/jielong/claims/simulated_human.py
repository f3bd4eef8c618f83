"""The claims of lecture 8 about the human who gives feedback: judging is easier than writing, and feedback is
relative (labellers agree on which answer is better, not on the scores); each with its control."""
from __future__ import annotations

from ..experiments.judging import judging_run
from ..experiments.labellers import panel_run, question_agreement
from ..stats import mean
from ._clusters import clustered
from ._core import Claim, Measurement, paired


def _above_chance(run: dict) -> tuple[list[float], list[float]]:
    """Per question, judging and writing as their rise above chance over its possible height (1 = perfect, 0 =
    chance): judging picks one of two answers (chance 1/2), writing names one of the attribute's values (chance 1/K)."""
    judge = [(j / (k - 1) - 0.5) / 0.5 for j, k in zip(run["judges"], run["candidates"])]
    write = [(w - 1 / k) / (1 - 1 / k) for w, k in zip(run["writes"], run["candidates"])]
    return judge, write


def _errors_avoided(seed: int, model: str = "policy") -> Measurement:
    """The share of writing's shortfall from perfect (above chance) that judging does not have: 1 - judging's
    shortfall / writing's. A gap of scores would be capped by how well the model writes; this is not."""
    run = judging_run(model, seed)
    judge, write = _above_chance(run)

    def statistic(i: list[int] | None) -> float:
        shortfall = 1 - mean(write, i)
        return 1 - (1 - mean(judge, i)) / shortfall if shortfall > 0 else 0.0

    return clustered(statistic, run["people"], seed)


def _relative(seed: int, panel: str = "own scales") -> Measurement:
    run = panel_run(panel, seed=seed)

    def statistic(questions: list[int] | None) -> float:
        agreement = question_agreement(run, questions)
        return agreement["order_kappa"] - agreement["rating_kappa"]

    return paired(statistic, run["questions"], seed)


CLAIMS = (
    Claim(
        "judging-is-easier-than-writing", 8, 3,
        "Judging which of two answers is better is easier than writing the better one.",
        "judging_run",
        "the share of writing's errors that judging avoids: 1 - (judging's shortfall from perfect) / (writing's), "
        "each above its chance level (judging: the right fact more likely than a wrong one, 1/2; writing: the greedy "
        "answer states the right fact, 1/K)", 0.5, _errors_avoided,
        "the same model with random parameters", lambda seed: _errors_avoided(seed, "random"),
    ),
    Claim(
        "feedback-is-relative", 8, 3,
        "Judges disagree on absolute scores but agree on which of two answers is better.",
        "panel_run",
        "labellers' chance-corrected agreement (Cohen's kappa) on which of two answers is better, minus on the scores",
        0.3, _relative,
        "three labellers who share one scale and rate without noise", lambda seed: _relative(seed, "one scale"),
    ),
)
