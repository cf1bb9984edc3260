"""The simulated web itself: it serves what each scenario says at each step, answers unknown paths
per site policy, and score() counts precision and recall as documented.

Every request goes to a real SimWeb server on a 127.0.0.x address (one origin per site), so these
tests widen pytest-socket's allow-list to the loopback range, and to nothing else.
"""

from __future__ import annotations

import ast
import io
import json
import secrets
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
import requests
from simweb import (
    DEFAULT,
    GONE,
    HELDOUT,
    RESET,
    Action,
    Category,
    Response,
    Scenario,
    SimWeb,
    Site,
    Suite,
    Unknown,
    describe,
    format_scores,
    phases,
    score,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.0/8"])

SLOW = 0.3  # the server stalls this long; clients here give up after READ
READ = 0.1
INTERFACE_TYPES = {"edited", "removed", "unreachable", "moved", "restored"}


@pytest.fixture(scope="module")
def default_web() -> Iterator[SimWeb]:
    with SimWeb(DEFAULT, slow_seconds=SLOW) as web:
        yield web


@pytest.fixture(scope="module")
def heldout_web() -> Iterator[SimWeb]:
    with SimWeb(HELDOUT, slow_seconds=SLOW, host="127.0.0.40") as web:
        yield web


def get(url: str, session: requests.Session | None = None) -> requests.Response:
    return (session or requests).get(url, allow_redirects=False, timeout=(2, READ if "slow" in url else 2))


# ------------------------------------------------------------------ serving


@pytest.mark.parametrize("suite_name", ["default", "heldout"])
def test_every_scenario_serves_its_timeline(suite_name: str, default_web: SimWeb, heldout_web: SimWeb) -> None:
    """At every step, every watched URL answers exactly its scenario's Response (or fails as told)."""
    web = default_web if suite_name == "default" else heldout_web
    suite = DEFAULT if suite_name == "default" else HELDOUT
    session = requests.Session()
    try:
        for step in range(suite.steps + 1):
            web.set_step(step)
            for sc in suite:
                want = web.resolve(sc.site.name, sc.path)
                if step in sc.site.offline or want.action is Action.RESET:
                    with pytest.raises(requests.ConnectionError):
                        get(web.url_of(sc), session)
                    continue
                if want.slow:
                    with pytest.raises(requests.ReadTimeout):
                        session.get(web.url_of(sc), timeout=(2, READ))
                    continue
                got = get(web.url_of(sc), session)
                assert (got.status_code, got.content) == (want.status, want.body), f"{sc.name} at step {step}"
                assert got.headers.get("Location") == want.header("Location"), f"{sc.name} at step {step}"
    finally:
        web.set_step(0)
        session.close()


def test_timelines_follow_the_steps(default_web: SimWeb) -> None:
    """Spot checks in the scenarios' own words, independent of resolve()."""
    web = default_web
    poll, gone, home301 = (web.url_of(n) for n in ("edit/poll-figure", "takedown/http-404", "takedown/redirect-home-301"))
    try:
        web.set_step(2)
        assert "61%" in get(poll).text and "59%" not in get(poll).text
        assert get(gone).status_code == 200
        web.set_step(3)
        assert "59%" in get(poll).text
        assert get(gone).status_code == 404 and "Page not found" in get(gone).text
        web.set_step(4)
        moved = get(home301)
        assert moved.status_code == 301 and moved.headers["Location"] == "/"
    finally:
        web.set_step(0)


def test_advance_and_set_step(default_web: SimWeb) -> None:
    web = default_web
    assert web.step == 0
    assert web.advance() == 1 and web.step == 1
    web.set_step(0)
    assert web.step == 0


def test_each_site_is_its_own_origin_with_a_home_page(default_web: SimWeb) -> None:
    origins = [default_web.origin(site) for site in DEFAULT.sites()]
    hosts = {o.split("//")[1].split(":")[0] for o in origins}
    assert len(hosts) == len(origins) and all(h.startswith("127.0.0.") for h in hosts)
    for site in DEFAULT.sites():
        if 0 in site.offline:
            continue
        home = get(default_web.origin(site) + "/")
        assert home.status_code == 200 and home.content == site.home(0).body


def test_scenario_at_maps_urls_back(default_web: SimWeb) -> None:
    for name, url in default_web.urls.items():
        sc = default_web.scenario_at(url)
        assert sc is not None and sc.name == name
    assert default_web.scenario_at(default_web.base_url + "/no/such/scenario") is None


def _policy_check(web: SimWeb, site: Site, path: str) -> None:
    got = get(web.origin(site) + path)
    if site.unknown is Unknown.NOT_FOUND:
        assert got.status_code == 404 and got.content == site.not_found(path, 0).body
    elif site.unknown is Unknown.SOFT_404:
        assert got.status_code == 200 and got.content == site.not_found(path, 0).body
    elif site.unknown is Unknown.REDIRECT_HOME:
        assert got.status_code == 302 and got.headers["Location"] == "/"
    else:
        assert got.status_code == 200 and got.content == get(web.origin(site) + "/").content


@pytest.mark.parametrize("suite_name", ["default", "heldout"])
def test_unknown_paths_follow_each_site_policy(suite_name: str, default_web: SimWeb, heldout_web: SimWeb) -> None:
    """Random paths (what archiver's soft-404 probe asks for) get the site's unknown-path answer."""
    web, suite = (default_web, DEFAULT) if suite_name == "default" else (heldout_web, HELDOUT)
    policies = {site.unknown for site in suite.sites()}
    assert policies == set(Unknown), "every policy is exercised"
    for site in suite.sites():
        if site.is_parked(0) or 0 in site.offline:
            continue
        for path in (f"/{secrets.token_hex(8)}", f"/news/2026/10/{secrets.token_hex(8)}-archiver-probe"):
            _policy_check(web, site, path)


def test_a_parked_domain_parks_every_path(default_web: SimWeb) -> None:
    site = default_web.scenario_at(default_web.url_of("takedown/parked-domain"))
    assert site is not None
    try:
        default_web.set_step(3)
        for path in ("/", site.path, f"/{secrets.token_hex(6)}"):
            got = get(default_web.origin(site.site) + path)
            assert got.status_code == 200 and "for sale" in got.text
    finally:
        default_web.set_step(0)


def test_an_offline_site_refuses_and_comes_back_on_the_same_port(default_web: SimWeb) -> None:
    url = default_web.url_of("takedown/connection-refused")
    session = requests.Session()
    try:
        default_web.set_step(1)
        assert get(url, session).status_code == 200  # leaves a kept-alive connection in the pool
        default_web.set_step(2)
        with pytest.raises(requests.ConnectionError):
            get(url, session)  # the kept-alive connection is gone too
        with pytest.raises(requests.ConnectionError, match="refused|Max retries"):
            get(url)
        default_web.set_step(7)
        assert get(url).status_code == 200
    finally:
        default_web.set_step(0)
        session.close()


def test_reset_and_slow_responses() -> None:
    site = Site("s", lambda s: Response.html("home"), lambda p, s: Response.html("nf", 404))
    stall = Response(200, (), b"late", slow=True)
    sc = Scenario("x", site, "/x", phases({0: Response.html("ok"), 1: RESET, 2: stall, 3: GONE}), frozenset())
    with SimWeb([sc], slow_seconds=SLOW, host="127.0.0.60") as web:
        assert get(web.url_of(sc)).text == "ok"
        web.advance()
        with pytest.raises(requests.ConnectionError, match="reset|aborted"):
            get(web.url_of(sc))
        web.advance()
        with pytest.raises(requests.ReadTimeout):
            requests.get(web.url_of(sc), timeout=(2, READ))
        assert requests.get(web.url_of(sc), timeout=(2, 2 * SLOW + 1)).content == b"late"
        web.advance()
        assert get(web.url_of(sc)).status_code == 404
        assert requests.head(web.url_of(sc), timeout=2).status_code == 404


# ------------------------------------------------------------------ documents


def test_pdfs_carry_their_text_per_step(default_web: SimWeb, heldout_web: SimWeb) -> None:
    def text(web: SimWeb, name: str) -> str:
        data = get(web.url_of(name)).content
        return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)

    try:
        assert "£412 million" in text(default_web, "edit/pdf-text")
        assert "1,2 milhões" in text(heldout_web, "heldout/edit/flate-pdf")
        default_web.set_step(3)
        heldout_web.set_step(3)
        assert "£436 million" in text(default_web, "edit/pdf-text")
        assert "1,4 milhões" in text(heldout_web, "heldout/edit/flate-pdf")
    finally:
        default_web.set_step(0)
        heldout_web.set_step(0)


