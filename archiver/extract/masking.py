"""Normalisation: mask what changes without meaning, keep what carries it.

``normalise(paragraph)`` is applied to every paragraph that ``extract`` produces (HTML, PDF, JSON
values, plain text), so two captures compare equal when only noise differs. Masks replace the noise
with stable tokens (``[date]``, ``[time]``, ``[ago]``, ``[n]``, ``[token]``), which keeps the
sentence around them comparable. The function is idempotent.

Masked everywhere: whitespace, zero-width characters, smart quotes, HTML markup and entities,
relative times ("2 hours ago"), clock times ("10:42 AM ET", ISO times), stamps introduced by a
cue ("Updated …", "Last updated: …", "Today is …", "Page generated at …"), tokens (UUIDs, long
hex/base64 runs), volatile query parameters in URLs (cache-busters, session ids), UI counters
("1.2K views", "Shares: 30", "12 comments" in a short label), reading times ("5 min read").

Kept (content): percentages and numbers in prose, quotes, names, and absolute dates inside a
sentence ("the vote on Dec. 8"). A paragraph that is *only* a date, or a date with a clock time, is
a stamp: masked in the body, kept in the article's header zone (``keep_dates=True``), where it is
the dateline (fixture ``news_article.html``: "Published Nov. 20, 2026" is content, the
"Last updated: November 23, 2026 8:42 AM ET" line at the end of the body is noise).
"""

from __future__ import annotations

import html
import itertools
import logging
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

logger = logging.getLogger(__name__)

__all__ = ["DATE_PATTERN", "collapse", "is_volatile_key", "mask_url", "normalise"]

