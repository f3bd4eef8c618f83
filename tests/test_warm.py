"""jielong.warm: every model the chapters load, trained once into the cache (Binder's postBuild runs it)."""
import pytest

import jielong as jl
import jielong.warm  # noqa: F401  (the package does not import it: it runs as a program)


def test_unknown_model_names_are_refused_before_any_work():
    with pytest.raises(ValueError, match="names must be models of jielong.warm.MODELS"):
        jl.warm.warm(["the largest model"])


def test_no_names_trains_nothing():
    assert jl.warm.warm([]) == {}


@pytest.mark.slow
def test_warm_trains_or_loads_every_model_and_a_second_call_writes_nothing():
    assert list(jl.warm.warm()) == list(jl.warm.MODELS)
    files = {p: p.stat().st_mtime_ns for p in jl.cache.cache_dir().rglob("*") if p.is_file()}
    assert list(jl.warm.warm()) == list(jl.warm.MODELS)
    assert {p: p.stat().st_mtime_ns for p in jl.cache.cache_dir().rglob("*") if p.is_file()} == files
