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


def test_the_books_chains_hold_every_chapter_model_once_each_after_those_it_is_built_from():
    chains = jl.warm.BOOK_CHAINS
    names = [name for chain in chains for name in chain]
    panel_only = {"diversity-2 base model (举一反三)", "diversity-3 base model (举一反三)"}
    assert sorted(names) == sorted(set(jl.warm.MODELS) - panel_only)
    built_from = {"stage-3 policy (RLHF)": jl.warm.DEFAULT_BASE, "teacher model (imitation)": jl.warm.DEFAULT_BASE,
                  "task-A model (forgetting)": jl.warm.DEFAULT_BASE,
                  "stage-3 preference pairs (RLHF)": "stage-3 policy (RLHF)",
                  "reward model (RLHF)": "stage-3 preference pairs (RLHF)"}
    for model, source in built_from.items():
        chain = next(c for c in chains if model in c)
        # in the same chain, before it (a model built from another chain's would wait on that chain's lock)
        assert source in chain and chain.index(source) < chain.index(model), (model, source)
