"""Deterministic article text for the default suite: plausible local-news prose, seeded by a slug.

``story("tram-delay")`` always returns the same Article. Each story is on a beat (council, sport,
health, culture) whose sentence bank it draws from: stories on different beats share no sentence,
stories on the same beat share many, so a scenario that needs two unrelated pages (a redirect to
an unrelated page) puts them on different beats.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any

PEOPLE = ("Maria Okafor", "Tomasz Lindqvist", "Priya Raman", "Daniel Achterberg", "Helen Mbeki",
          "Oscar Feldman", "Ruth Castellano", "Samuel Nakamura", "Ingrid Solberg", "Kwame Asante",
          "Leah Goldberg", "Victor Moreau", "Aisha Karimi", "Gareth Pryce")
ROLES = ("the transport minister", "the county's chief medical officer",
         "a spokesperson for the regional council", "the union's general secretary",
         "the head of the audit office", "a senior economist at the central bank", "the harbour master",
         "the chair of the planning committee", "the leader of the opposition group")
PLACES = ("Northbridge", "Eastfield", "Port Calder", "Wrenford", "the Aldmoor valley", "Lower Haven",
          "Kestrel Bay", "Marston", "Ashby Cross", "Greyfriars")
THINGS = ("the new tram line", "the flood barrier", "the hospital expansion", "the school meals scheme",
          "the bridge repairs", "the housing programme", "the water treatment works", "the wind farm",
          "the bus franchise", "the library closures", "the port dredging contract")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")

COUNCIL = (
    "{person}, {role}, said {thing} in {place} would cost {money} over {years} years.",
    "Officials in {place} confirmed on {weekday} that {thing} had been delayed by {months} months.",
    "According to figures released this week, {pct}% of residents in {place} support {thing}.",
    "Critics argue that {thing} has already gone {pct2}% over its original budget.",
    "The decision follows a {months}-month review led by {person}.",
    "{person} told reporters that the council had no intention of abandoning {thing}.",
    "Work on {thing} is expected to begin in {month} and to employ about {count} people.",
    "Residents of {place} have been invited to a public meeting on {weekday} evening.",
    "A report published by the audit office found {small} separate problems with the original contract.",
    "Opposition members called for an independent inquiry into the handling of {thing}.",
    "The scheme was first proposed in {year}, when {person} was {role}.",
    "Local businesses say the uncertainty has cost them an estimated {money} in lost trade.",
    "{person} declined to comment on the timing of the announcement.",
    "Engineers warned that further delays could push the completion date beyond {year2}.",
    "Campaigners in {place} have collected {count} signatures on a petition against {thing}.",
    "The regional assembly is due to vote on the final funding package in {month}.",
)
SPORT = (
    "{club} came from behind to beat {rival} {goals}-{small} in front of a crowd of {count}.",
    "The striker's second-half header was his {small}th goal of the season.",
    "Manager {person} admitted his side had been second best for most of the first hour.",
    "Injuries to two centre-backs forced a reshuffle at half-time.",
    "The result lifts {club} to {small}th in the table, {goals} points clear of the relegation places.",
    "Ticket prices at the ground have risen by {pct2}% since the club was promoted in {year}.",
    "A late penalty appeal was waved away by the referee after a lengthy video review.",
    "Supporters' groups are planning a protest before the next home fixture on {weekday}.",
    "The academy graduate, only nineteen, was named man of the match on his full debut.",
    "{rival} have now gone {small} matches without a win in all competitions.",
    "The club's owners confirmed that the stadium expansion will add {count} seats by {year2}.",
    "Fitness coaches expect the captain to return from his hamstring injury within a fortnight.",
)
HEALTH = (
    "Waiting times for routine surgery at {hospital} have reached {small} months, new data shows.",
    "Nurses at the hospital say staff shortages on night shifts are now the worst they can remember.",
    "The trust has recruited {count} agency staff this year at a cost of {money}.",
    "A pilot scheme offering same-day appointments at pharmacies will be extended to {place}.",
    "Dr {person}, a consultant in emergency medicine, said the winter plan was 'already under strain'.",
    "Vaccination rates among under-fives in the district have fallen to {pct}%.",
    "Patients' groups have asked the regulator to inspect the maternity unit again.",
    "The new diagnostic centre will carry out scans seven days a week from {month}.",
    "Hospital managers blamed the delays on a shortage of beds in care homes.",
    "Ambulances waited outside the emergency department for an average of {small} hours last month.",
    "The health board said it expected to clear the backlog of cancer referrals by {year2}.",
    "A spokesperson for the trust apologised to patients whose operations were cancelled.",
)
CULTURE = (
    "The festival, now in its {small}th year, sold {count} tickets in its first weekend.",
    "{person}'s new exhibition at the {venue} brings together paintings never shown in public before.",
    "Critics praised the production's spare staging and its unusually young cast.",
    "The {venue} will close for eighteen months from {month} for a restoration of its roof.",
    "Arts funding in the region has been cut by {pct2}% over the past decade.",
    "A crowdfunding appeal to save the old cinema raised {money} in under a week.",
    "The orchestra's season opens with a programme of Sibelius and a new commission.",
    "Local poets will read from their work at the library on {weekday} evenings throughout {month}.",
    "The novel, set in a fishing village in the 1950s, has been shortlisted for a national prize.",
    "Volunteers have catalogued more than {count} photographs donated to the town archive.",
    "The gallery's director said free admission had doubled visitor numbers since {year}.",
    "Rehearsals for the winter pantomime begin next week with a cast of local children.",
)
TOPICS = {"council": COUNCIL, "sport": SPORT, "health": HEALTH, "culture": CULTURE}
TITLES = {
    "council": "{place}: {person} defends {thing} as costs rise",
    "sport": "{club} fight back to beat {rival} in {place} derby",
    "health": "Patients at {hospital} face longest waits in a decade",
    "culture": "{venue} unveils a season of new work as funding falls",
}
CLUBS = ("Northbridge Athletic", "Port Calder Rovers", "Wrenford Town", "Kestrel Bay United", "Marston Albion")
HOSPITALS = ("St Anne's Hospital", "Eastfield General", "the Royal Calder Infirmary", "Greyfriars Community Hospital")
VENUES = ("Corn Exchange", "Harbour Arts Centre", "Theatre Royal", "Aldmoor Gallery", "Old Customs House")
SENTENCES = COUNCIL  # the default topic's sentences


@dataclass(frozen=True, slots=True)
class Article:
    """The main content of a page; every template renders it in its own markup."""

    slug: str
    title: str
    byline: str
    dateline: str  # "14 October 2026"
    paragraphs: tuple[str, ...]
    quote: str | None = None  # rendered as a blockquote after the first paragraph
    quote_by: str = ""
    correction: str | None = None
    table: tuple[tuple[str, ...], ...] = ()  # header row first (polls)
    standfirst: str = ""

    def but(self, **changes: Any) -> Article:
        """A copy with some fields changed: ``art.but(title="…")``."""
        return dataclasses.replace(self, **changes)


def _fill(rng: random.Random, template: str) -> str:
    club, rival = rng.sample(CLUBS, 2)
    return template.format(
        person=rng.choice(PEOPLE), role=rng.choice(ROLES), place=rng.choice(PLACES),
        thing=rng.choice(THINGS), weekday=rng.choice(WEEKDAYS), month=rng.choice(MONTHS),
        money=f"£{rng.randint(12, 980)} million", years=rng.randint(3, 15), months=rng.randint(4, 30),
        pct=rng.randint(31, 74), pct2=rng.randint(8, 60), count=f"{rng.randint(2, 90) * 100:,}",
        small=rng.randint(3, 19), year=rng.randint(2009, 2021), year2=rng.randint(2028, 2034),
        club=club, rival=rival, goals=rng.randint(2, 5), hospital=rng.choice(HOSPITALS), venue=rng.choice(VENUES),
    )


def topic_of(slug: str) -> str:
    """The beat a slug's story is on (stable; different beats share no sentences)."""
    return sorted(TOPICS)[random.Random(f"topic:{slug}").randrange(len(TOPICS))]


