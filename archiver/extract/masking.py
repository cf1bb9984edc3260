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
"""

from __future__ import annotations

import html
import itertools
import logging
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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

# --------------------------------------------------------------------------- characters

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\ufe0e\ufe0f"), None)
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
# clock time is a clock, and (unless it reads as a sentence, see _is_label) every "<number> <counter
# noun>" is a counter ("12 comments" in news_article.html's share bar); in prose only the unmistakable
# forms are masked ("1.2K views", "Views: 1,234", "10:42:07", ISO times), so "the agency received 12
# comments on the rule" and "polls close at 8 p.m." stay content.
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
#: Relative times ("2 hours ago") by language: the rendering of a page's clock, never the article's.
#: Per language: the words before the count ("il y a 10 min"), the words after it ("3 ore fa"), the
#: units up to days, the units of weeks and more, and the phrases with no count ("just now"). Regex
#: fragments over NFKC text with straight apostrophes, matched case-insensitively as whole words.
#: Up to days they are masked everywhere; weeks and more only in short UI lines, because in prose
#: "il y a 3 ans" / "40 years ago" is the writer's, not a ticker. Compact forms ("2h", "5m") only in
#: short UI lines too (``_COMPACT_AGO``).
RELATIVE_TIMES: dict[str, tuple[str, str, str, str, str]] = {
    "en": (
        "",
        "ago",
        r"sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|[smhd]",
        r"weeks?|wks?|months?|mos?|years?|yrs?|[wy]",
        r"just\s+now|(?:a\s+)?moments?\s+ago",
    ),
    "fr": (
        r"il\s+y\s+a",
        "",
        r"s|sec(?:onde)?s?|mn|min(?:ute)?s?|h|heures?|j|jours?",
        r"sem(?:aine)?s?|mois|ans?|années?",
        r"à\s+l'instant|a\s+l'instant",
    ),
    "es": (
        "hace",
        "",
        r"s|seg(?:undo)?s?|min(?:uto)?s?|h|horas?|d|días?|dias?",
        r"semanas?|mes(?:es)?|años?",
        r"hace\s+(?:un\s+)?(?:momento|instantes)|justo\s+ahora",
    ),
    "de": (
        "vor",
        "",
        r"sek(?:unden?)?\.?|min(?:uten?)?\.?|std\.?|stunden?|h|tag(?:en)?",
        r"wochen?|monat(?:en)?|jahr(?:en)?",
        r"gerade\s+eben|soeben",
    ),
    "it": (
        "",
        "fa",
        r"sec(?:ondi|ondo)?|min(?:uti|uto)?|or[ae]|h|giorn[oi]|g",
        r"settiman[ae]|mes[ei]|ann[oi]",
        r"poco\s+fa|proprio\s+ora",
    ),
    "pt": (
        "há",
        "atrás",
        r"s|seg(?:undo)?s?|min(?:uto)?s?|h|horas?|d|dias?",
        r"semanas?|m[eê]s(?:es)?|anos?",
        r"agora\s+mesmo",
    ),
    "nl": (
        "",
        "geleden",
        r"sec(?:onden?)?|seconde|min(?:uten|uut)?|u|uur|uren|dag(?:en)?|d",
        r"weken|week|w|maand(?:en)?|jaar|jaren|j",
        r"zojuist|zonet|zo-even",
    ),
}
#: Count words of the languages above ("an hour ago", "il y a une heure", "vor einer Stunde").
_FEW_WORDS = frozenset({
    "a", "an", "one", "two", "three", "four", "five", "few", "several", "une", "un", "quelques", "una", "unos",
    "unas", "pocos", "pocas", "algunos", "algunas", "ein", "eine", "einer", "einem", "wenigen", "paar", "un'",
    "qualche", "pochi", "poche", "uma", "poucos", "poucas", "alguns", "algumas", "een", "enkele",
})  # fmt: skip
# One regex per shape, each cheap to scan: an anchor word then the count ("il y a 10 min"), or a
# count then the anchor word ("10 minuten geleden"), where the count is any word, checked against
# _FEW_WORDS in _ago(). Units and anchors of all languages share one alternation: "3 ore ago" is
# no language, but no text either.
_N = r"(?:\d+\s*|[^\W\d_]++(?:'|\s+)|ein\s+paar\s+)"  # possessive: no backtracking into words


def _relative(long: bool) -> str:
    rows = RELATIVE_TIMES.values()
    units = "|".join(row[3] if long else row[2] for row in rows)
    before = "|".join(row[0] for row in rows if row[0])
    after = "|".join(row[1] for row in rows if row[1])
    return rf"\b(?:(?:{before})\s+{_N}(?:{units})|{_N}(?:{units})\.?\s+(?:{after}))(?!\w)"


_AGO_PHRASE = re.compile(
    r"\b(?:" + "|".join(row[4] for row in RELATIVE_TIMES.values()) + r")(?!\w)", re.IGNORECASE
)
_AGO = re.compile(_relative(long=False), re.IGNORECASE)
_AGO_LONG = re.compile(_relative(long=True), re.IGNORECASE)


def _ago(m: re.Match[str]) -> str:
    if any(w[0].isdigit() or w in _FEW_WORDS for w in m.group().lower().replace("'", " ").split()):
        return "[ago]"
    return m.group()  # "the hours ago", "vor dem Tag": no count


# The cheap test before the regexes run: a substring each form contains (lower case, padded).
_AGO_HINTS = (" ago", "just now", "il y a ", "instant", "hace ", "ahora", " vor ", "soeben", "gerade eben",
              " fa ", " fa.", " fa,", "proprio ora", "há ", " atrás", "agora mesmo", " geleden", "zojuist", "zonet",
              "zo-even")  # fmt: skip


def _mask_relative(text: str, low: str, label: bool) -> str:
    padded = f" {low} "
    if not any(hint in padded for hint in _AGO_HINTS):
        return text
    text = _AGO_PHRASE.sub("[ago]", _AGO.sub(_ago, text))
    return _AGO_LONG.sub(_ago, text) if label else text


# Compact relative times as feeds, forums and social cards print them ("2h", "5m", "3d", "1w"): no
# space between count and unit. Only in short UI lines, only when nothing but a separator or the
# line's end follows ("the 2h mark" stays), and never as part of a duration ("2h 30m"). At most two
# digits, and no "s" unit: "100m" is a distance and "90s" a decade.
_COMPACT_AGO = re.compile(
    r"(?<![\w.,:/$\u20ac\u00a3\u00a5#+-])\d{1,2}(?:mins?|hrs?|wks?|yrs?|mo|[mhdwy])(?![\w%])"
    r"(?=\s*(?:$|[\u00b7\u2022|\u2014\u2027\u2219\u22c5/()]|-\s))"
)
_DURATION_NEIGHBOUR = re.compile(r"\d(?:mins?|hrs?|[smhd])\s*$")
_TIME = re.compile(_CLOCK, re.IGNORECASE)
_DATE_TIME = re.compile(rf"({_DATE_Y})({_STAMP_SEP})(?:{_CLOCK})", re.IGNORECASE)
# "Updated 2 hours ago", "Last updated: November 23, 2026 8:42 AM ET", "Today is Monday, …": the
# cue says the stamp is the page's clock, not the article's (fixture news_article.html). Relative
# and absolute stamps both become "[date]", so a site switching "2 hours ago" to "Nov. 23" is noise.
# The cue words of other languages ("Mis à jour", "Aktualisiert am", "Actualizado el") count too;
# "Published"/"Publié le" is not a cue: that is the article's dateline.
_CUE = (
    r"(?:(?:last\s+|page\s+)?(?:updated|modified|edited|revised|refreshed|generated|rendered|retrieved)"
    r"(?:\s+(?:on|at))?|today\s+is|today|current\s+time|as\s+of\s+now"
    r"|(?:(?:dernière\s+)?mise\s+à\s+jour|mis\s+à\s+jour|actualisé|modifié)e?(?:\s+(?:le|à))?"
    r"|(?:actualizad|modificad|atualizad|aggiornat|modificat)[oa](?:\s+(?:el|a\s+las|em|às|il|alle))?"
    r"|(?:zuletzt\s+)?(?:aktualisiert|geändert)(?:\s+(?:am|um))?|stand(?=\s*:)"
    r"|(?:laatst\s+)?(?:bijgewerkt|gewijzigd)(?:\s+(?:op|om))?)"
)
_MONTH_INTL = (  # fr, es, de, it, pt, nl month names: only read after a cue (a page stamp)
    r"(?:janv(?:ier)?|févr(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|août|sept(?:embre)?|oct(?:obre)?"
    r"|nov(?:embre)?|déc(?:embre)?|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre"
    r"|octubre|noviembre|diciembre|januar|jänner|februar|märz|april|juni|juli|august|september|oktober"
    r"|november|dezember|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre"
    r"|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro|januari|februari|maart"
    r"|mei|augustus|oktober)(?:\.|(?![^\W\d_]))"
)
_CLOCK_INTL = rf"(?:{_CLOCK}|(?:[01]?\d|2[0-3])\s?h\s?[0-5]\d(?!\d))(?:\s*uhr)?"
_DATE_INTL = rf"(?:{_DAY}\.?\s+(?:de\s+)?{_MONTH_INTL}(?:\s+(?:de\s+)?\d{{4}})?)"
#: A date with a French, Spanish, German, Italian, Portuguese or Dutch month name ("14. Oktober 2026",
#: "3 de outubro de 2026"): read after a cue here, and by ``diff`` to name a dateline edit.
INTL_DATE_PATTERN = _DATE_INTL
#: The month names of ``INTL_DATE_PATTERN``.
INTL_MONTH_PATTERN = _MONTH_INTL
_STAMP_AFTER_CUE = re.compile(
    rf"\b({_CUE})(\s*:?\s*)(?:\[ago\]|{_relative(long=True)}"
    rf"|(?:{_DATE}|{_DATE_INTL})(?:(?:{_STAMP_SEP}|,?\s*(?:à|a\s+las|um|alle|às|om)\s+)(?:{_CLOCK_INTL}))?"
    rf"|{_CLOCK_INTL})",
    re.IGNORECASE,
)
_ONLY_DATE = re.compile(rf"^\W*(?:{_DATE})(?:,?\s*(?:at\s+)?\[time\])?\W*$", re.IGNORECASE)
_READING_TIME = re.compile(r"\b\d+\s*(min(?:ute)?s?\.?\s+read)\b", re.IGNORECASE)


def _is_label(text: str) -> bool:
    """A short UI line, not a sentence: at most SHORT_LABEL_WORDS words, and not 4+ words ending
    in sentence punctuation ("He won 300 likes." is prose; "345 likes · 12 comments" a label)."""
    words = text.split()
    if len(words) > SHORT_LABEL_WORDS:
        return False
    return len(words) < 4 or text.rstrip()[-1:] not in ".!?"


def _mask_compact_ago(text: str) -> str:
    def compact(m: re.Match[str]) -> str:
        if _DURATION_NEIGHBOUR.search(text, 0, m.start()) or _COMPACT_NEXT.match(text, m.end()):
            return m.group()  # "2h 30m": a duration, not an age
        return "[ago]"

    return _COMPACT_AGO.sub(compact, text)


_COMPACT_NEXT = re.compile(r"\s*\d{1,3}(?:mins?|hrs?|[smh])(?!\w)")


def _mask_dates(text: str, low: str, keep_dates: bool, label: bool) -> str:
    # Each family runs only when a cheap test says it can match: normalise runs on every paragraph
    # of every page of a batch re-check, and most paragraphs hold no date at all.
    short = len(text.split()) <= SHORT_LABEL_WORDS
    text = _mask_relative(text, low, label)
    if label and _DIGIT.search(text):
        text = _mask_compact_ago(text)
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
              "today", "current time", "as of now", "mis à jour", "mise à jour", "actualis", "modifi", "actualiz",
              "atualiz", "aggiornat", "aktualisiert", "geändert", "stand:", "stand :", "bijgewerkt", "gewijzigd")  # fmt: skip


# --------------------------------------------------------------------------- counters

#: Counter nouns by language (lower case, NFKC, straight apostrophes; two-word nouns allowed). A
#: number next to one of these, in either order ("13,725 views", "Kommentare: 12", "Likes 30"), is
#: a UI counter when the context says UI (see ``_mask_counters``). Add a language by adding a row.
COUNTER_NOUNS: dict[str, tuple[str, ...]] = {
    "en": (
        "view",
        "views",
        "viewers",
        "read",
        "reads",
        "play",
        "plays",
        "listens",
        "like",
        "likes",
        "share",
        "shares",
        "comment",
        "comments",
        "reply",
        "replies",
        "repost",
        "reposts",
        "retweet",
        "retweets",
        "quote",
        "quotes",
        "bookmark",
        "bookmarks",
        "saves",
        "follower",
        "followers",
        "subscriber",
        "subscribers",
        "reaction",
        "reactions",
        "clap",
        "claps",
        "upvote",
        "upvotes",
        "downvotes",
        "favorite",
        "favorites",
        "favourite",
        "favourites",
        "download",
        "downloads",
        "watching",
        "watchers",
        "pageviews",
        "impressions",
    ),
    "fr": (
        "vue",
        "vues",
        "lecture",
        "lectures",
        "écoute",
        "écoutes",
        "j'aime",
        "partage",
        "partages",
        "commentaire",
        "commentaires",
        "réponse",
        "réponses",
        "réaction",
        "réactions",
        "abonné",
        "abonnés",
        "abonnée",
        "abonnées",
        "favori",
        "favoris",
        "téléchargement",
        "téléchargements",
        "visite",
        "visites",
    ),
    "es": (
        "visita",
        "visitas",
        "vista",
        "vistas",
        "visualización",
        "visualizaciones",
        "reproducción",
        "reproducciones",
        "lectura",
        "lecturas",
        "me gusta",
        "compartido",
        "compartidos",
        "veces compartido",
        "comentario",
        "comentarios",
        "respuesta",
        "respuestas",
        "reacción",
        "reacciones",
        "seguidor",
        "seguidores",
        "suscriptor",
        "suscriptores",
        "favorito",
        "favoritos",
        "descarga",
        "descargas",
    ),
    "de": (
        "aufruf",
        "aufrufe",
        "zugriff",
        "zugriffe",
        "wiedergabe",
        "wiedergaben",
        "mal gelesen",
        "kommentar",
        "kommentare",
        "antwort",
        "antworten",
        "gefällt mir",
        "mal geteilt",
        "geteilt",
        "reaktion",
        "reaktionen",
        "abonnent",
        "abonnenten",
        "abonnentinnen",
    ),
    "it": (
        "visualizzazione",
        "visualizzazioni",
        "letture",
        "ascolti",
        "commento",
        "commenti",
        "condivisione",
        "condivisioni",
        "mi piace",
        "risposta",
        "risposte",
        "reazione",
        "reazioni",
        "iscritti",
        "preferiti",
    ),
    "pt": (
        "visualização",
        "visualizações",
        "leitura",
        "leituras",
        "curtida",
        "curtidas",
        "gosto",
        "gostos",
        "comentário",
        "comentários",
        "compartilhamento",
        "compartilhamentos",
        "partilha",
        "partilhas",
        "resposta",
        "respostas",
        "reação",
        "reações",
        "seguidor",
        "seguidores",
        "inscrito",
        "inscritos",
    ),
    "nl": (
        "weergave",
        "weergaven",
        "keer bekeken",
        "bekeken",
        "reactie",
        "reacties",
        "keer gedeeld",
        "gedeeld",
        "vind-ik-leuk",
        "vind-ik-leuks",
        "antwoord",
        "antwoorden",
        "volger",
        "volgers",
        "abonnee",
        "abonnees",
        "favorieten",
    ),
}
#: Nouns that also count ballots (an election table's "12,345 votes" is content): masked only in
#: the unmistakable forms, abbreviated ("1.2K votes"), labelled ("Votes: 1,234") or behind an icon.
STRICT_COUNTER_NOUNS: tuple[str, ...] = ("vote", "votes", "voix", "voto", "votos", "voti", "stimme", "stimmen",
                                         "stemmen")  # fmt: skip
#: Icons that label a counter ("👁 1.2k", "♥ 30", "💬 12"): a number right after one is a count.
COUNTER_ICONS = frozenset("\U0001f441\U0001f440\u2764\u2665\u2661\U0001f499\U0001f49c\U0001f9e1\U0001f49b"
                          "\U0001f49a\U0001f5a4\U0001f90d\U0001f44d\U0001f44e\U0001f4ac\U0001f5e8\U0001f501"
                          "\U0001f504\u21bb\u27f3\U0001f516\U0001f44f\U0001f525\U0001f3a7")  # fmt: skip
#: Characters that separate the parts of a UI line ("By X · 3 min · 1,234 views | 12 comments").
SEPARATORS = frozenset("\u00b7\u2022\u2027\u2219\u22c5|\u2014/()[]")

_ICON = re.compile("[" + "".join(sorted(COUNTER_ICONS)) + "]")
_NOUNS = frozenset(n for nouns in COUNTER_NOUNS.values() for n in nouns)
_STRICT = frozenset(STRICT_COUNTER_NOUNS)
_ALL_NOUNS = _NOUNS | _STRICT
# The cheap test before any counter work: a noun's last word among the paragraph's words (or an
# icon in it). Punctuation around words becomes space; hyphens and apostrophes stay ("j'aime").
_NOUN_WORDS = frozenset(n.rsplit(None, 1)[-1] for n in _ALL_NOUNS)
_WORD_PUNCT = str.maketrans(dict.fromkeys('.,;:!?()[]{}"\u00b7|/', " "))
# A count in any grouping: 13,725 / 13.725 / 13 725 / 13'725 / 1.2K / 3,4 k / 1,2 Mio / 2 mil / 99+.
_COUNT = re.compile(
    r"(?<![\w.,'])(?:\d{1,3}(?:[,.' ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)"
    r"(\s?(?:[KkMmBb]|Mio|Mrd|Mln|mln|mld|Tsd|tsd|mil|lakh)\.?(?![^\W\d_]))?\+?(?![\d%])"
)
_WORD_AFTER = re.compile(r"\s*\"?([^\W\d_][\w'-]*)(?:\s+([^\W\d_][\w'-]*))?")
_NOUN_TAIL = re.compile(r"\"?(?:-[^\W\d_]+)?")  # "Gefällt mir"-Angaben


def _noun_after(text: str, end: int) -> tuple[str, int] | None:
    m = _WORD_AFTER.match(text, end)
    if not m:
        return None
    first, second = m.group(1).lower(), m.group(2)
    if second and f"{first} {second.lower()}" in _ALL_NOUNS:
        stop = m.end(2)
        noun = f"{first} {second.lower()}"
    elif first in _ALL_NOUNS:
        stop, noun = m.end(1), first
    else:
        return None
    tail = _NOUN_TAIL.match(text, stop)
    return noun, tail.end() if tail else stop


def _noun_before(text: str, start: int) -> tuple[str, int, bool] | None:
    """The counter noun right before a count ("Views: 1,234", "Gefällt mir 30"): (noun, where it
    starts, whether a ":" or "(" labels the count)."""
    head = text[max(0, start - 40) : start].rstrip()
    labelled = head.endswith((":", "("))
    if labelled:
        head = head[:-1].rstrip()
    words = head.rstrip('"').rsplit(None, 2)
    if not words:
        return None
    last = words[-1].lstrip('"').lower()
    if len(words) > 1 and f"{words[-2].lower()} {last}" in _ALL_NOUNS:
        return f"{words[-2].lower()} {last}", text.rfind(words[-2], 0, start), labelled
    if last in _ALL_NOUNS:
        return last, text.rfind(words[-1], 0, start), labelled
    return None


def counter_attribute(value: str) -> bool:
    """Whether a class, id, title or aria-label names a counter ("post-views", "likeCount",
    "Kommentare"): one of its words is a counter noun (ballot nouns only with "count").

    >>> counter_attribute("entry-meta__views"), counter_attribute("voteCount"), counter_attribute("votes")
    (True, True, False)
    """
    low = {w.lower() for w in _ATTR_WORD.findall(value)}
    if not low.isdisjoint(_ATTR_NOUNS):
        return True
    return not low.isdisjoint(_ALL_NOUN_WORDS) and not low.isdisjoint(_COUNT_WORDS)


_ATTR_WORD = re.compile(r"[A-Z]?[a-zà-ÿ']+|[A-Z]+(?![a-z])")
_ATTR_NOUNS = _NOUN_WORDS - _STRICT - {"view", "read"}  # Drupal's class="view", "read-more": need "count"
_ALL_NOUN_WORDS = _NOUN_WORDS | _STRICT
_COUNT_WORDS = frozenset({"count", "counter", "total", "num"})


def _isolated(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] fills a segment of its line: only separators or the line's ends
    around it ("By X · 13,725 views · 110 shares", "Mis à jour … — 241 partages")."""
    before, after = text[:start].rstrip(), text[end:].lstrip()
    left = not before or before[-1] in SEPARATORS or before.endswith(" -")
    right = not after or after[0] in SEPARATORS or after.startswith("- ")
    return left and right


