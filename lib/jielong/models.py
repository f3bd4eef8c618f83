"""Tiny Llama-style language models built from a transformers config, or loaded from a folder.

Defined in the chapter "Stage 1: pre-training".
"""
from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, LlamaConfig, PreTrainedModel
from transformers.utils import logging as hf_logging

from .validation import check_choice, check_int, check_subset


@dataclass(frozen=True)
class Preset:
    """The shape of a tiny model: width, depth and heads."""

    name: str
    hidden_size: int
    num_layers: int
    num_heads: int

    @property
    def intermediate_size(self) -> int:
        """Width of the feed-forward layer (4x the hidden size)."""
        return 4 * self.hidden_size


PRESETS = {
    p.name: p
    for p in (
        Preset("nano", 32, 1, 2),
        Preset("micro", 64, 2, 2),
        Preset("tiny", 96, 3, 4),
        Preset("small", 128, 4, 4),
        Preset("medium", 192, 4, 6),
    )
}
MAX_POSITIONS = 256


def device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def build_model(preset: str, vocab_size: int, seed: int = 0) -> PreTrainedModel:
    """A freshly initialised Llama-style causal LM of the named preset."""
    check_choice("preset", preset, PRESETS)
    check_int("vocab_size", vocab_size, 16, 1_000_000)
    check_int("seed", seed, 0, 2**31 - 1)
    p = PRESETS[preset]
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=p.hidden_size,
        intermediate_size=p.intermediate_size,
        num_hidden_layers=p.num_layers,
        num_attention_heads=p.num_heads,
        num_key_value_heads=p.num_heads,
        max_position_embeddings=MAX_POSITIONS,
        tie_word_embeddings=True,
        pad_token_id=0, bos_token_id=1, eos_token_id=2,
    )
    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(config).to(device())


def load_model(name_or_path: str | Path, local_only: bool = True) -> PreTrainedModel:
    """Load a causal LM from a local folder, or (with local_only=False and a network) a hub name."""
    path = Path(name_or_path)
    if local_only and not path.is_dir():
        raise ValueError(f"name_or_path must be an existing local model folder when local_only=True, got {str(name_or_path)!r}")
    with quiet_progress():
        return AutoModelForCausalLM.from_pretrained(str(name_or_path), local_files_only=local_only).to(device())


@contextlib.contextmanager
def quiet_progress() -> Iterator[None]:
    """Silence the progress bars of transformers and datasets (weight loading, dataset maps) for a while, and
    transformers' load reports (a reward model loaded from a language model reports its new output layer)."""
    import datasets

    bars, maps = hf_logging.is_progress_bar_enabled(), datasets.is_progress_bar_enabled()
    verbosity = hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    datasets.disable_progress_bars()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
        if maps:
            datasets.enable_progress_bars()


LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def check_lora(rank: int, targets: tuple[str, ...], width: int) -> tuple[str, ...]:
    """Validate a LoRA rank (1 to the layer width) and its target layers; return the targets in canonical order."""
    check_int("rank", rank, 1, width)
    if isinstance(targets, str):
        raise ValueError(f"targets must be a tuple of layer names from {LORA_TARGETS}, got the string {targets!r}")
    targets = check_subset("targets", targets, LORA_TARGETS)
    if not targets:
        raise ValueError(f"targets must name at least one of {LORA_TARGETS}")
    return targets


def add_lora(model: PreTrainedModel, rank: int = 8, targets: tuple[str, ...] = LORA_TARGETS) -> PreTrainedModel:
    """Freeze `model` and wrap it with peft LoRA adapters of `rank` on the `targets` layers.

    Defined in the chapter "Stage 2: instruction fine-tuning".
    """
    from peft import LoraConfig, get_peft_model

    targets = check_lora(rank, targets, model.config.hidden_size)
    config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=list(targets), bias="none",
                        task_type="CAUSAL_LM")
    with no_checkpointing_warning():
        return get_peft_model(model, config)


@contextlib.contextmanager
def no_checkpointing_warning() -> Iterator[None]:
    """Silence one deprecation warning: peft 0.21 and trl 1.16 still ask transformers 5 for
    `is_gradient_checkpointing`, which warns on a chapter's stderr that it is deprecated."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        yield


@torch.no_grad()
def weight_distance(model: torch.nn.Module, reference: torch.nn.Module) -> float:
    """How far `model`'s weights moved from `reference`'s: ||W - W0|| / ||W0|| over all shared weights.

    A LoRA model is measured with its adapters merged into the weights they modify.
    """
    if hasattr(model, "merge_and_unload"):
        import copy

        model = copy.deepcopy(model).merge_and_unload()
    ref = dict(reference.named_parameters())
    moved = total = 0.0
    for name, p in model.named_parameters():
        if name in ref:
            moved += float((p.float() - ref[name].float()).pow(2).sum())
            total += float(ref[name].float().pow(2).sum())
    if total == 0:
        raise ValueError("model and reference share no weights")
    return (moved / total) ** 0.5


def count_parameters(model: torch.nn.Module, trainable_only: bool = False) -> int:
    """Number of (trainable) parameters, counting tied weights once."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
