"""The log scan itself (tests/logscan.py) must be able to fail: a leaked ID, card or secret is caught and masked."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.logscan import FORMAT, LogScan, mask_secret

ROOT = Path(__file__).resolve().parents[1]
VALID_ID = "110101199003074514"  # GB 11643 check digit 4
CARD = "6222021234567890128"  # Luhn-valid
SECRET = "s3cr3t-signing-value-0123"


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("copilot.leaky", logging.INFO, __file__, 1, msg, args, info)


def test_a_leaked_id_card_and_secret_are_caught_and_masked() -> None:
    scan = LogScan()
    scan.add_secret(SecretStr(SECRET))
    scan.test_id = "tests/x.py::t"
    try:
        raise ValueError(f"customer id {VALID_ID}")  # only the traceback carries it: the filter misses it
    except ValueError as exc:
        scan.handler.handle(_record("turn failed", exc=exc))
    scan.handler.handle(_record("card %s, key %s", CARD, SECRET))
    scan.handler.handle(_record("calling with Authorization: Bearer abcdefghijklmnop and xoxb-123-456-abc"))
    leaks = scan.scan()
    kinds = {leak.kind for leak in leaks}
    assert {"resident_id", "secret", "bearer", "slack_token"} <= kinds
    # The message's card is masked as the production filter masks it; the traceback's ID is not: a real leak.
    assert "bank_card" not in kinds and scan.relied_on_filter == {("copilot.leaky", "tests/x.py::t")}
    report = "\n".join(leak.line() for leak in leaks)
    assert VALID_ID not in report and SECRET not in report and "abcdefghijklmnop" not in report
    assert "110101********4514" in report and mask_secret(SECRET) in report
    assert all(leak.test_id == "tests/x.py::t" and leak.source == "copilot.leaky" for leak in leaks)


def test_clean_logs_pass_and_short_values_are_not_secrets() -> None:
    scan = LogScan()
    scan.add_secret("wrong")  # too short to be a credential: a test input
    scan.handler.handle(_record("tool %s ok in %d ms, order 110101199003074515, wrong sign", "analytics_query", 12))
    assert scan.scan() == []


def test_a_card_in_a_subprocess_log_file_is_caught(tmp_path: Path) -> None:
    scan = LogScan()
    folder = tmp_path / "serve"
    folder.mkdir()
    log = folder / "serve.log"
    log.write_text(f"INFO copilot: paid with {CARD}\n", encoding="utf-8")
    try:
        leaks = scan.scan([tmp_path])
    finally:
        log.unlink()  # the session's own scan reads this folder too
    assert [(leak.kind, leak.source, leak.test_id, leak.masked) for leak in leaks] == [
        ("bank_card", "file:serve.log", "tmp:serve", "6222***********0128")]
    assert FORMAT == "%(asctime)s %(levelname)s %(name)s: %(message)s"


def test_a_leak_fails_a_whole_pytest_session(tmp_path: Path) -> None:
    """The plugin end to end in a separate session: exit status non-zero, the value masked in the report."""
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.logscan"]\n', encoding="utf-8")
    (tmp_path / "test_inner.py").write_text(
        "import logging\nfrom tests.logscan import register_secret\n"
        "def test_clean():\n    logging.getLogger('copilot.ok').debug('all fine')\n"
        "def test_leaky():\n"
        f"    register_secret({SECRET!r})\n"
        "    log = logging.getLogger('uvicorn.access')\n    log.propagate = False\n"
        f"    log.warning('token %s for {VALID_ID[:6]}' + '{VALID_ID[6:]}', {SECRET!r})\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'bt'}"]
    leaky = subprocess.run([*args, "test_inner.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120)
    out = leaky.stdout + leaky.stderr
    assert leaky.returncode == pytest.ExitCode.TESTS_FAILED, out
    assert "2 passed" in out and "log scan FAILED: 1 hits" in out
    assert "secret" in out and "uvicorn.access" in out and "test_inner.py::test_leaky" in out
    assert SECRET not in out and VALID_ID not in out  # the ID was masked as production masks it; never raw
    clean = subprocess.run([*args, "test_inner.py::test_clean"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=120)
    assert clean.returncode == 0 and "log scan: clean" in clean.stdout, clean.stdout + clean.stderr
