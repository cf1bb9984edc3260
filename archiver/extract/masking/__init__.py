"""Normalisation: mask what changes without meaning, keep what carries it.

``normalise(paragraph)`` is applied to every paragraph that ``extract`` produces (HTML, PDF, JSON
values, plain text), so two captures compare equal when only noise differs. Masks replace the noise
with stable tokens (``[date]``, ``[time]``, ``[ago]``, ``[n]``, ``[token]``), which keeps the
sentence around them comparable. The function is idempotent.

Masked everywhere: whitespace, zero-width characters, smart quotes, HTML markup and entities,
relative times up to days in seven languages (``RELATIVE_TIMES``: "2 hours ago", "il y a 10 min",
"hace 5 minutos", "vor 3 Stunden", "3 ore fa", "há 2 horas", "10 minuten geleden", "just now",
"gerade eben"), clock times ("10:42 AM ET", ISO times), stamps introduced by a cue ("Updated …",
"Last updated: …", "Mis à jour le …", "Aktualisiert am …", "Today is …"), tokens (UUIDs, long
hex/base64 runs), volatile query parameters in URLs (cache-busters, session ids), unmistakable
counters ("1.2K views", "Kommentare: 12", "👁 1,2 Mio"), reading times ("5 min read").

Masked in UI lines only: in a short line that is not a sentence (``_is_label``), or where count and
noun fill a segment between separators ("By X · 13,725 views · 110 shares"), any count next to a
counter noun of ``COUNTER_NOUNS`` (a multilingual table), compact relative times ("2h", "5d") and
relative times of weeks or more. A headline and a table row are content: only the unmistakable
forms are masked there.

Kept (content): percentages and numbers in prose and table cells, quotes, names, and absolute dates
inside a sentence ("the vote on Dec. 8"). A paragraph that is *only* a date, or a date with a clock
time, is a stamp: masked in the body, kept in the article's header zone (``keep_dates=True``), where
it is the dateline (fixture ``news_article.html``: "Published Nov. 20, 2026" is content, the
"Last updated: November 23, 2026 8:42 AM ET" line at the end of the body is noise).

The word tables live in ``tables``, the date and counter passes in ``dates`` and ``counters``;
this module holds characters, URLs, tokens and ``normalise``, the whole pass.
"""

from __future__ import annotations

import html
import itertools
import logging
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .counters import counter_attribute, mask_counters
from .dates import DATE_PATTERN, DIGIT, INTL_DATE_PATTERN, INTL_MONTH_PATTERN, mask_dates
from .tables import (
    AGO_HINTS,
    COUNTER_ICONS,
    COUNTER_NOUNS,
    RELATIVE_TIMES,
    SHORT_LABEL_WORDS,
    STRICT_COUNTER_NOUNS,
    VOLATILE_PARAMS,
)
from .tables import SEPARATORS as SEPARATORS

logger = logging.getLogger(__name__)

__all__ = [
    "COUNTER_ICONS",
    "COUNTER_NOUNS",
    "DATE_PATTERN",
    "INTL_DATE_PATTERN",
    "INTL_MONTH_PATTERN",
    "RELATIVE_TIMES",
    "STRICT_COUNTER_NOUNS",
    "collapse",
    "counter_attribute",
    "is_volatile_key",
    "mask_url",
    "normalise",
]

# doctest.testmod(masking) runs this re-exported function's examples too.
__test__ = {"counter_attribute": counter_attribute}

