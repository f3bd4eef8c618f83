"""The claim of lecture 7 that adapters are a family (IA3 beside LoRA), with its control."""
from __future__ import annotations

from ..experiments.adapters import ia3_run
from ..stats import mean
from ._core import Claim, Measurement, paired


def _ia3_gain(seed: int, answers: str = "right") -> Measurement:
    run = ia3_run(answers, seed=seed)
    after, before = run["seen_correct"], run["seen_before_correct"]
    small = run["trainable_share"] <= run["lora_share"] / 10
    return paired(lambda i: mean(after, i) - mean(before, i), len(after), seed,
                  ("IA3 trains a tenth or less of LoRA's parameters (rank 8)", small))


CLAIMS = (
    Claim(
        "adapters-are-a-family", 7, 2,
        "Adapters are a family: IA3, which learns only one scale per channel of three activations in each layer, "
        "teaches the model to answer with a tenth or less of LoRA's trainable parameters.",
        "ia3_run", "accuracy on the taught people after IA3 fine-tuning minus before", 0.3, _ia3_gain,
        "the same IA3 fine-tuning on the same questions with their answers shuffled among the people",
        lambda seed: _ia3_gain(seed, "shuffled"),
    ),
)
