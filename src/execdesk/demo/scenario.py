"""The demo's scenario file, typed: the company, the cast, the story's timeline, the mix, the seed.

The file is data so that a user can tell their own story (another company, another flood size)
without touching code; the flat properties at the end are the identifiers the tests and the
end-to-end demo look for, whatever the seed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Period(_Model):
    """The mailbox covers ``days`` days ending at the fixed ``end`` (never the wall clock)."""

    end: datetime
    days: int = Field(ge=7, le=120)

    @field_validator("end")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("period.end needs a UTC offset, e.g. 2026-10-07T18:30:00-05:00")
        return v

    @property
    def start(self) -> datetime:
        """Midnight (in ``end``'s offset) of day 1."""
        first = self.end - timedelta(days=self.days - 1)
        return first.replace(hour=0, minute=0, second=0, microsecond=0)


class Company(_Model):
    name: str
    domain: str
    hq_city: str
    support_phone: str
    plans: list[str] = Field(min_length=1)
    devices: list[str] = Field(min_length=1)


class Executive(_Model):
    name: str
    title: str
    address: str
    office_name: str
    office_address: str


class Customer(_Model):
    name: str
    address: str
    town: str
    utc_offset: str
    account: str
    phone: str


class Blogger(_Model):
    name: str
    outlet: str
    address: str


class Journalist(_Model):
    name: str
    title: str
    outlet: str
    address: str
    phone: str
    utc_offset: str


class Cast(_Model):
    customer: Customer
    blogger: Blogger
    journalist: Journalist


class StoryMail(_Model):
    """One inbound mail the story fixes exactly (time, Message-ID, text)."""

    key: str
    at: datetime
    message_id: str
    subject: str
    body: str
    day: int | None = None
    in_reply_to: str | None = None  # the ``key`` of an earlier mail of the same sender

    @field_validator("message_id")
    @classmethod
    def _bracketed(cls, v: str) -> str:
        if not (v.startswith("<") and v.endswith(">") and "@" in v):
            raise ValueError("message_id must look like <local@domain>")
        return v


class Flood(_Model):
    size: int = Field(ge=0, le=100_000)
    starts: datetime
    half_life_hours: float = Field(gt=0)
    window_hours: float = Field(gt=0)
    self_written_share: float = Field(ge=0, le=1)
    own_problem_share: float = Field(ge=0, le=1)
    link_share: float = Field(ge=0, le=1)
    form_letter: str
    form_subjects: list[str] = Field(min_length=1)


class Story(_Model):
    blog_url: str
    blog_title: str
    blog_published: datetime
    office_draft_reply: str
    customer_mails: list[StoryMail] = Field(min_length=2)
    journalist_mails: list[StoryMail] = Field(min_length=1)
    flood: Flood


class Mix(_Model):
    """How many background messages of each kind the month holds."""

    complaint: int = Field(ge=0)
    request: int = Field(ge=0)
    praise: int = Field(ge=0)
    suggestion: int = Field(ge=0)
    press: int = Field(ge=0)
    legal: int = Field(ge=0)
    investor: int = Field(ge=0)
    job_seeker: int = Field(ge=0)
    solicitation: int = Field(ge=0)
    spam: int = Field(ge=0)
    auto_reply: int = Field(ge=0)
    bounce: int = Field(ge=0)
    malformed: int = Field(ge=0, le=3)
    foreign: int = Field(ge=0)
    abusive: int = Field(ge=0)
    repeat_writers: int = Field(ge=0)


class Format(_Model):
    html_only: float = Field(ge=0, le=1)
    alternative: float = Field(ge=0, le=1)
    attachment: float = Field(ge=0, le=1)
    lowercase_writer: float = Field(ge=0, le=1)
    typo_writer: float = Field(ge=0, le=1)


class Scenario(_Model):
    """The whole scenario file. The properties below are the story's stable identifiers."""

    seed: int
    period: Period
    company: Company
    executive: Executive
    cast: Cast
    story: Story
    mix: Mix
    format: Format

    @model_validator(mode="after")
    def _timeline_fits(self) -> Scenario:
        """The story must happen inside the month, and readers can only react after the post."""
        start, end = self.period.start, self.period.end
        for mail in (*self.story.customer_mails, *self.story.journalist_mails):
            if not start <= mail.at <= end:
                raise ValueError(f"story mail {mail.key!r} at {mail.at} is outside the period {start}..{end}")
        if self.story.flood.starts < self.story.blog_published:
            raise ValueError("story.flood.starts is before story.blog_published")
        if not start <= self.story.flood.starts <= end:
            raise ValueError("story.flood.starts is outside the period")
        keys = [m.key for m in self.story.journalist_mails]
        for mail in self.story.journalist_mails:
            if mail.in_reply_to is not None and mail.in_reply_to not in keys:
                raise ValueError(f"journalist mail {mail.key!r} answers unknown key {mail.in_reply_to!r}")
        return self

    @property
    def company_name(self) -> str:
        return self.company.name

    @property
    def executive_name(self) -> str:
        return self.executive.name

    @property
    def executive_address(self) -> str:
        return self.executive.address

    @property
    def customer_address(self) -> str:
        return self.cast.customer.address

    @property
    def customer_message_ids(self) -> tuple[str, str]:
        """The customer's first two e-mails (two weeks apart, two threads), with angle brackets."""
        first, second = self.story.customer_mails[:2]
        return first.message_id, second.message_id

    @property
    def journalist_address(self) -> str:
        return self.cast.journalist.address

    @property
    def blog_url(self) -> str:
        return self.story.blog_url

    @property
    def office_draft_reply(self) -> str:
        return self.story.office_draft_reply


def default_scenario_path() -> Path:
    """The scenario shipped inside the package."""
    return Path(str(resources.files("execdesk.demo").joinpath("scenario.yaml")))


def load_scenario(path: Path | None = None) -> Scenario:
    """Read and validate a scenario file (the bundled one when ``path`` is None).

    Raises ``ValueError`` with pydantic's field-by-field message when the file is wrong.
    """
    source = path or default_scenario_path()
    data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a scenario file is a YAML mapping")
    return Scenario.model_validate(data)
