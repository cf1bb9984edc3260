"""HELDOUT's page templates: other CMSs, other languages, other wordings.

Nothing here is shared with templates.py, prose.py or media.py (the default suite's page code):
a detector tuned on DEFAULT meets new markup, French/Spanish/German not-found pages, a forum, a
JSON:API document, a compressed PDF and another registrar's parking page.
"""

from __future__ import annotations

import hashlib
import json
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from html import escape
from typing import Any

from .model import Response

FR = ("Le conseil municipal de {v} a voté jeudi soir le budget de {p}, estimé à {m} millions d'euros.",
      "Selon {n}, adjointe chargée des transports, les travaux débuteront au printemps.",
      "L'opposition dénonce un projet « mal préparé » et réclame une étude indépendante.",
      "Les riverains de {v} craignent des nuisances pendant {k} mois.",
      "Le préfet doit rendre son avis d'ici la fin du mois.",
      "D'après un sondage publié lundi, {c} % des habitants soutiennent {p}.",
      "La chambre régionale des comptes avait déjà pointé des retards en {y}.",
      "Une réunion publique est prévue mardi à la salle des fêtes de {v}.")
ES = ("El ayuntamiento de {v} aprobó ayer una inversión de {m} millones de euros para {p}.",
      "La concejala {n} aseguró que las obras comenzarán antes del verano.",
      "Los vecinos de {v} han recogido más de {k}00 firmas en contra del proyecto.",
      "Según fuentes municipales, el retraso se debe a problemas con la adjudicación.",
      "La oposición exige la comparecencia del alcalde en el próximo pleno.",
      "El informe técnico advierte de un sobrecoste del {c} % en {p}.",
      "Las asociaciones de comerciantes piden compensaciones por las pérdidas.")
DEPORTES = ("El Atlético Vallehermoso remontó en la segunda parte y ganó el derbi por {k} a 1.",
            "El delantero marcó de cabeza en el minuto {c} tras un saque de esquina.",
            "La afición llenó el estadio municipal pese a la lluvia.",
            "El entrenador reconoció que su equipo había sufrido en defensa.",
            "Con esta victoria el equipo suma {k} partidos sin perder y se acerca a los puestos de ascenso.",
            "El próximo domingo visitará al líder de la categoría.")
DE = ("Die Stadt {v} investiert in den kommenden {k} Jahren rund {m} Millionen Euro in {p}.",
      "Oberbürgermeisterin {n} betonte, dass die Bürgerinnen und Bürger frühzeitig beteiligt werden.",
      "Die Bauarbeiten sollen im Frühjahr beginnen und etwa {k} Monate dauern.",
      "Während der Bauzeit kommt es zu Einschränkungen im Straßenverkehr.",
      "Der Gemeinderat hatte dem Vorhaben im Jahr {y} mit großer Mehrheit zugestimmt.",
      "Weitere Informationen erhalten Interessierte im Bürgerbüro im Rathaus.")
FORUM = ("After updating to firmware {k}.{c} my router drops the 5 GHz network every few hours.",
         "I have already tried a factory reset and a different power supply, no change.",
         "The changelog mentions a fix for channel switching but nothing about stability.",
         "Support told me to wait for the next release, which is not really an answer.",
         "Rolling back to {k}.{y} fixed it for me, but the download link has disappeared.",
         "Can anyone from the team confirm whether this is a known issue?")
WORDS = {"v": ("Villeneuve", "Montclair", "Almendral", "Vallehermoso", "Neuburg", "Altstetten"),
         "p": ("le tramway", "la nouvelle médiathèque", "el carril bici", "la depuradora", "den Radweg",
               "die Stadtbahn"),
         "n": ("Claire Dumas", "Inès Laurent", "Lucía Ferrer", "Marta Ibáñez", "Sabine Krüger", "Jana Vogt")}


@dataclass(frozen=True, slots=True)
class Doc:
    """A heldout page's content."""

    key: str
    title: str
    author: str
    date: str
    paras: tuple[str, ...]

    def with_(self, **changes: Any) -> Doc:
        return replace(self, **changes)


