"""Classify stage, protocol answers: HTTP status codes, network failures and their persistence,
and a source coming back.

404/410/451 are the server's own word that a page is gone: ``removed`` at once. Everything
else that fails (5xx, 429, 401/403, other 4xx, timeouts, refused connections) may be transient
and is ``unreachable``; only a DNS, refused-connection or TLS failure that persists for
``history.failures_before_removed`` consecutive checks becomes ``removed``.
"""

from __future__ import annotations

from http import HTTPStatus

from archiver.models import (
    Diff,
    EventType,
    Observation,
    Outcome,
    PostState,
    Reason,
    SourceHistory,
    SourceStatus,
    TextStatus,
    Verdict,
    http_reason,
)

from .observed import is_page, judged_by_post
from .similarity import relatedness

#: The protocol's own "gone" answers (interface: removed = 404, 410, 451).
GONE_STATUSES = frozenset({404, 410, 451})

#: Failures that say the host itself is gone when they persist: nothing answers at that name,
#: nothing listens, or what listens cannot prove it is that host. A timeout or a malformed
#: answer is a server in trouble, not a server gone, so they never count toward removal.
PERSISTENT_FAILURES = {
    Outcome.DNS_ERROR: (Reason.DNS_FAILURE, "DNS failure"),
    Outcome.CONNECT_ERROR: (Reason.CONNECT_FAILURE, "connection failure"),
    Outcome.TLS_ERROR: (Reason.TLS_FAILURE, "TLS failure"),
}
TRANSIENT_FAILURES = {
    Outcome.TIMEOUT: (Reason.TIMEOUT, "timeout"),
    Outcome.BAD_RESPONSE: (Reason.BAD_RESPONSE, "malformed response"),
    # The target resolves to an address archiver refuses to fetch (loopback, private): the
    # site is not reachable *for us*, which says nothing about removal.
    Outcome.BLOCKED: ("blocked", "blocked by the address policy (set fetch.allow_private = true to allow it)"),
}


def ordinal(n: int) -> str:
    """``ordinal(3) == "3rd"``; ``ordinal(11) == "11th"``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def network_failure_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """No response at all. DNS/refused/TLS failures become ``removed`` on the N-th consecutive one
    (N = ``failures_before_removed``, counting this check, and the check before must have failed
    the same hard way, so a timeout streak ending in one DNS error is still one DNS error);
    timeouts and malformed answers stay ``unreachable`` however long they last."""
    result = observation.result
    if judged_by_post(observation):
        return None
    detail = {"outcome": str(result.outcome), "detail": result.detail, "url": result.url}
    if result.outcome in TRANSIENT_FAILURES:
        reason, words = TRANSIENT_FAILURES[result.outcome]
        summary = f"{words}: {result.detail}" if result.detail else words
        return Verdict(EventType.UNREACHABLE, str(reason), summary, detail)
    if result.outcome not in PERSISTENT_FAILURES:
        return None
    reason, words = PERSISTENT_FAILURES[result.outcome]
    count = history.consecutive_failures + 1
    needed = max(1, history.failures_before_removed)
    previous = history.previous
    # The check before must have failed the same hard way (when the history says what it was).
    streak = needed <= 1 or previous is None or previous.outcome in PERSISTENT_FAILURES
    evidence = {**detail, "consecutive_failures": count, "failures_before_removed": needed}
    if count >= needed and streak:
        return Verdict(EventType.REMOVED, str(reason), f"{ordinal(count)} consecutive {words}", evidence)
    summary = f"{words} ({count} of {needed} before removed)"
    return Verdict(EventType.UNREACHABLE, str(reason), f"{summary}: {result.detail}" if result.detail else summary, evidence)


def http_status_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """A response that is not a page: 404/410/451 → ``removed``; any other status ≥ 300 (5xx, 429,
    401/403, other 4xx, an unfollowed 3xx) → ``unreachable``, with reason ``http-NNN``."""
    result = observation.result
    if judged_by_post(observation) or result.status is None or result.outcome not in (Outcome.OK, Outcome.HTTP_ERROR):
        return None
    status = result.status
    if 200 <= status < 300:
        return None
    phrase = result.final.reason if result.final is not None and result.final.reason else _phrase(status)
    evidence = {"status": status, "chain": chain(observation), "final_url": result.final_url}
    kind = EventType.REMOVED if status in GONE_STATUSES else EventType.UNREACHABLE
    return Verdict(kind, http_reason(status), f"{status} {phrase}".strip(), evidence)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def chain(observation: Observation) -> list[list[object]]:
    """The redirect chain as ``[[url, status], …]``: the evidence every redirect verdict shows."""
    return [[hop.url, hop.status] for hop in observation.result.hops]


def still_gone_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """Found ``removed`` while serving a page (the home page it was sent to, the site's not-found
    page with 200) and still serving that same page: still ``removed``, never ``restored``.

    The failure rules may not see it again (the home page's headlines rotate, the probe's cached
    answer aged): what decides is that the page is the one the removal was found on, and not the
    article."""
    if history.status is not SourceStatus.REMOVED or not is_page(observation.result):
        return None
    before, gone = history.previous, history.previous_text
    new = observation.text
    if before is None or gone is None or before.outcome is not Outcome.OK or not (before.status or 0) < 300:
        return None
    if new.status is not TextStatus.OK or gone.status is not TextStatus.OK:
        return None
    landed_same = bool(before.final_url) and before.final_url == observation.result.final_url and (
        before.final_url != history.url
    )
    same = new.digest == gone.digest or relatedness(new.text, gone.text) >= STILL_SAME
    if not (same or landed_same):
        return None
    article = history.last_good_text
    if article is not None and article.status is TextStatus.OK and relatedness(new.text, article.text) >= 0.5:
        return None  # the article is back, whatever else the page shows
    evidence = {"final_url": observation.result.final_url, "same_landing": landed_same}
    return Verdict(EventType.REMOVED, "still-removed", "still serves the page it was found removed on", evidence)


#: A page this close to the page a URL was found removed on is that page again (rotating
#: headlines on a home page, a not-found page's echoed path).
STILL_SAME = 0.8


def restored_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """Back after ``removed`` or ``unreachable``: a page (or a live post) where the last check found
    none. Runs after every failure rule, so reaching it means nothing failed this time."""
    if history.status not in (SourceStatus.REMOVED, SourceStatus.UNREACHABLE):
        return None
    post = observation.post
    live_post = post is not None and post.state is PostState.LIVE
    if not live_post and not is_page(observation.result):
        return None
    previous = history.previous
    was = f"{previous.outcome}" + (f" {previous.status}" if previous.status else "") if previous else str(history.status)
    evidence = {"previous_status": str(history.status), "previous_outcome": was, "status": observation.result.status}
    return Verdict(EventType.RESTORED, str(Reason.BACK_ONLINE), f"back online after being {history.status}", evidence)
