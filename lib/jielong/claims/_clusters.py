"""Statistics over items that come in clusters (the questions about one person, the pairs about one question),
resampled cluster by cluster, so that the interval counts correlated items once."""
from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from ..stats import mean
from ._core import Measurement, paired


def clustered(statistic: Callable[[list[int] | None], float], clusters: Sequence[Hashable], seed: int,
              *floors: tuple[str, bool]) -> Measurement:
    """`statistic(item indices)` on all items (None), with its paired bootstrap interval over `clusters` (one label
    per item; the items of a drawn cluster are drawn together)."""
    members: dict[Hashable, list[int]] = {}
    for i, label in enumerate(clusters):
        members.setdefault(label, []).append(i)
    groups = list(members.values())
    return paired(lambda drawn: statistic(None if drawn is None else [i for g in drawn for i in groups[g]]),
                  len(groups), seed, *floors)


def clustered_difference(a: Sequence[float], b: Sequence[float], clusters: Sequence[Hashable], seed: int,
                         *floors: tuple[str, bool]) -> Measurement:
    """mean(a) - mean(b) over the same items, resampled by `clusters`."""
    if not len(a) == len(b) == len(clusters):
        raise ValueError(f"a, b and clusters must be as long, got {len(a)}, {len(b)} and {len(clusters)}")
    return clustered(lambda i: mean(a, i) - mean(b, i), clusters, seed, *floors)
