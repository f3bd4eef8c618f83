"""The stage-1 base model: pre-trained on the world's biographies on first use, then loaded from the cache.

Defined in the chapter "Stage 1: pre-training".
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from transformers import PreTrainedModel, PreTrainedTokenizerFast

from . import cache
from .models import PRESETS, build_model, load_model, quiet_progress
from .tokenizer import train_tokenizer
from .train import check_training_knobs, pretrain
from .validation import check_choice, check_int
from .worlds import MAX_DIVERSITY, World, biographies

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BaseSpec:
    """Everything that decides the base model's weights."""

    world_seed: int = 0
    n_people: int = 400
    diversity: int = 5
    preset: str = "small"
    steps: int = 1000  # well past the onset of memorising the facts on every seed (at 600, seed 7's completed 0.72)
    lr: float = 3e-3
    batch_size: int = 32
    seed: int = 0
    known_people: int | None = None  # pre-train on the first `known_people` people only (default: everyone)

    def __post_init__(self) -> None:
        World(self.world_seed, self.n_people)  # validates both
        check_int("diversity", self.diversity, 1, MAX_DIVERSITY)
        check_choice("preset", self.preset, PRESETS)
        check_training_knobs(self.steps, self.lr, self.batch_size, self.seed)
        if self.known_people is not None:
            check_int("known_people", self.known_people, 1, self.n_people)

    @property
    def world(self) -> World:
        """The world this model was pre-trained on."""
        return World(self.world_seed, self.n_people)

    def knobs(self) -> dict:
        """The fields that are set, as a dict (an unset new field leaves the cache keys of old models unchanged)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def folder(self) -> Path:
        """Where the trained model lives in the cache."""
        return cache.cache_dir() / "models" / f"base-{cache.key(self.knobs(), cache.code_version(__name__))}"


def tokenizer_for(world: World) -> PreTrainedTokenizerFast:
    """The world's tokenizer, trained once and cached."""
    folder = cache.cache_dir() / "tokenizers" / f"world-{cache.key(world.seed, world.n_people, cache.code_version('jielong.tokenizer'))}"
    with cache.building(folder) as scratch:
        if scratch is not None:
            train_tokenizer(world).save_pretrained(scratch)
    return PreTrainedTokenizerFast.from_pretrained(folder)


def base_model(spec: BaseSpec | None = None, progress: bool = True) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """The pre-trained base model and its tokenizer: trained and cached on first use, loaded after.

    Two processes asking at once do not both train: one holds a file lock and trains, the other waits and loads.
    """
    spec = spec or BaseSpec()
    tokenizer = tokenizer_for(spec.world)
    with cache.building(spec.folder()) as scratch:
        if scratch is not None:
            log.info("pre-training the base model %s (first use; cached after)", spec.folder().name)
            start = time.perf_counter()
            model = build_model(spec.preset, len(tokenizer), seed=spec.seed)
            texts = biographies(spec.world.people[: spec.known_people], diversity=spec.diversity)
            pretrain(model, tokenizer, texts, steps=spec.steps, lr=spec.lr, batch_size=spec.batch_size,
                     seed=spec.seed, progress=progress)
            with quiet_progress():
                model.save_pretrained(scratch)  # safetensors
                tokenizer.save_pretrained(scratch)
            cache.write_json(scratch / "training.json", {"seconds": time.perf_counter() - start, **asdict(spec)})
    return load_model(spec.folder()), tokenizer
