"""jielong (文字接龙): the helper library of the book on how large language models are trained.

Chapters call it as `import jielong as jl`; each module holds one concern.
"""
from . import (base, cache, claims, cleaning, evaluate, experiments, feedback, models, objectives, plots, stats, tokenizer,
               train, widgets, worlds)

__all__ = ["show", "base", "cache", "claims", "cleaning", "evaluate", "experiments", "feedback", "models", "objectives",
           "plots", "stats", "tokenizer", "train", "widgets", "worlds"]
__version__ = "0.1.0"


def show(obj: object) -> None:
    """Print the source code of a library function or class, so a chapter can show it without copying it."""
    import inspect

    print(inspect.getsource(obj))