# --------------------------------------------------------------------------- characters

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\ufe0e\ufe0f"), None)
_QUOTES = {
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u301d\u301e"), '"'),
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u2039\u203a`\u00b4"), "'"),
    # Dashes: an en dash and a hyphen swap with the CMS's typography settings, not with the text.
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2212"), "-"),
}
_TRANSLATE = {**_ZERO_WIDTH, **_QUOTES}
# Markup left in text (an escaped body in JSON, a feed's description): only HTML's own element names,
# so text that merely looks like a tag ("|-- <config files>" in a code listing) stays.
_HTML_TAGS = (
    "a|abbr|address|article|aside|audio|b|blockquote|body|br|button|caption|cite|code|dd|del|details|div|dl|dt"
    "|em|embed|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|ins|label|li|link"
    "|main|mark|meta|nav|noscript|object|ol|option|p|picture|pre|q|s|script|section|select|small|source|span"
    "|strike|strong|style|sub|summary|sup|svg|table|tbody|td|textarea|tfoot|th|thead|time|title|tr|u|ul|video|wbr"
)
_TAG = re.compile(rf"</?(?:{_HTML_TAGS})(?:[\s/][^<>]{{0,300}})?>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]{2,8});")


def collapse(text: str) -> str:
    """Unicode compatibility form, straight quotes, no zero-width characters, single spaces.

    >>> collapse("\u201cHi\u201d\u00a0 there\u200b\\n")
    '"Hi" there'
    """
    if not text.isascii():  # ASCII is already NFKC and has no curly quotes: skip the work
        text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    return " ".join(text.split())


# --------------------------------------------------------------------------- urls

_URL = re.compile(r"\bhttps?://[^\s<>\"')\]]+", re.IGNORECASE)
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)


def is_volatile_key(name: str) -> bool:
    """Whether a query parameter (or JSON key) name is a cache-buster, session id or signature.

    >>> is_volatile_key("utm_source"), is_volatile_key("cb"), is_volatile_key("id")
    (True, True, False)
    """
    lname = name.lower()
    return lname in VOLATILE_PARAMS or lname.startswith(("utm_", "gaa_", "x-amz-"))


def mask_url(url: str) -> str:
    """``url`` without volatile query parameters or path session ids.

    >>> mask_url("https://e.example/r.pdf?id=7&cb=1763912527&sessionid=ab12;x")
    'https://e.example/r.pdf?id=7'
    """
    url = _PATH_SESSION.sub("", url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_volatile_key(k)]
    return urlunsplit(parts._replace(query=urlencode(kept, safe="/:,")))


# --------------------------------------------------------------------------- tokens

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
_TOKEN_CANDIDATE = re.compile(r"(?<![\w-])[A-Za-z0-9_+/-]{16,}={0,2}(?![\w-])")


def _looks_random(run: str) -> bool:
    # Tokens (hashes, nonces, base64 ids) switch character class far more often than words, slugs
    # or CamelCase names: ~0.6 per character for random base64, 0.31 for "TransitLevyPoll2026Results"
    # (tests/test_extract.py). Hex runs are tokens outright. Hyphens and underscores count as lower
    # case so slugs stay.
    if not any(c.isdigit() for c in run):
        return False
    core = run.rstrip("=")
    if len(core) >= 16 and all(c in "0123456789abcdefABCDEF" for c in core):
        return True  # hex: a hash or an id
    if len(core) < 20:
        return False

    def cls(c: str) -> int:
        return 2 if c.isdigit() else 1 if c.isupper() else 0

    switches = sum(cls(a) != cls(b) for a, b in itertools.pairwise(core))
    return switches / len(core) >= 0.4


def _mask_tokens(text: str) -> str:
    text = _UUID.sub("[token]", text)
    return _TOKEN_CANDIDATE.sub(lambda m: "[token]" if _looks_random(m.group()) else m.group(), text)


# --------------------------------------------------------------------------- the whole pass


def _is_label(text: str) -> bool:
    """A short UI line, not a sentence: at most SHORT_LABEL_WORDS words, and not 4+ words ending
    in sentence punctuation ("He won 300 likes." is prose; "345 likes · 12 comments" a label)."""
    words = text.split()
    if len(words) > SHORT_LABEL_WORDS:
        return False
    return len(words) < 4 or text.rstrip()[-1:] not in ".!?"


def normalise(text: str, *, keep_dates: bool = False, headline: bool = False, table: bool = False) -> str:
    """The masking applied to every paragraph; ``keep_dates`` for the article's header zone,
    ``headline`` for the title and ``table`` for a table row ("cell | cell"): both are content, so
    the short-UI-line rules (counters, compact times like "2h") do not apply there.

    >>> normalise("Updated 5 minutes ago \u00b7 1.2K views")
    'Updated [date] \u00b7 [n] views'
    >>> normalise("By Ana Ruiz \u00b7 13.725 visitas \u00b7 hace 3 horas")
    'By Ana Ruiz \u00b7 [n] visitas \u00b7 [ago]'
    >>> normalise("Support slipped to 59%, the poll of 812 voters found.")
    'Support slipped to 59%, the poll of 812 voters found.'
    >>> normalise("Last updated: November 23, 2026 8:42 AM ET")
    'Last updated: [date]'
    >>> normalise("Nov. 20, 2026 at 9:00 a.m."), normalise("Nov. 20, 2026 at 9:00 a.m.", keep_dates=True)
    ('[date]', 'Nov. 20, 2026 at [time]')
    >>> normalise("\u201cWe are confident,\u201d she said.")
    '"We are confident," she said.'
    """
    if not text:
        return ""
    text = collapse(text)
    if "&" in text and _ENTITY.search(text):
        text = collapse(html.unescape(text))
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "://" in text:
        text = _URL.sub(lambda m: mask_url(m.group()), text)
    if not DIGIT.search(text):  # no digit: no clock, count, token or absolute date to mask
        low = text.lower()
        padded = f" {low} "  # built once, not once per hint
        if any(hint in padded for hint in AGO_HINTS):
            text = mask_dates(text, low, keep_dates, not (headline or table) and _is_label(text))
        return " ".join(text.split())
    if max(map(len, text.split()), default=0) >= 16:  # a word of 16+ characters (in C, not a generator)
        text = _mask_tokens(text)
    label = not (headline or table) and _is_label(text)
    low = text.lower()
    text = mask_dates(text, low, keep_dates, label)
    text = mask_counters(text, text.lower(), label=label, strict=headline or table)
    return " ".join(text.split())
