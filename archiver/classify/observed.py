"""Classify stage: what one observation shows, read once in the shapes the rules need.

``page_view`` turns the capture into title, headings and visible text (the extracted
``TextVersion`` when it has text, else the HTML's own visible text, so rules still work when
extraction found nothing); the other helpers answer questions about the redirect chain and
the source's earlier landing URL. Nothing here decides a verdict.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from archiver.errors import UrlError
from archiver.models import (
    Diff,
    FetchResult,
    Observation,
    Outcome,
    PostState,
    SourceHistory,
    SourceStatus,
    TextStatus,
    TextVersion,
    Verdict,
    count_words,
)
from archiver.urls import canonical, is_short_link

from .similarity import relatedness

#: A classification rule: a small documented function returning a finding or None.
Rule = Callable[[SourceHistory, Observation, Diff | None], Verdict | None]

# Marker pages (not-found, parked, bot-check) put their tell-tales near the top; a multi-MB
# page is an article, and scanning 512 KB keeps a rule's cost bounded.
HTML_SCAN_BYTES = 512_000

_DROP = re.compile(r"<(script|style|noscript|template|svg|head)\b.*?</\1\s*>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.DOTALL | re.IGNORECASE)
_HEADING = re.compile(r"<h([12])\b[^>]*>(.*?)</h\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_QUOTES = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2013", "-"))


def normalise(text: str) -> str:
    """Lower-cased, typographic quotes made plain, whitespace collapsed: the form markers match.

    >>> normalise("Oops!  That page can\u2019t be\\nfound.")
    "oops! that page can't be found."
    """
    if not text.isascii():  # ASCII has no typographic quotes: five scans saved
        for typographic, plain in _QUOTES:  # str.replace: much faster than str.translate on long pages
            text = text.replace(typographic, plain)
    return " ".join(text.split()).lower()  # what \s+ -> " " and strip() make, in a third of the time


class PageView:
    """A capture's page as marker-matching rules read it; every string is ``normalise``d.

    ``title``, ``headings``, ``text`` and ``words`` are read when the view is made; ``visible``
    and ``html`` (the costly two: the whole page's visible text is ~1.7 ms of a 70 KB article)
    only when a rule asks, which on most checks none does (an article's long text sends the
    wall, parking and paywall rules away first). Either way each is the same string.
    A view read in a reading process comes back without its page (``__getstate__``) and is
    given it again by ``adopt``."""

    __slots__ = ("_dropped", "_html", "_raw", "_visible", "headings", "text", "title", "words")

    def __init__(
        self, title: str, headings: tuple[str, ...], text: str, words: int, *, raw: str = "", dropped: str | None = None,
        visible: str | None = None, html: str | None = None,
    ) -> None:
        self.title = title
        self.headings = headings  # <h1>/<h2> texts, in order
        self.text = text  # the extracted main text, else the page's visible text
        self.words = words  # words in ``text``
        self._raw = raw  # the decoded body when it is HTML, else ""
        self._dropped = dropped  # the HTML without scripts, styles, head, comments (None: not read)
        self._visible = visible
        self._html = html

    @property
    def visible(self) -> str:
        """All visible text of the HTML (boilerplate included); "" without HTML."""
        if self._visible is None:
            self._visible = _plain(self._without_code()) if self._raw else ""
        return self._visible

    @property
    def html(self) -> str:
        """The raw HTML (capped at HTML_SCAN_BYTES), lower-cased; "" without HTML."""
        if self._html is None:
            self._html = self._raw.lower()
        return self._html

    def _without_code(self) -> str:
        if self._dropped is None:
            self._dropped = _DROP.sub(" ", self._raw)
        return self._dropped

    @property
    def lead(self) -> str:
        """Title, headings and the first 60 words: where a not-found page says so."""
        return " | ".join([self.title, *self.headings, " ".join(self.text.split(maxsplit=60)[:60])])

    def __getstate__(self) -> dict[str, object]:
        """What goes back from a reading process: the read parts, not the page (``adopt``)."""
        return {"title": self.title, "headings": self.headings, "text": self.text, "words": self.words,
                "visible": self._visible, "html": self._html}  # fmt: skip

    def __setstate__(self, state: dict[str, object]) -> None:
        self._raw, self._dropped = "", None
        for name, value in state.items():
            setattr(self, name if name in ("title", "headings", "text", "words") else f"_{name}", value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PageView):
            return NotImplemented
        mine = (self.title, self.headings, self.text, self.words, self.visible, self.html)
        return mine == (other.title, other.headings, other.text, other.words, other.visible, other.html)

    __hash__ = None  # type: ignore[assignment]  # mutable caches: not a dict key

    def __repr__(self) -> str:
        return f"PageView(title={self.title!r}, headings={self.headings!r}, words={self.words})"


def decode_body(result: FetchResult) -> str:
    """The final body as text: UTF-8, else Windows-1252 when UTF-8 leaves many bad bytes."""
    data = result.content
    if not data and result.final is not None:
        encoding = (result.final.header("Content-Encoding") or "identity").lower()
        data = result.final.body if encoding in ("", "identity") else b""
    data = data[:HTML_SCAN_BYTES]
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(3, len(text) // 200):
        text = data.decode("cp1252", errors="replace")
    return text


def page_view(observation: Observation) -> PageView:
    """Read the observation's page once: title, headings, main or visible text, raw HTML (kept
    on the observation: half a dozen rules and the status ask for it on every check)."""
    view = observation.views.get("page")
    if not isinstance(view, PageView):
        view = observation.views["page"] = _read_view(observation)
    return view


def adopt(view: PageView, observation: Observation) -> PageView:
    """``view``, read in a reading process from this observation's page, given the page again
    (for ``visible`` and ``html``, should a rule ask) and kept on the observation."""
    if view._raw == "" and (view._visible is None or view._html is None):
        raw, is_html = _body(observation)
        view._raw = raw if is_html else ""
    observation.views["page"] = view
    return view


def _body(observation: Observation) -> tuple[str, bool]:
    raw = decode_body(observation.result) if observation.result.outcome in (Outcome.OK, Outcome.TOO_LARGE, Outcome.HTTP_ERROR) else ""
    return raw, "<" in raw[:2000] and re.search(r"<(html|body|head|title|div|p)\b", raw[:20000], re.IGNORECASE) is not None


def _read_view(observation: Observation) -> PageView:
    tv = observation.text
    raw, is_html = _body(observation)
    title = ""
    visible: str | None = None
    dropped: str | None = None
    headings: tuple[str, ...] = ()
    if is_html:
        m = _TITLE.search(raw)
        title = _plain(m.group(1)) if m else ""
        dropped = _DROP.sub(" ", raw)
        headings = tuple(h for h in (_plain(g[1]) for g in _HEADING.findall(dropped)) if h)
    else:
        visible = normalise(raw) if raw and tv.kind in ("text", "none") else ""
    view = PageView(title, headings, "", 0, raw=raw if is_html else "", dropped=dropped, visible=visible,
                    html=None if is_html else "")  # fmt: skip
    main = normalise(tv.text) if tv.status is TextStatus.OK and tv.paragraphs else view.visible
    # Extractors often title a page by its <h1>: keep the HTML <title> and count theirs as a heading.
    extracted = normalise(tv.title)
    if extracted and extracted != title and extracted not in headings:
        view.headings = (extracted, *headings)
    view.title = title or extracted
    view.text, view.words = main, count_words(main)
    return view


def _plain(fragment: str) -> str:
    return normalise(htmllib.unescape(_TAG.sub(" ", fragment)))


# --------------------------------------------------------------------------- URLs and chains


def same_url(a: str | None, b: str | None) -> bool:
    """Whether two URLs are the same source once canonicalised (tracking parameters, case, port)."""
    if a is None or b is None:
        return False
    return _canon(a) == _canon(b)


def _canon(url: str) -> str:
    try:
        return canonical(url)
    except UrlError:
        return url


_WWW = re.compile(r"^(?:www\d?|m|mobile)\.")
_INDEX = re.compile(r"/(?:index|default)\.(?:html?|php|aspx?|jsp)$", re.IGNORECASE)


def url_key(url: str) -> str:
    """``url`` without the differences a site's own normalisation makes: scheme, ``www.``/``m.``,
    trailing slash, ``index.html``. Two URLs with the same key are the same page.

    >>> url_key("http://www.example.com/a/") == url_key("https://example.com/a")
    True
    """
    parts = urlsplit(_canon(url))
    host = _WWW.sub("", (parts.hostname or "").lower())
    path = _INDEX.sub("/", parts.path).rstrip("/") or "/"
    return f"{host}{path}{'?' + parts.query if parts.query else ''}"


def is_variant(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` up to scheme, ``www.``, trailing slash or ``index.html``: no event."""
    return url_key(a) == url_key(b)


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def origin_url(history: SourceHistory, result: FetchResult) -> str:
    """The URL whose fate is judged: the URL asked for, or for a short link the target it names
    (the first hop past the shorteners), so that the target's own redirects are judged like any page's."""
    if history.is_short_link:
        # No hop past the shorteners recorded: the landing page is all we know of the target.
        return link_target(result.redirects) or result.final_url
    return result.url


