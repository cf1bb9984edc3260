"""Notifications (output stage): new events → a shell command, a webhook and/or Apprise URLs, from a background thread.

Each event is sent as the same JSON object as one element of the report's ``events`` array
(``archiver.report.shape.event_json``): on the command's stdin, or as the webhook's POST body.
Apprise URLs (``mailto://``, ``slack://``, ``matrix://``, ``ntfy://``…) get a message for people
instead: a title, what changed (the sentences before and after), and a link to the capture.
A failed delivery is retried ``NotifyConfig.retries`` times with exponential backoff; every
delivery and every failure is one log line. Captures never wait for a notification.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import requests

from archiver.config import DEFAULT_USER_AGENT, NotifyConfig
from archiver.errors import ConfigError
from archiver.index import Index, from_db_time, to_db_time
from archiver.models import Event
from archiver.report.detail import changes, evidence_items, number_line
from archiver.report.shape import event_json, iso

logger = logging.getLogger(__name__)

#: 4xx answers that may succeed later; any other 4xx means the request itself is wrong.
_RETRYABLE_4XX = frozenset({408, 409, 425, 429})
_STDERR_TAIL = 300  # characters of a failing command's stderr kept in the log line
#: Most events a restarted daemon sends that were recorded while nothing was notifying.
MAX_CATCH_UP = 1000
#: The index ``meta`` key holding the last event notified (``notified_mark``).
META_NOTIFIED = "notify.handled"
#: Changes listed in a message for people; the capture link has the rest.
MESSAGE_CHANGES = 3

Link = Callable[[str], str]


class DeliveryError(Exception):
    """One attempt to deliver failed; ``retry`` says whether another attempt may succeed."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


def event_payload(event: Event) -> bytes:
    """The JSON body sent for ``event`` (one element of the report's ``events`` array)."""
    return json.dumps(event_json(event), ensure_ascii=False).encode("utf-8")


def notified_mark(event_id: int, detected_at: datetime) -> str:
    """The watermark of the last event notified, as kept in the index: ``"<id> <detected_at>"``."""
    return f"{event_id} {to_db_time(detected_at)}"


def unnotified(index: Index, mark: str, *, limit: int = MAX_CATCH_UP) -> list[Event]:
    """Events recorded after ``mark`` (a ``notified_mark``), oldest first; the newest ``limit`` only."""
    last_id, _, since = mark.partition(" ")
    events = [e for e in index.events_since(from_db_time(since)) if e.id > int(last_id or 0)]
    if len(events) > limit:
        logger.warning("notify: %d events were never notified; sending the last %d", len(events), limit)
        events = events[-limit:]
    return events


def event_message(event: Event, link: Link | None = None) -> tuple[str, str]:
    """A message for people: ``(title, body)``. The title says what happened to which URL; the
    body gives the summary, the changed sentences before and after (or the evidence of a
    takedown), and the capture's link."""
    title = f"archiver: {event.type} — {event.url}"
    lines = [f"{event.url} was {event.type} ({event.reason}): {event.summary}", f"Detected {iso(event.detected_at)}."]
    if event.diff is not None:
        items = changes(event.diff)
        for item in items[:MESSAGE_CHANGES]:
            numbers = number_line(item)
            lines += ["", item.label + (f": {numbers}" if numbers else "")]
            if item.before:
                lines.append(f"Before: {item.before}")
            if item.after:
                lines.append(f"After: {item.after}")
        if len(items) > MESSAGE_CHANGES:
            lines += ["", f"… and {len(items) - MESSAGE_CHANGES} more changes."]
    elif event.evidence:
        lines += [""] + [f"{k}: {v}" for k, v in evidence_items(event.evidence)[:6]]
    if event.capture:
        where = link(event.capture) if link else event.capture
        lines += ["", f"Capture {event.capture}: {where}"]
        if event.previous_capture:
            lines.append(f"Previous capture {event.previous_capture}: {link(event.previous_capture) if link else event.previous_capture}")
    return title, "\n".join(lines)


