"""What a claim is, what measuring it gives, and the verdict: the effect, its interval and floors, and the control."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..stats import bootstrap, wilson
from ..validation import check_int


@dataclass(frozen=True)
class Measurement:
    """One measurement of an effect: its value, its 95% interval where it comes from sampled outcomes, and the
    floors that prove something was learnt at all (each a description and whether it holds)."""

    effect: float
    interval: tuple[float, float] | None = None
    floors: tuple[tuple[str, bool], ...] = field(default=())


def rate(outcomes: Sequence[bool], *floors: tuple[str, bool]) -> Measurement:
    """A share of successes, with its Wilson interval."""
    k, n = sum(map(bool, outcomes)), len(outcomes)
    return Measurement(k / n, wilson(k, n), tuple(floors))


def paired(statistic: Callable[[list[int] | None], float], n: int, seed: int,
           *floors: tuple[str, bool]) -> Measurement:
    """`statistic(indices)` on all n items (indices None) with its paired bootstrap interval over the items."""
    return Measurement(statistic(None), bootstrap(statistic, n, seed=seed), tuple(floors))


@dataclass(frozen=True)
class Claim:
    """One claim of the lectures, the experiment that measures it, and the control where its effect must vanish."""

    id: str
    lecture: int
    stage: int
    statement: str
    experiment: str
    effect: str
    threshold: float
    measure: Callable[[int], Measurement]
    control: str
    measure_control: Callable[[int], Measurement]
    at_most: bool = False  # the effect must stay at or below the threshold instead of reaching it
    not_shown: str = ""  # why this book cannot show it on every seed (set from not_shown.py; said in the verdict)

    @property
    def bound(self) -> str:
        """The threshold with its direction, e.g. "≥ 0.5" or "≤ 0.1"."""
        return f"{'≤' if self.at_most else '≥'} {self.threshold:g}"

    def passes(self, value: float) -> bool:
        """Whether `value` is on the right side of the threshold."""
        return value <= self.threshold if self.at_most else value >= self.threshold

    def verify(self, seed: int = 0) -> Verdict:
        """Measure the effect and the control on `seed`. The claim holds when the effect's interval clears the
        threshold (its lower end for a lower bound, its upper end for an upper one), every floor holds, and the
        control does not pass (its effect misses the threshold, or one of its floors fails)."""
        check_int("seed", seed, 0, 2**31 - 1)
        found, control = self.measure(seed), self.measure_control(seed)
        edge = found.effect if found.interval is None else found.interval[1 if self.at_most else 0]
        control_passes = self.passes(control.effect) and all(ok for _, ok in control.floors)
        holds = self.passes(edge) and all(ok for _, ok in found.floors) and not control_passes
        return Verdict(self, seed, float(found.effect), found.interval, float(control.effect), self.threshold,
                       holds, dict(found.floors), dict(control.floors), control_passes)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one claim on one seed: the effect and its interval, the control's effect, and whether it holds."""

    claim: Claim = field(repr=False)
    seed: int
    effect: float
    interval: tuple[float, float] | None
    control: float
    threshold: float
    holds: bool
    floors: dict[str, bool]
    control_floors: dict[str, bool]
    control_passes: bool

    @property
    def claim_id(self) -> str:
        """The id of the claim this verdict is about."""
        return self.claim.id

    def _parts(self) -> tuple:
        claim = self.claim
        interval = "" if self.interval is None else f" (95% interval {self.interval[0]:.2f} to {self.interval[1]:.2f})"
        floors = "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in self.floors.items())
        return claim, interval, floors

    def __str__(self) -> str:
        claim, interval, floors = self._parts()
        mark = "holds" if self.holds else "does NOT hold"
        return (f"Claim '{self.claim_id}' {mark} on seed {self.seed}: {claim.effect} = {self.effect:.3f}{interval}, "
                f"threshold {claim.bound}{'; ' + floors if floors else ''}; control ({claim.control}) = "
                f"{self.control:.3f}, which {'PASSES' if self.control_passes else 'fails'}.")

    def _repr_markdown_(self) -> str:
        claim, interval, floors = self._parts()
        if self.holds:
            mark = "✅ holds on this seed, ⚠️ but not on every seed `make verify` ran" if claim.not_shown else "✅ holds"
        else:
            mark = f"⚠️ not shown at this scale ({claim.not_shown})" if claim.not_shown else "❌ does not hold"
        return (f"**Verdict: {mark}.** *{claim.statement}* {claim.effect[0].upper()}{claim.effect[1:]}: "
                f"**{self.effect:.2f}**{interval}, threshold {claim.bound} (seed {self.seed})"
                f"{'; ' + floors if floors else ''}.  \n"
                f"**Control**, what would have made it fail: {claim.control}: **{self.control:.2f}**, "
                f"{'which passes the threshold too, so the effect is not shown' if self.control_passes else 'which does not pass'}.")