# --------------------------------------------------------------------------- characters

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_QUOTES = {
    **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u301d\u301e"), '"'),
    **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u2039\u203a`\u00b4"), "'"),
    # Dashes: an en dash and a hyphen swap with the CMS's typography settings, not with the text.
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2212"), "-"),
}
_TRANSLATE = {**_ZERO_WIDTH, **_QUOTES}
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,300}>|<!--.*?-->", re.DOTALL)
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

# Query parameters that bust caches, carry sessions or sign a URL: never content. `v`/`ver` are
# included because `?v=20261123` on assets and attachments is a cache-buster far more often than a
# content selector (fixture press_release.html, the report link).
_VOLATILE_PARAMS = frozenset(
    [
        "_",
        "__",
        "cb",
        "cachebust",
        "cachebuster",
        "nocache",
        "cache",
        "bust",
        "rand",
        "random",
        "rnd",
        "ts",
        "t",
        "timestamp",
        "time",
        "v",
        "ver",
        "sid",
        "session",
        "sessionid",
        "session_id",
        "jsessionid",
        "phpsessid",
        "aspsessionid",
        "cfid",
        "cftoken",
        "token",
        "nonce",
        "csrf",
        "_csrf",
        "sig",
        "signature",
        "expires",
        "x-amz-signature",
        "x-amz-date",
        "x-amz-credential",
        "x-amz-security-token",
        "x-goog-signature",
        "hmac",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref_src",
        "ref_url",
    ]
)
_URL = re.compile(r"\bhttps?://[^\s<>\"')\]]+", re.IGNORECASE)
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)


def is_volatile_key(name: str) -> bool:
    """Whether a query parameter (or JSON key) name is a cache-buster, session id or signature.

    >>> is_volatile_key("utm_source"), is_volatile_key("cb"), is_volatile_key("id")
    (True, True, False)
    """
    lname = name.lower()
    return lname in _VOLATILE_PARAMS or lname.startswith(("utm_", "gaa_", "x-amz-"))


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


# --------------------------------------------------------------------------- dates and times

# UI labels and stamps are short; prose is long. In a paragraph of at most this many words every
# "<number> <counter noun>" is a counter ("12 comments" in news_article.html's share bar) and every
# clock time is a clock; in prose only the unmistakable forms are masked ("1.2K views",
# "Views: 1,234", "10:42:07", ISO times), so "the agency received 12 comments on the rule" and
# "polls close at 8 p.m." stay content.
SHORT_LABEL_WORDS = 12

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s+)"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:{_WEEKDAY}?(?:{_MONTH}\s+{_DAY},?\s+\d{{4}}|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}|{_MONTH}\s+{_DAY}(?!\d)))"
)
_TZ = r"(?:\s*(?:[ECMP][SD]?T|GMT|UTC|BST|CES?T|IST|JST|AE[SD]T|Z|[+-]\d{2}:?\d{2})(?![A-Za-z]))"
_CLOCK = (
    rf"(?:(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:\s*[ap]\.?\s?m\.?(?![a-z]))?(?:{_TZ}|(?![\d:]))"
    rf"|\b(?:1[0-2]|0?\d)\s*[ap]\.?\s?m\.?(?![a-z]){_TZ}?)"
)
#: An absolute date in the forms this module knows ("Nov. 20, 2026", "20 November 2026", ISO, …).
DATE_PATTERN = _DATE
_DATE_Y = (  # an absolute date with a year: the form page stamps take
    rf"(?:{_WEEKDAY}?(?:{_MONTH}\s+{_DAY},?\s+\d{{4}}|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}))"
)
_STAMP_SEP = (
    r"(?:,?\s*(?:at\s+)?|T|\s+[-@|\u2013\u2014]\s+)"  # "Nov 23, 2026 at 8:42", "…T08:42", "… - 10:42am"
)
_UNIT = (
    r"(?:sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|weeks?|wks?|months?|mos?|years?|yrs?|[smhdwy])"
)
_AGO = re.compile(
    rf"\b(?:(?:\d+|an?|one|two|three|four|five|few|several)\s*{_UNIT}\s+ago|just now|moments? ago)\b",
    re.IGNORECASE,
)
_TIME = re.compile(_CLOCK, re.IGNORECASE)
_DATE_TIME = re.compile(rf"({_DATE_Y})({_STAMP_SEP})(?:{_CLOCK})", re.IGNORECASE)
# "Updated 2 hours ago", "Last updated: November 23, 2026 8:42 AM ET", "Today is Monday, …": the
# cue says the stamp is the page's clock, not the article's (fixture news_article.html). Relative
# and absolute stamps both become "[date]", so a site switching "2 hours ago" to "Nov. 23" is noise.
_CUE = (
    r"(?:(?:last\s+|page\s+)?(?:updated|modified|edited|revised|refreshed|generated|rendered|retrieved)"
    r"(?:\s+(?:on|at))?|today\s+is|today|current\s+time|as\s+of\s+now)"
)
_STAMP_AFTER_CUE = re.compile(
    rf"\b({_CUE})(\s*:?\s*)(?:\[ago\]|{_DATE}(?:{_STAMP_SEP}(?:{_CLOCK}))?|{_CLOCK})", re.IGNORECASE
)
_ONLY_DATE = re.compile(rf"^\W*(?:{_DATE})(?:,?\s*(?:at\s+)?\[time\])?\W*$", re.IGNORECASE)
_READING_TIME = re.compile(r"\b\d+\s*(min(?:ute)?s?\.?\s+read)\b", re.IGNORECASE)


def _mask_dates(text: str, low: str, keep_dates: bool) -> str:
    # Each family runs only when a cheap test says it can match: normalise runs on every paragraph
    # of every page of a batch re-check, and most paragraphs hold no date at all.
    short = len(text.split()) <= SHORT_LABEL_WORDS
    if "ago" in low or "just now" in low:
        text = _AGO.sub("[ago]", text)
    has_clock = ":" in text or bool(_AMPM_QUICK.search(text))
    if any(cue in low for cue in _CUE_WORDS):
        text = _STAMP_AFTER_CUE.sub(lambda m: f"{m.group(1)}{m.group(2)}[date]", text)
    if not has_clock or not _DIGIT.search(text):
        if not keep_dates and short and _ONLY_DATE.match(text):
            return "[date]"
        return text

    # A date joined to a clock time in a short line, or in machine form (ISO "T", seconds), is a
    # timestamp; in the header zone its date part is the dateline and stays.
    def stamp(m: re.Match[str]) -> str:
        date, sep = m.group(1), m.group(2)
        machine = sep in ("T", "t") or m.group().count(":") > 1
        if not (short or machine):
            return m.group()  # prose: "the vote on Dec. 8, 2026 at 8 p.m."
        if keep_dates:
            return f"{date}{' ' if sep in ('T', 't') else sep}[time]"
        return "[date]"

    text = _DATE_TIME.sub(stamp, text)

    # A clock time alone in a short line is a clock; with seconds it is a machine stamp. In prose
    # ("polls close at 8 p.m.") it is content.
    def clock(m: re.Match[str]) -> str:
        return "[time]" if short or m.group().count(":") > 1 else m.group()

    text = _TIME.sub(clock, text)
    if not keep_dates and short and _ONLY_DATE.match(text):
        text = "[date]"  # a stamp on its own line, outside the header zone
    return text


_DIGIT = re.compile(r"\d")
_AMPM_QUICK = re.compile(r"\d\s?[aApP]\.?\s?[mM]")
_CUE_WORDS = ("updated", "modified", "edited", "revised", "refreshed", "generated", "rendered", "retrieved",
              "today", "current time", "as of now")  # fmt: skip


# --------------------------------------------------------------------------- counters

_NUM = r"\d{1,3}(?:[,.\u202f ]\d{3})+|\d+(?:\.\d+)?\s?[KkMmBb](?![a-z])|\d+(?:\.\d+)?"
_COUNTER_NOUN = (
    r"(?:views?|likes?|shares?|comments?|replies|reply|reactions?|retweets?|reposts?|favou?rites?"
    r"|followers?|upvotes?|claps?|reads|plays|listens|subscribers?|watching|bookmarks?|saves?)"
)
_COUNT_BEFORE = re.compile(rf"(?<![\w.,])({_NUM})(\s*{_COUNTER_NOUN})\b", re.IGNORECASE)
_COUNT_ABBREV_BEFORE = re.compile(
    rf"(?<![\w.,])(\d+(?:\.\d+)?\s?[KkMmBb])(\s*{_COUNTER_NOUN})\b", re.IGNORECASE
)
_COUNT_AFTER = re.compile(rf"\b({_COUNTER_NOUN})(\s*(?::|\()\s*)({_NUM})(?![\w%])", re.IGNORECASE)


def _mask_counters(text: str, low: str) -> str:
    if not any(stem in low for stem in _COUNTER_STEMS):
        return text
    text = _COUNT_AFTER.sub(lambda m: f"{m.group(1)}{m.group(2)}[n]", text)
    counter = _COUNT_BEFORE if len(text.split()) <= SHORT_LABEL_WORDS else _COUNT_ABBREV_BEFORE
    text = counter.sub(lambda m: f"[n]{m.group(2)}", text)
    return _READING_TIME.sub(lambda m: f"[n] {m.group(1)}", text) if "read" in low else text


_COUNTER_STEMS = ("view", "like", "share", "comment", "repl", "reaction", "retweet", "repost", "favo",
                  "follower", "upvote", "clap", "read", "play", "listen", "subscriber", "watching",
                  "bookmark", "save")  # fmt: skip


# --------------------------------------------------------------------------- the whole pass


def normalise(text: str, *, keep_dates: bool = False) -> str:
    """The masking applied to every paragraph; ``keep_dates`` for the article's header zone.

    >>> normalise("Updated 5 minutes ago \u00b7 1.2K views")
    'Updated [date] \u00b7 [n] views'
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
    if not _DIGIT.search(text):  # no digit: no clock, count, token or absolute date to mask
        low = text.lower()
        if "ago" in low or "just now" in low:
            text = _mask_dates(text, low, keep_dates)
        return " ".join(text.split())
    if any(len(word) >= 16 for word in text.split()):
        text = _mask_tokens(text)
    low = text.lower()
    text = _mask_dates(text, low, keep_dates)
    text = _mask_counters(text, text.lower())
    return " ".join(text.split())
