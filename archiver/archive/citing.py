"""The facade's citations: what a citation of a capture says (locator, digest and the page's own
metadata, read from the WARC once and kept in the index), and the citation text itself."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from archiver import platforms
from archiver.archive.history import History
from archiver.citations.metadata import PageMetadata, guess_dates, page_metadata, parse_date
from archiver.cite import CitationInfo, format_citation
from archiver.errors import ArchiverError, CaptureNotFoundError
from archiver.models import Capture
from archiver.reading import METADATA_TAGS, parse_budget
from archiver.urls import is_short_link

logger = logging.getLogger(__name__)


def expansion(capture: Capture | None) -> str | None:
    """Where a short link (or a ``pic.twitter.com`` link) led at ``capture``: the first URL of
    its redirect chain past the short-link services, or None when it did not redirect."""
    if capture is None or len(capture.redirects) < 2:
        return None
    past = (u for u in capture.redirects[1:] if not is_short_link(u) and not platforms.leads_to_post(u))
    return next(past, capture.final_url)


def is_link(url: str) -> bool:
    """Whether ``url`` is judged by where it leads (a short link, a link to a post)."""
    return is_short_link(url) or platforms.leads_to_post(url)


class Citing(History):
    """Citations of captures (``archiver cite``, the capture pages' citation panels)."""

    def citation_info(self, url: str, *, at: datetime | None = None) -> CitationInfo:
        canon = self._known(url)
        capture = self._index.capture_near(canon, at)
        if capture is None:
            raise CaptureNotFoundError(f"{url}: no good capture to cite yet (run `archiver check`)")
        return self.citation_info_for(capture)

    def citation_info_for(self, capture: Capture) -> CitationInfo:
        """What a citation of ``capture`` says: locator, digest, and the page's own metadata."""
        holder = self.capture(capture.refers_to) if capture.refers_to else capture
        page, record_id = self.capture_metadata(capture)
        title = page.title
        try:
            title = self.text(capture).title or title
        except ArchiverError:
            pass
        published = parse_date(page.published)
        return CitationInfo(
            original_url=capture.url,
            captured_at=capture.captured_at,
            capture_id=capture.id,
            replay_url=self.replay_url(capture.id),
            warc_file=holder.warc_file or "",
            warc_offset=holder.warc_offset or 0,
            payload_digest=capture.payload_digest or "",
            title=title,
            final_url=capture.final_url,
            status=capture.status,
            short_link_target=expansion(capture) if is_link(capture.url) else None,
            published=published,
            modified=parse_date(page.modified),
            authors=page.authors,
            site_name=page.site_name,
            publisher=page.publisher,
            language=page.language,
            kind=page.kind,
            record_id=record_id,
            published_precision=min(3, max(1, len((page.published or "").split("T")[0].split("-")))),
        )

    def capture_metadata(self, capture: Capture) -> tuple[PageMetadata, str]:
        """The page's own citation metadata and the WARC-Record-ID holding its payload, read
        from the WARC once and then kept in the index beside the capture. The dates a page does
        not declare, which ``check`` leaves to this first citation (``"guess"``), are guessed
        here from the WARC record and kept too."""
        cached = self._index.capture_meta(capture.id)
        if cached is not None:
            data = json.loads(cached)
            page = PageMetadata.from_json(json.dumps(data.get("page", {})))
            record_id = str(data.get("record_id", ""))
            if not data.get("guess"):
                return page, record_id
            head = self._metadata_head(capture)
            if head is None:
                return page, record_id  # the WARC is not at hand: the declared metadata is all there is
            page = guess_dates(page, head[1])
        else:
            head = self._metadata_head(capture)
            if head is None:
                return PageMetadata(), ""
            record_id, body = head
            page = page_metadata(body, content_type=capture.content_type) if body else PageMetadata()
        self._index.put_capture_meta(capture.id, json.dumps({"page": json.loads(page.to_json()), "record_id": record_id}))
        return page, record_id

    def _metadata_head(self, capture: Capture) -> tuple[str, bytes] | None:
        """The WARC-Record-ID of the record holding ``capture``'s payload and the head of that
        payload that metadata is read from (empty for a record without one), or None when the
        record cannot be read."""
        holder = self.capture(capture.refers_to) if capture.record_type == "revisit" and capture.refers_to else capture
        if not holder.warc_file or holder.warc_offset is None:
            return "", b""
        try:
            record = self.store_reader().read_record(holder.warc_file, holder.warc_offset)
        except ArchiverError as exc:
            logger.warning("%s: no metadata: %s", capture.id, exc)
            return None
        if record.record_type not in ("response", "revisit") or not record.payload:
            return record.header("WARC-Record-ID") or "", b""
        # The same parse budget as the text (a hostile page of a million tags must not take the
        # process's memory here either): the metadata sits near the top.
        return record.header("WARC-Record-ID") or "", parse_budget(record.payload, METADATA_TAGS)[0]

    def cite(self, url: str, *, at: datetime | None = None, fmt: str = "text") -> str:
        return format_citation(self.citation_info(url, at=at), fmt)
