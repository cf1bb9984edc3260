"""The facade's report (``archiver report``): each source's summary and timeline, the events,
and the screenshots and thumbnails of the versions they show."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from archiver import report
from archiver.archive.citing import Citing, expansion, is_link
from archiver.archive.records import Records
from archiver.errors import ArchiverError
from archiver.models import Outcome, ReportData, Screenshot, ScreenshotFacts, SourceSummary

logger = logging.getLogger(__name__)


class Reporting(Citing, Records):
    """The report's data and its renderings."""

    def sources(self, *, status: str | None = None, tag: str | None = None, urls: Sequence[str] | None = None) -> list[SourceSummary]:
        cited = self._index.cited_by()
        counts = self._index.capture_counts()
        out = []
        for s in self._index.url_states(urls):
            if status and s.status != status:
                continue
            if tag and tag not in s.tags:
                continue
            captures = self._index.captures(s.url)
            first = captures[:1]
            landed = self._index.capture(s.last_good_capture) if s.last_good_capture else None
            landed = landed or (captures[-1] if captures else None)
            out.append(
                SourceSummary(
                    url=s.url, status=s.status, last_checked=s.last_checked, captures=counts.get(s.url, 0),
                    cited_by=tuple(cited.get(s.url, ())), first_capture=first[0].id if first else None,
                    last_good_capture=s.last_good_capture, timeline=tuple(self._index.timeline(s.url)), tags=s.tags,
                    kind=s.kind, expands_to=expansion(landed) if is_link(s.url) else None,
                )
            )
        return out

    def report_data(
        self, *, since: datetime | None = None, document: str | None = None, status: str | None = None,
        tag: str | None = None,
    ) -> ReportData:
        urls = None
        if document is not None:
            urls = self.document_sources(document)
        sources = self.sources(status=status, tag=tag, urls=urls)
        wanted = {s.url for s in sources}
        events = [e for e in self._index.events_since(since) if e.url in wanted]
        shown = dict.fromkeys(c for e in events for c in (e.previous_capture, e.capture) if c)
        thumbnails = {cid: jpeg for cid in shown if (jpeg := self.thumbnail(cid))}
        screenshots = {cid: facts for cid in shown if (facts := self.screenshot_facts(cid))}
        return ReportData(generated_at=self.clock(), events=tuple(events), sources=tuple(sources), since=since,
                          document=document, thumbnails=thumbnails, screenshots=screenshots)

    def _shown_screenshot(self, capture_id: str) -> Screenshot | None:
        """The screenshot of the version a capture shows: none for a capture that showed no page
        (a failure, a 404: an earlier version's look is not what that check saw)."""
        capture = self._index.capture(capture_id)
        if capture is None or capture.outcome != Outcome.OK or not 200 <= (capture.status or 0) < 300:
            return None
        return self.screenshot(capture)

    def thumbnail(self, capture_id: str) -> bytes | None:
        """The JPEG thumbnail of the screenshot of the version a capture shows, if one was taken."""
        shot = self._shown_screenshot(capture_id)
        if shot is None or shot.thumbnail is None:
            return None
        try:
            return self.store_reader().read_record(shot.thumbnail.warc_file, shot.thumbnail.offset).payload
        except ArchiverError:
            return None

    def screenshot_facts(self, capture_id: str) -> ScreenshotFacts | None:
        """The screenshot of the version a capture shows, as a report names it (record id,
        ``urn:view:`` target, digest, size), read from its record's headers; None if none was taken."""
        shot = self._shown_screenshot(capture_id)
        if shot is None:
            return None
        try:
            record = self.store_reader().read_record(shot.record.warc_file, shot.record.offset, limit=0)
        except ArchiverError as exc:
            logger.warning("%s: screenshot record unreadable: %s", capture_id, exc)
            return None
        length = record.header("Content-Length") or ""
        return ScreenshotFacts(
            capture=shot.capture, record=shot.record, target=record.target_uri or "",
            content_type=record.header("Content-Type") or "image/png",
            digest=record.header("WARC-Payload-Digest") or record.header("WARC-Block-Digest"),
            size=int(length) if length.isdigit() else 0, width=shot.width, height=shot.height, taken_at=shot.taken_at,
        )

    def report(self, fmt: str = "json", **filters: object) -> str:
        data = self.report_data(**filters)  # type: ignore[arg-type]
        if self.config.publish.public_url.strip():  # captures link to their published pages (issue 11)
            return report.render(data, fmt, capture_link=self.replay_url)
        return report.render(data, fmt)
