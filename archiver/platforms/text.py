"""The text of a post to diff: HTML flattened, embed chrome and counters dropped.

``PostSnapshot.text`` keeps the post body as the endpoint gave it (Mastodon's ``content`` HTML, the
X oEmbed blockquote); ``post_text`` turns it into plain lines that change only when the post does.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from archiver.models import PostSnapshot

#: Platforms whose snapshot text is always HTML (Mastodon's ``content`` field).
HTML_PLATFORMS = frozenset({"mastodon", "truthsocial"})

#: An X oEmbed ``html`` (or any fragment) that opens with markup; "<3 you all" is not markup.
_STARTS_WITH_MARKUP = re.compile(r"\s*<(?:blockquote|p|div|span|a|br)\b", re.IGNORECASE)

#: Elements that end a line. Mastodon separates paragraphs with <p> and lines with <br>.
_BLOCK_TAGS = frozenset({"p", "br", "div", "blockquote", "li", "ul", "ol", "h1", "h2", "h3", "h4", "pre"})

#: Lines that are not the post's words. Each is matched against a whole, whitespace-collapsed line.
NOISE_LINES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # The oEmbed attribution under an embedded post, as the seed documents quote it:
    # "– Homeland Security (@DHSgov) February 4, 2026" (x/live.oembed.json).
    ("oembed-attribution", re.compile(r"[—–-]\s*.*\(@\w{1,20}\)\s+[A-Z][a-z]+ \d{1,2}, \d{4}")),
    # Engagement counters a rendered embed or a scraped post shows: "1.2K Likes · 340 Reposts",
    # "12 replies 40 boosts 300 favourites", "Views: 3,456". They move on every check. The word
    # is required, so a line that is only a number ("2026") stays.
    (
        "counters",
        re.compile(
            r"(?:(?:views?:\s*[\d.,]+\s*[KkMm]?|[\d.,]+\s*[KkMm]?\s*(?:repl(?:y|ies)|reposts?|retweets?|quotes?"
            r"|likes?|views?|boosts?|reblogs?|favou?rites?|comments?|retruths?|bookmarks?|upvotes?|downvotes?))"
            r"\s*[·•|,]?\s*)+",
            re.IGNORECASE,
        ),
    ),
    # The widget chrome of an X embed once widgets.js has run.
    (
        "embed-chrome",
        re.compile(r"(?:Reply|Copy link|Copy link to post|Read \S+ repl(?:y|ies)|Read more on X)"),
    ),
)

#: Spellings of the same thing that differ only by which endpoint answered: X's oEmbed prints
#: media links as pic.twitter.com, its syndication JSON as pic.x.com (x/live.oembed.json versus
#: x/live.syndication.json). One spelling, so a switch of endpoint is not an edit.
EQUIVALENTS: tuple[tuple[re.Pattern[str], str], ...] = ((re.compile(r"\bpic\.x\.com/"), "pic.twitter.com/"),)


def post_text(snapshot: PostSnapshot) -> str:
    """The text to diff: plain lines, HTML stripped, attribution and counter lines dropped.

    >>> from archiver.models import PostState
    >>> post_text(PostSnapshot("mastodon", PostState.LIVE, text="<p>Polls <b>close</b> at 8&amp;9</p><p>1,204 likes</p>"))
    'Polls close at 8&9'
    >>> post_text(PostSnapshot("bluesky", PostState.LIVE, text="line one\\n\\n\\n  line   two "))
    'line one\\n\\nline two'
    """
    text = snapshot.text
    if snapshot.platform in HTML_PLATFORMS or _STARTS_WITH_MARKUP.match(text):
        text = html_text(text)
    for pattern, replacement in EQUIVALENTS:
        text = pattern.sub(replacement, text)
    lines: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line and any(pattern.fullmatch(line) for _, pattern in NOISE_LINES):
            continue
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n")


def html_text(html: str) -> str:
    """Flatten an HTML fragment to text: one line per block, entities decoded, scripts dropped.

    Every text node is kept, including Mastodon's ``<span class="invisible">`` URL parts, so a
    link reads as its full address rather than the truncated one the web page shows.

    >>> html_text('<p>See <a href="https://x.org/a"><span class="invisible">https://</span>x.org/a</a></p><p>2nd<br>line</p>')
    'See https://x.org/a\\n\\n2nd\\nline'
    """
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0  # depth inside <script>/<style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS and tag != "br":
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data.replace("\n", " "))