def link_target(chain: tuple[str, ...]) -> str | None:
    """The first URL of a redirect chain that is not on a short-link service (t.co → bit.ly → target)."""
    return next((url for url in chain[1:] if not is_short_link(url)), None)


def previous_landing(history: SourceHistory) -> str | None:
    """Where the source landed at its last good capture (after redirects), if known."""
    good = history.last_good
    if good is None:
        return None
    return good.final_url or good.url


def landed_before(history: SourceHistory, url: str) -> bool:
    """Whether the last good capture — or the last capture, when the source is not removed or
    unreachable (so that capture was good too) — already landed on ``url``. A removed source's
    last capture may be the very redirect that removed it: landing there again is no return."""
    landings = [previous_landing(history)]
    previous = history.previous
    failing = history.status in (SourceStatus.REMOVED, SourceStatus.UNREACHABLE)
    if previous is not None and not failing and previous.outcome in (Outcome.OK, Outcome.TOO_LARGE):
        landings.append(previous.final_url or previous.url)
    return any(landed is not None and is_variant(landed, url) for landed in landings)


def reference_text(history: SourceHistory) -> TextVersion | None:
    """The text this check is compared with: the last good text, else the last text seen."""
    for tv in (history.last_good_text, history.previous_text):
        if comparable(tv):
            return tv
    return None


