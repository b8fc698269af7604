"""Log scan over the whole test session: no personal data and no secret may reach a log.

Every log record of the session is captured (a root handler at DEBUG, plus records of loggers that do not propagate
to the root), formatted the way `copilot.logs.configure_logging` formats it (its format, its masking filter on the
message, tracebacks included), and scanned at the end, together with the log files the tests' subprocesses wrote
(`*.log` under the session's temporary folder, plus any a test registers). Personal data is what `copilot.pii`
validates (resident IDs, USCC, bank cards, mobiles, e-mail, passports); secrets are every value registered here
(each `SecretStr` of every `Settings` built in the session, the fake Slack/DingTalk credentials, the tests'
`*SECRET*`/`*TOKEN*` constants) and token shapes (`xoxb-`, `xapp-`, `sk-`, `Bearer ...`).

Any hit fails the session with the logger, the test and the masked value; the raw value is never printed.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import SecretStr

from copilot.pii import find_pii, mask_pii

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # copilot.logs.configure_logging
MIN_SECRET = 6  # shorter registered values ("wrong", "x") are test inputs, not credentials
_NAMED_SECRET = re.compile(r"SECRET|TOKEN|PASSWORD|API_KEY|APP_KEY", re.IGNORECASE)
TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("slack_token", re.compile(r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{4,}")),
    ("slack_app_token", re.compile(r"(?<![A-Za-z0-9])xapp-[A-Za-z0-9-]{4,}")),
    ("api_key", re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}")),
    ("bearer", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*")),
)


@dataclass(frozen=True)
class Allowed:
    """A known, explained hit that cannot be fixed here (a third-party library's own log line)."""

    logger: str
    kind: str
    reason: str


# Explicit and commented, never silent. Empty: every hit so far came from our own code and was fixed.
ALLOWLIST: tuple[Allowed, ...] = ()


@dataclass(frozen=True)
class Leak:
    kind: str  # a copilot.pii kind, "secret", or a TOKEN_PATTERNS name
    source: str  # logger name, or "file:<path>"
    test_id: str
    masked: str

    def line(self) -> str:
        return f"{self.kind:<16} {self.masked:<28} logger={self.source} test={self.test_id}"


def mask_secret(value: str) -> str:
    """Enough to tell which secret it was, never the value: 'xoxb…(13 chars)'."""
    return f"{value[:4]}…({len(value)} chars)" if len(value) > 8 else f"…({len(value)} chars)"


class LogScan:
    """Captured log lines (deduplicated) and the secrets to look for in them."""

    def __init__(self) -> None:
        self._lines: dict[tuple[str, str], str] = {}  # (logger, text) -> first test that logged it
        self._files: dict[Path, str] = {}  # extra log files -> test id
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self.records = 0
        # (logger, test) of messages whose personal data only copilot.logs.MaskPersonalData removed: not a leak in
        # production (every handler has the filter), listed so that a log call relying on it is known.
        self.relied_on_filter: set[tuple[str, str]] = set()
        self.test_id = "<session>"
        self.handler = _Capture(self)

    # --- registries ----------------------------------------------------------------------------------------
    def add_secret(self, value: object) -> None:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(raw, str) and len(raw.strip()) >= MIN_SECRET:
            with self._lock:
                self._secrets.add(raw.strip())

    def add_settings(self, settings: Any) -> None:
        for name in type(settings).model_fields:
            value = getattr(settings, name, None)
            if isinstance(value, SecretStr):
                self.add_secret(value)

    def add_module_constants(self, module: ModuleType) -> None:
        for name, value in vars(module).items():
            if name.isupper() and _NAMED_SECRET.search(name) and isinstance(value, str):
                self.add_secret(value)

    def add_file(self, path: Path, test_id: str | None = None) -> None:
        self._files[Path(path)] = test_id or self.test_id

    def add_text(self, source: str, text: str, test_id: str | None = None) -> None:
        with self._lock:
            self.records += 1
            self._lines.setdefault((source, text), test_id or self.test_id)

    # --- scanning --------------------------------------------------------------------------------------------
    def scan(self, log_dirs: Iterable[Path] = ()) -> list[Leak]:
        leaks: list[Leak] = []
        for (source, text), test_id in list(self._lines.items()):
            leaks += self.scan_text(text, source, test_id)
        files = dict(self._files)
        for folder in log_dirs:
            for path in sorted(Path(folder).rglob("*.log")):
                files.setdefault(path, _test_of(path, Path(folder)))
        for path, test_id in files.items():
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                leaks += self.scan_text(text, f"file:{path.name}", test_id)
        return [leak for leak in dict.fromkeys(leaks) if not _allowed(leak)]

    def scan_text(self, text: str, source: str, test_id: str) -> list[Leak]:
        found = [Leak(h.kind, source, test_id, h.masked) for h in find_pii(text)]
        found += [Leak("secret", source, test_id, mask_secret(s)) for s in sorted(self._secrets) if s in text]
        for kind, pattern in TOKEN_PATTERNS:
            found += [Leak(kind, source, test_id, mask_secret(m.group())) for m in pattern.finditer(text)]
        return found


class _Capture(logging.Handler):
    """Formats each record as production would write it and hands the text to the scan."""

    def __init__(self, scan: LogScan) -> None:
        super().__init__(logging.DEBUG)
        self.scan = scan
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a broken log call: keep what it carries, unformatted
            message = f"{record.msg!r} {record.args!r}"
        masked = mask_pii(message)  # what copilot.logs.MaskPersonalData does on every production handler
        if masked != message:
            self.scan.relied_on_filter.add((record.name, self.scan.test_id))
        copy = logging.makeLogRecord({**record.__dict__, "msg": masked, "args": None, "exc_text": None})
        try:
            text = self.format(copy)
        except Exception:
            text = masked
        self.scan.add_text(record.name, text)


def _test_of(path: Path, base: Path) -> str:
    """The test that owns a file under the session's temporary folder (its first folder is the test's)."""
    try:
        return f"tmp:{path.relative_to(base).parts[0]}"
    except (ValueError, IndexError):
        return str(path)


def _allowed(leak: Leak) -> bool:
    return any(a.kind == leak.kind and (a.logger == leak.source or leak.source.startswith(a.logger + "."))
               for a in ALLOWLIST)


# --- the plugin -------------------------------------------------------------------------------------------------

SCAN = LogScan()


def register_secret(value: object) -> None:
    """Tests (and the fakes) add the credentials they use; any of them in a log fails the session."""
    SCAN.add_secret(value)


def register_log_file(path: Path) -> None:
    """A log file a test's subprocess wrote outside the session's temporary folder."""
    SCAN.add_file(path)


_original_call_handlers = logging.Logger.callHandlers


def _call_handlers(self: logging.Logger, record: logging.LogRecord) -> None:
    """Records of a logger that stops propagating (uvicorn's) never reach the root: give them to the scan too."""
    _original_call_handlers(self, record)
    logger: logging.Logger | None = self
    while logger is not None and logger.parent is not None:
        if not logger.propagate:
            if SCAN.handler not in logger.handlers:
                SCAN.handler.handle(record)
            return
        logger = logger.parent


def _install() -> None:
    root = logging.getLogger()
    if SCAN.handler not in root.handlers:
        root.addHandler(SCAN.handler)
    root.setLevel(logging.DEBUG)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    from copilot.settings import Settings

    _install()
    logging.Logger.callHandlers = _call_handlers  # type: ignore[method-assign]
    original_init = Settings.__init__

    def init(self: Settings, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        SCAN.add_settings(self)

    Settings.__init__ = init  # type: ignore[method-assign]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    modules = {id(m): m for m in (getattr(i, "module", None) for i in items) if isinstance(m, ModuleType)}
    for module in modules.values():
        SCAN.add_module_constants(module)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    SCAN.test_id = item.nodeid
    _install()  # a test may have reconfigured logging (dictConfig, basicConfig(force=True))
    try:
        return (yield)
    finally:
        SCAN.test_id = "<session>"


def pytest_sessionfinish(session: pytest.Session) -> None:
    logging.Logger.callHandlers = _original_call_handlers  # type: ignore[method-assign]
    base = session.config._tmp_path_factory.getbasetemp() if hasattr(session.config, "_tmp_path_factory") else None
    leaks = SCAN.scan([base] if base is not None and base.exists() else [])
    session.config.stash[_RESULT] = leaks
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_RESULT = pytest.StashKey[list[Leak]]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    leaks = config.stash.get(_RESULT, None)
    if leaks is None:
        return
    counts = f"{SCAN.records} log records, {len(SCAN._lines)} distinct lines, {len(SCAN._secrets)} secrets known"
    for logger, test_id in sorted(SCAN.relied_on_filter):
        terminalreporter.write_line(f"log scan: masked only by the logging filter: logger={logger} test={test_id}")
    if not leaks:
        terminalreporter.write_line(f"log scan: clean ({counts})")
        return
    terminalreporter.section("log scan: personal data or secrets in logs", red=True, bold=True)
    for leak in leaks[:200]:
        terminalreporter.write_line(leak.line())
    if len(leaks) > 200:
        terminalreporter.write_line(f"... and {len(leaks) - 200} more")
    terminalreporter.write_line(f"log scan FAILED: {len(leaks)} hits ({counts})", red=True)
