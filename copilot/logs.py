"""Logging set-up: one format, and personal data masked in every record before any handler writes it."""

from __future__ import annotations

import logging

from copilot.pii import mask_pii


class MaskPersonalData(logging.Filter):
    """Formats the record's message once and masks validated personal data (IDs, phones, cards, e-mail...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = mask_pii(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskPersonalData) for f in handler.filters):
            handler.addFilter(MaskPersonalData())
