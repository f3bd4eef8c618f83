"""Stage 0, the background: searching for parameters (the learning rate decides whether the search succeeds), and
training that succeeds while testing fails (the colour shortcut), fixed by diverse data or by a good prior.

Defined in the chapter "Stage 0: background".
"""
from __future__ import annotations

import threading

import torch

from ..pictures import OTHER_COLOURS, PictureClassifier, accuracy, classify, mean_loss, pictures
from ..stats import mean
from ..validation import check_choice, check_float, check_int
from ._common import Event, cached, loss_events

TRAIN_PICTURES = 256
TEST_PICTURES = 400
STEPS = 150
LR = 0.5
LEARNING_RATES = {"too small": 0.003, "good": LR, "too large": 30.0}
INITS = ("random", "prior", "shuffled prior")
PRIOR_PICTURES = 512
PRIOR_STEPS = 300


@cached
def learning_rate_run(lr: float = LR, steps: int = STEPS, seed: int = 0, *, callback: Event | None = None,
                      stop: threading.Event | None = None) -> dict:
    """Search for the classifier's parameters with one learning rate, on pictures in which only the ears tell the
    animal (half the cats black, half the dogs yellow); record the loss on the way and where the search ends."""
    check_int("seed", seed, 0, 2**31 - 1)
    data = pictures(TRAIN_PICTURES, seed, against_shortcut=0.5)
    model = PictureClassifier(seed)
    start_loss = mean_loss(model, data)
    run = classify(model, data, steps=steps, lr=lr, seed=seed, callback=loss_events(callback), stop=stop,
                   progress=False, log_every=max(1, steps // 50))
    correct = accuracy(model, data)
    return {"lr": lr, "steps": run.steps, "curve": run.curve, "seconds": run.seconds, "stopped": run.stopped,
            "start_loss": start_loss, "final_loss": mean_loss(model, data), "correct": correct,
            "accuracy": mean(correct)}


def learning_rate_sweep(seed: int = 0) -> dict:
    """The chapter's three searches: a learning rate too small, a good one and one too large (each cached)."""
    return {name: learning_rate_run(lr=lr, seed=seed) for name, lr in LEARNING_RATES.items()}


def _prior(seed: int, shuffled: bool) -> PictureClassifier:
    """A classifier first trained on cats and dogs of other colours (never yellow or black), where only the ears
    tell the animal; with `shuffled`, the same training with its labels shuffled, so it learns nothing of ears."""
    data = pictures(PRIOR_PICTURES, seed, colours=OTHER_COLOURS, split="prior")
    if shuffled:
        order = torch.randperm(len(data["labels"]), generator=torch.Generator().manual_seed(seed))
        data = {**data, "labels": data["labels"][order]}
    model = PictureClassifier(seed)
    classify(model, data, steps=PRIOR_STEPS, lr=LR, seed=seed, progress=False)
    return model


@cached
def shortcut_run(against_shortcut: float = 0.0, init: str = "random", pictures_seen: int = TRAIN_PICTURES,
                 seed: int = 0, *, callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """Train the classifier on `pictures_seen` pictures of which a share `against_shortcut` goes against the
    lecture's colours (0: only yellow cats and black dogs), from random parameters or from a prior; then test it on
    black cats and yellow dogs it never saw."""
    check_float("against_shortcut", against_shortcut, 0.0, 0.5)
    check_choice("init", init, INITS)
    check_int("pictures_seen", pictures_seen, 2, 100_000)
    check_int("seed", seed, 0, 2**31 - 1)
    train = pictures(pictures_seen, seed, against_shortcut=against_shortcut)
    test = pictures(TEST_PICTURES, seed, against_shortcut=1.0, split="test")
    model = PictureClassifier(seed) if init == "random" else _prior(seed, shuffled=init == "shuffled prior")
    prior_test = accuracy(model, test)
    run = classify(model, train, steps=STEPS, lr=LR, seed=seed, callback=loss_events(callback), stop=stop,
                   progress=False, log_every=max(1, STEPS // 50))
    train_correct, test_correct = accuracy(model, train), accuracy(model, test)
    return {"against_shortcut": against_shortcut, "init": init, "pictures_seen": pictures_seen, "curve": run.curve,
            "seconds": run.seconds, "stopped": run.stopped, "train_correct": train_correct,
            "test_correct": test_correct, "train_accuracy": mean(train_correct), "test_accuracy": mean(test_correct),
            "prior_test_accuracy": mean(prior_test)}
