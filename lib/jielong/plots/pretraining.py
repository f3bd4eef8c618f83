"""Stage 1's figures: a run's loss and samples, scaling, data, cleaning, what the base model knows; sweeps
as scrubbable animations."""
from __future__ import annotations

import html
import re

import matplotlib.pyplot as plt
from IPython.display import HTML
from matplotlib import animation
from matplotlib.figure import Figure
from transformers import PreTrainedTokenizerFast

from ._common import COLORS


def draw_training(fig: Figure, curve: list, checkpoints: list, max_steps: int, title: str = "") -> Figure:
    """Draw a run's training and held-out loss (left) and its latest sample completions (right) into `fig`."""
    fig.clear()
    ax, text = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    if curve:
        # The newest point is marked, so that a live run's first point is visible before there is a line.
        ax.plot(*zip(*curve), "-o", markevery=[len(curve) - 1], label="training loss", color=COLORS[0])
    if checkpoints:
        ax.plot([c["step"] for c in checkpoints], [c["val_loss"] for c in checkpoints], "o-",
                label="held-out loss", color=COLORS[1])
    ax.set(xlim=(0, max_steps), xlabel="step", ylabel="loss (nats per token)", title=title)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right")
    text.axis("off")
    if checkpoints:
        last = checkpoints[-1]
        lines = [f"step {last['step']}: the model continues"] + [f"… {s!r}" for s in last["samples"]]
        text.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=9, wrap=True)
    # A fixed layout: tight_layout would render the figure once more on every live redraw.
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.1)
    return fig


def training_figure(result: dict) -> Figure:
    """A finished `pretraining_run` as a figure."""
    fig = plt.figure(figsize=(10, 3.6))
    return draw_training(fig, result["curve"], result["checkpoints"], result["steps"],
                         f"{result['preset']} ({result['parameters']:,} parameters)")


def scaling_figure(sweep: dict) -> Figure:
    """Held-out loss against tokens read, one line per model size, and each model's lowest held-out loss against
    parameters."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    for i, run in enumerate(sweep["runs"]):
        tokens = [c["step"] * run["tokens_per_step"] for c in run["checkpoints"]]
        left.plot(tokens, [c["val_loss"] for c in run["checkpoints"]], "o-", color=COLORS[i],
                  label=f"{run['preset']} ({run['parameters']:,})")
    left.set(xscale="log", xlabel="tokens read", ylabel="held-out loss", title="while training")
    left.legend()
    params = [r["parameters"] for r in sweep["runs"]]
    best = [min(c["val_loss"] for c in r["checkpoints"]) for r in sweep["runs"]]
    right.plot(params, best, "o-", color="k")
    for r, loss in zip(sweep["runs"], best):
        right.annotate(r["preset"], (r["parameters"], loss), textcoords="offset points", xytext=(5, 5))
    right.set(xscale="log", xlabel="parameters", ylabel="lowest held-out loss", title="bigger models")
    fig.tight_layout()
    return fig


def data_figure(sweep: dict) -> Figure:
    """Held-out loss against the number of distinct people read (same model, same steps), with the control: the
    fewest people's text copied to as many tokens as the most."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    people = [r["people"] for r in sweep["runs"]]
    ax.plot(people, [r["val_loss"] for r in sweep["runs"]], "o-", color=COLORS[0], label="distinct biographies")
    repeated = sweep["repeated"]
    ax.plot([people[-1]], [repeated["val_loss"]], "x", color=COLORS[3], markersize=10,
            label=f"{repeated['people']} people's biographies x {repeated['copies']}")
    ax.set(xlabel="people whose biographies the model read", ylabel="held-out loss", xticks=people)
    ax.legend()
    fig.tight_layout()
    return fig


def cleaning_figure(results: list[dict]) -> Figure:
    """Fact accuracy and held-out loss for each set of filters."""
    labels = [" + ".join(r["filters"]) or "no filter" for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    left.barh(labels, [r["fact_accuracy"] for r in results], color=COLORS[2])
    left.set(xlim=(0, 1), xlabel="facts completed correctly")
    right.barh(labels, [r["val_loss"] for r in results], color=COLORS[3])
    right.set(xlabel="held-out loss on clean biographies")
    right.set_yticklabels([])
    fig.tight_layout()
    return fig


def knowledge_figure(result: dict) -> Figure:
    """The base model's fact completion against its answers to direct questions."""
    fig, ax = plt.subplots(figsize=(6, 2.4))
    ax.barh(["asked 'Where was X born?'", "completing 'X was born in'"],
            [result["qa_accuracy"], result["fact_accuracy"]], color=[COLORS[3], COLORS[2]])
    ax.set(xlim=(0, 1), xlabel=f"share correct over all {result['people']} people x 5 facts")
    fig.tight_layout()
    return fig


def sweep_animation(sweep: dict) -> animation.FuncAnimation:
    """Scrub through training: every model size's held-out loss and its completions, checkpoint by checkpoint."""
    runs = sweep["runs"]
    frames = min(len(r["checkpoints"]) for r in runs)
    fig, (ax, text) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    top = max(c["val_loss"] for r in runs for c in r["checkpoints"])
    prompts = runs[0]["prompts"]

    def draw(k: int):
        ax.clear()
        text.clear()
        text.axis("off")
        lines = []
        for i, run in enumerate(runs):
            cps = run["checkpoints"][: k + 1]
            ax.plot([c["step"] for c in cps], [c["val_loss"] for c in cps], "o-", color=COLORS[i],
                    label=f"{run['preset']} ({run['parameters']:,})")
            lines.append(f"{run['preset']:>6}: {prompts[0]} … {cps[-1]['samples'][0]!r}")
        step = runs[0]["checkpoints"][k]["step"]
        ax.set(xlim=(0, runs[0]["steps"]), ylim=(0, top * 1.05), xlabel="step", ylabel="held-out loss",
               title=f"step {step}")
        ax.legend(loc="upper right")
        lines.append(f"{'truth':>6}: {runs[0]['answers'][0]}")
        text.text(0, 0.9, "\n\n".join(lines), va="top", family="monospace", fontsize=8)
        fig.tight_layout()

    anim = animation.FuncAnimation(fig, draw, frames=frames, interval=400)
    plt.close(fig)
    return anim


def scrubber(anim: animation.Animation) -> HTML:
    """An animation as a self-contained HTML player (a slider and buttons) that works without a kernel.

    matplotlib links its button icons from a CDN; the link is dropped so that an offline page makes no request
    (the book's theme ships the same icon font).
    """
    page = anim.to_jshtml()
    return HTML(re.sub(r'<link rel="stylesheet"[^>]*font-awesome[^>]*>', "", page))


def loss_mask(tokenizer: PreTrainedTokenizerFast, conversation: list[dict[str, str]]) -> HTML:
    """The tokens of one chat exchange, those the fine-tuning loss is computed on highlighted."""
    enc = tokenizer.apply_chat_template(conversation, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    cells = []
    for token, trained in zip(tokenizer.convert_ids_to_tokens(enc["input_ids"]), enc["assistant_masks"]):
        style = "background:#ffd54f;font-weight:bold" if trained else "background:#eeeeee;color:#666"
        cells.append(f'<span style="{style};padding:2px 4px;margin:1px;border-radius:3px;font-family:monospace">'
                     f"{html.escape(token.replace('Ġ', '␣'))}</span>")
    legend = ('<div style="margin-top:6px;font-size:90%">highlighted: the loss is computed on these tokens; '
              "grey: context only</div>")
    return HTML('<div style="line-height:2.2">' + "".join(cells) + "</div>" + legend)
