"""The facade's reads of one URL's captures: the captures, their payloads, texts and diffs,
and the version (requisites, screenshot) each capture shows."""

from __future__ import annotations

from archiver.archive.core import ArchiveCore
from archiver.diff import diff as diff_texts
from archiver.errors import CaptureNotFoundError
from archiver.extract import Template, extract
from archiver.models import Capture, Diff, Outcome, Requisite, Screenshot, TextKey, TextVersion
from archiver.urls import canonical, site_of


class History(ArchiveCore):
    """What was captured of a URL, read back from the index and the WARC files."""

    def history(self, url: str) -> list[Capture]:
        return self._index.captures(self._known(url))

    def _known(self, url: str) -> str:
        canon = canonical(url)
        if self._index.url_state(canon) is None:
            raise CaptureNotFoundError(f"{url}: not a watched URL (add it or import a document citing it)")
        return canon

    def capture(self, ref: str) -> Capture:
        """A capture by id or unique id prefix."""
        found = self._index.capture(ref)
        if found is not None:
            return found
        matches = self._index.captures_by_prefix(ref) if len(ref) >= 4 else []
        if len(matches) == 1:
            return matches[0]
        raise CaptureNotFoundError(f"{ref}: no such capture" if not matches else f"{ref}: ambiguous capture id prefix")

    def payload(self, capture: Capture) -> bytes:
        """The decoded body of a capture (a revisit's payload is read from the record it refers to)."""
        holder = self.capture(capture.refers_to) if capture.record_type == "revisit" and capture.refers_to else capture
        return self.store_reader().read_payload(holder)

    def requisites(self, capture: Capture) -> list[Requisite]:
        """What the version captured as ``capture`` needed to be seen (stylesheets, images, fonts,
        the favicon), each with its record and the record holding its payload. A revisit or a
        noise-only change has none of its own: see ``version_of``."""
        return self._index.requisites_of(capture.id)

    def version_of(self, capture: Capture) -> Capture:
        """The capture that kept whole (requisites, screenshot) the version ``capture`` shows: itself
        when it was a baseline or a change, else the latest earlier one of the same URL that was."""
        if self._index.screenshot(capture.id) or self._index.requisites_of(capture.id):
            return capture
        earlier = [c for c in self._index.captures(capture.url) if c.captured_at < capture.captured_at]
        for c in reversed(earlier):
            if self._index.screenshot(c.id) or self._index.requisites_of(c.id):
                return c
        return capture

    def screenshot(self, capture: Capture) -> Screenshot | None:
        """The full-page screenshot of the version ``capture`` shows (see ``version_of``), if taken."""
        return self._index.screenshot(self.version_of(capture).id)

    def screenshot_png(self, shot: Screenshot) -> bytes:
        """The PNG of a screenshot, read from its WARC ``resource`` record."""
        return self.store_reader().read_record(shot.record.warc_file, shot.record.offset).payload

    def text(self, capture: Capture) -> TextVersion:
        key = self._index.text_key_of(capture.id)
        cached = self._index.text(key)
        if cached is not None:
            return cached
        url = capture.final_url or capture.url
        # Read with the site's templates, the one its key names first, as the checker read it.
        known = [Template.from_json(t) for t in self._index.host_templates(site_of(url))]
        template = TextKey.parse(key).template if key else None
        known.sort(key=lambda t: t.id != template)
        return extract(self.payload(capture), content_type=capture.content_type, url=url, templates=known)

    def diff(self, url: str, a: str | None = None, b: str | None = None) -> tuple[Capture, Capture, Diff]:
        """The diff between two captures of a URL (default: the last two good ones)."""
        canon = self._known(url)
        good = [c for c in self._index.captures(canon) if c.outcome == Outcome.OK]
        old = self.capture(a) if a else (good[-2] if len(good) >= 2 else None)
        new = self.capture(b) if b else (good[-1] if good else None)
        if old is None or new is None:
            raise CaptureNotFoundError(f"{url}: fewer than two good captures to compare")
        return old, new, diff_texts(self.text(old), self.text(new))
