"""HELDOUT: a smaller suite for measuring generalisation, with page code of its own (heldout_pages.py).

Sites [unknown-path policy]: courrier (French daily) [soft-404], gaceta (Spanish daily)
[redirect-home], stadt (German municipal CMS) [404], forum (Discourse-like) [catch-all], datahub
(JSON:API) [404], quota (the 429 alone: Retry-After defers a host), archivo (compressed PDFs)
[404], lapsed (parked from step 4), silent (nothing listens from step 3 on). Ground truth uses
the same words and rules as DEFAULT.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import heldout_pages as h
from .model import (
    GONE,
    Category,
    Expected,
    Page,
    PageLike,
    Response,
    Scenario,
    Site,
    Suite,
    Unknown,
    page,
    phases,
)

E, TD, N, TR, MV, RS = (Category.EDIT, Category.TAKEDOWN, Category.NOISE, Category.TRANSIENT, Category.MOVE,
                        Category.RESTORE)

COURRIER = Site("courrier", h.courrier_home, h.courrier_introuvable, Unknown.SOFT_404)
GACETA = Site("gaceta", h.gaceta_home, h.gaceta_no_encontrada, Unknown.REDIRECT_HOME)
STADT = Site("stadt", h.stadt_home, h.stadt_fehler, Unknown.NOT_FOUND)
FORUM = Site("forum", h.forum_home, lambda path, step: h.forum_home(step).with_status(404), Unknown.CATCH_ALL)
DATAHUB = Site("datahub", lambda s: h.dataset("index", {"datasets": 3}, s), h.datahub_error)
QUOTA = Site("quota", lambda s: h.dataset("index", {"datasets": 1}, s), h.datahub_error)  # Retry-After defers a host
ARCHIVO = Site("archivo", h.archivo_home, h.archivo_nao_encontrado)
LAPSED = Site("lapsed", h.lapsed_home, lambda p, s: h.lapsed_home(s).with_status(404), parked_from=4,
              parking=h.lapsed_parking("altstetten-park-freunde.de"))
SILENT = Site("silent", h.lapsed_home, lambda p, s: h.lapsed_home(s).with_status(404),
              offline=frozenset(range(3, 9)))

TEXT = "text-changed"


def fr(key: str, title: str) -> h.Doc:
    return h.doc(key, h.FR, title, "Claire Dumas", "14 octobre 2026 à 07h30")


def es(key: str, title: str) -> h.Doc:
    return h.doc(key, h.ES, title, "Lucía Ferrer", "14/10/2026 - 08:15")


def de(key: str, title: str, date: str = "14. Oktober 2026") -> h.Doc:
    return h.doc(key, h.DE, title, "Sabine Krüger", date)


def en(key: str, title: str) -> h.Doc:
    return h.doc(key, h.FORUM, title, "netgear_nick", "Oct 14, 2026")


def sc(name: str, site: Site, path: str, respond: PageLike, cats: set[Category],
       expected: dict[int, list[Expected]] | None = None, description: str = "",
       routes: Mapping[str, PageLike] | None = None) -> Scenario:
    return Scenario(f"heldout/{name}", site, path, page(respond), frozenset(cats), expected or {}, description,
                    {route: page(p) for route, p in (routes or {}).items()})


def _scenarios() -> list[Scenario]:
    tram = fr("tram", "Tramway : le conseil vote un budget de 48 millions d'euros")
    sondage = fr("sondage", "Médiathèque : 37 % des habitants favorables au projet")
    radweg = de("radweg", "Neuer Radweg an der Donau")
    router = en("router", "Firmware 3.2 keeps dropping 5 GHz")
    carril = es("carril", "El carril bici llegará al centro en 2027")
    muro = es("muro", "Las cuentas del puerto, bajo sospecha")
    ruido = es("ruido", "La depuradora funcionará en primavera")
    dato = {"title": "Population by district", "year": 2026, "total": 48213}
    acta = ["Acta da sessão de 3 de outubro de 2026.", "Orçamento aprovado: 1,2 milhões de euros.",
            "Votos a favor: 7. Votos contra: 2."]
    moved_de = de("umzug", "Bürgerbüro zieht ins neue Rathaus")
    back = fr("retour", "Piscine municipale : réouverture prévue en novembre")

    def cr(d: h.Doc, live: bool = True) -> Page:
        return lambda s: h.courrier(d, s, live=live)

    def ga(d: h.Doc, **kw: Any) -> Page:
        return lambda s: h.gaceta(d, s, **kw)

    def st(d: h.Doc) -> Page:
        return lambda s: h.stadt(d, s)

    def fo(d: h.Doc, live: bool = True) -> Page:
        return lambda s: h.forum(d, s, live=live)

    def pdf(lines: list[str]) -> Response:
        return Response.data(h.flate_pdf(lines), "application/pdf")

    return [
        sc("edit/fr-headline", COURRIER, "/region/2026/10/14/tramway-budget", phases({
            0: cr(tram), 3: cr(tram.with_(title="Tramway : le budget passe à 55 millions d'euros"))}),
           {E}, {3: [("edited", TEXT)]}, "French headline rewritten at step 3, with the page's live furniture."),
        sc("edit/fr-percent", COURRIER, "/region/2026/10/13/sondage-mediatheque", phases({
            0: cr(sondage), 5: cr(sondage.with_(title=sondage.title.replace("37 %", "39 %")))}),
           {E}, {5: [("edited", TEXT)]}, "A figure in French notation in the headline, 37 % → 39 %, at step 5."),
        sc("edit/de-date", STADT, "/aktuelles/pressemitteilungen/radweg-donau", phases({
            0: st(radweg), 4: st(radweg.with_(date="15. Oktober 2026"))}),
           {E}, {4: [("edited", TEXT)]}, "The release's own date changes a day at step 4."),
        sc("edit/forum-post", FORUM, "/t/firmware-3-2-keeps-dropping-5-ghz/4412", phases({
            0: fo(router), 3: fo(router.with_(paras=(*router.paras[:-1], "EDIT: solved, it was the power supply.")))}),
           {E}, {3: [("edited", TEXT)]}, "The first post's last paragraph is replaced at step 3 (views etc. live)."),
        sc("edit/jsonapi-value", DATAHUB, "/datasets/population-2026", phases({
            0: lambda s: h.dataset("population-2026", dato, s, live=True),
            6: lambda s: h.dataset("population-2026", {**dato, "total": 48391}, s, live=True)}),
           {E}, {6: [("edited", TEXT)]}, "attributes.total 48213 → 48391 at step 6; meta changes every step."),
        sc("edit/flate-pdf", ARCHIVO, "/actas/2026-10-03.pdf", phases({
            0: pdf(acta), 2: pdf([acta[0], acta[1].replace("1,2", "1,4"), acta[2]])}),
           {E}, {2: [("edited", TEXT)]}, "Compressed PDF text 1,2 → 1,4 milhões at step 2."),
        sc("edit/es-paywall", GACETA, "/economia/2026/10/14/cuentas-del-puerto.html", phases({
            0: ga(muro), 4: ga(muro, paywall=True)}),
           {E}, {4: [("edited", "paywall")]}, "From step 4 a Spanish subscriber wall hides the article."),
        sc("noise/fr-live-page", COURRIER, "/region/2026/10/12/conseil", cr(fr("conseil", "Conseil : séance houleuse")),
           {N}, description="Weather, ad, 'mis à jour il y a N min' and share counter change each step: no event."),
        sc("noise/forum-counters", FORUM, "/t/welcome-to-routerfolk/1", fo(en("welcome", "Welcome to Routerfolk")),
           {N}, description="Views, likes, last-reply age and CSRF meta change each step: no event."),
        sc("noise/es-redesign-shuffle", GACETA, "/local/2026/10/13/depuradora.html", ga(ruido, redesign_from=4, busy=True),
           {N}, description="Cache-busted assets and shuffled 'Lo más leído' each step, redesign at 4: no event."),
        sc("noise/jsonapi-meta", DATAHUB, "/datasets/districts",
           lambda s: h.dataset("districts", {"count": 12}, s, live=True), {N},
           description="meta.took_ms and meta.trace_id change each step: no event."),
        sc("takedown/fr-soft-404", COURRIER, "/region/2026/10/10/piste-cyclable", phases({
            0: cr(fr("piste", "Piste cyclable : les travaux reportés")), 3: GONE}),
           {TD}, {3: [("removed", "soft-404")]}, "Removed at step 3: 'Page introuvable' served with 200."),
        sc("takedown/de-404", STADT, "/aktuelles/pressemitteilungen/freibad", phases({
            0: st(de("freibad", "Freibad öffnet später")), 2: GONE}), {TD}, {2: [("removed", "http-404")]},
           "'Fehler 404 – Seite nicht gefunden' from step 2."),
        sc("takedown/de-410", STADT, "/aktuelles/pressemitteilungen/wahl", phases({
            0: st(de("wahl", "Ergebnisse der Stadtratswahl")), 5: lambda s: h.stadt_fehler("", s).with_status(410)}),
           {TD}, {5: [("removed", "http-410")]}, "410 from step 5."),
        sc("takedown/es-redirect-home", GACETA, "/sucesos/2026/10/12/incendio.html", phases({
            0: ga(es("incendio", "Un incendio obliga a desalojar un edificio")), 3: GONE}),
           {TD}, {3: [("removed", "redirect-home")]}, "Removed at step 3; the site 302s unknown paths to /."),
        sc("takedown/es-redirect-unrelated", GACETA, "/politica/2026/10/11/pleno.html", phases({
            0: ga(es("pleno", "El pleno rechaza la moción sobre el puerto")),
            6: Response.redirect("/deportes/2026/10/14/derbi-local.html", 301)}),
           {TD}, {6: [("removed", "redirect-unrelated")]}, "At step 6 a 301 to a sports report on the same site.",
           {"/deportes/2026/10/14/derbi-local.html": ga(h.doc("derbi", h.DEPORTES, "Remontada en el derbi",
                                                              "Redacción", "14/10/2026 - 22:40"))}),
        sc("takedown/forum-catch-all", FORUM, "/t/leaked-admin-password/5120", phases({
            0: fo(en("leak", "Leaked admin password?"), live=False), 4: GONE}),
           {TD}, {4: [("removed", "soft-404")]}, "Topic deleted at step 4; the forum answers with its home page."),
        sc("takedown/parked-nl", LAPSED, "/nieuws/2026/parkfeest", lambda s: h.lapsed_page(
            de("parkfeest", "Parkfest am Samstag"), s), {TD}, {4: [("removed", "domain-parked")]},
           "From step 4 every path serves a parking page (Dutch/English wording)."),
        sc("takedown/refused-forever", SILENT, "/2026/verein", lambda s: h.lapsed_page(de("verein", "Vereinsleben"), s),
           {TD, TR}, {3: [("unreachable", None)], 5: [("removed", None)]},
           "Nothing listens from step 3 on: unreachable at 3, removed at the third failure (step 5)."),
        sc("transient/es-502", GACETA, "/local/2026/10/14/carril-bici.html", phases({
            0: ga(carril), 5: Response.html("<h1>502 Bad Gateway</h1><hr>nginx", 502), 6: ga(carril)}),
           {TR, RS}, {5: [("unreachable", "http-502")], 6: [("restored", None)]}, "nginx 502 at step 5 only."),
        sc("transient/jsonapi-429", QUOTA, "/datasets/schools", phases({
            0: lambda s: h.dataset("schools", {"count": 31}, s),
            2: Response(429, (("Retry-After", "0"), ("Content-Type", "application/vnd.api+json")),
                        b'{"errors":[{"status":"429","title":"Rate limit exceeded"}]}'),
            3: lambda s: h.dataset("schools", {"count": 31}, s)}),
           {TR, RS}, {2: [("unreachable", "http-429")], 3: [("restored", None)]},
           "429 at step 2 only (Retry-After: 0, as in DEFAULT's transient/http-429)."),
        sc("move/de-301", STADT, "/buergerbuero-umzug", phases({
            0: st(moved_de), 3: Response.redirect("/aktuelles/buergerbuero-umzug", 301)}),
           {MV}, {3: [("moved", None)]}, "301 to a new path with the same release at step 3.",
           {"/aktuelles/buergerbuero-umzug": st(moved_de)}),
        sc("restore/fr-404-different", COURRIER, "/region/2026/10/09/piscine", phases({
            0: cr(back), 2: lambda s: h.courrier_introuvable("", s), 4: cr(back.with_(
                title="Piscine municipale : réouverture repoussée à janvier"))}),
           {TD, RS, E}, {2: [("removed", "http-404")], 4: [("restored", None), ("edited", TEXT)]},
           "A real 404 at steps 2-3, back at 4 with a new headline: restored, then edited."),
    ]


HELDOUT = Suite("heldout", tuple(_scenarios()), 8)

__all__ = ["HELDOUT"]
