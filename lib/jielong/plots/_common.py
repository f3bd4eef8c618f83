"""What every figure shares: the colours and the loss curve of a live run."""
from __future__ import annotations

import matplotlib.pyplot as plt

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def loss_curve(ax, curve: list, max_steps: int, title: str = "") -> None:
    """A live run's loss against its steps, the newest point marked."""
    if curve:
        ax.plot(*zip(*curve), "-o", markevery=[len(curve) - 1], color=COLORS[0])  # the newest point marked
    ax.set(xlim=(0, max_steps), xlabel="step", ylabel="fine-tuning loss", title=title)
    ax.set_ylim(bottom=0)
