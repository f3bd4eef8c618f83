"""jielong (文字接龙): the helper library of the book on how large language models are trained.

Chapters call it as `import jielong as jl`; each module holds one concern.
"""
import os

# torch's OpenMP threads spin while they wait for work. Beside any other busy process (a second notebook, a build)
# the spinning threads fight it for the cores, and these tiny models train tens of times slower (measured on two
# cores: 40 pre-training steps took 128 s instead of 7 s). Waiting passively costs nothing when the machine is idle
# and changes no number. It must be set before torch is first imported; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Offline: trl's and transformers' trainers report usage to the Hugging Face Hub from a background thread (a
# connection each run, caught by the offline test); the book downloads nothing and sends nothing.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from . import (base, cache, claims, cleaning, evaluate, experiments, feedback, lectures, models, objectives,  # noqa: E402
               pictures, plots, stats, tokenizer, train, widgets, worlds)

__all__ = ["show", "base", "cache", "claims", "cleaning", "evaluate", "experiments", "feedback", "lectures", "models", "objectives",
           "pictures", "plots", "stats", "tokenizer", "train", "widgets", "worlds"]
__version__ = "0.1.0"
# `jielong.warm` is run as a program (`python -m jielong.warm`), so the package does not import it: importing it here
# first would make Python warn that the module it is about to run was already imported.


def show(obj: object) -> None:
    """Print the source code of a library function or class, so a chapter can show it without copying it."""
    import inspect

    print(inspect.getsource(obj))