def doc(key: str, bank: tuple[str, ...], title: str, author: str, date: str, n: int = 4) -> Doc:
    """A Doc whose paragraphs are drawn from ``bank`` (a language's sentences), seeded by ``key``."""
    rng = random.Random(f"heldout:{key}")
    paras = []
    for _ in range(n):
        picks = rng.sample(bank, min(3, len(bank)))
        paras.append(" ".join(s.format(v=rng.choice(WORDS["v"]), p=rng.choice(WORDS["p"]), n=rng.choice(WORDS["n"]),
                                       m=rng.randint(3, 90), k=rng.randint(2, 24), c=rng.randint(20, 80),
                                       y=rng.randint(2015, 2024)) for s in picks))
    return Doc(key, title, author, date, tuple(paras))


def _hex(*parts: object) -> str:
    return hashlib.md5(":".join(map(str, parts)).encode()).hexdigest()


# ------------------------------------------------------------------ Le Courrier du Soir (French)

PUBS = ("Soldes d'hiver : jusqu'à -50 % chez Maison Laurent", "Assurance auto : comparez en 2 minutes",
        "Séjours au ski dès 299 €", "Nouvelle Citadine hybride : essayez-la")


def courrier(d: Doc, step: int, *, live: bool = True) -> Response:
    """Regional French daily: 'Mis à jour il y a N min', rotating ad, share counter change when ``live``."""
    k = step if live else 0
    corps = "".join(f'<p class="article__paragraphe">{escape(p)}</p>' for p in d.paras)
    return Response.html(
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{escape(d.title)} - Le Courrier du Soir'
        f'</title></head><body><div id="page"><div class="entete"><a href="/">Le Courrier du Soir</a>'
        f'<span class="meteo">{12 + k % 9}°C</span></div><div class="pub">Publicité — {PUBS[k % len(PUBS)]}</div>'
        f'<div class="article"><h1 class="article__titre">{escape(d.title)}</h1><div class="article__infos">'
        f'Par {escape(d.author)} — Publié le {escape(d.date)} — Mis à jour il y a {4 + 6 * k} min — '
        f'{210 + 31 * k} partages</div><div class="article__contenu">{corps}</div></div>'
        '<div class="a-lire-aussi"><h3>À lire aussi</h3><a href="/region/">Toute l\'actualité de la région</a></div>'
        "</div></body></html>")


def courrier_home(step: int) -> Response:
    return Response.html('<!doctype html><html lang="fr"><head><title>Le Courrier du Soir - Actualités</title></head>'
                         "<body><h1>Le Courrier du Soir</h1><p>L'actualité de la région, en continu.</p></body></html>")


def courrier_introuvable(path: str, step: int) -> Response:
    return Response.html('<!doctype html><html lang="fr"><head><title>Page introuvable - Le Courrier du Soir</title>'
                         "</head><body><h1>Page introuvable</h1><p>La page que vous recherchez n'existe pas ou a été "
                         "déplacée.</p><a href=\"/\">Retour à l'accueil</a></body></html>", status=404)


# ------------------------------------------------------------------ La Gaceta del Valle (Spanish)


def gaceta(d: Doc, step: int, *, redesign_from: int | None = None, busy: bool = False,
           paywall: bool = False) -> Response:
    """Spanish daily: optional redesign, cache-busted assets and shuffled 'Lo más leído' when ``busy``."""
    v = f"?ver={900 + step if busy else 900}"
    leido = [f'<li><a href="/noticias/{i}{v}">Noticia destacada número {i}</a></li>' for i in range(1, 6)]
    if busy:
        random.Random(f"leido:{step}").shuffle(leido)
    paras = d.paras[:1] if paywall else d.paras
    cuerpo = "".join(f"<p>{escape(p)}</p>" for p in paras)
    if paywall:
        cuerpo += ('<div class="muro"><strong>Este contenido es exclusivo para suscriptores.</strong> '
                   "Suscríbete por 1 € el primer mes para seguir leyendo.</div>")
    noticia = (f'<h1 class="titular">{escape(d.title)}</h1><p class="firma">Por {escape(d.author)} | '
               f'{escape(d.date)}</p><div class="cuerpo">{cuerpo}</div>')
    mas = f'<ol class="mas-leido">{"".join(leido)}</ol>'
    if redesign_from is not None and step >= redesign_from:
        body = (f'<div class="layout-2027"><nav class="menu-lateral">{mas}</nav><section><div class="noticia-wrap">'
                f'<article class="noticia noticia--v2">{noticia}</article></div></section></div>')
    else:
        body = f'<div class="contenedor"><article class="noticia">{noticia}</article><aside>{mas}</aside></div>'
    return Response.html(f'<!doctype html><html lang="es"><head><title>{escape(d.title)} | La Gaceta del Valle'
                         f'</title><link rel="stylesheet" href="/css/gaceta.css{v}"></head><body>'
                         f'<header><a href="/">La Gaceta del Valle</a></header>{body}</body></html>')


