"""The benchmarks' web server: a tmp dir of pages (``Site``) served on 127.0.0.1 by nginx (a
child process with its own config) or, when nginx is not installed, by the threaded Python server
in this file (also a child process: ``python bench/servers.py SPEC``)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from corpus import page_path

PYTHON = sys.executable

_NGINX_CONF = """\
daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    types {{ text/html html; text/css css; image/jpeg jpg; image/png png; font/woff2 woff2; image/x-icon ico; }}
    default_type application/octet-stream;
    charset utf-8;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 120;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port}")


class Site:
    """A tmp dir of pages under ``www/current`` (a symlink, swapped between passes) and its server."""

    def __init__(self, tmp: Path, *, server: str = "auto") -> None:
        self.tmp = tmp
        self.www = tmp / "www"
        self.www.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o755)  # nginx workers run as nobody when we are root
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.kind = server
        self.note = ""

    @property
    def current(self) -> Path:
        return self.www / "current"

    def serve(self, name: str) -> None:
        """Point the server at ``www/name`` (atomic symlink swap; nginx opens files per request)."""
        link = self.www / "current.new"
        link.unlink(missing_ok=True)
        link.symlink_to(name)
        link.replace(self.current)

    def urls(self, n: int) -> list[str]:
        return [f"http://127.0.0.1:{self.port}{page_path(i)}" for i in range(n)]

    def start(self) -> Site:
        nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
        if self.kind in ("auto", "nginx") and nginx:
            conf = self.tmp / "nginx.conf"
            workers = max(1, min(os.cpu_count() or 1, 4))
            conf.write_text(
                _NGINX_CONF.format(tmp=self.tmp, port=self.port, root=self.current, workers=workers)
            )
            self.proc = subprocess.Popen(
                [nginx, "-c", str(conf), "-e", str(self.tmp / "nginx-error.log")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.kind = f"nginx ({subprocess.run([nginx, '-v'], check=False, capture_output=True, text=True).stderr.strip()}, {workers} workers)"
        else:
            if self.kind == "nginx":
                raise SystemExit("nginx not found: apt-get install -y nginx-light")
            self.note = "nginx not found (apt-get install -y nginx-light); using the Python fallback server"
            self.proc = subprocess.Popen(
                [PYTHON, __file__, json.dumps({"root": str(self.current), "port": self.port})]
            )
            self.kind = "python ThreadingHTTPServer (fallback; may be the bottleneck)"
        _wait_listening(self.port, self.proc, self.kind)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _serve(spec: dict[str, Any]) -> None:
    class Handler(SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive

        def log_message(self, format: str, *args: Any) -> None:
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", spec["port"]), partial(Handler, directory=spec["root"])).serve_forever()


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))
