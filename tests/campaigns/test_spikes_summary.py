"""Spike alerts against a rolling baseline, and campaign summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from execdesk.campaigns import CampaignDoc, SpikeDetector, SpikeSettings, summarise

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _steady(det: SpikeDetector, hours: int, per_hour: int, topic: str) -> list:
    alerts = []
    for h in range(hours):
        for m in range(per_hour):
            alerts += det.observe(T0 + timedelta(hours=h, minutes=m), topic)
    return alerts


def test_no_alert_on_steady_volume_and_alert_on_a_burst() -> None:
    det = SpikeDetector()
    assert _steady(det, 48, 4, "billing") == []
    burst = []
    for m in range(40):
        burst += det.observe(T0 + timedelta(hours=48, seconds=m * 30), "billing")
    topics = {a.topic for a in burst}
    assert topics == {"billing", "*"}
    alert = next(a for a in burst if a.topic == "billing")
    assert alert.median == 4 and alert.count >= alert.threshold >= 12
    assert "median 4" in alert.evidence and "threshold" in alert.evidence
    assert sum(1 for a in burst if a.topic == "billing") == 1  # once per bucket


def test_no_alert_without_history_or_below_min_count() -> None:
    det = SpikeDetector(SpikeSettings(min_count=10))
    assert [a for m in range(50) for a in det.observe(T0 + timedelta(seconds=m), "privacy")] == []
    det2 = SpikeDetector(SpikeSettings(min_count=10))
    _steady(det2, 30, 0, "x")
    quiet = [a for m in range(9) for a in det2.observe(T0 + timedelta(hours=30, minutes=m), "privacy")]
    assert quiet == []  # a quiet topic going from 0 to 9 is below min_count


def test_summary_finds_the_trigger_link_and_form() -> None:
    form = (
        "I read the post at https://blog.example.net/outage-2026 and I am appalled that your network was down "
        "for three days without any notice to customers like me."
    )
    members = [
        CampaignDoc(
            f"k{i}",
            f"Hello,\n{form}\n{'Extra words of my own here. ' * (i == 2)}Regards,\nP{i}",
            sender=f"p{i}@example.org",
            received_at=T0 + timedelta(minutes=20 * i),
            links=("https://blog.example.net/outage-2026",),
        )
        for i in range(5)
    ]
    s = summarise(members)
    assert s.size == 5 and s.distinct_senders == 5
    assert s.shared_links[0] == ("https://blog.example.net/outage-2026", 5)
    assert s.shared_domains[0] == ("blog.example.net", 5)
    assert s.representative_key != "k2"  # the member with its own words is not the form
    assert s.first_seen == T0 and s.last_seen == T0 + timedelta(minutes=80)
    assert [c for _, c in s.arrivals] == [3, 2]
    assert any("network was down" in p for p in s.shared_phrases)
    assert s.title.startswith("I read the post")


def test_summary_arrivals_stay_small_when_a_member_has_an_absurd_date() -> None:
    """Spam dated year 1 beside mail of today: hourly buckets between them would be ~18 million."""
    text = "Please stop the pipeline expansion near the river, it will ruin the wetlands for good."
    dates = [datetime(1, 1, 1, tzinfo=UTC), T0, T0 + timedelta(minutes=30), T0 + timedelta(hours=5)]
    members = [CampaignDoc(f"k{i}", text, sender=f"p{i}@example.org", received_at=d) for i, d in enumerate(dates)]
    s = summarise(members)
    assert [c for _, c in s.arrivals] == [1, 2, 1]
    assert s.arrivals[0][0].year == 1 and s.arrivals[-1][0] >= T0 + timedelta(hours=4)


def test_shared_links_with_equal_counts_come_out_in_one_order() -> None:
    """Counts are taken over sets, whose order changes between processes with string hashing: the stored
    summary (and the link the trigger rule checks first) must not depend on it."""
    links = ("https://z.example.org/a", "https://m.example.com/b", "https://a.example.net/c")
    docs = [
        CampaignDoc(f"k{i}", "Please restore the service in my area.", links=links[i % 3 :] + links[: i % 3])
        for i in range(4)
    ]
    expected_links = [(u, 4) for u in sorted(links)]
    expected_domains = [(d, 4) for d in ("a.example.net", "m.example.com", "z.example.org")]
    for order in (docs, docs[::-1], docs[1:] + docs[:1]):
        s = summarise(order)
        assert s.shared_links == expected_links
        assert s.shared_domains == expected_domains