def gaceta_home(step: int) -> Response:
    return Response.html('<!doctype html><html lang="es"><head><title>La Gaceta del Valle</title></head><body>'
                         "<h1>La Gaceta del Valle</h1><p>Noticias de la comarca.</p></body></html>")


def gaceta_no_encontrada(path: str, step: int) -> Response:
    return Response.html('<!doctype html><html lang="es"><head><title>Error 404</title></head><body>'
                         "<h1>La página que busca no existe</h1></body></html>", status=404)


# ------------------------------------------------------------------ Stadt Neuburg (German municipal CMS)


def stadt(d: Doc, step: int) -> Response:
    """A municipal press release (TYPO3-like markup)."""
    text = "".join(f'<p class="bodytext">{escape(p)}</p>' for p in d.paras)
    return Response.html(
        f'<!DOCTYPE html><html lang="de"><head><title>{escape(d.title)}: Stadt Neuburg</title></head><body>'
        '<div id="c-header"><a href="/">Stadt Neuburg</a><ul class="servicenav"><li>Rathaus</li><li>Bürgerservice'
        f'</li></ul></div><div id="c-main"><div class="news-single"><span class="news-date">Pressemitteilung vom '
        f'{escape(d.date)}</span><h1>{escape(d.title)}</h1><div class="news-text">{text}</div>'
        f'<p class="news-author">Ansprechpartnerin: {escape(d.author)}, Pressestelle</p></div></div></body></html>')


def stadt_home(step: int) -> Response:
    return Response.html('<!DOCTYPE html><html lang="de"><head><title>Stadt Neuburg</title></head><body>'
                         "<h1>Willkommen in Neuburg</h1></body></html>")


def stadt_fehler(path: str, step: int) -> Response:
    return Response.html('<!DOCTYPE html><html lang="de"><head><title>Fehler 404</title></head><body>'
                         "<h1>Fehler 404 – Seite nicht gefunden</h1><p>Die angeforderte Seite existiert leider "
                         "nicht (mehr).</p></body></html>", status=404)


# ------------------------------------------------------------------ a Discourse-like forum (English)


def forum(d: Doc, step: int, *, live: bool = True) -> Response:
    """A forum topic: views, likes, 'last reply' age and CSRF meta change when ``live``."""
    k = step if live else 0
    cooked = "".join(f"<p>{escape(p)}</p>" for p in d.paras)
    return Response.html(
        f'<!DOCTYPE html><html><head><title>{escape(d.title)} - Hardware - Routerfolk Community</title>'
        f'<meta name="csrf-token" content="{_hex("csrf", d.key, k)}"></head><body><div id="main-outlet">'
        f'<h1 class="fancy-title">{escape(d.title)}</h1><div class="topic-post" id="post_1">'
        f'<span class="username">{escape(d.author)}</span> <span class="post-date">{escape(d.date)}</span>'
        f'<div class="cooked">{cooked}</div><div class="post-likes">{3 + k} Likes</div></div>'
        f'<div class="topic-map"><span>{180 + 47 * k} views</span> <span>last reply {k + 1}h</span></div>'
        "</div></body></html>")


def forum_home(step: int) -> Response:
    return Response.html("<!DOCTYPE html><html><head><title>Routerfolk Community</title></head><body>"
                         "<h1>Latest topics</h1><ul><li>Welcome to Routerfolk</li><li>Firmware release notes</li>"
                         "</ul></body></html>")


