"""``archiver worker``: one of many processes, on any number of machines, sharing one archive.

The index is in PostgreSQL (``[index] url``); the WARC folder is shared storage. A worker takes
leased due URLs (``SELECT … FOR UPDATE SKIP LOCKED``), runs the same check pipeline as
``archiver check``, and records each check and releases its lease in one transaction. It writes
its own WARC files (``storage``), keeps per-host politeness with every other worker
(``politeness``), and pauses while PostgreSQL is away (``loop``).
"""

from archiver.worker.loop import Worker, worker_name

__all__ = ["Worker", "worker_name"]
