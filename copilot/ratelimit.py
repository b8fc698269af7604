"""Per-user message allowances (moving windows, the `limits` library): a flood from one user is refused cheaply,
before any model or tool work, so everyone else keeps their latency.

Counted per directory user, so Slack, DingTalk, the console and the HTTP API share one allowance. Counters live in
memory by default (one service process); `COPILOT_RATE_LIMIT_STORAGE=redis://...` shares them between processes.
"""

from __future__ import annotations

import time

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from copilot.errors import ConfigError, RateLimited
from copilot.settings import Settings


class UserLimiter:
    def __init__(self, settings: Settings) -> None:
        try:
            storage = storage_from_string(settings.rate_limit_storage)
        except Exception as exc:  # unknown scheme, driver not installed
            raise ConfigError(en=f"COPILOT_RATE_LIMIT_STORAGE is not usable: {exc}",
                              zh=f"COPILOT_RATE_LIMIT_STORAGE 不可用：{exc}") from exc
        self._limiter = MovingWindowRateLimiter(storage)
        self._minute: RateLimitItem = RateLimitItemPerMinute(settings.user_per_minute)
        self._day: RateLimitItem = RateLimitItemPerDay(settings.user_per_day)

    def take(self, user_id: str) -> None:
        """Count one message for the user, or raise RateLimited (with when to try again) without counting it."""
        for item, daily in ((self._day, True), (self._minute, False)):
            if not self._limiter.test(item, user_id):
                reset = self._limiter.get_window_stats(item, user_id).reset_time
                raise RateLimited(reset - time.time(), daily=daily)
        self._limiter.hit(self._day, user_id)
        self._limiter.hit(self._minute, user_id)
