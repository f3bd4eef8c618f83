"""Train every model the chapters load into the cache, once, and make stage 3's preference pairs:
`python -m jielong.warm [NAME ...]` (every model by default).

Binder's `postBuild` runs it so that a student's first chapter starts with its models ready; a teacher can run it
before grading; the book's build (`tools/execute.py`) runs `BOOK_CHAINS` before the chapters. Each model is keyed by
the code that made it, so a later library change retrains only what changed.
"""
import sys
import time
from collections.abc import Callable

from tqdm.auto import tqdm

from . import base, experiments

DEFAULT_BASE = "base model (every chapter)"
# Every model a chapter or a panel loads on the book's seed, in the order the chapters first need them.
MODELS: dict[str, Callable[[], object]] = {
    DEFAULT_BASE: lambda: base.base_model(progress=False),
    "diversity-1 base model (举一反三)": lambda: base.base_model(base.BaseSpec(diversity=1), progress=False),
    "diversity-2 base model (举一反三)": lambda: base.base_model(base.BaseSpec(diversity=2), progress=False),
    "diversity-3 base model (举一反三)": lambda: base.base_model(base.BaseSpec(diversity=3), progress=False),
    "student base model (imitation)": lambda: base.base_model(
        base.BaseSpec(known_people=experiments.STUDENT_KNOWS), progress=False),
    "task-A model (forgetting)": experiments.task_a_model,
    "teacher model (imitation)": experiments.teacher_model,
    "stage-3 policy (RLHF)": experiments.policy_model,
    "reward model (RLHF)": experiments.reward_model,
    # Not a model, but 34 s to sample: the DPO panel's first point would wait for it.
    "stage-3 preference pairs (RLHF)": lambda: experiments.preference_data(0),
}
# What the book's build warms: every model but the 举一反三 panel's diversity-2 and -3 bases, which no chapter's figure
# loads. Two chains of about equal length (about 200 s each on one core), one per core, each model after those it is
# built from; stage 3's models come early, as the longest chapter needs them first.
BOOK_CHAINS = (
    (DEFAULT_BASE, "stage-3 policy (RLHF)", "stage-3 preference pairs (RLHF)", "reward model (RLHF)",
     "teacher model (imitation)", "task-A model (forgetting)"),
    ("diversity-1 base model (举一反三)", "student base model (imitation)"),
)


def warm(names: list[str] | None = None) -> dict[str, float]:
    """Train (or load) the named models of MODELS, all of them by default; return the seconds each took."""
    names = list(MODELS) if names is None else names
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        raise ValueError(f"names must be models of jielong.warm.MODELS ({', '.join(MODELS)}), got {unknown!r}")
    seconds = {}
    for name in tqdm(names, desc="models", unit="model", file=sys.stdout):
        start = time.perf_counter()
        MODELS[name]()
        seconds[name] = time.perf_counter() - start
        tqdm.write(f"{name}: {seconds[name]:.0f} s", file=sys.stdout)
    return seconds


if __name__ == "__main__":
    warm(sys.argv[1:] or None)
