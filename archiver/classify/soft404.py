"""Classify stage, soft-404s: a "not found" page served with 200 → ``removed`` (``soft-404``).

The strongest evidence is the host's own probe (``ProbeResult``: a sibling URL that cannot
exist): when the page and the probe land on the same URL, or serve nearly the same text, the
page is the host's not-found page. Phrases, error-looking addresses and a text collapsed to a
short template are supporting evidence, and only two of them together decide without the probe.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from archiver.models import (
    Diff,
    EventType,
    Observation,
    Reason,
    SourceHistory,
    TextStatus,
    TextVersion,
    Verdict,
)

from .observed import (
    PageView,
    is_page,
    is_redirected,
    is_variant,
    judged_by_post,
    normalise,
    origin_url,
    page_view,
    reference_text,
    unchanged,
)
from .similarity import containment, relatedness, similarity, words

# --------------------------------------------------------------------------- thresholds

#: Page vs probe text at or above this is the same template. A host's not-found page and its
#: copy for the probe differ by the echoed path, which is ignored (soft404/news-en-echo.html:
#: 1.0 once ignored, 0.8 if it were not); every soft404/*.html against itself scores 1.0.
PROBE_SAME = 0.85
#: Nearly the same template (a "related articles" box that changes per request): supporting only.
PROBE_CLOSE = 0.6
#: The page still shares this much with the last good text: it is the content, not a template.
#: An edited article keeps > 0.9 (articles/harbor-council-edited.html: 0.97); every
#: soft404/*.html against an article shares < 0.05.
STILL_CONTENT = 0.5
#: Text collapsed: at most this share of the last good word count, and at most COLLAPSED_WORDS
#: words (soft404/drupal.html keeps 10 words where articles/harbor-sport.html had 180; a
#: paywall teaser keeps ~30 %, so the collapse alone never decides).
COLLAPSED_RATIO = 0.35
COLLAPSED_WORDS = 150
#: The first words of a page this short may carry the not-found sentence; in a longer page the
#: same sentence is an article quoting it (article-mentioning-not-found in the labelled table,
#: articles/link-rot-feature.html: 329 words).
SHORT_PAGE_WORDS = 300

# --------------------------------------------------------------------------- phrases

#: Not-found sentences of CMS templates and news sites, by language. Specific on purpose: each
#: is evidence only together with another signal.
NOT_FOUND_PHRASES = (
    # English (WordPress, Drupal, Ghost, news sites)
    "page not found", "page cannot be found", "page can't be found", "page could not be found",
    "page couldn't be found", "page does not exist", "page doesn't exist", "page no longer exists",
    "requested page could not be found", "requested url was not found", "nothing was found at this location",
    "that page can't be found", "we can't find the page", "we couldn't find the page", "we could not find the page",
    "we can't find that page", "we couldn't find that page", "sorry, we couldn't find", "can't find the page you",
    "this page isn't available", "this page is not available", "this page is no longer available",
    "this article is no longer available", "this content is no longer available", "this story is no longer available",
    "this article has been removed", "this page has been removed", "this content has been removed",
    "article not found", "story not found", "content not found", "error 404", "404 error", "404 not found",
    "404 - not found", "404: page not found", "this page doesn't exist", "this page does not exist",
    "we've lost this page", "page you were looking for", "page you are looking for", "page you're looking for",
    "you may have followed an outdated link", "followed a broken link", "mistyped the address", "mistyped a url",
    "might have been removed, had its name changed", "may have been moved or deleted", "has been moved or deleted",
    "the link you followed may be broken",
    # French
    "page introuvable", "page non trouvée", "page inexistante", "erreur 404", "cette page n'existe pas",
    "cette page n'existe plus", "la page que vous recherchez", "la page que vous cherchez", "la page demandée",
    "n'a pas été trouvée", "est introuvable", "article introuvable", "contenu introuvable",
    "cet article n'est plus disponible", "a été supprimée ou déplacée", "n'existe plus ou a été déplacée",
    # Spanish
    "página no encontrada", "pagina no encontrada", "no se ha encontrado la página", "no se encontró la página",
    "no pudimos encontrar la página", "la página que buscas", "la página que busca", "la página que estás buscando",
    "la página solicitada", "la página no existe", "esta página no existe", "página no disponible",
    # Portuguese
    "página não encontrada", "pagina nao encontrada", "a página que você procura", "a página que procura",
    "a página solicitada", "esta página não existe", "erro 404", "não encontramos a página",
    # German
    "seite nicht gefunden", "seite wurde nicht gefunden", "seite konnte nicht gefunden werden",
    "die angeforderte seite", "die gesuchte seite", "die von ihnen gesuchte seite", "die aufgerufene seite",
    "diese seite existiert nicht", "seite existiert nicht", "fehler 404", "artikel nicht gefunden",
    "wurde verschoben oder gelöscht", "existiert leider nicht",
    # Italian
    "pagina non trovata", "pagina non esistente", "la pagina che stai cercando", "la pagina richiesta",
    "la pagina non esiste", "questa pagina non esiste", "errore 404",
    # Dutch, Scandinavian, Finnish
    "pagina niet gevonden", "pagina is niet gevonden", "deze pagina bestaat niet", "de pagina die je zoekt",
    "de pagina die u zoekt", "de opgevraagde pagina", "sidan kunde inte hittas", "sidan hittades inte",
    "sidan finns inte", "siden blev ikke fundet", "siden findes ikke", "siden finnes ikke",
    "siden ble ikke funnet", "sivua ei löytynyt", "sivua ei löydy",
    # Central and Eastern Europe
    "nie znaleziono strony", "strona nie została znaleziona", "strona nie istnieje", "błąd 404",
    "stránka nenalezena", "stránka nebyla nalezena", "stránka neexistuje", "stránka nebola nájdená",
    "az oldal nem található", "a keresett oldal nem", "pagina nu a fost găsită", "pagina nu există",
    "stranica nije pronađena", "η σελίδα δεν βρέθηκε", "sayfa bulunamadı", "aradığınız sayfa",
    "страница не найдена", "страница не существует", "такой страницы нет", "ошибка 404",
    "сторінку не знайдено", "сторінка не знайдена", "страницата не е намерена",
    # Middle East, South and Southeast Asia
    "الصفحة غير موجودة", "لم يتم العثور على الصفحة", "הדף לא נמצא", "העמוד לא נמצא", "صفحه مورد نظر یافت نشد",
    "पृष्ठ नहीं मिला", "पेज नहीं मिला", "halaman tidak ditemukan", "halaman tidak dijumpai",
    "không tìm thấy trang", "trang không tồn tại", "ไม่พบหน้า",
    # East Asia
    "ページが見つかりません", "ページが見つかりませんでした", "お探しのページは", "ページは存在しません",
    "页面不存在", "页面未找到", "找不到页面", "您访问的页面不存在", "頁面不存在", "找不到網頁", "找不到此頁面",
    "페이지를 찾을 수 없습니다", "요청하신 페이지를 찾을 수 없습니다", "페이지가 존재하지 않습니다",
)  # fmt: skip
#: Shorter words that say "not found" only in a title or heading (Apache's "404 Not Found").
TITLE_ONLY = re.compile(
    r"\b404\b|\bnot found\b|\bno encontrad[ao]\b|\bnicht gefunden\b|\bintrouvable\b|\bnon trovat[ao]\b|"
    r"\bnão encontrad[ao]\b|\bniet gevonden\b|\bне найдена\b|見つかりません|不存在"
)
#: The English sentence shapes behind most templates: "the page you requested was not found",
#: "the article you are looking for no longer exists", "this URL could not be found".
NOT_FOUND_SHAPES = (
    (
        r"\b(?:page|article|story|post|content|url|link|file|document|resource)s? (?:that )?you(?:'re| are| were| have)? ?"
        r"(?:requested|looking for|searching for|asked for|tried to (?:reach|access|visit|open)|trying to (?:reach|access|find|view))"
        r"\b.{0,40}?(?:\bnot\b|n't\b|no longer|removed|deleted|moved|unavailable|gone)"
    ),
    r"\b(?:page|url|article|story|document|resource|content)\b[^.!?]{0,40}?\b(?:was not|could not be|cannot be|can't be|couldn't be) found",
)
_NOT_FOUND = re.compile("|".join([*(re.escape(p) for p in NOT_FOUND_PHRASES), *NOT_FOUND_SHAPES]))
#: An address a site sends missing pages to: /404, /not-found, /error, ?aspxerrorpath=…
ERROR_ADDRESS = re.compile(
    r"(?:^|[/_.=-])(?:404|410|not-?found|not_found|notfound|page-?not-?found|pagenotfound|error|errors|"
    r"errorpage|error-page|error_page|fehler|erreur|introuvable|no-encontrada|nao-encontrada|non-trovata)"
    r"(?:$|[/_.?&=-])|aspxerrorpath=",
)


def title_phrase(page: PageView) -> str | None:
    """Not-found words in the page's title or headings."""
    for line in (page.title, *page.headings):
        if m := _NOT_FOUND.search(line) or TITLE_ONLY.search(line):
            return m.group(0)
    return None


