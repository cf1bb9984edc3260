"""Extract stage, masking: the tables ``normalise`` reads, by language where the words differ.

Plain data, no code: query parameters that are never content, relative-time words, counter nouns
and icons, the cue words of page stamps and the length of a UI label. ``dates`` and ``counters``
build their patterns from these; add a language by adding a row.
"""

from __future__ import annotations

# UI labels and stamps are short; prose is long. In a paragraph of at most this many words every
# clock time is a clock, and (unless it reads as a sentence, see _is_label) every "<number> <counter
# noun>" is a counter ("12 comments" in news_article.html's share bar); in prose only the unmistakable
# forms are masked ("1.2K views", "Views: 1,234", "10:42:07", ISO times), so "the agency received 12
# comments on the rule" and "polls close at 8 p.m." stay content.
SHORT_LABEL_WORDS = 12

# Query parameters that bust caches, carry sessions or sign a URL: never content. `v`/`ver` are
# included because `?v=20261123` on assets and attachments is a cache-buster far more often than a
# content selector (fixture press_release.html, the report link).
VOLATILE_PARAMS = frozenset(
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
FEW_WORDS = frozenset({
    "a", "an", "one", "two", "three", "four", "five", "few", "several", "une", "un", "quelques", "una", "unos",
    "unas", "pocos", "pocas", "algunos", "algunas", "ein", "eine", "einer", "einem", "wenigen", "paar", "un'",
    "qualche", "pochi", "poche", "uma", "poucos", "poucas", "alguns", "algumas", "een", "enkele",
})  # fmt: skip

# The cheap test before the relative-time regexes run: a substring each form contains (lower case, padded).
AGO_HINTS = (" ago", "just now", "il y a ", "instant", "hace ", "ahora", " vor ", "soeben", "gerade eben",
             " fa ", " fa.", " fa,", "proprio ora", "há ", " atrás", "agora mesmo", " geleden", "zojuist", "zonet",
             "zo-even")  # fmt: skip

# The cheap test before the stamp-after-cue regex runs: a substring of each cue (lower case).
CUE_WORDS = ("updated", "modified", "edited", "revised", "refreshed", "generated", "rendered", "retrieved",
             "today", "current time", "as of now", "mis à jour", "mise à jour", "actualis", "modifi", "actualiz",
             "atualiz", "aggiornat", "aktualisiert", "geändert", "stand:", "stand :", "bijgewerkt", "gewijzigd")  # fmt: skip

#: Counter nouns by language (lower case, NFKC, straight apostrophes; two-word nouns allowed). A
#: number next to one of these, in either order ("13,725 views", "Kommentare: 12", "Likes 30"), is
#: a UI counter when the context says UI (see ``mask_counters``). Add a language by adding a row.
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
        "boost",  # Mastodon's word for a repost
        "boosts",
        "reblog",
        "reblogs",
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
