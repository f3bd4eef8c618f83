"""The background chapter's world: pictures of cats and dogs, a small classifier, and its training.

A picture is 3 x 8 x 8 (red, green, blue): a grey background, a head in the animal's fur colour and two ears, whose
shape is the only thing that tells the animal: a cat's stand up above its head, a dog's hang at its sides. In the
lecture's training pictures every cat is yellow and every dog black, so there colour tells the animal too; whether a
model learnt ears or colour shows on black cats and yellow dogs. Defined in the chapter "Stage 0: background".
"""
from __future__ import annotations

import threading

import torch
from torch import nn
from transformers import Trainer
from transformers.modeling_outputs import SequenceClassifierOutput

from .cache import key
from .train import Callback, TrainResult, _run, _Stream, training_arguments
from .validation import check_choice, check_float, check_int

SIZE = 8
ANIMALS = ("cat", "dog")
COLOURS = {"yellow": (0.95, 0.8, 0.15), "black": (0.08, 0.08, 0.08), "white": (0.95, 0.95, 0.92),
           "brown": (0.55, 0.33, 0.12), "red": (0.85, 0.2, 0.1), "blue": (0.15, 0.3, 0.85), "green": (0.2, 0.65, 0.25)}
SHORTCUT = {"cat": "yellow", "dog": "black"}  # the lecture's training pictures: yellow cats, black dogs
OTHER_COLOURS = tuple(c for c in COLOURS if c not in SHORTCUT.values())  # never seen in the lecture's pictures
BACKGROUND, NOISE = 0.5, 0.1
HIDDEN = 32
LR_MAX = 100.0


def draw(animal: str, colour: str, generator: torch.Generator) -> torch.Tensor:
    """One picture of `animal` with fur of `colour`, at a random place, with pixel noise from `generator`."""
    check_choice("animal", animal, ANIMALS)
    check_choice("colour", colour, COLOURS)
    image = torch.full((3, SIZE, SIZE), BACKGROUND)
    top = 3 + int(torch.randint(0, 2, (1,), generator=generator))
    left = 2 + int(torch.randint(-1, 2, (1,), generator=generator))
    fur = torch.tensor(COLOURS[colour])
    image[:, top:top + 3, left:left + 4] = fur.view(3, 1, 1)  # the head, 3 rows by 4 columns
    if animal == "cat":  # two pixels standing up above each side of the head
        ears = ((top - 1, left), (top - 2, left), (top - 1, left + 3), (top - 2, left + 3))
    else:  # two pixels hanging beside each side of the head
        ears = ((top + 1, left - 1), (top + 2, left - 1), (top + 1, left + 4), (top + 2, left + 4))
    for row, column in ears:
        image[:, row, column] = fur
    return (image + NOISE * torch.randn(image.shape, generator=generator)).clamp(0.0, 1.0)


def pictures(n: int, seed: int = 0, *, against_shortcut: float = 0.0, colours: tuple[str, ...] | None = None,
             split: str = "train") -> dict:
    """`n` pictures, half cats and half dogs.

    By default in the lecture's colours: a share `against_shortcut` of them goes against the shortcut (a black cat,
    a yellow dog), so 0 is the lecture's biased training set, 0.5 makes colour say nothing and 1 is the test set of
    black cats and yellow dogs. With `colours`, each animal gets one of them at random instead. Each `split` draws
    from its own random stream, so that training and test pictures are never the same.
    """
    check_int("n", n, 2, 100_000)
    check_int("seed", seed, 0, 2**31 - 1)
    check_float("against_shortcut", against_shortcut, 0.0, 1.0)
    check_choice("split", split, ("train", "test", "prior"))
    if colours is not None and (not colours or any(c not in COLOURS for c in colours)):
        raise ValueError(f"colours must be a non-empty tuple of {', '.join(COLOURS)}; got {colours!r}")
    generator = torch.Generator().manual_seed(int(key("pictures", split, seed), 16) % 2**63)
    animals = [ANIMALS[i % 2] for i in range(n)]
    if colours is None:
        flips = torch.rand(n, generator=generator) < against_shortcut
        other = {"cat": SHORTCUT["dog"], "dog": SHORTCUT["cat"]}
        fur = [other[a] if flip else SHORTCUT[a] for a, flip in zip(animals, flips.tolist())]
    else:
        fur = [colours[int(i)] for i in torch.randint(0, len(colours), (n,), generator=generator)]
    images = torch.stack([draw(a, c, generator) for a, c in zip(animals, fur)])
    return {"images": images, "labels": torch.tensor([ANIMALS.index(a) for a in animals]), "animals": animals,
            "colours": fur}


