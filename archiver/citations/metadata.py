"""What a page says about itself, for a citation: authors, site, publisher, dates, language.

Read from, in order of trust: JSON-LD (schema.org ``Article``/``NewsArticle``/``WebPage``…),
``<meta>`` tags (``author``, ``citation_*``, Dublin Core, ``article:*``), Open Graph
(``og:site_name``, ``og:title``), ``<html lang>``; htmldate fills in a publication or
modification date the markup does not declare. Pure: bytes in, ``PageMetadata`` out.

Also the publication time of a *document* (front matter ``published_time``/``date``, or the
HTML's own), for ``archiver cite --as-of-document``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from lxml import etree

logger = logging.getLogger(__name__)

_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
                  "blogposting", "scholarlyarticle", "techarticle", "report", "socialmediaposting", "liveblogposting"}
_PAGE_TYPES = _ARTICLE_TYPES | {"webpage", "aboutpage", "itempage", "collectionpage", "creativework", "medicalwebpage"}


@dataclass(frozen=True, slots=True)
class PageMetadata:
    """What a page declares about itself. Dates are ISO 8601 strings as declared (date or datetime)."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    site_name: str | None = None
    publisher: str | None = None
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    kind: str = "webpage"  # "article" when the page says it is one (og:type, JSON-LD @type)
    sources: dict[str, str] = field(default_factory=dict)  # field → where it was read ("json-ld", "meta", "htmldate")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PageMetadata:
        data = json.loads(text)
        data["authors"] = tuple(data.get("authors") or ())
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def _names(value: Any) -> list[str]:
    """schema.org ``author``/``creator``: a string, a Person/Organization, or a list of them."""
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        name = _clean(value.get("name"))
        return [name] if name else []
    name = _clean(value)
    if name is None or name.startswith(("http://", "https://")):
        return []
    return [name]


_STRING = etree.XPath("string()")


def _parse(html: str) -> Any:
    """The document element (lxml, one parse: BeautifulSoup cost 16 ms of a 50 KB page's 22)."""
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html, count=1)  # lxml refuses str input declaring an encoding
    try:
        root = etree.fromstring(html, etree.HTMLParser(remove_comments=True, collect_ids=False))
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    return root if root is not None else etree.fromstring("<html></html>", etree.HTMLParser())


