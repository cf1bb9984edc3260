"""Extract stage, masking: dates and times in one paragraph → ``[date]``, ``[time]``, ``[ago]``.

``mask_dates(text, low, keep_dates, label)`` masks relative times, stamps after a cue ("Last
updated: …"), clock times and dates standing alone; ``DATE_PATTERN`` and ``INTL_DATE_PATTERN``
are the date forms it knows, which ``diff`` also reads.
"""

from __future__ import annotations

import re

from .tables import AGO_HINTS, CUE_WORDS, FEW_WORDS, RELATIVE_TIMES, SHORT_LABEL_WORDS

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
# One regex per shape, each cheap to scan: an anchor word then the count ("il y a 10 min"), or a
# count then the anchor word ("10 minuten geleden"), where the count is any word, checked against
# FEW_WORDS in _ago(). Units and anchors of all languages share one alternation: "3 ore ago" is
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
    if any(w[0].isdigit() or w in FEW_WORDS for w in m.group().lower().replace("'", " ").split()):
        return "[ago]"
    return m.group()  # "the hours ago", "vor dem Tag": no count


def _mask_relative(text: str, low: str, label: bool) -> str:
    padded = f" {low} "
    if not any(hint in padded for hint in AGO_HINTS):
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


def _mask_compact_ago(text: str) -> str:
    def compact(m: re.Match[str]) -> str:
        if _DURATION_NEIGHBOUR.search(text, 0, m.start()) or _COMPACT_NEXT.match(text, m.end()):
            return m.group()  # "2h 30m": a duration, not an age
        return "[ago]"

    return _COMPACT_AGO.sub(compact, text)


_COMPACT_NEXT = re.compile(r"\s*\d{1,3}(?:mins?|hrs?|[smh])(?!\w)")


def mask_dates(text: str, low: str, keep_dates: bool, label: bool) -> str:
    # Each family runs only when a cheap test says it can match: normalise runs on every paragraph
    # of every page of a batch re-check, and most paragraphs hold no date at all.
    short = len(text.split()) <= SHORT_LABEL_WORDS
    text = _mask_relative(text, low, label)
    if label and DIGIT.search(text):
        text = _mask_compact_ago(text)
    has_clock = ":" in text or bool(_AMPM_QUICK.search(text))
    if any(cue in low for cue in CUE_WORDS):
        text = _STAMP_AFTER_CUE.sub(lambda m: f"{m.group(1)}{m.group(2)}[date]", text)
    if not has_clock or not DIGIT.search(text):
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


DIGIT = re.compile(r"\d")
_AMPM_QUICK = re.compile(r"\d\s?[aApP]\.?\s?[mM]")
