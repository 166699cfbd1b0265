"""One day for a whole test: a judgement's key holds the date (UTC, a waiver expires by it),
so a test that expects a judgement reused must not see midnight pass between its runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

#: The day the tests started.
DAY: date = datetime.now(UTC).date()


class OnDay(datetime):
    """``datetime`` whose ``now`` is on :data:`DAY` (its time of day the clock's): set as
    ``compliance.policy.datetime``, where the policy reads today."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> OnDay:
        return super().now(tz).replace(DAY.year, DAY.month, DAY.day)
