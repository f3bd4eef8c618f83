"""jielong.pictures: the background chapter's cats and dogs, its classifier and its training through the Trainer."""
import threading

import pytest
import torch

from jielong import pictures as p


def test_pictures_follow_the_shortcut_exactly_as_asked():
    biased, swapped = p.pictures(200, seed=0), p.pictures(200, seed=0, against_shortcut=1.0, split="test")
    assert biased["animals"].count("cat") == 100 and biased["images"].shape == (200, 3, p.SIZE, p.SIZE)
    assert all(c == p.SHORTCUT[a] for a, c in zip(biased["animals"], biased["colours"]))
    assert all(c != p.SHORTCUT[a] for a, c in zip(swapped["animals"], swapped["colours"]))
    mixed = p.pictures(400, seed=0, against_shortcut=0.5)
    against = sum(c != p.SHORTCUT[a] for a, c in zip(mixed["animals"], mixed["colours"]))
    assert 150 < against < 250
    other = p.pictures(100, seed=0, colours=p.OTHER_COLOURS, split="prior")
    assert set(other["colours"]) <= set(p.OTHER_COLOURS) and not set(other["colours"]) & set(p.SHORTCUT.values())


def test_the_ears_tell_the_animal_and_nothing_else_does():
    """Without noise, a cat and a dog of one colour at one place differ only in their ear pixels."""
    quiet = torch.Generator().manual_seed(0)
    noise, p.NOISE = p.NOISE, 0.0
    try:
        cat, dog = p.draw("cat", "black", quiet), p.draw("dog", "black", torch.Generator().manual_seed(0))
    finally:
        p.NOISE = noise
    differ = (cat != dog).any(0)
    assert int(differ.sum()) == 8  # four ear pixels of each animal, at different places


def test_same_seed_same_pictures_and_splits_never_share_one():
    a, b = p.pictures(64, seed=3), p.pictures(64, seed=3)
    assert torch.equal(a["images"], b["images"])
    test = p.pictures(64, seed=3, against_shortcut=1.0, split="test")
    flat = {tuple(x.flatten().tolist()) for x in a["images"]}
    assert not flat & {tuple(x.flatten().tolist()) for x in test["images"]}


def test_classifier_is_seeded_and_leaves_the_callers_random_state_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    one, two = p.PictureClassifier(seed=1), p.PictureClassifier(seed=1)
    assert torch.equal(torch.rand(1), before)
    assert all(torch.equal(x, y) for x, y in zip(one.parameters(), two.parameters()))


def test_classify_learns_streams_and_stops():
    data = p.pictures(128, seed=0, against_shortcut=0.5)
    model, losses = p.PictureClassifier(seed=0), []
    run = p.classify(model, data, steps=60, lr=0.5, progress=False, log_every=5,
                     callback=lambda step, loss, m: losses.append(loss))
    assert run.steps == 60 and losses and losses[-1] < losses[0] and p.mean_loss(model, data) < 0.5
    stop = threading.Event()
    stop.set()
    assert p.classify(p.PictureClassifier(), data, steps=500, stop=stop, progress=False).stopped


@pytest.mark.parametrize("call, message", [
    (lambda: p.pictures(1), "n must be an integer from 2"),
    (lambda: p.pictures(10, against_shortcut=1.5), r"against_shortcut must be a number in \[0, 1\]"),
    (lambda: p.pictures(10, colours=("purple",)), "colours must be a non-empty tuple of"),
    (lambda: p.pictures(10, split="validation"), "split must be one of"),
    (lambda: p.draw("horse", "black", torch.Generator()), "animal must be one of"),
    (lambda: p.PictureClassifier(hidden=0), "hidden must be an integer from 1"),
    (lambda: p.classify(p.PictureClassifier(), p.pictures(4), lr=0.0), r"lr must be a number in \(0, 100\]"),
    (lambda: p.classify(p.PictureClassifier(), p.pictures(4), steps=0), "steps must be an integer from 1"),
    (lambda: p.classify(p.PictureClassifier(), {"images": [], "labels": []}), "data must hold as many images"),
])
def test_bad_values_are_refused_before_any_work(call, message):
    with pytest.raises(ValueError, match=message):
        call()
