"""Configuration: typed, frozen sections loaded from TOML, with the interface's precedence.

``--config`` > ``$ARCHIVER_CONFIG`` > ``./config.toml`` > built-in defaults;
``--data`` > ``$ARCHIVER_DATA`` > ``data_dir`` in the config > ``snapshots/``.
Unknown keys are errors naming the key and the file. Nothing here runs at import time.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.errors import ConfigError

DEFAULT_USER_AGENT = "archiver/0.1 (source-archiving link-rot monitor; +https://pypi.org/project/archiver/)"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(value: str | float) -> float:
    """Seconds in a DURATION such as ``30s``, ``15m``, ``6h``, ``1d``, ``2w`` (a bare number is seconds).

    >>> parse_duration("15m"), parse_duration("1.5h"), parse_duration(20)
    (900.0, 5400.0, 20.0)
    """
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")  # noqa: TRY004 - a config value's error, as for a bad string
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"negative duration: {value!r}")
        return float(value)
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"not a duration: {value!r} (use a number and a unit: 30s, 15m, 6h, 1d, 2w)")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


@dataclass(frozen=True, slots=True)
class FetchConfig:
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0  # total seconds per URL, all hops and the whole body
    max_bytes: int = 20_000_000  # body cap; a longer body is kept truncated
    max_redirects: int = 10
    allow_private: bool = False  # let URLs *from documents* reach loopback/private/link-local hosts
    resolve_before_proxy: bool = False  # behind a proxy, resolve names locally too and refuse private answers
    verify_tls: bool = True


@dataclass(frozen=True, slots=True)
class CheckConfig:
    workers: int = 8  # parallel fetches in `check` and the daemon
    per_host_concurrency: int = 2  # never more than this many requests at once to one host
    per_host_delay: float = 1.0  # seconds between two requests to one host
    max_retry_after: float = 3600.0  # longest Retry-After honoured, seconds
    processes: int = -1  # worker processes reading new pages in a large batch; -1: one per core but one


@dataclass(frozen=True, slots=True)
class WarcConfig:
    prefix: str = "archiver"
    max_file_size: int = 1_000_000_000  # rotate to a new file past this many bytes


@dataclass(frozen=True, slots=True)
class DetectConfig:
    failures_before_removed: int = 3  # consecutive DNS/refused/TLS failures that make `removed`
    recent_versions: int = 5  # alternating content is compared against this many recent versions
    soft404_probe: bool = True  # probe a random sibling URL per host
    probe_ttl: float = 86400.0  # seconds a host's probe answer is reused


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    interval: float = 86400.0  # default re-check interval, seconds
    jitter: float = 0.1  # +- fraction of the interval, so URLs do not all fire together
    adaptive: bool = False  # check changed sources more often, back off stable ones
    min_interval: float = 3600.0  # adaptive floor
    max_interval: float = 604800.0  # adaptive ceiling
    tick: float = 5.0  # how often the daemon looks for due URLs, seconds
    batch: int = 2000  # most URLs checked in one batch (a tick takes batches while a backlog lasts)
    behind_margin: float = 3600.0  # `status` fails when the oldest due URL is this late
    summary_every: float = 600.0  # seconds between the daemon's summary log lines
    watch_dirs: tuple[str, ...] = ()  # folders whose documents are imported on each tick
    robots: str = "ignore"  # "ignore" (cited pages are evidence) | "obey"


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    command: str = ""  # shell command run per event, the event's JSON on stdin
    webhook: str = ""  # URL that receives a POST of the event's JSON
    urls: tuple[str, ...] = ()  # Apprise URLs (mailto://, slack://, matrix://, ntfy://…): a readable message each
    retries: int = 3
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    replay_port: int = 0  # 0: the app port + 1; replay lives on its own origin
    allowed_hosts: tuple[str, ...] = ()  # names clients use to reach a server beyond loopback (Host check)


@dataclass(frozen=True, slots=True)
class BrowserConfig:
    enabled: bool = False  # render every page in headless Chromium
    hosts: tuple[str, ...] = ()  # render only these hosts
    executable: str = "/usr/bin/chromium"
    when_empty: bool = True  # render a page whose text is empty without scripts
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class DocumentsConfig:
    max_bytes: int = 5_000_000  # a larger input document (import, watched folders, stdin) is refused


@dataclass(frozen=True, slots=True)
class PublishConfig:
    public_url: str = ""  # base address of the published archive (`archiver publish DIR`); "" = not published


@dataclass(frozen=True, slots=True)
class IndexConfig:
    # "" = sqlite:///<data dir>/index.db (one machine); postgresql://user@host/db: shared by workers
    url: str = ""
    lease: float = 300.0  # seconds a worker holds a due URL; past it, another worker takes the URL
    batch: int = 8  # due URLs a worker leases at a time
    # experimental, SQLite only: unchanged re-checks go to an append-only log, folded into the
    # tables every this many; 0 = off (see README "Data layout")
    check_log: int = 0


@dataclass(frozen=True, slots=True)
class MementoConfig:
    # TimeGate or TimeMap URL prefixes asked for "cite instead" when archiver has no good capture:
    # the URL is appended, e.g. "https://web.archive.org/web/" or "http://127.0.0.1:8090/coll/timemap/link/".
    aggregators: tuple[str, ...] = ()
    timeout: float = 20.0


#: What ``[requisites] kinds`` may list.
REQUISITE_KINDS = ("stylesheet", "image", "font", "icon")


@dataclass(frozen=True, slots=True)
class RequisitesConfig:
    enabled: bool = True  # fetch what a new version of a page needs to be seen (baseline or text changed)
    max_per_page: int = 60  # most requisites fetched for one version of a page
    max_bytes: int = 25_000_000  # most requisite bytes fetched for one version of a page
    kinds: tuple[str, ...] = REQUISITE_KINDS  # which kinds: stylesheet, image, font, icon
    per_host_delay: float = 0.1  # seconds between two requisite requests to one host
    deadline: float = 120.0  # total seconds the requisites of one version may take


@dataclass(frozen=True, slots=True)
class ScreenshotConfig:
    enabled: bool = True  # a full-page PNG of every new version, when [browser] executable exists
    width: int = 1280  # viewport width, CSS pixels
    max_height: int = 12_000  # a longer page is cut at this height
    timeout: float = 30.0  # seconds one screenshot may take


@dataclass(frozen=True, slots=True)
class Config:
    data_dir: str = "snapshots"
    fetch: FetchConfig = field(default_factory=FetchConfig)
    check: CheckConfig = field(default_factory=CheckConfig)
    warc: WarcConfig = field(default_factory=WarcConfig)
    detect: DetectConfig = field(default_factory=DetectConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    browser: BrowserConfig = field(default_factory=BrowserConfig)
    requisites: RequisitesConfig = field(default_factory=RequisitesConfig)
    screenshot: ScreenshotConfig = field(default_factory=ScreenshotConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)
    documents: DocumentsConfig = field(default_factory=DocumentsConfig)
    memento: MementoConfig = field(default_factory=MementoConfig)
    index: IndexConfig = field(default_factory=IndexConfig)


_SECTION_TYPES: dict[str, type[Any]] = {
    "fetch": FetchConfig,
    "check": CheckConfig,
    "warc": WarcConfig,
    "detect": DetectConfig,
    "schedule": ScheduleConfig,
    "notify": NotifyConfig,
    "serve": ServeConfig,
    "browser": BrowserConfig,
    "requisites": RequisitesConfig,
    "screenshot": ScreenshotConfig,
    "publish": PublishConfig,
    "documents": DocumentsConfig,
    "memento": MementoConfig,
    "index": IndexConfig,
}
# Keys holding durations: TOML may give a number of seconds or a DURATION string.
_DURATIONS = {
    "connect_timeout", "read_timeout", "deadline", "per_host_delay", "max_retry_after", "probe_ttl",
    "interval", "min_interval", "max_interval", "tick", "behind_margin", "summary_every", "timeout", "lease",
}


_CHOICES = {"robots": ("ignore", "obey")}

#: Durations that may be zero (no delay, never reuse); every other duration must be positive.
_ZERO_DURATIONS = {"per_host_delay", "max_retry_after", "probe_ttl", "behind_margin"}
#: Inclusive (lowest, highest) of numeric keys, wherever they appear; None: no bound. A value out
#: of range is refused at load with one line naming the key and the file, not a traceback later.
_LIMITS: dict[str, tuple[float | None, float | None]] = {
    "workers": (1, None), "per_host_concurrency": (1, None), "max_bytes": (1, None), "max_redirects": (0, None),
    "max_file_size": (1, None), "failures_before_removed": (1, None), "recent_versions": (1, None),
    "batch": (1, None), "retries": (0, None), "port": (0, 65535), "replay_port": (0, 65535), "jitter": (0, 1),
    "max_per_page": (0, None), "width": (1, None), "max_height": (1, None), "processes": (-1, None),
    "check_log": (0, None),
}


def _check_limits(source: str, name: str, key: str, value: Any) -> None:
    """Refuse a value the code below cannot work with: ``per_host_concurrency = 0``, ``deadline = "0s"``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    low, high = _LIMITS.get(key, (None, None))
    if key in _DURATIONS and low is None:
        low = 0 if key in _ZERO_DURATIONS else None
        if key not in _ZERO_DURATIONS and value <= 0:
            raise ConfigError(f"{source}: {name} must be a positive duration, not {value:g}s")
    if low is not None and value < low:
        raise ConfigError(f"{source}: {name} must be at least {low:g}, not {value:g}")
    if high is not None and value > high:
        raise ConfigError(f"{source}: {name} must be at most {high:g}, not {value:g}")


