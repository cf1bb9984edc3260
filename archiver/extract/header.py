"""Extract stage, the article header: which of its paragraphs is the byline and which the dateline.

The header (headline, byline, dateline) is content: an edited byline is an edit (interface.md).
It is also not the article's main text. ``header_roles`` names each header paragraph's part, so the
diff can say "byline changed" and a main-text measure can leave the header out, as trafilatura
keeps author and date apart from its text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["header_roles"]

# Month names in the languages archiver meets most (en, de, fr, es, it, pt, nl, pl genitive).
_MONTHS = (
    "jan(?:uary|uar|vier|eiro|uari)?|feb(?:ruary|ruar|rero|braio|ruari)?|fév(?:rier)?|fevereiro|mar(?:ch|s|zo|ço)?"
    "|märz|maerz|maart|apr(?:il|ile)?|avril|abril|may|mai|mayo|maggio|maio|mei|june?|juni|juin|junio|giugno"
    "|junho|july?|juli|juillet|julio|luglio|julho|aug(?:ust|ustus)?|août|agosto|sep(?:t|tember|tembre|tiembre)?"
    "|setiembre|settembre|setembro|oct(?:ober|obre|ubre)?|okt(?:ober)?|ottobre|outubro|nov(?:ember|embre|embro)?"
    "|dec(?:ember)?|dez(?:ember|embro)?|déc(?:embre)?|dic(?:iembre|embre)?|enero|gennaio|stycznia|lutego|marca"
    "|kwietnia|maja|czerwca|lipca|sierpnia|września|października|listopada|grudnia"
)
_DATE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}(?:T[\d:.]+\S*)?|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|er|º)?\.?\s+(?:de\s+)?(?:{_MONTHS})\.?(?:,?\s+(?:de\s+)?\d{{4}})?"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)(?!\w)"
    r"|\b(?:[01]?\d|2[0-3])[:h.][0-5]\d(?::[0-5]\d)?(?:\s*[ap]\.?m\.?)?(?!\w)|\[(?:date|time|ago)\]",
    re.IGNORECASE,
)
_BY = re.compile(r"^\s*(?:by|von|par|por|door|di|de|av|przez|autor(?:in)?:?)\s+[^\W\d]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")


def header_roles(header: Sequence[str], meta: dict[str, Any]) -> list[str]:
    """What each paragraph of the article header is: ``"byline"``, ``"dateline"`` or ``""``.

    The byline is the paragraph that holds the byline the markup names (``meta["byline"]``), or that
    reads "By …"/"von …" in twelve words or fewer. The dateline holds the published element's text
    (``meta["dateline"]``), or is made of dates and times with at most four other words ("Dienstag,
    4. Juni 2019, 10:15", "Pubblicato il 19 Febbraio 2020"), or starts with one and has at most ten
    ("January 13, 2020 at 08:45 AM | categories: Python").

    >>> header_roles(["By Ana Ruiz", "Nov. 20, 2026 at 10:42", "A lede of some length."], {})
    ['byline', 'dateline', '']
    """
    byline = " ".join(str(meta.get("byline") or "").split())
    dateline = " ".join(str(meta.get("dateline") or "").split())
    roles = []
    for paragraph in header:
        flat = " ".join(paragraph.split())
        words = len(flat.split())
        if (byline and byline in flat and words <= len(byline.split()) + 12) or (_BY.match(flat) and words <= 12):
            roles.append("byline")
        elif (dateline and dateline in flat and words <= len(dateline.split()) + 12) or _is_dateline(flat):
            roles.append("dateline")
        else:
            roles.append("")
    return roles


def _is_dateline(text: str) -> bool:
    first = _DATE.search(text)
    if first is None:
        return False
    rest = len(_WORD.findall(_DATE.sub(" ", text)))
    return rest <= 4 or (first.start() <= 2 and rest <= 10)
