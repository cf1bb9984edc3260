"""Classify stage, content: what changed in a page that is there → ``edited``.

A short link that now leads to other content is ``retargeted``; an article cut to a teaser
behind subscription prompts is ``paywall``; any other meaningful change is ``text-changed``
(``payload-changed`` for binaries). Content alternating among a few variants (A/B tests, metered
paywalls) is compared against every recent version, not only the last one.
"""

from __future__ import annotations

import re
from typing import Any

from archiver.models import (
    Diff,
    EventType,
    Observation,
    PostState,
    Reason,
    SourceHistory,
    TextStatus,
    TextVersion,
    Verdict,
)

from .observed import (
    comparable,
    is_page,
    is_variant,
    judged_by_post,
    normalise,
    origin_url,
    page_view,
    previous_target,
    reference_text,
)
from .similarity import containment, relatedness, similarity, words

#: A short link whose new target still shares this much with the last good text leads to the
#: same content under another address: not retargeted (test_classify_edited: an AMP address).
SAME_CONTENT = 0.8
#: Paywall: the new text is at most this share of an article of at least PAYWALL_MIN_WORDS
#: words (paywall/midi-retraites-abonnes.html keeps 84 of 311 words) …
PAYWALL_RATIO = 0.4
PAYWALL_MIN_WORDS = 40
#: … and what is left is the article's beginning (containment of the kept lead in the old first half).
TEASER_KEPT = 0.6

#: Subscription prompts, by language (paywall-*.html fixtures).
PAYWALL_WORDS = (
    r"subscribe (?:now )?to (?:continue|read|keep reading|unlock)", r"already a (?:subscriber|member)",
    r"continue reading with a subscription", r"this (?:article|story|content) is (?:for|reserved for|exclusive to) subscribers",
    r"(?:exclusive to|for|only for) subscribers", r"subscribers only", r"become a (?:subscriber|member) to",
    r"create a free account to (?:continue|read)", r"(?:register|sign in|log in) to (?:continue|keep) reading",
    r"you(?:'ve| have) reached your (?:limit of free articles|free article limit)", r"free articles? remaining",
    r"you(?:'ve| have) read all your free articles", r"unlock this article", r"start your free trial to continue",
    r"réservé aux abonnés", r"déjà abonné", r"abonnez-vous pour (?:lire|continuer)", r"la suite est réservée",
    r"jetzt abonnieren", r"exklusiv für abonnenten", r"nur für abonnenten", r"(?:bereits|schon) abonnent",
    r"um weiterzulesen", r"weiterlesen mit",
    r"suscríbete para (?:seguir|continuar) leyendo", r"exclusivo para suscriptores", r"ya eres suscriptor",
    r"abbonati per continuare", r"riservato agli abbonati", r"sei già abbonato",
    r"assine para continuar", r"exclusivo para assinantes", r"já é assinante",
    r"word abonnee", r"alleen voor abonnees", r"al abonnee", r"redan prenumerant", r"bli prenumerant",
    r"kun for abonnenter", r"dla prenumeratorów", r"有料会員", r"会員限定", r"続きを読むには",
)  # fmt: skip
PAYWALL_PHRASES = re.compile("|".join(PAYWALL_WORDS))
#: Paywall markup: schema.org's declaration that the article is not free, and the class names
#: of metered-paywall vendors (Piano/Tinypass, Poool, the NYT's meteredContent).
PAYWALL_HTML = re.compile(
    r"\"isaccessibleforfree\"\s*:\s*\"?false|class=\"[^\"]*\b(?:paywall|meteredcontent|metered-content|"
    r"subscriber-only|premium-content|tp-modal|poool)|tinypass\.com|data-paywall"
)