def paragraphs(seed: str, n: int = 5, per: int = 3, *, topic: str | None = None) -> tuple[str, ...]:
    """``n`` paragraphs of ``per`` sentences on ``topic``, always the same for the same seed."""
    rng = random.Random(f"prose:{seed}")
    bank = TOPICS[topic or topic_of(seed)]
    picks = rng.sample(bank, len(bank))  # each sentence at most once per story, while they last
    out = []
    for i in range(n):
        chosen = [picks[(i * per + j) % len(picks)] for j in range(per)]
        out.append(" ".join(_fill(rng, s) for s in chosen))
    return tuple(out)


def story(slug: str, *, n: int = 4, topic: str | None = None, **fields: Any) -> Article:
    """An Article seeded by ``slug``; ``fields`` override the generated ones."""
    topic = topic or topic_of(slug)
    rng = random.Random(f"story:{slug}")
    person, thing, place = rng.choice(PEOPLE), rng.choice(THINGS), rng.choice(PLACES)
    generated: dict[str, Any] = {
        "title": _fill(rng, TITLES[topic]).replace("{", "").replace("}", ""),
        "byline": rng.choice([p for p in PEOPLE if p != person]),
        "dateline": f"{rng.randint(1, 28)} {rng.choice(MONTHS)} 2026",
        "paragraphs": paragraphs(slug, n=n, topic=topic),
        "standfirst": f"Questions remain over who will pay for {thing} in {place}." if topic == "council" else
        f"{person} reports from {place}.",
    }
    generated.update(fields)
    return Article(slug=slug, **generated)


def headline_list(seed: str, n: int = 6) -> list[str]:
    """Headlines for a home page or a related-links box."""
    return [story(f"{seed}-{i}").title for i in range(n)]
