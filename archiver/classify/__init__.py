"""Classify stage: (history, observation, diff) → the verdicts of one check.

``RULES`` is an explicit, ordered tuple of small documented functions, one family per module
(``status``, ``redirects``, ``soft404``, ``parked``, ``social``, ``content``). The first rule
that finds a failure (``removed``/``unreachable``) ends the run; otherwise ``restored``,
``moved`` and ``edited`` may each be found once. Failures are reported on a change of status
only (``unreachable`` → ``unreachable`` or ``removed`` → ``removed`` is silent, whatever the
kind), and a first capture is a baseline: no verdicts, though ``current_status`` shows a
failing baseline as ``removed``/``unreachable``.
"""

from __future__ import annotations

from dataclasses import replace

from archiver.models import (
    Diff,
    EventType,
    Observation,
    Outcome,
    PostState,
    Reason,
    SourceHistory,
    SourceStatus,
    Verdict,
)

from .content import paywall_rule, retargeted_rule, text_changed_rule
from .observed import Rule, is_page
from .parked import parked_rule
from .redirects import access_gate_rule, moved_rule, redirect_home_rule, redirect_unrelated_rule
from .social import post_snapshot_rule, social_markers_rule
from .soft404 import soft404_rule
from .status import http_status_rule, network_failure_rule, restored_rule, still_gone_rule

__all__ = ["RULES", "Rule", "assess", "classify", "current_status", "describe_rules"]

RULES: tuple[Rule, ...] = (
    post_snapshot_rule,  # the platform's own endpoint decides a post
    network_failure_rule,  # no response: unreachable, removed when DNS/refused/TLS persists
    access_gate_rule,  # login/consent/bot-check wall: unreachable, before any status-based removal
    social_markers_rule,  # a platform page saying deleted/suspended/withheld/protected
    http_status_rule,  # 404/410/451 removed; other ≥ 300 unreachable
    parked_rule,  # parking/for-sale page
    redirect_home_rule,  # deep URL → its site's home page
    soft404_rule,  # the host's not-found page served with 200
    redirect_unrelated_rule,  # redirect to a page sharing nothing with the last good text, or to its section
    still_gone_rule,  # still serving the page it was found removed on (home page, not-found page)
    restored_rule,  # a page again after removed/unreachable
    moved_rule,  # 301/308 to the same content elsewhere
    retargeted_rule,  # a short link leading to other content
    paywall_rule,  # the article cut to a teaser
    text_changed_rule,  # any other meaningful change
)

FAILURES = frozenset({EventType.REMOVED, EventType.UNREACHABLE})
_STATUS_OF = {
    EventType.EDITED: SourceStatus.EDITED,
    EventType.REMOVED: SourceStatus.REMOVED,
    EventType.UNREACHABLE: SourceStatus.UNREACHABLE,
    EventType.MOVED: SourceStatus.MOVED,
    EventType.RESTORED: SourceStatus.RESTORED,
}


def assess(history: SourceHistory, observation: Observation, diff: Diff | None, rules: tuple[Rule, ...] = RULES) -> list[Verdict]:
    """What this observation shows, before the status-change filter of ``classify``: a single
    failure verdict, or up to one each of restored, moved and edited, in rule order."""
    found: list[Verdict] = []
    for rule in rules:
        verdict = rule(history, observation, diff)
        if verdict is None or any(v.type is verdict.type for v in found):
            continue
        if verdict.type in FAILURES:
            return [_unconfirmed(observation, verdict)]
        found.append(verdict)
    return found


def _unconfirmed(observation: Observation, verdict: Verdict) -> Verdict:
    """A post whose platform endpoint could not say (state unknown) is never ``removed`` on the
    look of a page alone: platforms serve crawlers login walls and error shells with 200. The
    server's own protocol answer (404/410/451) and persistent network failures still count."""
    post = observation.post
    if post is None or post.state is not PostState.UNKNOWN or verdict.type is not EventType.REMOVED:
        return verdict
    if not is_page(observation.result):
        return verdict
    evidence = {**verdict.evidence, "demoted": f"{post.platform} endpoint could not confirm: {post.detail}"}
    summary = f"{verdict.summary} (unconfirmed by {post.platform})"
    return replace(verdict, type=EventType.UNREACHABLE, summary=summary, evidence=evidence)