def retargeted_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """A short link (t.co, bit.ly…) whose target is now another address with other content →
    ``edited`` (``retargeted``), not removed: the link works, it just leads elsewhere."""
    result = observation.result
    if not history.is_short_link or not is_page(result):
        return None
    before, now = previous_target(history), origin_url(history, result)
    if before is None or is_variant(before, now):
        return None
    evidence: dict[str, object] = {"previous_target": before, "target": now, "final_url": result.final_url}
    old = reference_text(history)
    if old is not None:
        # A short link to a post is compared by the post's own text (the page is a script shell).
        current = observation.text.text if judged_by_post(observation) else page_view(observation).text
        related = relatedness(current, old.text)
        if related >= SAME_CONTENT:
            return None
        evidence["similarity"] = round(related, 3)
    return Verdict(EventType.EDITED, str(Reason.RETARGETED), f"short link now leads to {now} (was {before})", evidence)


def paywall_marker(observation: Observation) -> str | None:
    """A subscription prompt in the text, paywall markup in the HTML, or a paywall flag in the
    extractor's ``meta``."""
    tv = observation.text
    page = page_view(observation)
    # The page view's main text is the normalised extracted text whenever there is one (read once).
    if m := PAYWALL_PHRASES.search(page.text if tv.status is TextStatus.OK and tv.paragraphs else normalise(tv.text)):
        return repr(m.group(0))
    if m := PAYWALL_PHRASES.search(page.visible):
        return repr(m.group(0))
    if m := PAYWALL_HTML.search(page.html):
        return f"markup {m.group(0)!r}"
    for key, value in tv.meta.items():
        if _flags_paywall(key, value):
            return f"meta {key}"
    return None


def _flags_paywall(key: str, value: Any) -> bool:
    lowered = key.lower()
    if lowered in ("isaccessibleforfree", "is_accessible_for_free"):
        return str(value).lower() == "false"
    if "paywall" in lowered or "metered" in lowered:
        return bool(value)
    if isinstance(value, (list, tuple, set, frozenset, str)):
        text = " ".join(value) if not isinstance(value, str) else value
        return "paywall" in text.lower() or "meteredcontent" in text.lower()
    return False