def _coerce(where: str, key: str, value: Any, default: Any) -> Any:
    if key == "kinds" and isinstance(value, list):
        unknown = [v for v in value if v not in REQUISITE_KINDS]
        if unknown:
            raise ConfigError(f"{where}: kinds may list {', '.join(REQUISITE_KINDS)}, not {unknown[0]!r}")
    if key in _CHOICES and value not in _CHOICES[key]:
        raise ConfigError(f"{where}: {key} must be one of {', '.join(_CHOICES[key])}, not {value!r}")
    if key in _DURATIONS:
        try:
            return parse_duration(value)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{where}: {key}: {exc}") from None
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: {key} must be a whole number, not {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: {key} must be a number, not {value!r}")
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a list of strings, not {value!r}")
        return tuple(value)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string, not {value!r}")
    return value


def config_from_dict(data: dict[str, Any], source: str = "<config>") -> Config:
    """Build a Config from parsed TOML, refusing unknown keys: ``source: unknown key 'fetch.timout'``."""
    sections: dict[str, Any] = {}
    top: dict[str, Any] = {}
    for key, value in data.items():
        if key == "data_dir":
            top["data_dir"] = _coerce(source, key, value, "snapshots")
        elif key in _SECTION_TYPES:
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: [{key}] must be a table")
            cls = _SECTION_TYPES[key]
            defaults = cls()
            known = {f.name for f in dataclasses.fields(cls)}
            values = {}
            for sub, subvalue in value.items():
                if sub not in known:
                    raise ConfigError(f"{source}: unknown key '{key}.{sub}'")
                values[sub] = _coerce(source, sub, subvalue, getattr(defaults, sub))
                _check_limits(source, f"{key}.{sub}", sub, values[sub])
            sections[key] = cls(**values)
        else:
            raise ConfigError(f"{source}: unknown key '{key}'")
    return Config(**top, **sections)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the configuration by the interface's precedence; ``path`` is ``--config``."""
    if path is None:
        env = os.environ.get("ARCHIVER_CONFIG")
        if env:
            path = env
        elif Path("config.toml").is_file():
            path = "config.toml"
        else:
            return Config()
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such configuration file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    return config_from_dict(data, str(p))


def resolve_data_dir(config: Config, data: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: ``--data`` > ``$ARCHIVER_DATA`` > ``config.data_dir``."""
    if data is not None:
        return Path(data)
    env = os.environ.get("ARCHIVER_DATA")
    if env:
        return Path(env)
    return Path(config.data_dir)
