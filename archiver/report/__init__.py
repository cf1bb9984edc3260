"""Reports (output stage): ``ReportData`` → JSON, Markdown or one self-contained HTML file.

``report_json`` builds the JSON shape of ``../shared/interface.md`` (schema:
``archiver/report_schema.json``); the other formatters are pure too: plain data in, ``str`` out.
Modules: ``shape`` (JSON), ``views`` (grouping, document standing), ``detail`` (evidence, diff
paragraphs), ``timeline`` (SVG strip), ``markdown``, ``htmlpage``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archiver.models import ReportData
from archiver.report.htmlpage import to_html
from archiver.report.markdown import to_markdown
from archiver.report.shape import iso, load_schema, report_json, to_json
from archiver.report.timeline import timeline_svg
from archiver.report.views import Standing, standing, standings

#: The report formats, as ``archiver report --format`` names them.
FORMATS = ("json", "md", "html")


def render(data: ReportData, fmt: str, **kw: Any) -> str:
    """The report in ``fmt`` ("json" | "md" | "html"); ``kw`` goes to the formatter.

    ``capture_link`` is accepted for every format and ignored by JSON, which carries capture ids.
    """
    capture_link: Callable[[str], str] | None = kw.pop("capture_link", None)
    if kw:
        raise TypeError(f"unexpected report options: {', '.join(sorted(kw))}")
    if fmt == "json":
        return to_json(data)
    if fmt == "md":
        return to_markdown(data, capture_link=capture_link)
    if fmt == "html":
        return to_html(data, capture_link=capture_link)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "Standing",
    "iso",
    "load_schema",
    "render",
    "report_json",
    "standing",
    "standings",
    "timeline_svg",
    "to_html",
    "to_json",
    "to_markdown",
]
