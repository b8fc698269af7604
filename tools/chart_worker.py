"""Charts are drawn by matplotlib, ~50 ms of pure-Python CPU each on this class of machine, all of it holding the
GIL: in a serving process every other turn stops while one chart draws. The service draws them in a separate worker
process instead (a warm one: matplotlib and the CJK font loaded once), so the serving process keeps answering on the
other core. One-shot commands (`copilot ask`, evals, tests) draw in-process: starting a worker would cost them more
than the chart.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class ChartWorker:
    """Runs chart functions (module-level, picklable arguments, PNG bytes out) in worker processes once started."""

    def __init__(self, processes: int = 0) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the workers and warm them (imports, fonts, a first chart); idempotent; no-op with 0 processes."""
        if self.processes <= 0:
            return
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the serving process has threads (a forked copy could inherit a held lock).
                self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_warm)
            pool = self._pool
        try:
            for done in [pool.submit(_ping) for _ in range(self.processes)]:
                done.result()
        except Exception as exc:  # e.g. a host script that starts the service without a __main__ guard
            log.warning("chart workers could not start (%s: %s); drawing charts in-process", type(exc).__name__, exc)
            self._retire(pool)

    @property
    def running(self) -> bool:
        return self._pool is not None

    def draw(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a worker when started, else here. A worker that died is replaced and the chart drawn
        here, so a crash costs one slower chart, never an answer."""
        pool = self._pool
        if pool is None:
            return fn(*args)
        try:
            return pool.submit(fn, *args).result()
        except BrokenProcessPool:
            log.warning("chart worker died; starting a new one")
            self._retire(pool)
            threading.Thread(target=self.start, name="chart-worker-restart", daemon=True).start()
            return fn(*args)

    def _retire(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _warm() -> None:
    """In each worker: the imports, the font and matplotlib's first-draw caches, before any request waits."""
    from tools.analytics.chart import render_png

    render_png("bar", "预热 warm-up", ["甲", "B"], {"x": [1.0, 2.0]}, "值")


def _ping() -> bool:
    return True