def is_teaser(old: TextVersion, new: TextVersion) -> bool:
    """Whether ``new`` keeps only the beginning of ``old``: much shorter, and its first paragraphs
    are found in the first half of the old text."""
    if old.word_count < PAYWALL_MIN_WORDS or not 0 < new.word_count <= PAYWALL_RATIO * old.word_count:
        return False
    lead = " ".join(p for p in new.paragraphs[:3] if not PAYWALL_PHRASES.search(normalise(p)))
    first_half = " ".join(old.paragraphs[: max(3, (len(old.paragraphs) + 1) // 2)])
    return bool(lead) and containment(lead, first_half) >= TEASER_KEPT


def paywall_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """The article cut to its first paragraphs, with a subscription prompt or paywall markup →
    ``edited`` (``paywall``)."""
    old, new = reference_text(history), observation.text
    if observation.post is not None or not is_page(observation.result) or old is None:
        return None
    if (diff is not None and not diff.changed) or not comparable(new) or _seen_before(history, new):
        return None
    if not is_teaser(old, new):
        return None
    marker = paywall_marker(observation)
    if marker is None:
        return None  # an article shortened by its editors: text_changed_rule
    evidence = {"words_before": old.word_count, "words_now": new.word_count, "matched": marker}
    summary = f"paywall: text cut to a {new.word_count}-word teaser (was {old.word_count} words), {marker}"
    return Verdict(EventType.EDITED, str(Reason.PAYWALL), summary, evidence)


def _seen_before(history: SourceHistory, new: TextVersion) -> bool:
    """Whether ``new`` is one of the recent versions: an A/B variant or a metered paywall
    alternating, not an edit. The headline and the body are compared apart, each against every
    recent version: an A/B-tested headline over a body seen before is not news, whichever body
    version the other headline was first seen with."""
    versions = [*history.recent_texts, *([history.last_good_text] if history.last_good_text else [])]
    if any(_same_version(v, new) for v in versions):
        return True
    if new.status is not TextStatus.OK or not new.paragraphs:
        return False  # a binary or an empty page has no headline and body to tell apart
    titles = {" ".join(v.title.split()) for v in versions}
    bodies = {_body(v) for v in versions}
    return " ".join(new.title.split()) in titles and _body(new) in bodies


def _body(v: TextVersion) -> tuple[str, ...]:
    return v.paragraphs


def _same_version(a: TextVersion, b: TextVersion) -> bool:
    same_text = a.digest == b.digest if a.digest and b.digest else a.paragraphs == b.paragraphs
    return same_text and a.title == b.title


def text_changed_rule(history: SourceHistory, observation: Observation, diff: Diff | None) -> Verdict | None:
    """The main text (or, for a binary, the payload) differs meaningfully from the last good
    version and from every recent version → ``edited`` (``text-changed``/``payload-changed``).
    Noise is the diff's business: a diff that says unchanged is never overruled."""
    old, new = history.last_good_text, observation.text
    post = observation.post
    if old is None or (diff is not None and not diff.changed):
        return None
    if post is not None and post.state not in (PostState.LIVE, PostState.UNKNOWN):
        return None
    if post is None or post.state is PostState.UNKNOWN:
        if not is_page(observation.result):
            return None
        if post is not None and old.kind != new.kind:
            return None  # the post's own text then the page around it: two different things
    elif history.previous_post is not None and words(history.previous_post.text) == words(post.text):
        return None  # the post's own words are unchanged; counters are not text
    if new.status is TextStatus.BINARY or old.status is TextStatus.BINARY:
        if new.digest == old.digest or _seen_before(history, new):
            return None
        changed: dict[str, object] = {"digest_before": old.digest, "digest_now": new.digest}
        return Verdict(EventType.EDITED, str(Reason.PAYLOAD_CHANGED), "payload changed", changed)
    if not comparable(new) or not comparable(old) or _seen_before(history, new):
        return None
    # Punctuation or spacing only; checked only when the diff counted no changed word (or there is
    # no diff), since splitting two long texts into words costs more than the rest of the rules.
    no_word_changed = diff is None or not (diff.words_added or diff.words_removed or diff.paragraphs_changed)
    if no_word_changed and words(new.text) == words(old.text) and normalise(new.title) == normalise(old.title):
        return None
    evidence: dict[str, object]
    if diff is not None:
        evidence = {
            "paragraphs_changed": diff.paragraphs_changed, "paragraphs_added": diff.paragraphs_added,
            "paragraphs_removed": diff.paragraphs_removed, "words_added": diff.words_added,
            "words_removed": diff.words_removed, "similarity": round(diff.similarity, 3),
            **read_by(old, new),
        }  # fmt: skip
        return Verdict(EventType.EDITED, str(Reason.TEXT_CHANGED), diff.summary or "text changed", evidence)
    sim = similarity(new.text, old.text)
    evidence = {"similarity": round(sim, 3), "words_before": old.word_count, "words_now": new.word_count,
                **read_by(old, new)}  # fmt: skip
    return Verdict(EventType.EDITED, str(Reason.TEXT_CHANGED), f"text changed (similarity {sim:.2f})", evidence)


def read_by(old: TextVersion, new: TextVersion) -> dict[str, object]:
    """How the two texts were read, so an edit can be explained and reproduced: the extractor,
    the host template's id and the region it reads (outermost first), for each side."""
    out: dict[str, object] = {}
    for side, tv in (("before", old), ("now", new)):
        template = tv.meta.get("template")
        if not isinstance(template, dict):
            if tv.meta.get("extractor"):
                out[f"extractor_{side}"] = tv.meta["extractor"]
            continue
        container = template.get("container") or []
        out[f"extractor_{side}"] = f"{tv.meta.get('extractor', 'template')} ({template.get('learned_by', '')})"
        out[f"template_{side}"] = template.get("id")
        out[f"region_{side}"] = " > ".join(reversed([str(c) for c in container]))
    return out
