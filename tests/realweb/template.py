"""A site's own pages, made from the saved page's template: its not-found page and its home page.

The article's region (the common ancestor of the ``with`` strings' elements) is emptied and
refilled; the header, navigation, sidebars and footer stay, as on a real site's 404 page.
"""

from __future__ import annotations

from html import escape

from .corpus import RealPage
from .mutate import Anchors, HtmlElement, drop, fragment, parse, serialise, text_of

NOT_FOUND = {
    "en": ("Page not found", "Sorry, the page you are looking for does not exist or has been removed."),
    "de": ("Seite nicht gefunden", "Die von Ihnen gesuchte Seite existiert leider nicht (mehr)."),
    "fr": ("Page introuvable", "Désolé, la page que vous recherchez n'existe pas ou a été supprimée."),
    "es": ("Página no encontrada", "Lo sentimos, la página que busca no existe o ha sido eliminada."),
    "pt": ("Página não encontrada", "Desculpe, a página que procura não existe ou foi removida."),
    "it": ("Pagina non trovata", "Spiacenti, la pagina che cerchi non esiste o è stata rimossa."),
    "pl": ("Nie znaleziono strony", "Przepraszamy, strona, której szukasz, nie istnieje lub została usunięta."),
}


def _hollow(page: RealPage) -> tuple[HtmlElement, HtmlElement]:
    """The page's tree with the article region emptied (and every headline, structured data and
    canonical link gone), and the emptied element."""
    root = parse(page.body(), page.charset)
    anchors = Anchors.of_page(root, page)
    region = anchors.common_ancestor()
    body = root.find("body")
    assert body is not None, f"{page.name}: no body"
    if region is None or region.tag in ("body", "html"):
        blocks = [el for el in anchors.found.values() if el.getparent() is not None]
        region = blocks[0] if blocks else body
        for el in blocks[1:]:
            if el.getparent() is not None and not any(a is region for a in el.iterancestors()):
                drop(el)
    # Headlines, structured data and any script carrying the article's text (a client-side state).
    scripts = [s for s in root.iter("script") if s.get("type") == "application/ld+json"
               or any(w in text_of(s) for w in anchors.strings)]
    for el in list(root.iter("h1")) + scripts:
        if el.getparent() is not None:
            drop(el)
    for el in list(root.iter("meta", "link")):
        if (el.get("property") or "").startswith("og:") or el.get("rel") == "canonical":
            drop(el)
    for child in list(region):
        region.remove(child)
    region.text = None
    return root, region


def _title(root: HtmlElement, text: str) -> None:
    title = root.find(".//title")
    if title is None:
        head = root.find("head")
        if head is None:
            return
        title = fragment("<title></title>")
        head.insert(0, title)
    title.text = text


def not_found_page(page: RealPage) -> bytes:
    """The site's "not found" page, in its template and language."""
    root, region = _hollow(page)
    heading, sentence = NOT_FOUND.get(page.lang, NOT_FOUND["en"])
    for html in (f"<h1>{escape(heading)}</h1>", f"<p>{escape(sentence)}</p>", '<p><a href="/">Home</a></p>'):
        region.append(fragment(html))
    _title(root, f"{heading} | {page.host}")
    return serialise(root, page.charset)


def home_page(page: RealPage) -> bytes:
    """The site's home page: the template with a list of stories, the article among them."""
    original = parse(page.body(), page.charset)
    headline = text_of(original.find(".//title")) if original.find(".//title") is not None else page.host
    stories = [(a.get("href") or "/", text_of(a)) for a in original.iter("a") if 20 <= len(text_of(a)) <= 120]
    root, region = _hollow(page)
    items = [(page.url, headline or page.url), *stories[:8]]
    links = "".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in items)
    region.append(fragment(f'<ul class="stories">{links}</ul>'))
    _title(root, page.host)
    return serialise(root, page.charset)