class AppriseChannel:
    """Sends each event as a readable message to Apprise URLs (mail, Slack, Matrix, ntfy, …)."""

    def __init__(self, urls: Sequence[str], link: Link | None = None) -> None:
        self.link = link
        # Apprise logs through the standard library; without a handler its warnings would reach
        # stderr raw. Our own lines say what failed (a refused URL here, a failed delivery later).
        quiet = logging.getLogger("apprise")
        if not quiet.handlers:
            quiet.addHandler(logging.NullHandler())
        import apprise  # only when Apprise URLs are configured: every command imports this module

        self.apprise = apprise.Apprise()
        for url in urls:
            if not self.apprise.add(url):
                raise ConfigError(f"notify.urls: {url.split('://')[0]}://… is not a URL Apprise knows")

    @property
    def name(self) -> str:
        return "apprise"

    def send(self, event: Event, payload: bytes) -> None:
        title, body = event_message(event, self.link)
        if not self.apprise.notify(title=title, body=body):
            raise DeliveryError("apprise: at least one service did not take the message")


@dataclass(frozen=True, slots=True)
class CommandChannel:
    """Runs ``command`` through the shell with the event's JSON on stdin.

    The event's id, type and URL are also in ``ARCHIVER_EVENT_ID``, ``ARCHIVER_EVENT_TYPE`` and
    ``ARCHIVER_EVENT_URL``, for one-line commands that need no JSON parser.
    """

    command: str
    timeout: float

    @property
    def name(self) -> str:
        return "command"

    def send(self, event: Event, payload: bytes) -> None:
        env = dict(os.environ, ARCHIVER_EVENT_ID=str(event.id), ARCHIVER_EVENT_TYPE=str(event.type),
                   ARCHIVER_EVENT_URL=event.url)
        try:
            done = subprocess.run(self.command, shell=True, input=payload, capture_output=True,
                                  timeout=self.timeout, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise DeliveryError(f"command timed out after {self.timeout:g}s") from None
        except OSError as exc:
            raise DeliveryError(f"command could not start: {exc}") from None
        if done.returncode != 0:
            tail = done.stderr.decode("utf-8", "replace").strip()[-_STDERR_TAIL:]
            raise DeliveryError(f"command exited {done.returncode}" + (f": {tail}" if tail else ""))


class WebhookChannel:
    """POSTs the event's JSON to ``url`` (``requests``: the proxy and CA-bundle variables apply)."""

    def __init__(self, url: str, timeout: float, user_agent: str = DEFAULT_USER_AGENT) -> None:
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": user_agent, "Content-Type": "application/json"})

    @property
    def name(self) -> str:
        return "webhook"

    def send(self, event: Event, payload: bytes) -> None:
        try:
            response = self.session.request("POST", self.url, data=payload, timeout=self.timeout)
        except requests.RequestException as exc:  # a webhook is an output channel, not a capture
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        with response:
            if 200 <= response.status_code < 300:
                return
            retry = response.status_code >= 500 or response.status_code in _RETRYABLE_4XX
            raise DeliveryError(f"webhook answered HTTP {response.status_code}", retry=retry)

    def close(self) -> None:
        self.session.close()


Channel = CommandChannel | WebhookChannel | AppriseChannel
_CLOSE = object()


class Notifier:
    """A queue of events and one thread delivering them to every configured channel.

    ``backoff`` is the first retry delay in seconds; it doubles on each retry. Once ``close``
    is called, queued events get one attempt each and no more retries.
    """

    def __init__(
        self, config: NotifyConfig, *, backoff: float = 1.0, user_agent: str = DEFAULT_USER_AGENT, link: Link | None = None
    ) -> None:
        self.config = config
        self.backoff = backoff
        self.channels: list[Channel] = []
        if config.command:
            self.channels.append(CommandChannel(config.command, config.timeout))
        if config.webhook:
            self.channels.append(WebhookChannel(config.webhook, config.timeout, user_agent))
        if config.urls:
            self.channels.append(AppriseChannel(config.urls, link))
        self._queue: queue.Queue[object] = queue.Queue()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self.delivered = 0
        self.failed = 0
        #: The last event handled (delivered, or given up on): (id, detected_at). Events are
        #: handled in the order submitted, so every event submitted before it is handled too.
        self.handled: tuple[int, datetime] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.channels)

    def start(self) -> Notifier:
        if self.enabled and self._thread is None:
            self._thread = threading.Thread(target=self._work, name="archiver-notify", daemon=True)
            self._thread.start()
        return self

    def submit(self, events: Iterable[Event]) -> None:
        """Queue events for delivery; returns at once."""
        if not self.enabled:
            return
        for event in events:
            self._queue.put(event)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every queued event has been handled (for tests and shutdown)."""
        done = threading.Event()

        def waiter() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Deliver what is queued (one attempt each), then stop the thread; wait at most ``timeout``."""
        self._closing.set()
        if self._thread is not None:
            self._queue.put(_CLOSE)
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.error("notifications: %d event(s) not delivered: still busy at shutdown", max(0, self._queue.qsize() - 1))
            self._thread = None
        for channel in self.channels:
            if isinstance(channel, WebhookChannel):
                channel.close()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _CLOSE:
                    return
                assert isinstance(item, Event)
                self.deliver(item)
                self.handled = (item.id, item.detected_at)
            except Exception:  # a bug in one delivery must not end the thread
                logger.exception("notifications: delivery crashed")
            finally:
                self._queue.task_done()

    def deliver(self, event: Event) -> bool:
        """Send one event to every channel, with retries. True when every channel took it."""
        payload = event_payload(event)
        results = [self._deliver_to(channel, event, payload) for channel in self.channels]  # every channel, no short cut
        return all(results)

    def _deliver_to(self, channel: Channel, event: Event, payload: bytes) -> bool:
        attempts = 1 + max(0, self.config.retries)
        for attempt in range(1, attempts + 1):
            try:
                channel.send(event, payload)
            except DeliveryError as exc:
                last = attempt == attempts or not exc.retry or self._closing.is_set()
                if last:
                    logger.error("notify %s event %d (%s %s) failed after %d attempt(s): %s",
                                 channel.name, event.id, event.type, event.url, attempt, exc)
                    self.failed += 1
                    return False
                delay = self.backoff * 2 ** (attempt - 1)
                logger.warning("notify %s event %d (%s %s) attempt %d failed: %s; retrying in %gs",
                               channel.name, event.id, event.type, event.url, attempt, exc, delay)
                self._closing.wait(delay)
                continue
            logger.info("notify %s event %d (%s %s) delivered", channel.name, event.id, event.type, event.url)
            self.delivered += 1
            return True
        return False