def body_phrase(page: PageView) -> str | None:
    """A not-found sentence among the first words of a short page's text."""
    if page.words > SHORT_PAGE_WORDS:
        return None
    m = _NOT_FOUND.search(" ".join(page.text.split(maxsplit=60)[:60]))
    return m.group(0) if m else None


def _error_address(origin: str, final: str) -> str | None:
    f, o = urlsplit(final), urlsplit(origin)
    where = f"{f.path}?{f.query}".lower()
    m = ERROR_ADDRESS.search(where)
    if m is None or ERROR_ADDRESS.search(f"{o.path}?{o.query}".lower()):
        return None
    return final


def _probe_evidence(history: SourceHistory, observation: Observation, page: PageView) -> dict[str, object]:
    """What the host's probe says about this page: ``same_landing`` and ``similarity``, or why it
    cannot say (``inapplicable``): a host that answers the probe with a real 404 has a real 404."""
    probe = observation.probe
    if probe is None:
        return {}
    out: dict[str, object] = {"probe_url": probe.url, "probe_status": probe.status, "probe_final_url": probe.final_url}
    if probe.status is None or not 200 <= probe.status < 300:
        out["inapplicable"] = f"the host answers a missing page with {probe.status or 'no response'}"
        return out
    result = observation.result
    if (
        probe.final_url is not None
        and not is_variant(probe.url, probe.final_url)
        and is_redirected(history, result)
        and is_variant(probe.final_url, result.final_url)
    ):
        out["same_landing"] = probe.final_url
    tv = observation.text
    if probe.text_digest and tv.status is TextStatus.OK and tv.digest == probe.text_digest:
        out["similarity"] = 1.0
    elif len(words(probe.text)) >= 3 and page.words >= 3:
        echoed = set(words(" ".join(urlsplit(u).path for u in (probe.url, result.url, result.final_url))))
        out["similarity"] = round(similarity(page.text, _normalised(probe.text), ignore=echoed), 3)
    return out


