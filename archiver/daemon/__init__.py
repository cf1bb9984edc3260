"""The daemon, around the pipeline: ``archiver run`` and ``archiver status``.

- ``scheduler``: the ``Daemon`` (APScheduler ticks → watched folders → ``Archive.check_states(due)``);
- ``status``: the heartbeat and schedule facts ``archiver status`` prints;
- ``watch``: which documents in the watched folders are new or changed.

A front end like the CLI and the web view: it reaches the index only through ``Archive``.
"""

from archiver.daemon.scheduler import Daemon
from archiver.daemon.status import DaemonStatus, daemon_status

__all__ = ["Daemon", "DaemonStatus", "daemon_status"]