# --------------------------------------------------------------------------- one-shot commands


def first_mark(index: Index, now: datetime, *, new: int = 0) -> str:
    """The mark for a data directory where nothing was ever notified. Says what backlog it skips:
    the events recorded before notifications were switched on (``new`` of them, just recorded by
    the command that is notifying, are sent)."""
    earlier = index.event_count() - new
    if earlier > 0:
        logger.warning(
            "notify: notifications are on for the first time here: %s recorded before now %s not sent (see "
            "`archiver report`); every new event from now on is sent",
            f"{earlier} earlier event" + ("" if earlier == 1 else "s"), "is" if earlier == 1 else "are",
        )
    else:
        logger.info("notify: notifications are on; no earlier events to skip")
    return notified_mark(0, now)


def deliver_now(index: Index, notifier: Notifier, new: Sequence[Event], *, now: datetime, wait: float) -> None:
    """For ``archiver check`` (from cron, say): send ``new`` and every event not notified yet,
    the way the daemon would, wait up to ``wait`` seconds for delivery, and move the mark."""
    if not notifier.enabled:
        return
    mark = index.get_meta(META_NOTIFIED)
    if mark is None:
        index.set_meta(META_NOTIFIED, first_mark(index, min((e.detected_at for e in new), default=now), new=len(new)))
        events = list(new)
    else:
        events = unnotified(index, mark)
        if len(events) > len(new):
            more = len(events) - len(new)
            logger.info("notify: also sending %d event%s recorded since the last notification", more, "" if more == 1 else "s")
    if not events:
        return
    notifier.start()
    try:
        notifier.submit(events)
        if not notifier.wait_idle(wait):
            logger.error("notify: deliveries still running after %gs; the rest go out with the next check", wait)
    finally:
        notifier.close(timeout=1.0)
    if notifier.handled is not None:
        index.set_meta(META_NOTIFIED, notified_mark(*notifier.handled))
