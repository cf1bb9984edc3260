"""The epoch world: real pages at their real URLs, each with one scenario, mutated epoch by epoch.

Each page gets one plan: noise only; an edit inside its article from some epoch on; or a takedown
from some epoch on (the site's own 404 page, a 410, a 200 soft-404 that the host also serves for
any unknown URL, or a 301 to the home page). Noise runs on every page at every epoch until it is
taken down. Every host serves a home page at ``/``, its not-found page (404, or 200 on a soft-404
host) for unknown paths, and a bare 404 for images, CSS and scripts. Everything is a pure function
of (page, epoch, seed); the served bytes of every epoch go through one parse and serialisation,
so the baseline differs from the next epoch only by the mutations.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

from hostproxy import PlayedWeb, Reply
from simweb import Category, Response, Scenario, Site, Suite

from archiver.urls import canonical

from .corpus import RealPage, spread
from .edits import EditKind, apply_edit, change_number, delete_paragraph
from .mutate import Anchors, NoiseReport, add_noise, parse, serialise, token
from .template import home_page, not_found_page

EPOCHS = 4  # 0 (the baseline) .. 3, as in the measurement
PAGES = 60
SEED = "realweb-1"
_ASSETS = (".css", ".js", ".mjs", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".woff", ".woff2",
           ".ttf", ".map", ".json", ".xml", ".txt", ".mp4", ".avif")


class Takedown(StrEnum):
    NOT_FOUND = "404"
    GONE = "410"
    SOFT_404 = "soft-404"
    REDIRECT_HOME = "redirect-home"


@dataclass(frozen=True, slots=True)
class Plan:
    """One page's scenario: ``edit`` or ``takedown`` from epoch ``at`` on, or noise only."""

    page: RealPage
    edit: EditKind | None = None
    takedown: Takedown | None = None
    at: int = 0

    @property
    def kind(self) -> str:
        return f"edit/{self.edit}" if self.edit else f"takedown/{self.takedown}" if self.takedown else "noise"

    def scenario(self) -> Scenario:
        expected: dict[int, list[tuple[str, str | None]]] = {}
        category = Category.NOISE
        if self.edit:
            expected, category = {self.at: [("edited", None)]}, Category.EDIT
        elif self.takedown:
            expected, category = {self.at: [("removed", None)]}, Category.TAKEDOWN
        never = Response(404)  # the suite is only the ground truth: RealWeb serves the pages

        def serve(step: int) -> Response:
            return never

        site = Site(self.page.host, home=serve, not_found=lambda path, step: never)
        path = urlsplit(self.page.url)._replace(scheme="", netloc="").geturl()
        return Scenario(self.page.name, site, path, serve, frozenset({category}), expected, self.kind)


#: The scenario mix, cycled over the chosen pages (a third noise-only, two fifths edits, the rest
#: takedowns): 60 pages give 20 noise, 24 edits (8 of each kind) and 16 takedowns (4 of each).
MIX: tuple[tuple[EditKind | None, Takedown | None], ...] = (
    (None, None), (EditKind.NUMBER, None), (None, Takedown.NOT_FOUND), (EditKind.SENTENCE, None), (None, None),
    (EditKind.DELETE, None), (None, Takedown.GONE), (None, None), (EditKind.NUMBER, None), (None, Takedown.SOFT_404),
    (EditKind.SENTENCE, None), (None, None), (EditKind.DELETE, None), (None, Takedown.REDIRECT_HOME), (None, None),
)


def plan_world(pages: Sequence[RealPage], *, count: int = PAGES, epochs: int = EPOCHS, seed: str = SEED) -> list[Plan]:
    return list(_plan(tuple(pages), count, epochs, seed))


@functools.cache
def _plan(pages: tuple[RealPage, ...], count: int, epochs: int, seed: str) -> tuple[Plan, ...]:
    """``count`` pages spread over languages, with the scenarios of ``MIX`` (edits and takedowns at
    a seeded epoch in 1 .. epochs-1). Edits go to pages that can take them, the pickiest kind first
    (a number edit needs a content number by a with string); the other scenarios follow in order.
    A page left without a fitting edit stays noise only."""
    chosen = sorted(spread(tuple(pages), count, seed=seed), key=lambda p: token(seed, p.name))
    slots = [MIX[i % len(MIX)] for i in range(len(chosen))]
    scenario: dict[str, tuple[EditKind | None, Takedown | None]] = {}
    free = list(chosen)
    for kind in (EditKind.NUMBER, EditKind.DELETE, EditKind.SENTENCE):
        wanted = sum(1 for edit, _ in slots if edit is kind)
        takers = [p for p in free if _can_edit(p, kind, seed)][:wanted]
        for page in takers:
            scenario[page.name] = (kind, None)
            free.remove(page)
    for page, slot in zip(free, [slot for slot in slots if slot[0] is None]):
        scenario[page.name] = slot
    plans = []
    for page in chosen:
        edit, takedown = scenario.get(page.name, (None, None))
        at = 1 + int(token(seed, page.name, "at", length=4), 16) % (epochs - 1)
        plans.append(Plan(page, edit, takedown, at if edit or takedown else 0))
    return tuple(plans)


