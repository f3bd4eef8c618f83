"""The claim of lecture 7 about instruction data: little of it is needed, but it must be good; with its control."""
from __future__ import annotations

from ..experiments.fine_tuning import SFT_PEOPLE
from ..experiments.instruction_data import SMALL_DATA, data_size_run, held_out_people
from ..worlds import qa_pairs
from ._clusters import clustered_difference
from ._core import Claim, Measurement


def _quality_over_quantity(seed: int, small: str = "right") -> Measurement:
    """Held-out accuracy after the small set (answers `small`) minus after the full set with shuffled answers,
    resampled by person (each held-out person is asked five questions)."""
    few = data_size_run(SMALL_DATA, small, seed=seed)["held_out_correct"]
    many_wrong = data_size_run(SFT_PEOPLE, "shuffled", seed=seed)["held_out_correct"]
    full = data_size_run(SFT_PEOPLE, seed=seed)["held_out_accuracy"]
    people = [qa.person for qa in qa_pairs(held_out_people(seed))]
    return clustered_difference(few, many_wrong, people, seed,
                                ("the full set with right answers answers ≥ 0.3 of the untaught people's questions",
                                 full >= 0.3))


CLAIMS = (
    Claim(
        "quality-beats-quantity", 7, 2,
        "Instruction fine-tuning needs good data more than much data: half of the examples with right answers teach "
        "the model to answer about people it only read about, all of them with wrong answers do not.",
        "data_size_run",
        f"accuracy on untaught people after fine-tuning on {SMALL_DATA} people's right answers minus after "
        f"fine-tuning on all {SFT_PEOPLE} people's questions with their answers shuffled", 0.2,
        _quality_over_quantity,
        f"the same difference with the {SMALL_DATA} people's answers shuffled too (no good data on either side)",
        lambda seed: _quality_over_quantity(seed, "shuffled"),
    ),
)
