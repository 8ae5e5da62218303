"""Typed inputs, outputs and settings of the campaign stage.

The detector consumes :class:`CampaignDoc` (what the parse stage knows about one arriving
message) and answers an :class:`Assignment` that explains itself. :class:`GroupState` is the
per-group state an index stores; it is plain data (JSON-serialisable) so that a shared store
(SQL rows, Redis hashes) can hold it for several workers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class BoilerplateSettings(BaseModel):
    """Thresholds of boilerplate learning (docs/decisions/0303-boilerplate.md)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="Learn and drop list footers/disclaimers before matching.")
    min_words: int = Field(default=2, ge=1, description="Shorter lines are ignored (neither counted nor dropped).")
    min_threads: int = Field(default=3, ge=2, description="Distinct subjects a line needs to be boilerplate.")
    thread_share: float = Field(
        default=0.3, gt=0.0, le=1.0, description="...and distinct subjects / occurrences at least this."
    )
    max_lines: int = Field(default=200_000, ge=1000, description="Lines tracked; singletons pruned beyond.")


class TopicSettings(BaseModel):
    """Thresholds of trigger families (docs/decisions/0305-trigger-families.md)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="Link same-trigger campaigns and messages into families.")
    profile_terms: int = Field(default=60, ge=5, description="Words kept in a family's frozen profile.")
    centroid_members: int = Field(
        default=16, ge=1, description="Campaign members whose words build the family profile before it freezes."
    )
    link_cosine: float = Field(
        default=0.30, ge=0.0, le=1.0, description="Profile cosine for a new campaign to join a family."
    )
    attach_cosine: float = Field(
        default=0.35, ge=0.0, le=1.0, description="Cosine with a family's profile for a lone message to join it."
    )
    min_shared_terms: int = Field(default=4, ge=1, description="Profile words a lone message must share.")
    min_rare_shared: int = Field(
        default=2, ge=0, description="...of which at least this many are rare in the background."
    )
    rare_idf: float = Field(
        default=3.0, ge=0.0, description="Background IDF of a rare word (3.0: in under 5% of ordinary texts)."
    )
    window_hours: float = Field(
        default=168.0, gt=0, description="A family accepts messages this long after its last one."
    )
    url_links: bool = Field(default=True, description="A shared trigger URL (with a path) joins a message.")
    max_checked: int = Field(default=6, ge=1, description="Families scored per message (most shared words).")
    max_posting: int = Field(default=32, ge=4, description="Most recent families remembered per word.")


class CampaignSettings(BaseModel):
    """Thresholds of campaign detection (documented defaults; see docs/decisions/0300-0399)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="Run campaign detection on every arriving message.")
    shingle_words: int = Field(default=3, ge=1, le=8, description="Words per shingle (word k-grams).")
    max_words: int = Field(default=2000, ge=50, description="Words of a body considered; the rest is ignored.")
    min_shingles: int = Field(
        default=8,
        ge=1,
        description="Texts with fewer distinct shingles (about 10 words) never join a campaign.",
    )
    num_perm: int = Field(default=128, ge=32, le=512, description="MinHash permutations (signature length).")
    lsh_bands: int = Field(default=24, ge=4, description="LSH bands used to find candidates.")
    lsh_rows: int = Field(default=3, ge=1, description="Signature rows per LSH band (bands x rows <= num_perm).")
    seed: int = Field(default=1, description="MinHash seed; changing it invalidates a persisted index.")
    contain_threshold: float = Field(
        default=0.70,
        ge=0.0,
        le=1.0,
        description="A message joins when it contains this share of the campaign's form shingles "
        "(or the form contains this share of the message's).",
    )
    overlap_floor: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description="...and the smaller direction of containment is at least this (guards against a short "
        "text inside a long one).",
    )
    min_size: int = Field(
        default=3,
        ge=2,
        description="Distinct senders needed before a group of near-identical messages is a campaign.",
    )
    rep_sample: int = Field(
        default=8,
        ge=2,
        description="Members whose shingles vote on the campaign's form (core) before it is frozen.",
    )
    core_share: float = Field(
        default=0.5,
        gt=0.0,
        le=1.0,
        description="A seed shingle belongs to the form when this share of sampled members has it.",
    )
    own_text_min_words: int = Field(
        default=25,
        ge=1,
        description="Words outside the form needed for a member to count as adding text of its own.",
    )
    max_indexed_members: int = Field(
        default=16, ge=1, description="Members of one campaign kept in the LSH index (diverse variants only)."
    )
    near_copy: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="Members at least this similar to the form are not indexed (nothing new).",
    )
    max_candidates: int = Field(
        default=256, ge=8, description="Candidates verified per message (most band hits first)."
    )
    snapshot_interval_s: float = Field(
        default=60.0,
        ge=0.0,
        description="Least seconds between snapshots of the campaign index (a restart replays the messages after "
        "it); a snapshot is also held back until the new messages are a tenth of the index.",
    )
    refresh_sizes: list[int] = Field(
        default=[3, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000],
        description="Campaign sizes at which its title, form text, shared links and trigger are recomputed.",
    )
    skip_machine_kinds: list[str] = Field(
        default=["bounce", "auto_reply", "auto_generated"],
        description="Machine mail of these kinds never joins a campaign (a flood of out-of-office replies is not one).",
    )
    keep_individual_signals: list[str] = Field(
        default=["media", "legal_threat", "regulator", "safety"],
        description="A message with one of these signals joins a campaign only as a near-copy of its form, never "
        "by same-trigger words or links alone (a journalist writing about the flood is not one of its voices).",
    )
    trigger_name_share: float = Field(
        default=0.3,
        ge=0.0,
        le=1.0,
        description="Share of sampled members that must name a known contact for that contact's case to be "
        "the campaign's trigger.",
    )
    topics: TopicSettings = Field(
        default_factory=lambda: TopicSettings(), description="Trigger families (same trigger, reworded)."
    )
    boilerplate: BoilerplateSettings = Field(
        default_factory=lambda: BoilerplateSettings(),
        description="List footers/disclaimers learnt from the stream and ignored when matching.",
    )


