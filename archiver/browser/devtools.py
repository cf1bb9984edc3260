"""The DevTools pipe to one headless Chromium (browser capture's plumbing).

``DevTools.launch`` starts Chromium with ``--remote-debugging-pipe``: commands go to it on fd 3,
answers and events come back on fd 4, each message JSON ending in a NUL byte. No websocket and
no extra package; Chromium's own network is cut off by its flags (see ``CHROMIUM_FLAGS``).
"""

from __future__ import annotations

import io
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: The flags every launch uses. The first line is what a machine without a display (and
#: often without internet) needs; the second keeps Chromium from calling home; the third cuts
#: it off the network (requests reach archiver through interception or fail) and keeps
#: ``http://`` URLs as given instead of upgrading them to https.
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
    "--disable-quic", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,HttpsFirstModeV2ForTypicallySecureUsers",
    "--window-size=1280,2000", "--remote-debugging-pipe",
)  # fmt: skip

#: Run between fork and Chromium: move the two pipe ends to fds 3 and 4, where
#: --remote-debugging-pipe expects them, then become Chromium. (A shell's ``3<&N`` cannot name
#: an fd above 9 in dash; subprocess's preexec_fn is unsafe in threads.) Duplicates first, so
#: that moving one end onto 3 or 4 cannot clobber the other; a duplicate may itself land on 3 or
#: 4 (dup2 onto itself then keeps it close-on-exec), hence set_inheritable.
_AT_FDS_3_AND_4 = (
    "import os, sys\n"
    "ends = [os.dup(int(fd)) for fd in sys.argv[1:3]]\n"
    "for target, fd in zip((3, 4), ends):\n"
    "    os.dup2(fd, target)\n"
    "    os.set_inheritable(target, True)\n"
    "for fd in {*map(int, sys.argv[1:3]), *ends} - {3, 4}:\n"
    "    os.close(fd)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


class Gone(Exception):
    """Chromium went away or stopped answering (internal: ``render`` turns it into a value)."""


class DevTools:
    """One Chromium process and its DevTools pipe: fd 3 carries commands to it, fd 4 answers and
    events back, each message JSON ending in a NUL byte. A reader thread sorts answers (by id)
    from events (handed to ``on_event``, which must not block)."""

    def __init__(
        self, process: subprocess.Popen[bytes], commands: io.BufferedWriter, answers: io.BufferedReader, stderr: Path
    ) -> None:
        self.process = process
        self._commands = commands
        self._answers = answers
        self._stderr = stderr
        self._lock = threading.Lock()
        self._next = 0
        self._waiting: dict[int, queue.SimpleQueue[dict[str, Any] | None]] = {}
        self._ended = False
        self.on_event: Callable[[dict[str, Any]], None] = lambda message: None
        self.loaded = threading.Event()
        self._reader = threading.Thread(target=self._read, name="chromium-pipe", daemon=True)

    @classmethod
    def launch(cls, executable: str, profile: str) -> DevTools:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        stderr = Path(profile) / "stderr.log"
        ends = (str(to_chrome_r), str(from_chrome_w))
        argv = [sys.executable, "-c", _AT_FDS_3_AND_4, *ends, executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                "about:blank"]
        try:
            with open(stderr, "wb") as err:
                process = subprocess.Popen(argv, pass_fds=(to_chrome_r, from_chrome_w), stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=err)
        finally:
            os.close(to_chrome_r)
            os.close(from_chrome_w)
        # The two ends live as long as the DevTools object: ``close`` closes them.
        commands, answers = open(to_chrome_w, "wb"), open(from_chrome_r, "rb")  # noqa: SIM115
        devtools = cls(process, commands, answers, stderr)
        devtools._reader.start()
        return devtools

    def send(
        self, method: str, params: Mapping[str, Any], *, session: str | None = None, answer: bool = False
    ) -> queue.SimpleQueue[dict[str, Any] | None] | None:
        """Write a command; with ``answer``, the queue its answer will arrive on (registered
        before the command is written, so a fast answer cannot miss it)."""
        slot: queue.SimpleQueue[dict[str, Any] | None] | None = queue.SimpleQueue() if answer else None
        with self._lock:
            if self._ended:
                raise Gone("the pipe closed")
            self._next += 1
            ident = self._next
            if slot is not None:
                self._waiting[ident] = slot
            message: dict[str, Any] = {"id": ident, "method": method, "params": dict(params)}
            if session:
                message["sessionId"] = session
            try:
                self._commands.write(json.dumps(message).encode("utf-8") + b"\0")
                self._commands.flush()
            except (OSError, ValueError) as exc:
                raise Gone(f"the pipe closed ({exc})") from None
        return slot

    def call(self, method: str, params: Mapping[str, Any], *, session: str | None = None, deadline: float) -> dict[str, Any]:
        """Send a command and wait for its answer until ``deadline`` (monotonic seconds)."""
        slot = self.send(method, params, session=session, answer=True)
        assert slot is not None
        try:
            answer = slot.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise Gone(f"no answer to {method}") from None
        if answer is None:
            raise Gone(f"exited during {method}")
        if "error" in answer:
            raise Gone(f"{method} failed: {answer['error'].get('message', answer['error'])}")
        result = answer.get("result")
        return result if isinstance(result, dict) else {}

    def _read(self) -> None:
        buffer = b""
        try:
            while chunk := self._read_chunk():
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for raw in messages:
                    self._dispatch(json.loads(raw))
        except ValueError as exc:  # not JSON: the pipe carries something else; stop listening
            logger.warning("chromium pipe: unreadable message (%s)", exc)
        finally:
            self._wake_all()

    def _wake_all(self) -> None:
        with self._lock:  # Chromium is gone: wake every caller still waiting
            self._ended = True
            for slot in self._waiting.values():
                slot.put(None)

    def _read_chunk(self) -> bytes:
        try:
            return self._answers.read1(1 << 20)
        except (OSError, ValueError):
            return b""

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message:
            with self._lock:
                slot = self._waiting.pop(int(message["id"]), None)
            if slot is not None:
                slot.put(message)
        elif message.get("method") == "Page.loadEventFired":
            self.loaded.set()
        else:
            self.on_event(message)

    def stderr_tail(self) -> str:
        try:
            lines = self._stderr.read_text("utf-8", "replace").splitlines()
        except OSError:
            return "no stderr"
        useful = [line for line in lines if "dbus" not in line.lower()]  # a headless box has no D-Bus
        return " | ".join(useful[-3:]) or "nothing on stderr"

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send("Browser.close", {})
            except Gone:
                pass
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for stream in (self._commands, self._answers):
            try:
                stream.close()
            except OSError:
                pass
        self._reader.join(5)
