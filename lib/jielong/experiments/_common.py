"""What every experiment shares: the on-disk cache keyed by arguments and code, live events, cached fine-tuned models."""
from __future__ import annotations

import functools
import inspect
import json
import threading
from collections.abc import Callable
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerFast

from .. import cache
from ..base import BaseSpec, base_model, tokenizer_for
from ..models import load_model, quiet_progress
from ..train import Callback, sft
from ..validation import check_int
from ..worlds import World

Event = Callable[[dict[str, Any]], None]

# The live experiments use a smaller world than the base model, so that a run fits in a few seconds.
SMALL_WORLD = 60
EVAL_PEOPLE = 100
SFT_BATCH = 64


def cached(fn: Callable[..., dict]) -> Callable[..., dict]:
    """Cache an experiment's result on disk by its arguments and its code; `use_cache=False` forces a fresh run.

    The key holds `cache.code_version` of the experiment's module (and of every library module it imports), so a
    result that older code computed is never read. `callback` and `stop` pass through without entering the key;
    a stopped run is not cached.
    """
    signature = inspect.signature(fn)
    live = {k: None for k in ("callback", "stop") if k in signature.parameters}

    @functools.wraps(fn)
    def wrapper(*args: Any, callback: Event | None = None, stop: threading.Event | None = None,
                use_cache: bool = True, **kwargs: Any) -> dict:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        knobs = {k: v for k, v in bound.arguments.items() if k not in live}
        path = result_path(fn, knobs)
        if use_cache and (hit := cache.read_json(path)) is not None:
            return hit
        extras = {k: v for k, v in (("callback", callback), ("stop", stop)) if k in live}
        # Through JSON and back, so that a fresh result and a cached one are the same plain data.
        result = json.loads(json.dumps(fn(**knobs, **extras)))
        if not result.get("stopped"):
            cache.write_json(path, result)
        return result

    return wrapper


def result_path(fn: Callable[..., dict], knobs: dict[str, Any]):
    """Where the cached result of experiment `fn` on `knobs` lives: keyed by the knobs and by the code."""
    version = cache.code_version(fn.__module__)
    return cache.cache_dir() / "experiments" / fn.__name__ / f"{cache.key(knobs, version)}.json"


def loss_events(callback: Event | None) -> Callback | None:
    """Adapt a live `callback(event)` to a trainer's `(step, loss, model)` callback that reports the loss only."""
    return (lambda step, loss, model: callback({"step": step, "loss": loss})) if callback else None


def fine_tuned_base(name: str, module: str, seed: int, recipe: dict, conversations: Callable[[World], list],
                    assistant_only: bool = True) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """The seed's base model fine-tuned by `recipe` on `conversations(world)`: trained on first use, then cached.

    The cache key holds the code version of `module`, the experiment module that defines the recipe and the data.
    """
    check_int("seed", seed, 0, 2**31 - 1)
    spec = BaseSpec(world_seed=seed, seed=seed)
    folder = cache.cache_dir() / "models" / f"{name}-{cache.key(spec.knobs(), recipe, cache.code_version(module))}"
    with cache.building(folder) as scratch:
        if scratch is not None:
            model, tokenizer = base_model(spec)
            sft(model, tokenizer, conversations(spec.world), steps=recipe["steps"], lr=recipe["lr"],
                batch_size=recipe["batch_size"], seed=seed, assistant_only=assistant_only, progress=False)
            with quiet_progress():  # its progress bar would land on a chapter's stderr
                model.save_pretrained(scratch)
    return load_model(folder), tokenizer_for(spec.world)
