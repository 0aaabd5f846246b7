"""Synthetic events with a planted ground truth, for the matching benchmarks.

``generate_event(n, seed=0, ...) -> SyntheticEvent``

What is planted: a set of *complementary pairs* (a, b) from different organizations. For
each planted pair we pick a niche topic and two resources that flow in opposite directions
(a seeks what b offers and b seeks what a offers, e.g. a student seeking an internship in
"battery chemistry" and offering "data analysis skills", an employer offering the
internship and seeking such skills). The pair gets, with some omission noise:

* the niche topic as an interest tag (each side independently keeps the tag with
  probability ``tag_keep``; the topic always appears, often paraphrased, in their texts),
* the resource tags in offers/seeks (each kept with probability ``tag_keep``),
* offer/seek sentences naming resource and topic (topic by a paraphrase half the time).

Noise everyone gets: 1-3 interests drawn from a Zipf-popular topic distribution, 0-2 random
role-plausible offers and seeks with sentences about random topics, and a goals sentence.
"Popular" hubs (``hub_share``) offer many resources on many topics; "unpopular" attendees
(``sparse_share``) have one interest, nothing else, and no planted partner. Organizations:
universities for staff and students, companies for employers, sizes Zipf-like, ~3% of
students without an organization. The planted pairs are the ground truth for
precision/recall; nothing else in the data marks them.

Deterministic for a given (n, seed, parameters): uses ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eventnet.core.matching import Profile

# topic -> paraphrases used in free text (first entry is the tag label itself)
TOPICS: dict[str, tuple[str, ...]] = {
    "machine learning": ("machine learning", "statistical learning", "neural networks"),
    "data science": ("data science", "data analytics", "analysing large datasets"),
    "circular economy": ("circular economy", "recycling and reuse of materials"),
    "renewable energy": ("renewable energy", "solar and wind power"),
    "battery chemistry": ("battery chemistry", "electrochemical energy storage"),
    "public health": ("public health", "population health", "epidemiology"),
    "supply chain management": ("supply chain management", "logistics networks"),
    "cybersecurity": ("cybersecurity", "information security", "protecting networks"),
    "urban planning": ("urban planning", "city design", "sustainable cities"),
    "marine biology": ("marine biology", "ocean ecosystems"),
    "robotics": ("robotics", "autonomous robots", "industrial automation"),
    "computational linguistics": ("computational linguistics", "natural language processing"),
    "food technology": ("food technology", "food processing", "alternative proteins"),
    "water treatment": ("water treatment", "wastewater purification", "clean water"),
    "financial technology": ("financial technology", "fintech", "digital payments"),
    "game design": ("game design", "video game development"),
    "nursing": ("nursing", "patient care", "clinical nursing"),
    "tourism management": ("tourism management", "hospitality and travel"),
    "quantum computing": ("quantum computing", "quantum algorithms"),
    "materials science": ("materials science", "advanced materials", "composites"),
    "climate adaptation": ("climate adaptation", "climate resilience"),
    "forestry": ("forestry", "forest management", "timber"),
    "early childhood education": ("early childhood education", "kindergarten teaching"),
    "intercultural communication": ("intercultural communication", "cross-cultural teams"),
    "user experience design": ("user experience design", "UX research", "usability"),
    "cloud computing": ("cloud computing", "distributed systems", "cloud infrastructure"),
    "biotechnology": ("biotechnology", "bioprocess engineering", "synthetic biology"),
    "sports science": ("sports science", "exercise physiology"),
    "social work": ("social work", "community services"),
    "architecture": ("architecture", "building design"),
    "agriculture": ("agriculture", "farming", "crop science"),
    "entrepreneurship": ("entrepreneurship", "startups", "founding companies"),
    "mechanical engineering": ("mechanical engineering", "machine design"),
    "electrical engineering": ("electrical engineering", "power electronics"),
    "software testing": ("software testing", "quality assurance of software"),
    "digital marketing": ("digital marketing", "online advertising", "social media marketing"),
    "human resources": ("human resources", "recruitment and people management"),
    "international law": ("international law", "human rights law"),
    "music technology": ("music technology", "audio engineering"),
    "medical imaging": ("medical imaging", "radiology", "MRI analysis"),
    "pharmacology": ("pharmacology", "drug development"),
    "arctic research": ("arctic research", "polar science"),
    "welfare technology": ("welfare technology", "assistive technology for the elderly"),
    "smart grids": ("smart grids", "electricity distribution networks"),
    "hydrogen economy": ("hydrogen economy", "green hydrogen"),
    "blockchain": ("blockchain", "distributed ledgers"),
    "computer vision": ("computer vision", "image recognition"),
    "mobile development": ("mobile development", "smartphone apps"),
    "construction management": ("construction management", "building projects"),
    "journalism": ("journalism", "news media"),
    "psychology": ("psychology", "behavioural science"),
    "bioinformatics": ("bioinformatics", "genome analysis"),
    "textile design": ("textile design", "sustainable fashion"),
    "paper industry": ("paper industry", "pulp and paper"),
    "maritime logistics": ("maritime logistics", "shipping and ports"),
    "edtech": ("edtech", "educational technology", "digital learning tools"),
    "gerontology": ("gerontology", "ageing research"),
    "accounting": ("accounting", "auditing"),
    "embedded systems": ("embedded systems", "microcontroller programming"),
    "geoinformatics": ("geoinformatics", "GIS mapping", "spatial data"),
}

# resource -> (offering roles, seeking roles, offer phrase, seek phrase)
RESOURCES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str]] = {
    "internships": (
        ("employer",),
        ("student",),
        "We offer internships in {t}.",
        "I am looking for an internship in {t}.",
    ),
    "thesis topics": (
        ("employer", "staff"),
        ("student",),
        "We can provide master's thesis topics on {t}.",
        "I need a topic for my master's thesis about {t}.",
    ),
    "graduate jobs": (
        ("employer",),
        ("student",),
        "We are hiring graduates to work on {t}.",
        "I want a full-time job in {t} after graduation.",
    ),
    "mentoring": (
        ("employer", "staff"),
        ("student",),
        "I can mentor international students interested in {t}.",
        "I would like a mentor from the field of {t}.",
    ),
    "research collaboration": (
        ("staff", "employer"),
        ("staff", "employer"),
        "Open to joint research projects on {t}.",
        "Seeking partners for a research project in {t}.",
    ),
    "industry projects": (
        ("employer",),
        ("staff",),
        "We bring real company cases on {t} for student projects.",
        "Looking for companies to give course projects on {t}.",
    ),
    "guest lectures": (
        ("employer",),
        ("staff",),
        "Our experts can give guest lectures about {t}.",
        "I want practitioners to give guest lectures on {t}.",
    ),
    "research funding": (
        ("employer",),
        ("staff",),
        "We fund applied research in {t}.",
        "We need funding for our research on {t}.",
    ),
    "datasets": (
        ("employer",),
        ("staff", "student"),
        "We can share real-world data about {t}.",
        "I need real data from {t} for my research.",
    ),
    "applied research expertise": (
        ("staff",),
        ("employer",),
        "Our research group has expertise in {t}.",
        "We need academic expertise in {t}.",
    ),
    "student recruitment channels": (
        ("staff",),
        ("employer",),
        "I can connect companies with our students in {t}.",
        "We want to reach students who study {t}.",
    ),
    "data analysis skills": (
        ("student",),
        ("employer", "staff"),
        "I can analyse data on {t} with Python and statistics.",
        "We need someone to analyse data about {t}.",
    ),
    "language skills": (
        ("student",),
        ("employer",),
        "I speak several languages and know {t} markets abroad.",
        "We need multilingual people for {t} in international markets.",
    ),
    "part-time work": (
        ("student",),
        ("employer",),
        "I am available for part-time work in {t}.",
        "We have part-time tasks in {t} for students.",
    ),
    "teaching exchange": (
        ("staff",),
        ("staff",),
        "I can host visiting lecturers in {t}.",
        "I want to teach abroad in {t} for a semester.",
    ),
    "study buddies": (
        ("student",),
        ("student",),
        "Happy to share study notes about {t}.",
        "Looking for study partners in {t}.",
    ),
    "startup support": (
        ("staff", "employer"),
        ("student",),
        "We coach student startups in {t}.",
        "I have a startup idea in {t} and need coaching.",
    ),
}

GOALS = {
    "student": "I want to build a career in {t} in this country.",
    "staff": "I want to strengthen our links between teaching of {t} and working life.",
    "employer": "We want to find future talent and partners in {t}.",
}

ROLE_SHARES = {"staff": 0.30, "student": 0.45, "employer": 0.25}
# role pair of a planted pair (sorted) -> share
PLANTED_ROLE_PAIRS = {
    ("employer", "student"): 0.40,
    ("employer", "staff"): 0.32,
    ("staff", "student"): 0.18,
    ("staff", "staff"): 0.05,
    ("employer", "employer"): 0.03,
    ("student", "student"): 0.02,
}


@dataclass
class SyntheticEvent:
    profiles: list[Profile]
    planted: set[frozenset[int]]
    partners: dict[int, set[int]] = field(default_factory=dict)
    hubs: set[int] = field(default_factory=set)
    sparse: set[int] = field(default_factory=set)
    seed: int = 0


def _flows(giver: str, taker: str) -> list[str]:
    return [r for r, (off, seek, _o, _s) in RESOURCES.items() if giver in off and taker in seek]


def generate_event(
    n: int,
    seed: int = 0,
    *,
    hub_share: float = 0.05,
    sparse_share: float = 0.10,
    tag_keep: float = 0.8,
    degree_probs: tuple[float, float, float] = (0.15, 0.55, 0.30),
    noconsent_share: float = 0.0,
) -> SyntheticEvent:
    """Generate ``n`` attendees with planted complementary pairs (see module docstring)."""
    rng = np.random.default_rng(seed)
    topics = list(TOPICS)
    roles_list = list(ROLE_SHARES)
    roles = rng.choice(roles_list, size=n, p=list(ROLE_SHARES.values()))

    # organizations: Zipf-like sizes
    n_uni = max(2, n // 60)
    n_comp = max(2, n // 25)
    uni_p = 1.0 / np.arange(1, n_uni + 1) ** 0.8
    uni_p /= uni_p.sum()
    comp_p = 1.0 / np.arange(1, n_comp + 1) ** 0.8
    comp_p /= comp_p.sum()
    org: list[int | None] = []
    for r in roles:
        if r == "employer":
            org.append(10_000 + int(rng.choice(n_comp, p=comp_p)))
        elif r == "student" and rng.random() < 0.03:
            org.append(None)
        else:
            org.append(1 + int(rng.choice(n_uni, p=uni_p)))

    # popular topics are Zipf-distributed; niche topics are drawn uniformly
    topic_p = 1.0 / np.arange(1, len(topics) + 1) ** 1.1
    topic_p /= topic_p.sum()
    perm = rng.permutation(len(topics))
    topic_p = topic_p[np.argsort(perm)]

    kind = np.array(["normal"] * n, dtype=object)
    u = rng.random(n)
    kind[u < hub_share] = "hub"
    kind[(u >= hub_share) & (u < hub_share + sparse_share)] = "sparse"

    interests: list[set[str]] = [set() for _ in range(n)]
    offers: list[set[str]] = [set() for _ in range(n)]
    seeks: list[set[str]] = [set() for _ in range(n)]
    offer_txt: list[list[str]] = [[] for _ in range(n)]
    seek_txt: list[list[str]] = [[] for _ in range(n)]

    def phrase(topic: str) -> str:
        alts = TOPICS[topic]
        return topic if rng.random() < 0.5 else alts[int(rng.integers(len(alts)))]

    for i in range(n):
        r = roles[i]
        if kind[i] == "sparse":
            interests[i].add(topics[int(rng.choice(len(topics), p=topic_p))])
            continue
        n_int = int(rng.integers(6, 10)) if kind[i] == "hub" else int(rng.integers(1, 4))
        for t in rng.choice(len(topics), size=n_int, replace=False, p=topic_p):
            interests[i].add(topics[int(t)])
        can_offer = [x for x, (off, _s, _o, _k) in RESOURCES.items() if r in off]
        can_seek = [x for x, (_f, sk, _o, _k) in RESOURCES.items() if r in sk]
        n_off = int(rng.integers(3, 6)) if kind[i] == "hub" else int(rng.integers(0, 3))
        n_seek = int(rng.integers(0, 3))
        for res in rng.choice(can_offer, size=min(n_off, len(can_offer)), replace=False):
            offers[i].add(str(res))
            t = topics[int(rng.choice(len(topics), p=topic_p))]
            offer_txt[i].append(RESOURCES[str(res)][2].format(t=phrase(t)))
        for res in rng.choice(can_seek, size=min(n_seek, len(can_seek)), replace=False):
            seeks[i].add(str(res))
            t = topics[int(rng.choice(len(topics), p=topic_p))]
            seek_txt[i].append(RESOURCES[str(res)][3].format(t=phrase(t)))

    # ---- planted complementary pairs
    degree = rng.choice(3, size=n, p=list(degree_probs))
    degree[kind == "sparse"] = 0
    remaining = degree.copy()
    by_role = {r: [i for i in range(n) if roles[i] == r] for r in roles_list}
    planted: set[frozenset[int]] = set()
    pair_keys = list(PLANTED_ROLE_PAIRS)
    pair_p = np.array(list(PLANTED_ROLE_PAIRS.values()))
    for a in rng.permutation(n).tolist():
        tries = 0
        while remaining[a] > 0 and tries < 20:
            tries += 1
            ra = roles[a]
            options = [(i, p) for i, p in enumerate(pair_p) if ra in pair_keys[i]]
            w = np.array([p for _, p in options])
            key = pair_keys[options[int(rng.choice(len(options), p=w / w.sum()))][0]]
            rb = key[1] if key[0] == ra else key[0]
            pool = by_role[rb]
            b = pool[int(rng.integers(len(pool)))]
            if (
                b == a
                or remaining[b] <= 0
                or (org[a] is not None and org[a] == org[b])
                or frozenset((a, b)) in planted
            ):
                continue
            f_ab, f_ba = _flows(rb, ra), _flows(ra, rb)  # b gives to a, a gives to b
            if not f_ab or not f_ba:
                continue
            niche = topics[int(rng.integers(len(topics)))]
            r1 = f_ab[int(rng.integers(len(f_ab)))]
            r2 = f_ba[int(rng.integers(len(f_ba)))]
            for person in (a, b):
                if rng.random() < tag_keep:
                    interests[person].add(niche)
            if rng.random() < tag_keep:
                seeks[a].add(r1)
            if rng.random() < tag_keep:
                offers[b].add(r1)
            if rng.random() < tag_keep:
                seeks[b].add(r2)
            if rng.random() < tag_keep:
                offers[a].add(r2)
            seek_txt[a].append(RESOURCES[r1][3].format(t=phrase(niche)))
            offer_txt[b].append(RESOURCES[r1][2].format(t=phrase(niche)))
            seek_txt[b].append(RESOURCES[r2][3].format(t=phrase(niche)))
            offer_txt[a].append(RESOURCES[r2][2].format(t=phrase(niche)))
            planted.add(frozenset((a, b)))
            remaining[a] -= 1
            remaining[b] -= 1

    profiles = []
    ids = [1000 + i for i in range(n)]
    for i in range(n):
        r = str(roles[i])
        order_o = rng.permutation(len(offer_txt[i])).tolist()
        order_s = rng.permutation(len(seek_txt[i])).tolist()
        goal_topic = sorted(interests[i])[int(rng.integers(len(interests[i])))]
        goals = "" if kind[i] == "sparse" else GOALS[r].format(t=phrase(goal_topic))
        profiles.append(
            Profile(
                id=ids[i],
                role=r,
                organization_id=org[i],
                interests=frozenset(interests[i]),
                offers=frozenset(offers[i]),
                seeks=frozenset(seeks[i]),
                offer_text=" ".join(offer_txt[i][j] for j in order_o),
                seek_text=" ".join(seek_txt[i][j] for j in order_s),
                goals=goals,
                consent_profile=bool(rng.random() >= noconsent_share),
            )
        )
    planted_ids = {frozenset(ids[i] for i in pair) for pair in planted}
    partners: dict[int, set[int]] = {pid: set() for pid in ids}
    for pair in planted_ids:
        a, b = tuple(pair)
        partners[a].add(b)
        partners[b].add(a)
    return SyntheticEvent(
        profiles=profiles,
        planted=planted_ids,
        partners=partners,
        hubs={ids[i] for i in range(n) if kind[i] == "hub"},
        sparse={ids[i] for i in range(n) if kind[i] == "sparse"},
        seed=seed,
    )
