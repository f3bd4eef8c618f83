"""What each stage's training computes, written out in plain torch: the next-token pairs of pre-training, the
assistant-only labels and a LoRA layer of fine-tuning, the reward model's loss, best-of-n, GRPO's advantages and DPO.

transformers, peft and trl compute each of these inside their models, collators and trainers without exposing them
as small functions; they are written here, tested against those libraries, as the reference that the classroom
assignments grade a student's own version against. The book's training still goes through the libraries.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .validation import check_beta


def _scores(name: str, value: torch.Tensor, dims: int = 1) -> torch.Tensor:
    if not isinstance(value, torch.Tensor) or not value.is_floating_point():
        raise ValueError(f"{name} must be a floating-point torch tensor, got {type(value).__name__}")
    if value.dim() != dims or value.numel() == 0:
        raise ValueError(f"{name} must be a non-empty tensor of {dims} dimension(s), got shape {tuple(value.shape)}")
    return value


def _same_shape(**tensors: torch.Tensor) -> None:
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(f"{' and '.join(shapes)} must have the same shape, got {shapes}")


def next_token_pairs(ids: list[int]) -> list[tuple[list[int], int]]:
    """Pre-training's free examples: every (prefix, next token) pair of a token sequence, from one token of context."""
    if not isinstance(ids, list) or len(ids) < 2 or not all(isinstance(i, int) for i in ids):
        raise ValueError(f"ids must be a list of at least 2 token ids, got {ids!r}")
    return [(ids[:i], ids[i]) for i in range(1, len(ids))]


IGNORE = -100  # the label value transformers' losses skip


def assistant_only_labels(input_ids: torch.Tensor, assistant_mask: torch.Tensor) -> torch.Tensor:
    """Labels for fine-tuning on the assistant's tokens only: the token where the mask is 1, `IGNORE` elsewhere.

    The labels stay aligned with the inputs; the model shifts them by one itself when it computes the loss.
    """
    if not isinstance(input_ids, torch.Tensor) or not isinstance(assistant_mask, torch.Tensor):
        raise ValueError("input_ids and assistant_mask must be torch tensors")
    _same_shape(input_ids=input_ids, assistant_mask=assistant_mask)
    return torch.where(assistant_mask.bool(), input_ids, torch.full_like(input_ids, IGNORE))


def lora_forward(x: torch.Tensor, weight: torch.Tensor, lora_a: torch.Tensor, lora_b: torch.Tensor,
                 alpha: float) -> torch.Tensor:
    """A linear layer with a LoRA adapter: x W^T + (alpha / r) x A^T B^T, with A of shape (r, in), B of (out, r)."""
    rank = lora_a.shape[0]
    if lora_b.shape != (weight.shape[0], rank) or lora_a.shape[1] != weight.shape[1]:
        raise ValueError(f"lora_a must be (rank, {weight.shape[1]}) and lora_b ({weight.shape[0]}, rank), got "
                         f"{tuple(lora_a.shape)} and {tuple(lora_b.shape)}")
    return x @ weight.T + (alpha / rank) * (x @ lora_a.T @ lora_b.T)


def reward_model_loss(chosen: torch.Tensor, rejected: torch.Tensor) -> torch.Tensor:
    """Bradley-Terry loss of a reward model: mean of -log sigmoid(r(chosen) - r(rejected)) over the pairs."""
    _same_shape(chosen=_scores("chosen", chosen), rejected=_scores("rejected", rejected))
    return -F.logsigmoid(chosen - rejected).mean()


def best_of_n(scores: torch.Tensor) -> torch.Tensor:
    """For each question (a row of `scores`, one column per sampled answer), the index of the best-scored answer."""
    return _scores("scores", scores, dims=2).argmax(dim=1)


def group_advantages(rewards: torch.Tensor, eps: float = 1e-4) -> torch.Tensor:
    """GRPO's advantages: each answer's reward minus its group's mean, over the group's standard deviation.

    A row of `rewards` is one question's group of sampled answers; a group whose answers all score the same gets
    advantage 0 (there is nothing to prefer). trl's default, `scale_rewards="group"`, with the same `eps`.
    """
    rewards = _scores("rewards", rewards, dims=2)
    if rewards.shape[1] < 2:
        raise ValueError(f"rewards must hold at least 2 answers per group, got {rewards.shape[1]}")
    mean = rewards.mean(dim=1, keepdim=True)
    return (rewards - mean) / (rewards.std(dim=1, keepdim=True) + eps)


def dpo_loss(policy_chosen: torch.Tensor, policy_rejected: torch.Tensor, reference_chosen: torch.Tensor,
             reference_rejected: torch.Tensor, beta: float = 0.1) -> torch.Tensor:
    """DPO's loss from the summed log-probabilities of each answer under the policy and the frozen reference:
    mean of -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r)))."""
    check_beta(beta, zero_allowed=False)
    tensors = {"policy_chosen": policy_chosen, "policy_rejected": policy_rejected,
               "reference_chosen": reference_chosen, "reference_rejected": reference_rejected}
    _same_shape(**{name: _scores(name, t) for name, t in tensors.items()})
    margin = (policy_chosen - reference_chosen) - (policy_rejected - reference_rejected)
    return -F.logsigmoid(beta * margin).mean()