@dataclass(frozen=True, slots=True)
class CampaignDoc:
    """One arriving message as the campaign stage sees it (the sender's new text, quotes removed)."""

    key: str
    text: str
    subject: str = ""
    sender: str = ""
    received_at: datetime | None = None
    links: tuple[str, ...] = ()


def campaign_doc(parsed: Any, key: str | None = None) -> CampaignDoc:
    """The campaign stage's view of a parsed message (``execdesk.parse.ParsedMessage``): what the
    sender wrote now (quotes and signature removed), subject, sender address, date. ``key`` defaults
    to the Message-ID, else the content hash."""
    return CampaignDoc(
        key or parsed.message_id or parsed.content_hash,
        parsed.new_text or "",
        subject=parsed.subject or "",
        sender=parsed.from_addr or "",
        received_at=parsed.date,
    )


@dataclass(frozen=True, slots=True)
class Assignment:
    """The campaign decision for one message, with the evidence that decided it.

    ``campaign_id`` is ``None`` for a singleton or for a member of a group still below
    ``min_size`` (``group_id`` then names that candidate group). When ``is_new_campaign`` is
    true, ``joined_earlier`` lists the keys of earlier messages that become members now.
    ``family_id`` names the trigger family (the root campaign's id) of the campaign, or of a
    message in no campaign that is about the same trigger (see :mod:`execdesk.campaigns.topics`).
    """

    key: str
    campaign_id: str | None
    is_new_campaign: bool = False
    group_id: str | None = None
    group_size: int = 1
    matched_key: str | None = None
    similarity: float = 0.0
    jaccard: float = 0.0
    adds_own_text: bool = False
    own_text: str = ""
    joined_earlier: tuple[str, ...] = ()
    evidence: str = ""
    family_id: str | None = None
    family_evidence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class GroupState:
    """State of one group of near-identical messages (a campaign once ``promoted``).

    The form is the seed's shingles; the first ``rep_sample`` members vote (``sample_counts``,
    aligned with the seed's distinct shingles) and the shingles most of them share become the
    frozen ``core``. Members are compared with this form only, never with each other, so the
    group cannot drift (see docs/decisions/0301-campaign-chaining.md).
    """

    id: str
    seed_key: str
    seed_norm: str
    size: int = 1
    promoted: bool = False
    senders: list[int] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    sample_counts: list[int] = field(default_factory=list)
    n_sampled: int = 0
    core: str | None = None
    indexed_members: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    version: int = 0

    def to_json(self) -> dict[str, Any]:
        # Not dataclasses.asdict: that deep-copies every list, and a snapshot serialises every
        # group (a third of a snapshot's time at 100,000 messages in the load test).
        return {name: getattr(self, name) for name in _GROUP_FIELDS}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroupState:
        return cls(**data)


_GROUP_FIELDS = tuple(f.name for f in fields(GroupState))