def _mask_counters(text: str, low: str, *, label: bool, strict: bool) -> str:
    """Numbers that count views, likes, shares, replies… replaced by "[n]". Masked anywhere: an
    abbreviated count before a counter noun ("1.2K views"), a labelled one ("Views: 1,234",
    "Kommentare (12)"), one behind a counter icon ("👁 1.2k"). In a UI label (``_is_label``), or
    when number and noun fill a segment of the line between separators, any count next to a
    counter noun. Prose ("the agency received 12 comments on the rule") keeps its numbers; a
    headline or a table row (``strict``) is content and gets only the unmistakable forms."""
    icons = not text.isascii() and bool(_ICON.search(text))
    if not icons and _NOUN_WORDS.isdisjoint(low.translate(_WORD_PUNCT).split()):
        return _READING_TIME.sub(lambda m: f"[n] {m.group(1)}", text) if "read" in low else text
    spans: list[tuple[int, int]] = []
    for m in _COUNT.finditer(text):
        start, end = m.span()
        lead = text[:start].rstrip()
        if icons and lead and lead[-1] in COUNTER_ICONS:
            spans.append((start, end))
            continue
        after = _noun_after(text, end)
        before = None if after else _noun_before(text, start)
        if after is None and before is None:
            continue
        noun = after[0] if after else before[0] if before else ""
        if (after and m.group(1)) or (
            before and before[2]
        ):  # "1.2K views", "Views: 1,234", "Kommentare (12)"
            spans.append((start, end))
        elif noun in _STRICT or strict:
            continue
        elif label or _isolated(text, before[1] if before else start, after[1] if after else end):
            spans.append((start, end))
    for start, end in reversed(spans):
        text = f"{text[:start]}[n]{text[end:]}"
    return _READING_TIME.sub(lambda m: f"[n] {m.group(1)}", text) if "read" in low else text


# --------------------------------------------------------------------------- the whole pass


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
    if not _DIGIT.search(text):  # no digit: no clock, count, token or absolute date to mask
        low = text.lower()
        if any(hint in f" {low} " for hint in _AGO_HINTS):
            text = _mask_dates(text, low, keep_dates, not (headline or table) and _is_label(text))
        return " ".join(text.split())
    if any(len(word) >= 16 for word in text.split()):
        text = _mask_tokens(text)
    label = not (headline or table) and _is_label(text)
    low = text.lower()
    text = _mask_dates(text, low, keep_dates, label)
    text = _mask_counters(text, text.lower(), label=label, strict=headline or table)
    return " ".join(text.split())
