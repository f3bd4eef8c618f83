"""Synthetic, seeded data: a world of fictional people, their biographies, questions and web junk.

Defined in the chapter "Stage 1: pre-training". Everything here is plain Python and reproducible from a seed.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property

from .validation import check_choice, check_int

ATTRIBUTES = ("birth_city", "birth_date", "university", "major", "employer")

FIRST_NAMES = (
    "Alice", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Gustav", "Hana", "Ivan", "Jamal",
    "Keiko", "Lars", "Mira", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tariq",
    "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zara", "Amara", "Boris", "Carmen", "Dmitri",
    "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kofi", "Leila", "Marco", "Nadia",
)
LAST_NAMES = (
    "Abbott", "Bianchi", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ishikawa",
    "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi",
    "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Almeida", "Brennan",
    "Costa", "Demir", "Esposito", "Ferreira", "Gallo", "Horvat", "Iyer", "Jovanovic", "Kim", "Lopez",
    "Mendes", "Novak",
)
VALUES = {
    "birth_city": (
        "Lagos", "Osaka", "Lima", "Oslo", "Cairo", "Dublin", "Hanoi", "Quito", "Riga", "Turin",
        "Accra", "Bergen", "Cusco", "Dakar", "Essen", "Fukuoka", "Gdansk", "Havana", "Izmir", "Jaipur",
        "Kyoto", "Leeds", "Madrid", "Nairobi", "Porto", "Seville", "Tunis", "Utrecht", "Valencia", "Zagreb",
    ),
    "university": (
        "Northfield University", "Lakeside College", "Eastmoor Institute", "Redcliff University",
        "Silverbay College", "Westbrook University", "Pinecrest Institute", "Harborview College",
        "Stonegate University", "Maplewood College", "Ironvale Institute", "Brightwater University",
        "Oakridge College", "Sunhill University", "Coldspring Institute", "Greenhaven College",
    ),
    "major": (
        "Physics", "Economics", "Biology", "History", "Chemistry", "Philosophy", "Geology", "Music",
        "Linguistics", "Architecture", "Statistics", "Astronomy", "Medicine", "Law", "Sociology", "Botany",
    ),
    "employer": (
        "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Soylent", "Cyberdyne",
        "Tyrell", "Wonka", "Stark", "Wayne", "Oscorp", "Gringotts", "Monarch", "Aperture",
    ),
}
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
YEARS = tuple(range(1960, 2000))

# Each attribute's sentences; the first one is the canonical prompt used to test fact completion.
TEMPLATES = {
    "birth_city": (
        "{name} was born in {value}.",
        "{name} came into the world in {value}.",
        "{name}'s birthplace is {value}.",
        "{name} is a native of {value}.",
        "The hometown of {name} is {value}.",
    ),
    "birth_date": (
        "{name} was born on {value}.",
        "{name}'s birthday falls on {value}.",
        "{name} celebrates a birthday on {value}.",
        "The birth date of {name} is {value}.",
        "{name} arrived on {value}.",
    ),
    "university": (
        "{name} studied at {value}.",
        "{name} graduated from {value}.",
        "{name} is an alumnus of {value}.",
        "{name} spent four years at {value}.",
        "The alma mater of {name} is {value}.",
    ),
    "major": (
        "{name} majored in {value}.",
        "{name} earned a degree in {value}.",
        "{name} chose to study {value}.",
        "The field of {name} is {value}.",
        "{name} took a diploma in {value}.",
    ),
    "employer": (
        "{name} works for {value}.",
        "{name} is employed by {value}.",
        "{name} has a job at {value}.",
        "The employer of {name} is {value}.",
        "{name} draws a salary from {value}.",
    ),
}
QUESTIONS = {
    "birth_city": "Where was {name} born?",
    "birth_date": "When was {name} born?",
    "university": "Which university did {name} attend?",
    "major": "What did {name} study?",
    "employer": "Which company does {name} work for?",
}
MAX_PEOPLE = len(FIRST_NAMES) * len(LAST_NAMES)
MAX_DIVERSITY = 20


@dataclass(frozen=True)
class Person:
    """One fictional person and the five facts about them."""

    name: str
    birth_city: str
    birth_date: str
    university: str
    major: str
    employer: str

    def fact(self, attribute: str) -> str:
        """The value of one attribute, e.g. `person.fact("birth_city")`."""
        return getattr(self, check_choice("attribute", attribute, ATTRIBUTES))


@dataclass(frozen=True)
class QA:
    """A question about one fact of one person, and its answer."""

    person: str
    attribute: str
    question: str
    answer: str


@dataclass(frozen=True)
class World:
    """A seeded population of fictional people; the same seed gives the same world."""

    seed: int = 0
    n_people: int = 400

    def __post_init__(self) -> None:
        check_int("seed", self.seed, 0, 2**31 - 1)
        check_int("n_people", self.n_people, 2, MAX_PEOPLE)

    @cached_property
    def people(self) -> tuple[Person, ...]:
        """Everyone in the world, in a fixed order."""
        rng = random.Random(f"world-{self.seed}")
        names = [f"{f} {l}" for f in FIRST_NAMES for l in LAST_NAMES]
        names = rng.sample(names, self.n_people)
        people = []
        for name in names:
            date = f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.choice(YEARS)}"
            facts = {a: rng.choice(v) for a, v in VALUES.items()}
            people.append(Person(name=name, birth_date=date, **facts))
        return tuple(people)

    def split(self, fraction: float = 0.5) -> tuple[tuple[Person, ...], tuple[Person, ...]]:
        """The people cut in two: the first `fraction` and the rest."""
        if not 0.0 < fraction < 1.0:
            raise ValueError(f"fraction must be between 0 and 1 (exclusive), got {fraction!r}")
        cut = max(1, min(self.n_people - 1, round(self.n_people * fraction)))
        return self.people[:cut], self.people[cut:]


def biography(person: Person, rendering: int) -> str:
    """One rendering of a person's biography: a wording for each fact, in a shuffled order.

    Rendering 0 keeps the canonical order with varied wordings; every rendering is reproducible.
    """
    check_int("rendering", rendering, 0, 10_000)
    rng = random.Random(f"{person.name}-{rendering}")
    sentences = []
    for i, attribute in enumerate(ATTRIBUTES):
        templates = TEMPLATES[attribute]
        # Rendering r uses template (r + offset) for each attribute, so d renderings cover min(d, 5) wordings.
        offset = (sum(map(ord, person.name)) + i) % len(templates)
        template = templates[(rendering + offset) % len(templates)]
        sentences.append(template.format(name=person.name, value=person.fact(attribute)))
    if rendering > 0:
        rng.shuffle(sentences)
    return " ".join(sentences)


def biographies(people: tuple[Person, ...] | list[Person], diversity: int = 5, start: int = 0) -> list[str]:
    """`diversity` renderings of each person's biography (renderings start..start+diversity-1)."""
    check_int("diversity", diversity, 1, MAX_DIVERSITY)
    check_int("start", start, 0, 10_000)
    return [biography(p, r) for r in range(start, start + diversity) for p in people]


