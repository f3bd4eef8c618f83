import pytest

from jielong import worlds
from jielong.worlds import ATTRIBUTES, World, biographies, biography, fact_prompt, qa_pairs


def test_world_is_seeded_and_people_are_unique():
    a, b, c = World(seed=3), World(seed=3), World(seed=4)
    assert a.people == b.people
    assert a.people != c.people
    assert len({p.name for p in a.people}) == a.n_people == 400
    for p in a.people[:20]:
        assert all(p.fact(attr) for attr in ATTRIBUTES)


def test_diversity_gives_distinct_renderings_of_the_same_facts():
    person = World().people[0]
    texts = biographies([person], diversity=5)
    assert len(set(texts)) == 5
    for text in texts:
        for attr in ATTRIBUTES:
            assert person.fact(attr) in text
    # Five renderings use all five wordings of each fact.
    for attr in ATTRIBUTES:
        used = {i for t in texts for i, tpl in enumerate(worlds.TEMPLATES[attr])
                if tpl.format(name=person.name, value=person.fact(attr)) in t}
        assert used == set(range(5))
    assert biography(person, 7) == biography(person, 7)


def test_fact_prompt_is_a_prefix_of_the_canonical_sentence():
    person = World().people[1]
    prompt = fact_prompt(person, "birth_city")
    assert prompt == f"{person.name} was born in"


def test_qa_pairs_cover_every_fact():
    people = World(n_people=10).people
    qas = qa_pairs(people)
    assert len(qas) == 50
    assert qas[0].question.endswith("?") and qas[0].answer == people[0].fact(qas[0].attribute)


def test_split_is_disjoint():
    first, rest = World(n_people=10).split(0.5)
    assert len(first) == len(rest) == 5
    assert not {p.name for p in first} & {p.name for p in rest}


@pytest.mark.parametrize("call, knob", [
    (lambda: World(n_people=1), "n_people must be an integer from 2 to 1600"),
    (lambda: World(n_people=10**6), "n_people must be an integer from 2"),
    (lambda: World(seed=-1), "seed must be an integer from 0"),
    (lambda: biographies(World(n_people=5).people, diversity=0), "diversity must be an integer from 1 to 20"),
    (lambda: biographies(World(n_people=5).people, diversity=21), "diversity must be an integer from 1 to 20"),
    (lambda: qa_pairs(World(n_people=5).people, ("height",)), "attributes must be chosen from"),
    (lambda: World(n_people=5).split(1.5), "fraction must be between 0 and 1"),
    (lambda: worlds.junk_documents(-1), "n must be an integer from 0"),
    (lambda: worlds.spam_documents(-2), "n must be an integer from 0"),
    (lambda: worlds.near_duplicates([], 3), "texts must not be empty"),
    (lambda: biography(World(n_people=5).people[0], -1), "rendering must be an integer from 0"),
    (lambda: fact_prompt(World(n_people=5).people[0], "height"), "attribute must be one of"),
    (lambda: World(n_people=5).people[0].fact("shoe_size"), "attribute must be one of"),
    (lambda: worlds.kind_questions(-1), "seed must be an integer from 0"),
])
def test_bad_knobs_raise_clear_errors(call, knob):
    with pytest.raises(ValueError, match=knob):
        call()


def test_kind_questions_cover_every_value_once():
    qas = worlds.kind_questions(0)
    assert len(qas) == sum(len(worlds.VALUES[a]) for a in worlds.KINDS)
    assert len({q.question for q in qas}) == len(qas)
    assert {q.answer for q in qas} == set(worlds.KINDS.values())
    assert qas != worlds.kind_questions(1) and sorted(qas, key=str) == sorted(worlds.kind_questions(1), key=str)
    lima = next(q for q in qas if q.question == "What kind of thing is Lima?")
    assert lima.answer == "a city"