def _can_edit(page: RealPage, kind: EditKind, seed: str) -> bool:
    anchors = Anchors.of_page(parse(page.body(), page.charset), page)
    if not anchors.found:
        return False
    salt = f"{seed}:{page.name}"
    if kind is EditKind.NUMBER:
        return change_number(anchors, salt) is not None
    if kind is EditKind.DELETE:
        return delete_paragraph(anchors, salt) is not None
    return True


def suite_of(plans: Sequence[Plan], epochs: int = EPOCHS) -> Suite:
    return Suite("realweb", tuple(p.scenario() for p in plans), steps=epochs - 1)


@functools.lru_cache(maxsize=512)  # the world and the tests that look at it share the renders
def render(plan: Plan, epoch: int, *, seed: str = SEED) -> tuple[bytes, NoiseReport, str | None]:
    """The page as served at ``epoch`` (before any takedown): noise, and the edit once it is due."""
    page = plan.page
    root = parse(page.body(), page.charset)
    anchors = Anchors.of_page(root, page)
    change = None
    if plan.edit and epoch >= plan.at:
        change = apply_edit(anchors, plan.edit, salt=f"{seed}:{page.name}", lang=page.lang)
    noise = add_noise(root, anchors, page=f"{seed}:{page.name}", lang=page.lang, epoch=epoch)
    return serialise(root, page.charset), noise, change


def key(url: str) -> str:
    """How a page URL and a requested URL are matched: archiver's canonical form, unquoted."""
    return unquote(canonical(url))


@dataclass
class _Host:
    plan: Plan
    not_found: bytes
    home: bytes

    @property
    def soft(self) -> bool:
        return self.plan.takedown is Takedown.SOFT_404

    def html(self, body: bytes, status: int = 200) -> Reply:
        return Reply(status, body, [("Content-Type", self.plan.page.content_type)])


class RealWeb:
    """The plans' pages served through ``hostproxy.PlayedWeb`` at their real URLs, epoch by epoch."""

    def __init__(self, plans: Sequence[Plan], tmp: Path, *, seed: str = SEED) -> None:
        self.plans = tuple(plans)
        self.seed = seed
        hosts = [p.page.host for p in self.plans]
        if len(set(hosts)) != len(hosts):
            raise ValueError("the epoch world puts each page on its own host")
        self._hosts = {p.page.host: _Host(p, not_found_page(p.page), home_page(p.page)) for p in self.plans}
        self._pages: dict[str, Reply] = {}
        self._lock = threading.Lock()
        self.epoch = -1
        self.noise: dict[str, NoiseReport] = {}
        self.changes: dict[str, str | None] = {}
        tls = sorted({p.page.host for p in self.plans if p.page.scheme == "https"})
        self.played = PlayedWeb(tmp, names=tls, fallback=self._answer)

    @property
    def urls(self) -> dict[str, str]:
        return {p.page.name: p.page.url for p in self.plans}

    def set_epoch(self, epoch: int) -> None:
        """Render every page as it is at ``epoch``; requests from now on get these answers."""
        pages = {}
        for plan in self.plans:
            host = self._hosts[plan.page.host]
            if plan.takedown and epoch >= plan.at:
                pages[key(plan.page.url)] = self._takedown(plan, host)
                continue
            body, noise, change = render(plan, epoch, seed=self.seed)
            self.noise[plan.page.name] = noise
            if change:
                self.changes[plan.page.name] = change
            pages[key(plan.page.url)] = host.html(body)
        with self._lock:
            self._pages, self.epoch = pages, epoch

    def _takedown(self, plan: Plan, host: _Host) -> Reply:
        if plan.takedown is Takedown.NOT_FOUND:
            return host.html(host.not_found, 404)
        if plan.takedown is Takedown.GONE:
            return host.html(host.not_found, 410)
        if plan.takedown is Takedown.SOFT_404:
            return host.html(host.not_found, 200)
        home = f"{plan.page.scheme}://{plan.page.host}/"
        return Reply(301, b"", [("Location", home), ("Content-Type", "text/html; charset=utf-8")])

    def _answer(self, url: str) -> Reply | None:
        with self._lock:
            found = self._pages.get(key(url))
        if found is not None:
            return found
        parts = urlsplit(url)
        host = self._hosts.get(parts.hostname or "")
        if host is None:
            return None  # not a played host: PlayedWeb's own 404
        if parts.path in ("", "/"):
            return host.html(host.home)
        if parts.path.lower().endswith(_ASSETS):
            return Reply(404, b"not found", [("Content-Type", "text/plain")])
        return host.html(host.not_found, 200 if host.soft else 404)

    def __enter__(self) -> Self:
        self.played.__enter__()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.played.__exit__(et, e, tb)