class PictureClassifier(nn.Module):
    """The lecture's f(x): a picture's 192 numbers in, a score for "cat" and one for "dog" out.

    Written with torch's layers because transformers has no image model this small: its parameters (about 6,000)
    are the unknowns that training searches for. It returns what a transformers model returns, so that the
    transformers Trainer trains it like the book's language models.
    """

    def __init__(self, seed: int = 0, hidden: int = HIDDEN):
        super().__init__()
        check_int("seed", seed, 0, 2**31 - 1)
        check_int("hidden", hidden, 1, 4096)
        with torch.random.fork_rng():  # seeded parameters, without touching the caller's random state
            torch.manual_seed(seed)
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(3 * SIZE * SIZE, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, pixel_values: torch.Tensor, labels: torch.Tensor | None = None) -> SequenceClassifierOutput:
        logits = self.net(pixel_values - BACKGROUND)  # centred: the grey background reads as zero
        loss = None if labels is None else nn.functional.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)


def accuracy(model: PictureClassifier, data: dict) -> list[int]:
    """For each picture, 1 if the model names its animal, else 0."""
    with torch.no_grad():
        guesses = model(data["images"]).logits.argmax(-1)
    return (guesses == data["labels"]).int().tolist()


def mean_loss(model: PictureClassifier, data: dict) -> float:
    """The classifier's cross-entropy on `data` (infinite once training has diverged)."""
    with torch.no_grad():
        loss = float(model(data["images"], data["labels"]).loss)
    return loss if loss == loss else float("inf")  # NaN, after a divergence, reads as infinitely bad


def classify(model: PictureClassifier, data: dict, *, steps: int = 150, lr: float = 0.1, batch_size: int = 32,
             seed: int = 0, callback: Callback | None = None, stop: threading.Event | None = None,
             progress: bool = True, log_every: int | None = None) -> TrainResult:
    """Train the classifier on `data` with the transformers Trainer and plain gradient descent (SGD).

    The lecture's search, and nothing more: a constant learning rate, no warm-up, no momentum and no clipping of
    the gradient, so that too large a step can make the search diverge, as the lecture warns.
    """
    check_int("steps", steps, 1, 100_000)
    check_float("lr", lr, 0.0, LR_MAX, low_open=True)  # beyond the language models' range: large enough to diverge
    check_int("batch_size", batch_size, 1, 4096)
    check_int("seed", seed, 0, 2**31 - 1)
    if log_every is not None:
        check_int("log_every", log_every, 1, steps)
    if len(data.get("images", ())) != len(data.get("labels", ())) or not len(data.get("labels", ())):
        raise ValueError("data must hold as many images as labels, at least one (from jielong.pictures.pictures)")
    rows = [{"pixel_values": x, "labels": int(y)} for x, y in zip(data["images"], data["labels"])]
    result = TrainResult(steps=0)
    stream = _Stream(result, steps, callback, stop, progress, "training")
    args = training_arguments(steps, lr, batch_size, seed, log_every, schedule="constant")
    args.optim, args.warmup_steps, args.max_grad_norm, args.weight_decay = "sgd", 0, 0.0, 0.0
    trainer = Trainer(model=model, args=args, train_dataset=rows, callbacks=[stream])
    return _run(trainer, result)