def still_related(history: SourceHistory, text: str, threshold: float, evidence: dict[str, object]) -> bool:
    """Whether ``text`` still shares ``threshold`` or more with the reference text, so a rule
    about lost content stands down; if it shares less, the similarity goes into ``evidence``."""
    old = reference_text(history)
    if old is None:
        return False
    related = relatedness(text, old.text)
    if related >= threshold:
        return True
    evidence["similarity"] = round(related, 3)
    return False


def previous_target(history: SourceHistory) -> str | None:
    """For a short link: the target its last good capture named (the hop after the shortener)."""
    good = history.last_good
    if good is None:
        return None
    return link_target(good.redirects) or good.final_url


def is_redirected(history: SourceHistory, result: FetchResult) -> bool:
    """Whether the page came from somewhere other than the judged origin, beyond normalisation."""
    return not is_variant(origin_url(history, result), result.final_url)


# --------------------------------------------------------------------------- availability


def unchanged(diff: Diff | None) -> bool:
    """Whether the caller's diff found the text unchanged: then it is the same content, and no
    rule that needs the page to have lost its content can fire (the common case, kept cheap)."""
    return diff is not None and not diff.changed


def judged_by_post(observation: Observation) -> bool:
    """Whether the platform's own endpoint has spoken: then the HTML page's look is not evidence."""
    return observation.post is not None and observation.post.state is not PostState.UNKNOWN


def is_page(result: FetchResult) -> bool:
    """Whether the fetch delivered a 2xx page (a capped body counts)."""
    if result.outcome not in (Outcome.OK, Outcome.TOO_LARGE):
        return False
    return result.status is None or 200 <= result.status < 300


def has_long_text(observation: Observation, words: int) -> bool:
    """Whether the extracted main text has more than ``words`` words: an article, not a template.
    Lets rules about small pages (walls, parking pages) skip reading the HTML of long ones."""
    tv = observation.text
    return tv.status is TextStatus.OK and tv.word_count > words


def comparable(tv: TextVersion | None) -> bool:
    """Whether a text version holds words to compare."""
    return tv is not None and tv.status is TextStatus.OK and bool(tv.paragraphs)