def fact_prompt(person: Person, attribute: str) -> str:
    """The canonical sentence with its value cut off, e.g. "Alice Kim was born in"."""
    check_choice("attribute", attribute, ATTRIBUTES)
    head = TEMPLATES[attribute][0].format(name=person.name, value="\0")
    return head.split("\0")[0].rstrip()


def qa_pairs(people: tuple[Person, ...] | list[Person], attributes: tuple[str, ...] = ATTRIBUTES) -> list[QA]:
    """One question per person and attribute, answered by the bare value."""
    unknown = set(attributes) - set(ATTRIBUTES)
    if unknown:
        raise ValueError(f"attributes must be chosen from {ATTRIBUTES}; got unknown {sorted(unknown)}")
    return [
        QA(p.name, a, QUESTIONS[a].format(name=p.name), p.fact(a))
        for p in people
        for a in attributes
    ]


# --- a second task, for the forgetting experiment -----------------------------------------------

KINDS = {"birth_city": "a city", "university": "a university", "major": "a subject", "employer": "a company"}


def kind_questions(seed: int = 0) -> list[QA]:
    """Task B of the forgetting experiment: "What kind of thing is Lima?" answered "a city", one question for each
    city, university, subject and company of the world, in seeded order."""
    check_int("seed", seed, 0, 2**31 - 1)
    qas = [QA("", "kind", f"What kind of thing is {value}?", kind) for a, kind in KINDS.items() for value in VALUES[a]]
    random.Random(f"kinds-{seed}").shuffle(qas)
    return qas


# --- web junk for the data-cleaning experiment -------------------------------------------------

_BOILERPLATE = (
    "<div class=nav> Home | About | Contact </div>", "&nbsp; &copy; 2003 all rights reserved",
    "Cookie settings Accept all Reject all", "404 page not found", "<script>var x=1;</script>",
)
_SPAM_WORDS = ("BUY", "CHEAP", "WATCHES", "FREE", "CLICK", "HERE", "WIN", "NOW", "BEST", "DEAL", "PILLS", "CASINO")


def junk_documents(n: int, seed: int = 0) -> list[str]:
    """Machine-made noise: random characters and web boilerplate."""
    check_int("n", n, 0, 1_000_000)
    rng = random.Random(f"junk-{seed}")
    docs = []
    for _ in range(n):
        if rng.random() < 0.5:
            chars = "abcdefghijklmnopqrstuvwxyz0123456789#%&*@{}[]<>/=;:"
            docs.append("".join(rng.choice(chars + " ") for _ in range(rng.randint(30, 80))))
        else:
            docs.append(" ".join(rng.choice(_BOILERPLATE) for _ in range(rng.randint(2, 5))))
    return docs


def spam_documents(n: int, seed: int = 0) -> list[str]:
    """Advertising spam: a few loud words repeated many times."""
    check_int("n", n, 0, 1_000_000)
    rng = random.Random(f"spam-{seed}")
    return [" ".join(rng.choice(_SPAM_WORDS) for _ in range(rng.randint(15, 40))) + "!" for _ in range(n)]


def near_duplicates(texts: list[str], n: int, seed: int = 0) -> list[str]:
    """Copies of a handful of texts with their spacing and punctuation disturbed."""
    check_int("n", n, 0, 1_000_000)
    if n and not texts:
        raise ValueError("texts must not be empty when n > 0")
    rng = random.Random(f"dup-{seed}")
    sources = rng.sample(texts, min(5, len(texts))) if texts else []
    out = []
    for _ in range(n):
        text = rng.choice(sources).replace(". ", rng.choice([".  ", " . ", "; ", ". "]))
        out.append(text + rng.choice(["", " ", " ."]))
    return out
