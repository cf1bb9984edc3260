"""The benchmarks' phases, each run in a child process (``python bench/phases.py PHASE SPEC``), so
each reports its own peak RSS and no phase inherits another's heap: ``check`` (``Archive.check``,
as check --all), ``cli`` (``archiver check --all`` as a subprocess), ``plain`` (the baseline
loop), ``add`` and ``import``. ``phase(name, spec)`` runs one and returns its JSON result.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from baseline import plain_capture
from measure import cpu_seconds, dir_bytes, disk_writes, peak_rss_mb

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable


def write_urls(path: Path, urls: Sequence[str]) -> str:
    """URL lists go to children in a file: one argv string is capped at 128 KiB on Linux."""
    path.write_text("\n".join(urls) + "\n")
    return str(path)


def _urls(spec: dict[str, Any], key: str = "urls") -> list[str]:
    return Path(spec[key]).read_text().split() if spec.get(key) else []


def phase(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one phase in a child process; returns its JSON result (with ``rss_mb``)."""
    proc = subprocess.run(
        [PYTHON, __file__, name, json.dumps(spec)], check=False, capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise RuntimeError(f"phase {name} failed with exit status {proc.returncode}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _archive(spec: dict[str, Any]) -> Any:
    # archiver is imported here, in the phases that use it, so the plain loop's child does not carry
    # its modules in the peak RSS it reports against archiver's.
    sys.path.insert(0, str(ROOT))
    from archiver.archive import Archive
    from archiver.config import CheckConfig, Config, DetectConfig, RequisitesConfig, ScreenshotConfig

    workers = spec.get("workers") or CheckConfig().workers
    # Every page is on one host, so the per-host spacing is lifted for pages and requisites alike.
    # Requisites are fetched as by default (each new version's stylesheets, images, fonts, favicon);
    # screenshots are off unless asked for: one Chromium render per new version is its own cost.
    config = Config(
        check=CheckConfig(workers=workers, per_host_concurrency=workers, per_host_delay=0.0,
                          processes=CheckConfig().processes if spec.get("processes") is None else spec["processes"]),
        detect=DetectConfig(soft404_probe=spec.get("probe", True)),
        requisites=RequisitesConfig(enabled=spec.get("requisites", True), per_host_delay=0.0),
        screenshot=ScreenshotConfig(enabled=spec.get("screenshot", False)),
    )
    return Archive(spec["data"], config)


def _phase_check(spec: dict[str, Any]) -> dict[str, Any]:
    """``Archive.add`` (untimed setup, first pass only) then a timed ``check(None)`` = check --all."""
    with _archive(spec) as archive:
        if spec.get("add"):
            archive.add(_urls(spec, "add"))
        warcs_before = dir_bytes(archive.warc_dir)
        written = disk_writes()
        cpu = cpu_seconds() + cpu_seconds(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = archive.check(None)
        seconds = time.perf_counter() - start
        written = disk_writes() - written
    # The reading pool's worker processes are children, kept by the archive for its next batch
    # and reaped by its close(): their CPU is counted once the archive is closed.
    cpu = cpu_seconds() + cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
    events = [[e.url, str(e.type), e.reason] for e in result.events]
    if spec.get("events_file"):
        Path(spec["events_file"]).write_text(json.dumps(events))
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "checked": result.checked,
        "events": len(events),
        "warc_bytes": dir_bytes(Path(spec["data"]) / "warcs") - warcs_before,
        "disk_bytes": written,
        "pool_rss_mb": round(peak_rss_mb(resource.RUSAGE_CHILDREN), 1),  # the largest reading process
    }


def _phase_cli(spec: dict[str, Any]) -> dict[str, Any]:
    """``archiver --config C --data D check --all`` as a real subprocess; RSS from its rusage."""
    workers = spec["workers"]
    conf = Path(spec["data"]).with_suffix(".toml")
    # The same settings as the library phases (``_archive``): without them the CLI took a Chromium
    # screenshot of every new version and spaced the requisites, and its ratio measured that instead.
    conf.write_text(
        f"[check]\nworkers = {workers}\nper_host_concurrency = {workers}\nper_host_delay = 0\n"
        f"[detect]\nsoft404_probe = {str(spec.get('probe', True)).lower()}\n"
        f"[requisites]\nenabled = {str(spec.get('requisites', True)).lower()}\nper_host_delay = 0\n"
        f"[screenshot]\nenabled = {str(spec.get('screenshot', False)).lower()}\n"
    )
    exe = str(Path(PYTHON).with_name("archiver"))
    if spec.get("add"):  # registration is setup, done through the library (`archiver add` takes argv)
        with _archive(spec) as archive:
            archive.add(_urls(spec, "add"))
    warcs_before = dir_bytes(Path(spec["data"]) / "warcs")
    start = time.perf_counter()
    proc = subprocess.run(
        [exe, "--config", str(conf), "--data", spec["data"], "check", "--all"],
        check=False,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-2000:])
    return {
        "seconds": seconds,
        "exit": proc.returncode,
        "child_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
        "cpu_s": cpu_seconds(resource.RUSAGE_CHILDREN),
        "warc_bytes": dir_bytes(Path(spec["data"]) / "warcs") - warcs_before,
    }


def _phase_plain(spec: dict[str, Any]) -> dict[str, Any]:
    return plain_capture(_urls(spec), Path(spec["out"]), spec["workers"])


def _phase_add(spec: dict[str, Any]) -> dict[str, Any]:
    urls = _urls(spec)
    with _archive(spec) as archive:
        start = time.perf_counter()
        result = archive.add(urls)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "added": len(result.added), "errors": len(result.errors)}


def _phase_import(spec: dict[str, Any]) -> dict[str, Any]:
    with _archive(spec) as archive:
        start = time.perf_counter()
        result = archive.import_documents([spec["document"]])
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "citations": len(result.citations),
        "new_urls": result.new_urls,
        "errors": len(result.errors),
    }


_PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "check": _phase_check,
    "cli": _phase_cli,
    "plain": _phase_plain,
    "add": _phase_add,
    "import": _phase_import,
}


def _main(argv: list[str]) -> None:
    name, spec = argv[0], json.loads(argv[1])
    result = _PHASES[name](spec)
    result["rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    _main(sys.argv[1:])
