"""The lecture-7 assignment (assistant-only labels, a LoRA layer, LoRA's size) through the real nbgrader pipeline."""
import pytest

from conftest import check_assignment_pipeline

# One plausible mistake per write-it-yourself cell, and what the grader must say about it.
WRONG = {
    "assistant_only_labels": ("return torch.where(assistant_mask.bool(), input_ids, -100).roll(1, dims=1)",
                              "did you shift them by one?"),
    "lora_forward": ("return x @ weight.T + x @ lora_a.T @ lora_b.T", "scale the adapter's output by alpha / r"),
    "lora_parameters": ("return rank * d_in * d_out", "not a full matrix"),
    "steps": ("STEPS = 5", "give fine-tuning more steps"),
}


@pytest.mark.slow
def test_validate_release_and_autograde(course):
    check_assignment_pipeline(course, "lecture07", WRONG)
