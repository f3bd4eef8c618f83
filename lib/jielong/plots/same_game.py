"""The closing chapter's figure: the three stages side by side, the same game on different data."""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ._common import COLORS

LOSS_COLOURS = {1: "#ffd54f", -1: "#ef9a9a", 0: "#eeeeee"}
MEASURES = {
    "text": ("pre-training", "log p per token of\nbiographies never read"),
    "answers": ("instruction fine-tuning", "log p per token of right\nanswers never taught"),
    "preferences": ("RLHF (DPO)", "share of held-out pairs: the\nbetter answer the more likely"),
}


def _draw_tokens(ax, rows: dict[str, list[dict]], width: int = 96) -> None:
    """Token strips, one per named row, each token boxed in the colour of its part in the loss (wrapped at `width`
    characters)."""
    y = 0.0
    for name, tokens in rows.items():
        ax.text(0, y, name, fontsize=8, fontweight="bold", va="center")
        y -= 1.0
        x = 0
        for t in tokens:
            text = t["token"].replace(" ", "␣").replace("\n", "↵") or "·"
            if x + len(text) > width:
                x, y = 0, y - 1.0
            ax.text(x, y, text, family="monospace", fontsize=7, va="center",
                    bbox={"boxstyle": "round,pad=0.15", "fc": LOSS_COLOURS[t["loss"]], "ec": "none"})
            x += len(text) + 1
        y -= 1.3
    ax.set(xlim=(-0.5, width + 2), ylim=(y + 0.3, 0.8))
    ax.axis("off")


def same_game_figure(run: dict) -> Figure:
    """Left: each stage's data as its trainer tokenizes it, the tokens its loss raises in yellow (DPO's rejected
    answer, whose probability it lowers, in red), context in grey. Right: what each checkpoint makes of each stage's
    held-out data, with 95% intervals (from `jielong.experiments.same_game_run`)."""
    checkpoints = run["checkpoints"]
    fig, axes = plt.subplots(3, 2, figsize=(11, 7.5), gridspec_kw={"width_ratios": [1.6, 1]})
    tokens = run["tokens"]
    groups = ({"pre-training": tokens["pre-training"]},
              {"instruction fine-tuning": tokens["instruction fine-tuning"]},
              {k: v for k, v in tokens.items() if k.startswith("RLHF")})
    for row, (data, (stage, label)) in enumerate(MEASURES.items()):
        _draw_tokens(axes[row, 0], groups[row])
        ax = axes[row, 1]
        means = [run["means"][c][data] for c in checkpoints]
        low = [m - run["intervals"][c][data][0] for m, c in zip(means, checkpoints)]
        high = [run["intervals"][c][data][1] - m for m, c in zip(means, checkpoints)]
        ax.errorbar(range(len(checkpoints)), means, yerr=[low, high], fmt="-o", color=COLORS[row], capsize=3)
        ax.axvspan(row + 0.5, row + 1.5, color=COLORS[row], alpha=0.12, lw=0)
        ax.text(row + 1, ax.get_ylim()[0], f"{stage}\nreads this data", ha="center", va="bottom", fontsize=7,
                color=COLORS[row])
        if data == "preferences":
            ax.axhline(0.5, color="grey", ls=":", lw=1)
        ax.set_xticks(range(len(checkpoints)), checkpoints if row == 2 else [""] * len(checkpoints),
                      rotation=20, fontsize=8)
        ax.set_ylabel(label, fontsize=8)
    fig.suptitle("Every stage plays the same game, next-token prediction, on different data", fontsize=11)
    fig.tight_layout()
    return fig