def test_images_are_valid_pngs_that_change(default_web: SimWeb) -> None:
    def pixels(data: bytes) -> bytes:
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        pos, idat = 8, b""
        while pos < len(data):
            (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
            chunk, crc = data[pos + 8:pos + 8 + length], data[pos + 8 + length:pos + 12 + length]
            assert struct.unpack(">I", crc)[0] == zlib.crc32(kind + chunk)
            idat += chunk if kind == b"IDAT" else b""
            pos += 12 + length
        return zlib.decompress(idat)

    url = default_web.url_of("edit/image-replaced")
    before = get(url)
    try:
        default_web.set_step(5)
        after = get(url)
    finally:
        default_web.set_step(0)
    assert before.headers["Content-Type"] == "image/png"
    assert pixels(before.content) != pixels(after.content)


def test_json_documents_parse(default_web: SimWeb) -> None:
    body = get(default_web.url_of("edit/json-value")).json()
    assert body["data"]["value"] == 5.2
    status = get(default_web.origin("social") + "/api/v1/statuses/113254871234567890").json()
    assert status["id"] == "113254871234567890"


# ------------------------------------------------------------------ the suites


def test_suites_cover_what_the_accuracy_test_needs() -> None:
    assert len(DEFAULT) >= 40 and len(HELDOUT) >= 15
    for suite in (DEFAULT, HELDOUT):
        assert all(suite.tally(c) for c in Category), f"{suite.name}: a category has no scenario"
        for sc in suite:
            assert sc.categories, sc.name
            for step, events in sc.expected.items():
                assert 0 < step <= suite.steps
                assert all(kind in INTERFACE_TYPES for kind, _ in events)
            if sc.categories == {Category.NOISE}:
                assert not sc.expected, f"{sc.name}: a pure noise scenario expects no event"
    assert len(DEFAULT.sites()) >= 5
    assert "no event" in describe(DEFAULT)


def test_heldout_shares_no_page_code_with_default() -> None:
    """HELDOUT's modules import nothing that builds DEFAULT's page bodies."""
    default_page_code = {"templates", "prose", "media", "scenarios"}
    for name in ("heldout.py", "heldout_pages.py"):
        tree = ast.parse((Path(__file__).parent / "simweb" / name).read_text())
        imported = {a.name.split(".")[-1] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        imported |= {(n.module or "").split(".")[-1] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not imported & default_page_code, f"{name} imports {imported & default_page_code}"


# ------------------------------------------------------------------ scoring


def _tiny_suite() -> Suite:
    site = Site("t", lambda s: Response.html("home"), lambda p, s: Response.html("nf", 404))
    ok = Response.html("ok")
    return Suite("tiny", (
        Scenario("edit", site, "/e", ok, frozenset({Category.EDIT}), {2: [("edited", "text-changed")]}),
        Scenario("gone", site, "/g", ok, frozenset({Category.TAKEDOWN}), {3: [("removed", "http-404")]}),
        Scenario("flaky", site, "/f", ok, frozenset({Category.TRANSIENT, Category.RESTORE}),
                 {2: [("unreachable", None)], 3: [("restored", None)]}),
        Scenario("quiet", site, "/q", ok, frozenset({Category.NOISE})),
        Scenario("quiet2", site, "/q2", ok, frozenset({Category.NOISE})),
    ), steps=5)


def test_score_counts_hits_misses_and_false_events() -> None:
    events = {
        "edit": {3: [("edited", "text-changed")]},  # one step late: a hit with latency 1
        "gone": {3: [("removed", "soft-404")]},  # wrong reason: a miss and a false event
        "flaky": {2: [("unreachable", "timeout")], 5: [("restored", "back-online")]},  # restored too late
        "quiet": {4: [("edited", "text-changed")]},  # noise: a false edit
    }
    s = score(events, _tiny_suite(), latency_window=1)
    edit, takedown, transient, restore = (s.categories[c] for c in ("edit", "takedown", "transient", "restore"))
    assert (edit.tp, edit.fp, edit.fn) == (1, 1, 0)
    assert edit.precision == 0.5 and edit.recall == 1.0 and edit.f1 == pytest.approx(2 / 3)
    assert edit.latencies == (1,)
    assert (takedown.tp, takedown.fp, takedown.fn) == (0, 1, 1) and s.takedown_f1 == 0.0
    assert (transient.tp, transient.fp, transient.fn) == (1, 0, 0) and transient.mean_latency == 0
    assert (restore.tp, restore.fp, restore.fn) == (0, 1, 1)
    assert (s.overall.tp, s.overall.fp, s.overall.fn) == (2, 3, 2)
    assert (s.noise.scenarios, s.noise.clean, s.noise.false_events) == (2, 1, 1)
    assert s.categories["move"].f1 == 1.0  # nothing expected, nothing emitted
    table = format_scores(s, details=True)
    assert "takedown" in table and "gone step 3: removed http-404 — expected, not found" in table


def test_score_window_and_reason_options() -> None:
    events = {"edit": {3: [("edited", "text-changed")]}, "gone": {3: [("removed", "soft-404")]}}
    assert score(events, _tiny_suite(), latency_window=0).categories["edit"].tp == 0
    relaxed = score(events, _tiny_suite(), reasons=False)
    assert relaxed.categories["takedown"].tp == 1 and relaxed.takedown_f1 == 1.0


def test_score_of_the_ground_truth_itself_is_perfect() -> None:
    for suite in (DEFAULT, HELDOUT):
        truth = {sc.name: {s: list(ev) for s, ev in sc.expected.items()} for sc in suite}
        perfect = score(truth, suite)
        assert perfect.overall.f1 == 1.0 and perfect.noise.clean == perfect.noise.scenarios
        silent = score({}, suite)
        assert silent.overall.recall == 0.0 and silent.noise.clean == silent.noise.scenarios


def test_score_refuses_unknown_scenarios() -> None:
    with pytest.raises(ValueError, match="nope"):
        score({"nope": {1: [("edited", None)]}}, _tiny_suite())


def test_record_maps_report_events_to_scenarios(default_web: SimWeb) -> None:
    """The accuracy harness's path: report events (url, type, reason) → events_by_step by name."""
    report = {"events": [{"url": default_web.url_of("edit/headline"), "type": "edited", "reason": "text-changed"}]}
    events = default_web.record(2, json.loads(json.dumps(report))["events"])
    assert events == {"edit/headline": {2: [("edited", "text-changed")]}}
    assert score(events, DEFAULT).categories["edit"].tp == 1
    with pytest.raises(ValueError, match="no scenario watches"):
        default_web.record(2, [{"url": default_web.base_url + "/elsewhere", "type": "edited", "reason": None}])


def test_docstring_examples() -> None:
    import doctest

    import simweb.model

    failures, tried = doctest.testmod(simweb.model, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried and not failures
