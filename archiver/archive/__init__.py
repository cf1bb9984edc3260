"""The library facade: ``Archive(data_dir, config)`` does everything the CLI can.

Each CLI verb is one method here with the same nouns (``import`` → ``import_documents``,
``check`` → ``check``). It wires the stages together; the stages know nothing of it.

``Archive`` is put together from one part per kind of work, each a class in its own module over
``ArchiveCore`` (add a method to the part that does that kind of work):

- ``core.py``: the data directory, index, WARC store and writer lock; ``close``, ``replay_url``
- ``registering.py``: ``add``, ``import_documents``, ``remove``
- ``checking.py``: ``check``, ``check_states``, the daemon's batches, ``notify_events``
- ``history.py``: one URL's captures: ``capture``, ``payload``, ``text``, ``diff``, ``screenshot``
- ``citing.py``: ``citation_info``, ``capture_metadata``, ``cite``
- ``reporting.py``: ``sources``, ``report_data``, ``report``, thumbnails
- ``records.py``: the front ends' reads (``url_states``, ``events``, ``documents``…) and marks
- ``admin.py``: ``rebuild_index``, ``verify``, ``status_counts``, ``export_wacz``
"""

from __future__ import annotations

from archiver.archive.admin import Administration
from archiver.archive.checking import Checking, CheckResult
from archiver.archive.citing import expansion
from archiver.archive.registering import AddResult, ImportResult, RemoveResult, url_kind
from archiver.archive.reporting import Reporting

__all__ = ["AddResult", "Archive", "CheckResult", "ImportResult", "RemoveResult", "expansion", "url_kind"]


class Archive(Checking, Reporting, Administration):
    """One data directory: its WARC files, its index, and the pipeline that fills them."""
