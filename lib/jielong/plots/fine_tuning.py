"""Stage 2's figures: 举一反三, LoRA, forgetting and imitation."""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ._common import COLORS, loss_curve


def draw_diversity(ax, runs: list[dict]) -> None:
    """Accuracy on taught and untaught people against pre-training diversity, one colour per fine-tuning size."""
    sizes = sorted({r["sft_people"] for r in runs})
    for i, size in enumerate(sizes):
        mine = sorted((r for r in runs if r["sft_people"] == size), key=lambda r: r["diversity"])
        x = [r["diversity"] for r in mine]
        ax.plot(x, [r["unseen_accuracy"] for r in mine], "o-", color=COLORS[i % len(COLORS)],
                label=f"untaught people (SFT on {size})")
        ax.plot(x, [r["seen_accuracy"] for r in mine], "o:", mfc="none", color=COLORS[i % len(COLORS)],
                label=f"taught people (SFT on {size})")
    ax.set(ylim=(0, 1.02), xlabel="renderings per person in pre-training (diversity)", ylabel="QA accuracy")
    ax.set_xticks(sorted({r["diversity"] for r in runs}) or [1])
    if runs:
        ax.legend(fontsize=7, loc="upper left")


def draw_ju_yi_fan_san(fig: Figure, curve: list, max_steps: int, runs: list[dict]) -> Figure:
    """The 举一反三 panel: the live fine-tuning loss (left) and every finished run's accuracy (right)."""
    fig.clear()
    left, right = fig.subplots(1, 2)
    loss_curve(left, curve, max_steps, "fine-tuning")
    draw_diversity(right, runs)
    right.set_title("learn one, infer three")  # matplotlib's default font has no CJK glyphs
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.25)
    return fig


def diversity_figure(runs: list[dict]) -> Figure:
    """The static twin of the 举一反三 panel: a finished sweep over diversity and fine-tuning size."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    draw_diversity(ax, runs)
    fig.tight_layout()
    return fig



def data_size_figure(sweep: dict) -> Figure:
    """Accuracy on untaught people against the number of instruction examples (log scale), with the full set's
    questions answered wrongly as a reference point."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.plot(sweep["examples"], sweep["held_out_accuracy"], "o-", color=COLORS[0], label="right answers")
    ax.plot([sweep["shuffled_examples"]], [sweep["shuffled_accuracy"]], "X", ms=9, color=COLORS[3],
            label="the same questions, answers shuffled")
    for n, acc in zip(sweep["examples"], sweep["held_out_accuracy"]):
        ax.annotate(f"{acc:.0%}", (n, acc), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_xticks(sweep["examples"], [str(n) for n in sweep["examples"]])
    ax.minorticks_off()
    ax.set(ylim=(0, 1), xlabel="instruction examples (questions with answers)",
           ylabel="accuracy on untaught people")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig

LORA_BAND = (0.01, 0.10)


def draw_lora(axes, runs: list[dict], reference: dict | None = None) -> None:
    """LoRA runs: accuracy against the share of trainable weights (the 1-10% band shaded), and weight distance."""
    acc, dist = axes
    for ax in axes:
        ax.axvspan(*LORA_BAND, color="#c8e6c9", alpha=0.6, lw=0)
        ax.set_xscale("log")
        ax.set_xlabel("share of the weights trained")
    shares = [r["trainable_share"] for r in runs]
    acc.plot(shares, [r["seen_accuracy"] for r in runs], "o", mfc="none", color=COLORS[1], label="taught people")
    acc.plot(shares, [r["unseen_accuracy"] for r in runs], "o", color=COLORS[1], label="untaught people")
    dist.plot(shares, [r["weight_distance"] for r in runs], "s", color=COLORS[2], label="LoRA")
    for r in runs:
        acc.annotate(f"r={r['rank']}", (r["trainable_share"], r["unseen_accuracy"]), textcoords="offset points",
                     xytext=(4, -10), fontsize=7)
    if reference is not None:
        for ax, key in ((acc, "seen_accuracy"), (acc, "unseen_accuracy"), (dist, "weight_distance")):
            ax.plot([1.0], [reference[key]], "*", ms=11, color="k")
        acc.plot([], [], "*", color="k", label="full fine-tuning")
        dist.plot([], [], "*", color="k", label="full fine-tuning")
    acc.set(ylim=(0, 1.02), ylabel="QA accuracy", xlim=(3e-4, 1.5))
    dist.set(ylabel="distance from the base weights", xlim=(3e-4, 1.5))
    dist.set_ylim(bottom=0)
    # Legends above the axes: inside, they covered the points they describe.
    acc.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False)
    dist.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)


