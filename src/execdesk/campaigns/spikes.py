"""Spike alerts: unusual message volume per topic (and overall) against a rolling baseline.

Method (robust, explainable, constant memory per topic): messages are counted in fixed buckets
(default one hour). The baseline of a topic is the previous ``baseline_buckets`` buckets (default
seven days of hours, zeros included): its median and MAD. A bucket is a spike once its count
reaches

    threshold = max(min_count, median * min_ratio, median + z * sigma),
    sigma     = max(1.4826 * MAD, sqrt(median), 1)

(the sqrt term is the Poisson floor: a quiet topic's MAD is 0). No alert until
``min_history_buckets`` buckets of history exist. One alert per topic and episode, raised the
moment the count crosses the threshold, not at the end of the hour; consecutive buckets over
the threshold are one episode (a flood lasting six hours is one alert, not six).
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

OVERALL = "*"


class SpikeSettings(BaseModel):
    """Spike detection thresholds (documented in the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    bucket_minutes: int = Field(default=60, ge=1, description="Counting bucket length.")
    baseline_buckets: int = Field(default=7 * 24, ge=4, description="Buckets of history forming the baseline.")
    min_history_buckets: int = Field(default=24, ge=1, description="History needed before any alert.")
    min_count: int = Field(default=10, ge=1, description="Never alert below this many messages in a bucket.")
    min_ratio: float = Field(default=3.0, ge=1.0, description="...nor below this multiple of the baseline median.")
    z: float = Field(default=4.0, gt=0, description="Robust z-score above the median that counts as a spike.")


@dataclass(frozen=True, slots=True)
class SpikeAlert:
    """One spike, with the numbers that decided it."""

    topic: str
    bucket_start: datetime
    count: int
    threshold: float
    median: float
    mad: float
    evidence: str


class _Series:
    __slots__ = ("alerted", "bucket", "count", "history", "last_alert_bucket")

    def __init__(self, maxlen: int) -> None:
        self.history: deque[int] = deque(maxlen=maxlen)
        self.bucket: int | None = None
        self.count = 0
        self.alerted = False
        self.last_alert_bucket: int | None = None


class SpikeDetector:
    """Streaming: call :meth:`observe` once per message in arrival order; it returns new alerts."""

    def __init__(self, settings: SpikeSettings | None = None) -> None:
        self.s = settings or SpikeSettings()
        self._series: dict[str, _Series] = {}
        self._width = timedelta(minutes=self.s.bucket_minutes)
        self._epoch = datetime(1970, 1, 1, tzinfo=UTC)

    def _bucket(self, at: datetime) -> int:
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return int((at - self._epoch) // self._width)

    def _advance(self, series: _Series, bucket: int) -> None:
        if series.bucket is None:
            series.bucket = bucket
            return
        if bucket <= series.bucket:
            return  # late or same-bucket message: counted in the current bucket
        series.history.append(series.count)
        gap = min(bucket - series.bucket - 1, series.history.maxlen or 0)
        series.history.extend([0] * gap)
        series.bucket, series.count, series.alerted = bucket, 0, False

    def threshold(self, history: list[int]) -> tuple[float, float, float]:
        """(threshold, median, MAD) for a baseline."""
        med = float(statistics.median(history))
        mad = float(statistics.median(abs(x - med) for x in history))
        sigma = max(1.4826 * mad, math.sqrt(med), 1.0)
        return max(float(self.s.min_count), med * self.s.min_ratio, med + self.s.z * sigma), med, mad

    def observe(self, at: datetime, topic: str | None = None) -> list[SpikeAlert]:
        """Count one message (overall, and under ``topic`` when given); return alerts raised now."""
        alerts = []
        b = self._bucket(at)
        for name in (OVERALL, topic) if topic else (OVERALL,):
            series = self._series.get(name)
            if series is None:
                series = self._series[name] = _Series(self.s.baseline_buckets)
            self._advance(series, b)
            series.count += 1
            if series.alerted or len(series.history) < self.s.min_history_buckets:
                continue
            thr, med, mad = self.threshold(list(series.history))
            if series.count >= thr:
                series.alerted = True
                continuing = series.last_alert_bucket is not None and series.last_alert_bucket == b - 1
                series.last_alert_bucket = b
                if continuing:  # the same episode as the previous hour's alert: one alert per spike
                    continue
                start = self._epoch + (series.bucket or b) * self._width
                label = "all mail" if name == OVERALL else f"topic {name!r}"
                alerts.append(
                    SpikeAlert(
                        name,
                        start,
                        series.count,
                        thr,
                        med,
                        mad,
                        f"{label}: {series.count} messages in the {self.s.bucket_minutes}-minute bucket from "
                        f"{start.isoformat()} >= threshold {thr:.1f} (baseline of {len(series.history)} buckets: "
                        f"median {med:g}, MAD {mad:g}; rule max(min_count {self.s.min_count}, "
                        f"{self.s.min_ratio:g} x median, median + {self.s.z:g} sigma))",
                    )
                )
        return alerts
