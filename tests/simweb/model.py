"""The simulated web's records: responses, sites, scenarios (with ground truth) and suites.

A ``Scenario`` is one watched URL on one ``Site``: ``respond(step)`` says what the server answers
at each step, ``expected`` says which events archiver must report when it checks at that step
(having checked at every earlier step too). Everything is a pure function of the step number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    """What a scenario exercises; an expected event's category follows from its type (TYPE_CATEGORY)."""

    EDIT = "edit"
    TAKEDOWN = "takedown"
    NOISE = "noise"  # must produce no event at all
    TRANSIENT = "transient"
    MOVE = "move"
    RESTORE = "restore"


#: The category an event of each interface type is scored in.
TYPE_CATEGORY: dict[str, Category] = {
    "edited": Category.EDIT,
    "removed": Category.TAKEDOWN,
    "unreachable": Category.TRANSIENT,
    "moved": Category.MOVE,
    "restored": Category.RESTORE,
}


class Unknown(StrEnum):
    """How a site answers a path it does not have (and the soft-404 probe archiver sends)."""

    NOT_FOUND = "404"  # a real 404 with the site's not-found page
    SOFT_404 = "soft-404"  # the site's not-found page, served with 200
    REDIRECT_HOME = "redirect-home"  # 302 to "/"
    CATCH_ALL = "catch-all"  # 200 with the home page's content


class Action(StrEnum):
    """What the server does with the connection."""

    RESPOND = "respond"
    UNKNOWN = "unknown"  # answer as the site answers a path it does not have
    RESET = "reset"  # close the connection with a TCP RST, no response at all


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP answer. ``slow`` delays it by the server's ``slow_seconds`` (a read timeout)."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    action: Action = Action.RESPOND
    slow: bool = False

    @classmethod
    def html(cls, body: str, status: int = 200, headers: Sequence[tuple[str, str]] = ()) -> Response:
        return cls(status, (("Content-Type", "text/html; charset=utf-8"), *headers), body.encode("utf-8"))

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: Sequence[tuple[str, str]] = ()) -> Response:
        data = json.dumps(obj, indent=2, ensure_ascii=False).encode("utf-8")
        return cls(status, (("Content-Type", "application/json; charset=utf-8"), *headers), data)

    @classmethod
    def data(cls, body: bytes, content_type: str, status: int = 200) -> Response:
        return cls(status, (("Content-Type", content_type),), body)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, (("Location", location), ("Content-Type", "text/html; charset=utf-8")),
                   f'<p>Redirecting to <a href="{location}">{location}</a></p>'.encode())

    def with_status(self, status: int, *headers: tuple[str, str]) -> Response:
        return Response(status, (*self.headers, *headers), self.body, self.action, self.slow)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


#: Answer as the site answers a path it does not have (its Unknown policy).
GONE = Response(action=Action.UNKNOWN)
#: Reset the connection without answering: archiver sees a connection error.
RESET = Response(action=Action.RESET)

Page = Callable[[int], Response]
PageLike = Page | Response


def page(value: PageLike) -> Page:
    """A step → Response function from a fixed Response or such a function."""
    if isinstance(value, Response):
        fixed = value

        def always(step: int) -> Response:
            return fixed

        return always
    return value


def phases(table: Mapping[int, PageLike]) -> Page:
    """A timeline: ``phases({0: a, 3: b})`` serves ``a`` at steps 0-2 and ``b`` from step 3 on.

    >>> p = phases({0: GONE, 2: RESET})
    >>> [p(s).action.value for s in range(4)]
    ['unknown', 'unknown', 'reset', 'reset']
    """
    starts = sorted(table)
    if not starts or starts[0] != 0:
        raise ValueError("a timeline must start at step 0")
    pages = {s: page(table[s]) for s in starts}

    def respond(step: int) -> Response:
        start = max(s for s in starts if s <= step) if step >= 0 else 0
        return pages[start](step)

    return respond


@dataclass(frozen=True, eq=False)
class Site:
    """One origin: its own loopback address, home page "/", not-found page and unknown-path policy.

    ``parked_from``: from that step on every path answers the ``parking`` page (a parked domain).
    ``offline``: steps at which nothing listens on the site's address (connection refused).
    """

    name: str
    home: Page
    not_found: Callable[[str, int], Response]  # the site's "not found" page for a path, status 404
    unknown: Unknown = Unknown.NOT_FOUND
    parked_from: int | None = None
    parking: Callable[[str], Response] | None = None
    offline: frozenset[int] = frozenset()

    def answer_unknown(self, path: str, step: int) -> Response:
        """What the site serves for a path it does not have, per its policy."""
        if self.unknown is Unknown.NOT_FOUND:
            return self.not_found(path, step).with_status(404)
        if self.unknown is Unknown.SOFT_404:
            return self.not_found(path, step).with_status(200)
        if self.unknown is Unknown.REDIRECT_HOME:
            return Response.redirect("/", 302)
        return self.home(step)

    def is_parked(self, step: int) -> bool:
        return self.parked_from is not None and step >= self.parked_from


Expected = tuple[str, str | None]  # (event type, reason or None for "any reason")


@dataclass(frozen=True, eq=False)
class Scenario:
    """A watched URL with its timeline and ground truth.

    ``expected[s]`` lists the events archiver must report when checking at step ``s``, as
    ``(type, reason)`` with the interface's words; reason ``None`` accepts any reason.
    ``routes`` serves further paths of the scenario (a move's target, a redirect's target).
    """

    name: str
    site: Site
    path: str
    respond: Page  # or a Response served at every step
    categories: frozenset[Category]
    expected: dict[int, list[Expected]] = field(default_factory=dict)
    description: str = ""
    routes: Mapping[str, Page] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A fixed Response is accepted wherever a step function is: it is served at every step.
        object.__setattr__(self, "respond", page(self.respond))
        object.__setattr__(self, "routes", {path: page(p) for path, p in self.routes.items()})

    def all_routes(self) -> dict[str, Page]:
        return {self.path: self.respond, **self.routes}


@dataclass(frozen=True, eq=False)
class Suite(Sequence[Scenario]):
    """A named set of scenarios run over steps 0..``steps`` (step 0 is the baseline)."""

    name: str
    scenarios: tuple[Scenario, ...]
    steps: int = 8

    def __post_init__(self) -> None:
        names = [s.name for s in self.scenarios]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"duplicate scenario names in suite {self.name}: {sorted(dupes)}")
        seen: dict[tuple[str, str], str] = {}
        for sc in self.scenarios:
            for path in sc.all_routes():
                key = (sc.site.name, path)
                if path == "/" or key in seen:
                    raise ValueError(f"{sc.name}: path {path} on site {sc.site.name} is taken")
                seen[key] = sc.name
            for step, events in sc.expected.items():
                for kind, _reason in events:
                    if kind not in TYPE_CATEGORY or not 0 < step <= self.steps:
                        raise ValueError(f"{sc.name}: bad expected event {kind!r} at step {step}")

    def __len__(self) -> int:
        return len(self.scenarios)

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.scenarios)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            for sc in self.scenarios:
                if sc.name == key:
                    return sc
            raise KeyError(key)
        return self.scenarios[key]

    def sites(self) -> list[Site]:
        """The suite's sites, in order of first use."""
        out: dict[str, Site] = {}
        for sc in self.scenarios:
            out.setdefault(sc.site.name, sc.site)
        return list(out.values())

    def tally(self, category: Category) -> int:
        """How many scenarios are tagged with ``category``."""
        return sum(1 for sc in self.scenarios if category in sc.categories)