def _is_news(status: SourceStatus, verdict: Verdict) -> bool:
    """A failure is reported when it changes the status: not again while removed, and an
    ``unreachable`` finding neither repeats nor downgrades a ``removed`` source."""
    if verdict.type is EventType.REMOVED:
        return status is not SourceStatus.REMOVED
    if verdict.type is EventType.UNREACHABLE:
        return status not in (SourceStatus.UNREACHABLE, SourceStatus.REMOVED)
    return True


def classify(history: SourceHistory, observation: Observation, diff: Diff | None) -> list[Verdict]:
    """The verdicts of one check, in the order they should be reported (``restored`` before
    ``edited``). A first capture (status ``new``) is a baseline and returns ``[]``, unless the link
    is already dead (``dead_on_first_check``).

    ``diff`` is the caller's diff between the last good (or best-matching recent) text and this
    one; rules read it for ``edited`` and compute their own similarities for everything else.
    """
    if observation.result.outcome is Outcome.BLOCKED and history.status in (SourceStatus.NEW, SourceStatus.BLOCKED):
        return []  # archiver's own address policy refused it: a fact about our settings, not the source
    if _is_baseline(history):
        return dead_on_first_check(history, observation)
    found = assess(history, observation, diff)
    if found and found[0].type in FAILURES and not _is_news(history.status, found[0]):
        return []
    return found


def _is_baseline(history: SourceHistory) -> bool:
    """No baseline yet: never checked, or only ever refused by the address policy (so a later
    manual check that gets through is a first capture, not ``restored``)."""
    return history.status is SourceStatus.NEW or (history.status is SourceStatus.BLOCKED and history.last_good is None)


def dead_on_first_check(history: SourceHistory, observation: Observation) -> list[Verdict]:
    """A first check that finds the link already gone (404/410/451, soft-404, parked, deleted
    post…) is a finding: ``removed``/``dead-on-first-check``, the rule's own reason kept in the
    evidence. Anything else on a first check is a baseline: ``[]``."""
    found = _baseline_assessment(history, observation)
    if not found or found[0].type is not EventType.REMOVED:
        return []
    first = found[0]
    evidence = {**first.evidence, "finding": first.reason}
    return [replace(first, reason=str(Reason.DEAD_ON_FIRST_CHECK), summary=f"dead when first checked: {first.summary}", evidence=evidence)]


def _baseline_assessment(history: SourceHistory, observation: Observation) -> list[Verdict]:
    """``assess`` of a first check, made once: ``classify`` and then ``current_status`` both ask
    for it (kept on the observation with the history it was made for)."""
    held = observation.views.get("baseline")
    if isinstance(held, tuple) and held[0] is history:
        return list(held[1])
    found = assess(history, observation, None)
    observation.views["baseline"] = (history, tuple(found))
    return found


def current_status(history: SourceHistory, verdicts: list[Verdict], observation: Observation) -> SourceStatus:
    """The source's status after this check: the last verdict's type; with none, the status it
    had, except that a baseline becomes ``ok`` — or ``removed``/``unreachable`` when the first
    capture already fails (no event, but the status shows it)."""
    if observation.result.outcome is Outcome.BLOCKED:
        return SourceStatus.BLOCKED
    if verdicts:
        return _STATUS_OF[verdicts[-1].type]
    if not _is_baseline(history):
        return history.status
    found = _baseline_assessment(history, observation)
    if found and found[0].type in FAILURES:
        return _STATUS_OF[found[0].type]
    return SourceStatus.OK


def describe_rules(rules: tuple[Rule, ...] = RULES) -> list[tuple[str, str]]:
    """``(name, first docstring line)`` for each rule, in order: for ``--help`` and the README."""
    return [(rule.__name__, (rule.__doc__ or "").strip().splitlines()[0] if rule.__doc__ else "") for rule in rules]