@functools.lru_cache(maxsize=16)
def _normalised(probe_text: str) -> str:
    """A probe's text as rules read it: one probe per host serves every page of the batch."""
    return normalise(probe_text)


def _signals(history: SourceHistory, observation: Observation, page: PageView, probe_sim: object) -> dict[str, object]:
    """The supporting evidence: not-found words, an error address, a collapse, closeness to the probe."""
    result, old = observation.result, reference_text(history)
    signals: dict[str, object] = {}
    # The title and the text saying so are two signals: an article only quoting the words is
    # long (body_phrase ignores it) and keeps its own title (article-mentioning-not-found).
    if (phrase := title_phrase(page)) is not None:
        signals["phrase"] = phrase
    if (sentence := body_phrase(page)) is not None and sentence != phrase:
        signals["sentence"] = sentence
    if is_redirected(history, result) and (where := _error_address(origin_url(history, result), result.final_url)):
        signals["error_address"] = where
    if old is not None and old.word_count >= 40:
        now = page.words if observation.text.status is TextStatus.OK else 0
        if now <= min(COLLAPSED_WORDS, COLLAPSED_RATIO * old.word_count):
            signals["collapsed"] = f"{old.word_count} → {now} words"
    if isinstance(probe_sim, float) and PROBE_CLOSE <= probe_sim < PROBE_SAME:
        signals["close_to_probe"] = probe_sim
    return signals


def _is_the_probe(probe: dict[str, object], old_text: str, observation: Observation) -> bool:
    """The page is what the host serves for an address that cannot exist, and the article was not.

    A short article in a heavy template keeps half its words in the template's lines (the
    byline box, the date, the share row), so "still there" alone would keep calling the site's
    not-found page an edit of it. The probe is the host's own answer: when the page now is the
    probe's page and the last good text was not (a site that serves one page for every address
    tells nothing by its probe), the article is gone."""
    sim = probe.get("similarity")
    if not isinstance(sim, float) or sim < PROBE_SAME or observation.probe is None:
        return False
    return similarity(normalise(old_text), _normalised(observation.probe.text)) < PROBE_SAME