def _jsonld_objects(root: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if "application/ld+json" not in (script.get("type") or "").lower():
            continue
        try:
            data = json.loads(str(_STRING(script)))
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                out.append(item)
    return out


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    items = t if isinstance(t, list) else [t]
    return {str(x).lower() for x in items if isinstance(x, str)}


def _meta(root: Any) -> dict[str, list[str]]:
    """Every ``<meta name|property|itemprop=… content=…>``, keyed lower-case, in document order."""
    found: dict[str, list[str]] = {}
    for tag in root.iter("meta"):
        content = _clean(tag.get("content"))
        if content is None:
            continue
        for attr in ("name", "property", "itemprop"):
            key = tag.get(attr)
            if isinstance(key, str) and key.strip():
                found.setdefault(key.strip().lower(), []).append(content)
    return found


def _first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        if meta.get(key):
            return meta[key][0]
    return None


def _htmldate(html: str, *, original: bool) -> str | None:
    try:
        from htmldate import find_date
    except ImportError:  # pragma: no cover - htmldate is a dependency
        return None
    try:
        found = find_date(html, original_date=original, extensive_search=False, outputformat="%Y-%m-%d")
    except Exception as exc:  # noqa: BLE001 - htmldate raises on odd markup; a date is optional
        logger.debug("htmldate: %s", exc)
        return None
    return found if isinstance(found, str) else None


def needs_guess(page: PageMetadata) -> bool:
    """Whether ``guess_dates`` could add to ``page``: it declares no publication or no
    modification date."""
    return not (page.published and page.modified)


def guess_dates(page: PageMetadata, body: bytes | str) -> PageMetadata:
    """``page`` with the dates its markup does not declare guessed by htmldate from ``body``.

    About 1 ms of CPU per call, two calls per page: ``archiver check`` leaves it to the first
    citation (``page_metadata(..., guess=False)``), which is far rarer than a capture."""
    html = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    published, modified, sources = page.published, page.modified, dict(page.sources)
    if not published:
        published = _htmldate(html, original=True)
        if published:
            sources["published"] = "htmldate"
    if not modified:
        found = _htmldate(html, original=False)
        if found and found != (published or "")[:10]:
            modified = found
            sources["modified"] = "htmldate"
    return replace(page, published=published, modified=modified, sources=sources)


def page_metadata(body: bytes | str, *, content_type: str | None = None, guess: bool = True) -> PageMetadata:
    """The citation metadata an HTML page declares (an empty ``PageMetadata`` for other types).

    ``guess=False`` leaves out the dates htmldate would guess (``guess_dates``): what the page
    declares (JSON-LD, ``<meta>``) is read either way."""
    if content_type and "html" not in content_type.lower():
        return PageMetadata()
    html = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    page = tree_metadata(_parse(html))
    return guess_dates(page, html) if guess and needs_guess(page) else page


def tree_metadata(root: Any, *, content_type: str | None = None) -> PageMetadata:
    """What the page parsed as ``root`` declares (``page_metadata(..., guess=False)`` of its
    markup), for a caller that parsed the page already; ``root`` is only read."""
    if content_type and "html" not in content_type.lower():
        return PageMetadata()
    meta = _meta(root)
    sources: dict[str, str] = {}
    objects = [o for o in _jsonld_objects(root) if _types(o) & _PAGE_TYPES]
    article = next((o for o in objects if _types(o) & _ARTICLE_TYPES), objects[0] if objects else {})

    def pick(name: str, jsonld: Any, *meta_keys: str) -> Any:
        if jsonld:
            sources[name] = "json-ld"
            return jsonld
        value = _first(meta, *meta_keys)
        if value:
            sources[name] = "meta"
        return value

    authors: list[str] = _names(article.get("author") or article.get("creator"))
    if authors:
        sources["authors"] = "json-ld"
    else:
        for key in ("citation_author", "dc.creator", "dcterms.creator", "author", "article:author", "parsely-author"):
            authors = [a for a in meta.get(key, []) if not a.startswith(("http://", "https://"))]
            if authors:
                sources["authors"] = "meta"
                break
    publisher_obj = article.get("publisher")
    site = pick("site_name", None, "og:site_name", "application-name")
    publisher_names = _names(publisher_obj)
    publisher = pick("publisher", publisher_names[0] if publisher_names else None, "citation_publisher", "dc.publisher", "publisher")
    title = pick("title", _clean(article.get("headline")), "citation_title", "og:title", "dc.title", "twitter:title")
    title_el = root.find(".//title")
    if not title and title_el is not None:
        title = _clean(str(_STRING(title_el)))
        if title:
            sources["title"] = "title"
    published = pick("published", _clean(article.get("datePublished")), "article:published_time",
                     "citation_publication_date", "citation_date", "dc.date", "dcterms.created", "date", "pubdate")
    modified = pick("modified", _clean(article.get("dateModified")), "article:modified_time", "og:updated_time",
                    "dcterms.modified", "last-modified")
    lang_attr = root.get("lang") if root.tag == "html" else None
    language = pick("language", _clean(article.get("inLanguage")), "og:locale", "dc.language", "content-language")
    if isinstance(lang_attr, str) and lang_attr.strip():
        language, sources["language"] = lang_attr.strip(), "html"
    is_article = bool(article and _types(article) & _ARTICLE_TYPES) or _first(meta, "og:type") == "article"
    return PageMetadata(
        title=title, authors=tuple(dict.fromkeys(authors)), site_name=site, publisher=publisher,
        published=published, modified=modified, language=(language or "").replace("_", "-") or None,
        kind="article" if is_article else "webpage", sources=sources,
    )


def parse_date(value: str | None) -> datetime | None:
    """An ISO-ish date or datetime as UTC (a bare date is midnight UTC); None when unreadable.

    >>> parse_date("2026-11-20T09:30:00+01:00")
    datetime.datetime(2026, 11, 20, 8, 30, tzinfo=datetime.timezone.utc)
    >>> parse_date("2026-11-20")
    datetime.datetime(2026, 11, 20, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
        if not match:
            return None
        try:
            t = datetime.combine(date(*map(int, match.groups())), datetime.min.time())
        except ValueError:
            return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.DOTALL)
_FRONT_KEYS = ("published_time", "published", "date", "pubdate")


def document_published(text: str) -> datetime | None:
    """When a document was published: front matter ``published_time``/``date``, else its HTML's own.

    >>> document_published("---\\ntitle: Poll\\ndate: 2026-11-20T08:00:00Z\\n---\\nBody")
    datetime.datetime(2026, 11, 20, 8, 0, tzinfo=datetime.timezone.utc)
    """
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if match:
        fields: dict[str, str] = {}
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                fields.setdefault(key.strip().lower(), value.strip().strip("'\""))
        for key in _FRONT_KEYS:
            found = parse_date(fields.get(key))
            if found is not None:
                return found
        return None
    if re.search(r"<html|<meta|<article", text[:5000], re.IGNORECASE):
        return parse_date(page_metadata(text).published)
    return None
