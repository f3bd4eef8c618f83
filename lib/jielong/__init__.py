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
# The same numbers on every x86-64 machine: torch picks its CPU kernels by the instructions the processor has, and
# AVX-512 kernels add in another order than AVX2 ones. After hundreds of training steps the difference is not small:
# the base model completed 86% of the facts with AVX2 kernels and 95% with AVX-512 ones on the same seed. Every
# x86-64 laptop of the last decade has AVX2, so the book's numbers (and `make verify`'s record) are made with AVX2
# kernels everywhere. torch reads this at its first operation; a user's own setting wins.
os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")

from . import (base, cache, claims, cleaning, evaluate, experiments, feedback, lectures, models, objectives,  # noqa: E402
               pictures, plots, stats, tokenizer, train, widgets, worlds)


def _check_kernels() -> None:
    """Warn when torch already chose AVX-512 kernels (it ran before jielong was imported): the numbers would differ."""
    import warnings

    import torch

    if os.environ.get("ATEN_CPU_CAPABILITY") == "avx2" and torch.backends.cpu.get_cpu_capability().startswith("AVX512"):
        warnings.warn("torch ran before jielong was imported, so it uses its AVX-512 kernels and the numbers will differ "
                      "from the book's: import jielong first (or set ATEN_CPU_CAPABILITY=avx2 before starting Python)",
                      stacklevel=3)


_check_kernels()
__all__ = ["show", "base", "cache", "claims", "cleaning", "evaluate", "experiments", "feedback", "lectures", "models", "objectives",
           "pictures", "plots", "stats", "tokenizer", "train", "widgets", "worlds"]
__version__ = "0.1.0"
# `jielong.warm` is run as a program (`python -m jielong.warm`), so the package does not import it: importing it here
# first would make Python warn that the module it is about to run was already imported.


def show(obj: object) -> None:
    """Print the source code of a library function or class, so a chapter can show it without copying it."""
    import inspect

    print(inspect.getsource(obj))