def draw_lora_panel(fig: Figure, curve: list, max_steps: int, runs: list[dict], reference: dict | None) -> Figure:
    """The LoRA panel: the live fine-tuning loss, then every finished run's accuracy and weight distance."""
    fig.clear()
    axes = fig.subplots(1, 3)
    loss_curve(axes[0], curve, max_steps, "fine-tuning the adapter")
    draw_lora(axes[1:], runs, reference)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
    return fig


def lora_figure(runs: list[dict], reference: dict | None = None) -> Figure:
    """The static twin of the LoRA panel: a finished sweep over rank."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    draw_lora(axes, runs, reference)
    fig.tight_layout()
    return fig


def draw_forgetting(ax, checkpoints: list[dict], max_steps: int, title: str = "") -> None:
    """Task A's and task B's accuracy while the model learns task B."""
    steps = [c["step"] for c in checkpoints]
    ax.plot(steps, [c["a"] for c in checkpoints], "o-", color=COLORS[3], label="task A: questions about people")
    ax.plot(steps, [c["b"] for c in checkpoints], "s-", color=COLORS[2], label="task B: what kind of thing")
    ax.set(xlim=(0, max_steps), ylim=(0, 1.02), xlabel="step of learning task B", ylabel="accuracy", title=title)
    ax.legend(fontsize=7, loc="center right")


def draw_forgetting_panel(fig: Figure, checkpoints: list[dict], max_steps: int, title: str, runs: list[dict]) -> Figure:
    """The forgetting panel: both tasks' accuracy while B is learnt (left), each finished run's A after B (right)."""
    fig.clear()
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    draw_forgetting(left, checkpoints, max_steps, title)
    labels = [_forgetting_label(r) for r in runs]
    right.barh(range(len(runs)), [r["a_after"] for r in runs], color=COLORS[3])
    right.set_yticks(range(len(runs)), labels, fontsize=7)
    right.set(xlim=(0, 1), xlabel="task A accuracy after B", title="finished runs")
    right.invert_yaxis()
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.6)
    return fig


def _forgetting_label(r: dict) -> str:
    replay = f"{r['replay']:.0%} {r['kind']} replay" if r["replay"] else "no replay"
    return f"{r['method']}, {replay}, lr {r['lr']:g}"


def forgetting_figure(runs: list[dict]) -> Figure:
    """The static twin of the forgetting panel: task A accuracy after B against the replay ratio, per replay kind."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    plain = [r for r in runs if r["method"] == "full"]
    none = [r for r in plain if r["replay"] == 0]
    for i, kind in enumerate(("real", "generated")):
        mine = sorted(none + [r for r in plain if r["kind"] == kind and r["replay"] > 0], key=lambda r: r["replay"])
        left.plot([r["replay"] for r in mine], [r["a_after"] for r in mine], "o-", color=COLORS[i],
                  label=f"{kind} task-A examples replayed")
    if plain:
        left.axhline(plain[0]["a_before"], ls="--", color="grey", label="task A before learning B")
    left.set(ylim=(0, 1.02), xlabel="replayed A examples, as a share of B's data", ylabel="task A accuracy after B")
    left.legend(fontsize=7)
    labels = [_forgetting_label(r) for r in runs]
    right.barh(range(len(runs)), [r["a_after"] for r in runs], color=COLORS[3], label="task A after B")
    right.barh(range(len(runs)), [r["b_after"] for r in runs], height=0.3, color=COLORS[2], label="task B after B")
    right.set_yticks(range(len(runs)), labels, fontsize=7)
    right.set(xlim=(0, 1), xlabel="accuracy")
    right.invert_yaxis()
    right.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def imitation_figure(runs: list[dict]) -> Figure:
    """The student's style and facts against the number of the teacher's answers it imitated."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    x = [r["examples"] for r in runs]
    ax.plot(x, [r["unknown"]["format"] for r in runs], "o-", color=COLORS[0], label="answers in the teacher's style")
    ax.plot(x, [r["known"]["accuracy"] for r in runs], "s-", color=COLORS[2],
            label="right facts: people the student read about")
    ax.plot(x, [r["unknown"]["accuracy"] for r in runs], "s-", color=COLORS[3],
            label="right facts: people only the teacher knows")
    ax.plot(x, [r["unknown"]["chance"] for r in runs], "--", color="grey", label="chance")
    ax.set(xscale="log", ylim=(0, 1.02), xlabel="teacher's answers imitated", ylabel="share of answers")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
