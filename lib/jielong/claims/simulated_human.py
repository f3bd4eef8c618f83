"""The claims of lecture 8 about the human who gives feedback: judging is easier than writing, and feedback is
relative (labellers agree on which answer is better, not on the scores); each with its control."""
from __future__ import annotations

from ..experiments.labellers import panel_run, question_agreement
from ..experiments.preferences import human_feedback
from ..stats import mean
from ._core import Claim, Measurement, paired


def _above_chance(feedback: dict, who: str) -> tuple[list[float], list[float]]:
    """Per question, judging and writing as their rise above chance over its possible height (1 = perfect, 0 =
    chance): judging picks one of two answers (chance 1/2), writing names one of the attribute's values (chance 1/K)."""
    written = feedback[f"{who}writes"]
    judged = [j / (k - 1) for j, k in zip(feedback[f"{who}judges"], feedback["candidates"])]
    write = [(w / feedback["written"] - 1 / k) / (1 - 1 / k) for w, k in zip(written, feedback["candidates"])]
    judge = [(j - 0.5) / 0.5 for j in judged]
    return judge, write


def _errors_avoided(seed: int, who: str = "") -> Measurement:
    """The share of writing's shortfall from perfect (above chance) that judging does not have: 1 - judging's
    shortfall / writing's. A gap of scores would be capped by how well the model writes; this is not."""
    judge, write = _above_chance(human_feedback(seed), who)

    def statistic(i: list[int] | None) -> float:
        shortfall = 1 - mean(write, i)
        return 1 - (1 - mean(judge, i)) / shortfall if shortfall > 0 else 0.0

    return paired(statistic, len(judge), seed)


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
        "human_feedback",
        "the share of writing's errors that judging avoids: 1 - (judging's shortfall from perfect) / (writing's), "
        "each measured above its chance level (right fact against a wrong one: 1/2; naming the value: 1/K)", 0.5,
        _errors_avoided,
        "the same model with random parameters", lambda seed: _errors_avoided(seed, "untrained_"),
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
