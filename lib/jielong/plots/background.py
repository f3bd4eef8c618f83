"""Stage 0's figures: the pictures, searches with different learning rates, and the colour shortcut."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ._common import COLORS


def pictures_figure(sets: dict[str, dict], per_set: int = 6) -> Figure:
    """A row of pictures from each named set (from `jielong.pictures.pictures`), each titled with its animal."""
    fig, axes = plt.subplots(len(sets), per_set, figsize=(1.3 * per_set, 1.6 * len(sets)), squeeze=False)
    for row, (name, data) in zip(axes, sets.items()):
        for i, ax in enumerate(row):
            ax.imshow(data["images"][i].permute(1, 2, 0).numpy(), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{data['colours'][i]} {data['animals'][i]}", fontsize=8)
        row[0].set_ylabel(name, fontsize=8)
    fig.tight_layout()
    return fig


def _drawable(curve: list) -> tuple:
    """A (step, loss) curve as x and y for `plot`, a diverged search's NaN or infinity drawn off the top of the axis."""
    return tuple(zip(*[(step, loss if math.isfinite(loss) else 1e30) for step, loss in curve]))


def draw_learning_rates(ax, runs: list[dict], max_steps: int, live: list | None = None, live_lr: float | None = None) -> None:
    """Training loss against steps (log scale) for finished searches, and the live one drawn on top."""
    for i, run in enumerate(runs):
        ax.plot(*_drawable(run["curve"]), color=COLORS[(i + 1) % len(COLORS)], alpha=0.8,
                label=f"lr {run['lr']:g}: {run['accuracy']:.0%} right")
    if live:
        ax.plot(*_drawable(live), "-o", markevery=[len(live) - 1], color=COLORS[0], lw=2,
                label=f"lr {live_lr:g} (training)")
    ax.axhline(math.log(2), color="grey", ls=":", lw=1)
    ax.text(max_steps, math.log(2), " chance", va="center", fontsize=7, color="grey")
    ax.set(yscale="log", ylim=(1e-3, 1e3), xlim=(0, max_steps), xlabel="step", ylabel="training loss")
    if runs or live:
        ax.legend(fontsize=7, loc="lower left")


def draw_learning_rate_panel(fig: Figure, curve: list, max_steps: int, lr: float, runs: list[dict]) -> Figure:
    """The learning-rate panel: this search live beside the reader's earlier ones."""
    fig.clear()
    draw_learning_rates(fig.subplots(), runs[-5:], max_steps, curve, lr)
    fig.tight_layout()
    return fig


def learning_rate_figure(runs: dict[str, dict]) -> Figure:
    """Small multiples: one search per learning rate (name to run), its loss and how many pictures it gets right."""
    fig, axes = plt.subplots(1, len(runs), figsize=(3.3 * len(runs), 3), sharey=True, squeeze=False)
    for i, (ax, (name, run)) in enumerate(zip(axes[0], runs.items())):
        ax.plot(*_drawable(run["curve"]), color=COLORS[i % len(COLORS)])
        ax.axhline(math.log(2), color="grey", ls=":", lw=1)
        ax.set(yscale="log", ylim=(1e-3, 1e3), xlabel="step", ylabel="training loss" if i == 0 else "",
               title=f"{name}: lr {run['lr']:g}\n{run['accuracy']:.0%} of training pictures right")
    fig.tight_layout()
    return fig


def shortcut_figure(runs: dict[str, dict]) -> Figure:
    """For each way of training (name to `shortcut_run` result): accuracy on its training pictures and on black
    cats and yellow dogs."""
    fig, ax = plt.subplots(figsize=(10, 3.6))
    names = list(runs)
    x = range(len(names))
    for offset, key, label, color in ((-0.2, "train_accuracy", "training pictures", COLORS[0]),
                                      (0.2, "test_accuracy", "black cats and yellow dogs (never seen)", COLORS[1])):
        values = [runs[n][key] for n in names]
        bars = ax.bar([i + offset for i in x], values, 0.4, color=color, label=label)
        ax.bar_label(bars, [f"{v:.0%}" for v in values], fontsize=7)
    ax.axhline(0.5, color="grey", ls=":", lw=1)
    ax.set_xticks(list(x), names, fontsize=7)
    ax.set(ylim=(0, 1.15), ylabel="accuracy")
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    fig.tight_layout()
    return fig
