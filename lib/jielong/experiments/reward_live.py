"""A reward model live, for the chapter's panel: trained on the first comparisons of stage 3's set, tested on its
held-out pairs.

Apart from `reward` (whose runs the book's verdicts cache): any number of comparisons up to the default 3,000 is the
start of the default set, which is sampled once (`jielong.warm` makes it), so a new number starts training at once
instead of first sampling pairs of its own. Defined in the chapter "Stage 3: feedback and the reward model".
"""
from __future__ import annotations

import threading

import torch
from transformers import AutoModelForSequenceClassification

from ..evaluate import rewards
from ..models import device, quiet_progress
from ..train import check_training_knobs, reward_modelling
from ..validation import check_int
from ._common import Event, cached, loss_events
from .preferences import PAIRS, as_conversations, pair_accuracy, policy_model, preference_data
from .reward import REWARD_LR

LIVE_PAIRS = 1000  # the panel's first run: a third of the chapter's comparisons


@cached
def reward_live_run(pairs: int = LIVE_PAIRS, steps: int = 30, seed: int = 0, *, callback: Event | None = None,
                    stop: threading.Event | None = None) -> dict:
    """A reward model trained with trl's RewardTrainer on the first `pairs` of the human's comparisons (batches of
    32, the chapter's learning rate), tested on the held-out pairs: how often it orders a pair as the truth does."""
    check_int("pairs", pairs, 10, PAIRS)
    check_training_knobs(steps, REWARD_LR, 32, seed)
    train, held = preference_data(seed)
    policy, tokenizer = policy_model(seed)
    # `reward_model_run`'s recipe: a sequence classifier on the policy's body, its new output layer seeded.
    torch.manual_seed(seed)
    with quiet_progress():
        model = AutoModelForSequenceClassification.from_pretrained(policy.name_or_path, num_labels=1).to(device())
    model.config.pad_token_id = tokenizer.pad_token_id
    run = reward_modelling(model, tokenizer, as_conversations(train[:pairs]), steps=steps, lr=REWARD_LR,
                           batch_size=32, seed=seed, callback=loss_events(callback), stop=stop, progress=False)
    model.eval()
    qas = [r["qa"] for r in held]
    chosen = rewards(model, tokenizer, qas, [r["chosen"] for r in held])
    rejected = rewards(model, tokenizer, qas, [r["rejected"] for r in held])
    return {"pairs": pairs, "steps": run.steps, "stopped": run.stopped, "seconds": run.seconds, "curve": run.curve,
            "held_out": len(held), **pair_accuracy([c > r for c, r in zip(chosen, rejected)], held)}
