"""The claims this book cannot show on every seed, and why: a judgment over `make verify`'s record.

A mark says nothing about how a verdict is computed, so it lives apart from the claims' modules, whose source is part
of every verdict's code version: writing a mark here leaves the recorded verdicts current. (The marks written before
this module, RL_NOT_SHOWN and the others, stay in their claims' modules until those modules next change.)
"""
from __future__ import annotations

NOT_SHOWN: dict[str, str] = {}