def _says_not_found(line: str) -> str | None:
    m = _NOT_FOUND.search(line) or TITLE_ONLY.search(line)
    return m.group(0) if m else None


def _declared_not_found(observation: Observation, old: TextVersion) -> str | None:
    """What the page declares of itself: its ``<title>`` and its headline both say "not found",
    where the last good version's headline did not. A template that keeps teasers of the article
    around its not-found message still says so in the two places a page names itself."""
    tv = observation.text
    if tv.status is not TextStatus.OK or not tv.title or _says_not_found(normalise(old.title)):
        return None
    headline = _says_not_found(normalise(tv.title))
    if headline is None:
        return None
    title = page_view(observation).title
    return headline if _says_not_found(title) else None


def still_there(old: str, new: str) -> float:
    """How much of the old text the new page still holds, one way: a not-found page that keeps
    only the site's menu and footer is a small piece *of* the old page, and that is not the
    article still being there (``relatedness`` would call it contained)."""
    return max(containment(old, new), relatedness(old, new, min_words=1 << 30))


def soft404_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """A 2xx page that is the host's not-found page → ``removed`` (``soft-404``).

    Decisive: the page and the probe land on the same URL, or their texts have similarity ≥
    ``PROBE_SAME``. Otherwise two supporting signals, one of them not-found words or an error
    address: words in the title/headings, a not-found sentence opening a short page, an error
    address, the text collapsed, the text close to the probe's. Never when the page still shares
    ``STILL_CONTENT`` with the last good text.
    """
    result = observation.result
    if judged_by_post(observation) or not is_page(result) or unchanged(diff):
        return None
    verdict = _soft404(history, observation)
    old = reference_text(history)
    if verdict is None and old is not None and (said := _declared_not_found(observation, old)) is not None:
        summary = f"soft-404: the page's title and its headline now say {said!r}"
        evidence = {"final_url": result.final_url, "title": page_view(observation).title, "headline": observation.text.title}
        return Verdict(EventType.REMOVED, str(Reason.SOFT_404), summary, evidence)
    return verdict


def _soft404(history: SourceHistory, observation: Observation) -> Verdict | None:
    result = observation.result
    old = reference_text(history)
    tv = observation.text
    if (old is not None and tv.status is TextStatus.OK and still_there(old.text, tv.text) >= STILL_CONTENT
            and observation.probe is None):
        return None  # cheap exit for the common case: the article is still there
    page = page_view(observation)
    evidence: dict[str, object] = {"final_url": result.final_url}
    probe = _probe_evidence(history, observation, page)
    if old is not None:
        kept = still_there(old.text, page.text)
        evidence["similarity_to_last_good"] = round(kept, 3)
        if kept >= STILL_CONTENT and not _is_the_probe(probe, old.text, observation):
            return None
    evidence.update(probe)
    probe_sim = probe.get("similarity")
    signals = _signals(history, observation, page, probe_sim)
    evidence.update(signals)
    if "same_landing" in probe and (old is not None or signals):
        summary = f"soft-404: page and the host's not-found probe both land on {probe['same_landing']}"
        return Verdict(EventType.REMOVED, str(Reason.SOFT_404), summary, evidence)
    if isinstance(probe_sim, float) and probe_sim >= PROBE_SAME and (old is not None or signals):
        summary = f"soft-404: page matches the host's not-found probe (similarity {probe_sim:.2f})"
        return Verdict(EventType.REMOVED, str(Reason.SOFT_404), summary, evidence)
    if len(signals) >= 2 and ({"phrase", "sentence", "error_address"} & signals.keys()):
        said = [f"{signals['phrase']!r} in the title"] if "phrase" in signals else []
        said += [f"{signals['sentence']!r} in the text"] if "sentence" in signals else []
        said += [f"redirected to {signals['error_address']}"] if "error_address" in signals else []
        said += [f"text collapsed {signals['collapsed']}"] if "collapsed" in signals else []
        said += [f"close to the probe ({signals['close_to_probe']:.2f})"] if "close_to_probe" in signals else []
        return Verdict(EventType.REMOVED, str(Reason.SOFT_404), "soft-404: " + ", ".join(said), evidence)
    return None
