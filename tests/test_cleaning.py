import pytest

from jielong.cleaning import clean, deduplicate, is_junk, is_spam, normalise
from jielong.experiments import dirty_corpus
from jielong.worlds import World, biographies, junk_documents, near_duplicates, spam_documents


def test_each_filter_catches_its_own_dirt_and_spares_clean_text():
    bios = biographies(World(n_people=30).people, 3)
    assert not any(map(is_junk, bios)) and not any(map(is_spam, bios))
    assert all(map(is_junk, junk_documents(50)))
    assert all(map(is_spam, spam_documents(50)))
    assert not any(map(is_junk, spam_documents(50)))
    assert len(deduplicate(near_duplicates(bios, 200))) <= 5
    assert deduplicate(bios) == bios


def test_clean_recovers_exactly_the_biographies():
    world = World(n_people=20)
    dirty = dirty_corpus(world)
    bios = set(biographies(world.people, 5))
    assert len(dirty) == 4 * len(bios)
    kept = clean(dirty)
    assert len(kept) == len(bios) and {normalise(t) for t in kept} == {normalise(b) for b in bios}
    assert len(clean(dirty, ())) == len(dirty)
    assert len(clean(dirty, ("junk",))) < len(dirty)


def test_unknown_filter():
    with pytest.raises(ValueError, match="filters must be chosen from 'junk', 'spam', 'duplicates'"):
        clean(["a."], ("typos",))