# ------------------------------------------------------------------ a JSON:API data hub


def dataset(key: str, attributes: dict[str, Any], step: int, *, live: bool = False) -> Response:
    """A JSON:API document; with ``live`` the query time and trace id in ``meta`` change every step."""
    k = step if live else 0
    body = {"jsonapi": {"version": "1.1"}, "data": {"type": "datasets", "id": key, "attributes": attributes},
            "meta": {"took_ms": 11 + 3 * k, "trace_id": _hex("trace", key, k)}}
    return Response(200, (("Content-Type", "application/vnd.api+json"),), json.dumps(body).encode())


def datahub_error(path: str, step: int) -> Response:
    body = {"errors": [{"status": "404", "title": "Resource not found"}]}
    return Response(404, (("Content-Type", "application/vnd.api+json"),), json.dumps(body).encode())


# ------------------------------------------------------------------ a document archive (compressed PDF)


def flate_pdf(lines: list[str]) -> bytes:
    """A PDF with a FlateDecode content stream, Times-Roman, each line placed absolutely (Tm)."""
    ops = ["BT /T 12 Tf"]
    for i, line in enumerate(lines):
        text = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"1 0 0 1 72 {760 - 16 * i} Tm ({text}) Tj")
    ops.append("ET")
    stream = zlib.compress("\n".join(ops).encode("latin-1"))
    objs = {1: b"<</Type/Catalog/Pages 2 0 R>>", 2: b"<</Type/Pages/Count 1/Kids[3 0 R]>>",
            3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Resources<</Font<</T 4 0 R>>>>/Contents 5 0 R>>",
            4: b"<</Type/Font/Subtype/Type1/BaseFont/Times-Roman/Encoding/WinAnsiEncoding>>",
            5: b"<</Filter/FlateDecode/Length %d>>stream\n" % len(stream) + stream + b"\nendstream"}
    out, where = bytearray(b"%PDF-1.7\n"), {}
    for num, body in objs.items():
        where[num] = len(out)
        out += b"%d 0 obj" % num + body + b"endobj\n"
    start = len(out)
    out += b"xref\n0 6\n0000000000 65535 f\r\n" + b"".join(b"%010d 00000 n\r\n" % where[i] for i in range(1, 6))
    out += b"trailer<</Size 6/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF" % start
    return bytes(out)


def archivo_home(step: int) -> Response:
    return Response.html("<html><head><title>Arquivo Municipal</title></head><body><h1>Arquivo Municipal</h1>"
                         "</body></html>")


def archivo_nao_encontrado(path: str, step: int) -> Response:
    return Response.html("<html><head><title>Não encontrado</title></head><body><h1>Documento não encontrado</h1>"
                         "<p>O documento solicitado não está disponível.</p></body></html>", status=404)


# ------------------------------------------------------------------ another registrar's parking page


def lapsed_parking(domain: str) -> Callable[[str], Response]:
    page = Response.html(
        f"<html><head><title>{domain}</title></head><body><div class=\"parked\"><p>This domain name is registered "
        "and parked free of charge. Is this your domain? Renew it now before someone else does.</p>"
        f"<p>Dit domein is te koop. Interesse in {domain}? Doe een bod.</p><ul class=\"sponsored\"><li>Online "
        "Degrees</li><li>Car Loans</li><li>Web Hosting</li></ul></div></body></html>")
    return lambda path: page


def lapsed_home(step: int) -> Response:
    return Response.html("<html><head><title>Friends of Altstetten Park</title></head><body><h1>Friends of "
                         "Altstetten Park</h1><p>Volunteers looking after our park since 1998.</p></body></html>")


def lapsed_page(d: Doc, step: int) -> Response:
    text = "".join(f"<p>{escape(p)}</p>" for p in d.paras)
    return Response.html(f"<html><head><title>{escape(d.title)}</title></head><body><div class=\"wrap\">"
                         f"<h2>{escape(d.title)}</h2><em>{escape(d.date)}</em>{text}</div></body></html>")
