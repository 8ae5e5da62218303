"""Fictional writers: names, towns, addresses, mail clients and the Message-IDs those clients make.

Every domain is under .example or .test (RFC 2606), phone numbers are in the 555-01xx range
reserved for fiction, IP addresses come from the documentation ranges (RFC 5737).
"""

from __future__ import annotations

import random
import string
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Karen Christopher Sarah Daniel Lisa Matthew Nancy Anthony Sandra Mark Ashley "
    "Donald Kimberly Steven Donna Andrew Carol Paul Michelle Joshua Emily Kenneth Amanda Kevin Melissa Brian "
    "Deborah George Stephanie Timothy Rebecca Ronald Laura Jason Helen Edward Sharon Jeffrey Cynthia Ryan "
    "Kathleen Jacob Amy Gary Angela Nicholas Shirley Eric Brenda Jonathan Emma Larry Anna Justin Pamela "
    "Scott Nicole Brandon Ruth Frank Katherine Gregory Christine Raymond Samantha Benjamin Debra Samuel "
    "Janet Patrick Carolyn Alexander Rachel Jack Heather Dennis Maria Jerry Diane Tyler Julie Aaron Joyce "
    "Jose Victoria Adam Kelly Nathan Christina Henry Lauren Zachary Joan Douglas Evelyn Peter Olivia Kyle "
    "Judith Noah Megan Ethan Cheryl Jeremy Martha Walter Andrea Christian Frances Keith Hannah Roger "
    "Jacqueline Terry Ann Austin Gloria Sean Jean Gerald Kathryn Carl Alice Harold Teresa Dylan Sara "
    "Arthur Janice "
    "Lawrence Doris Jordan Madison Jesse Julia Bryan Grace Billy Judy Bruce Abigail Gabriel Marie Joe Denise "
    "Logan Beverly Alan Amber Juan Theresa Wayne Marilyn Elijah Danielle Randy Diana Roy Brittany Vincent "
    "Natalie Ralph Sophia Eugene Rose Russell Isabella Bobby Alexis Mason Kayla Philip Charlotte Louis "
    "Wei Mei Hiroshi Yuki Arjun Priyanka Rahul Ananya Mohammed Fatima Omar Aisha Tariq Leila Kwame Amara "
    "Chinedu Ngozi Diego Camila Luis Valentina Carlos Lucia Miguel Sofia Andrei Olena Dmitri Katya Kofi "
    "Thanh Linh Minh Jae-won Seo-yeon Tomasz Agnieszka Sven Ingrid Bao Rosa Esperanza Darnell Latoya Tyrone "
    "Shanice DeShawn Imani Malik Keisha Jamal Ebony Reggie Tamika Cody Brooke Hunter Kaylee Tanner Destiny"
)

LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James "
    "Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez "
    "Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole "
    "Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens "
    "Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker "
    "Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz "
    "Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
    "Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kowalski "
    "Okonkwo Mensah Haddad Nakamura Tanaka Sato Yamamoto Gupta Sharma Iyer Reddy Novak Petrov Ivanova "
    "Lindqvist O'Brien O'Connor McAllister Delgado Fitzgerald Abernathy Whitaker Kaczmarek Oyelaran"
)

# (town, state, UTC offset in September/October: daylight time)
TOWNS: tuple[tuple[str, str, str], ...] = (
    ("Columbus", "OH", "-04:00"),
    ("Dayton", "OH", "-04:00"),
    ("Toledo", "OH", "-04:00"),
    ("Akron", "OH", "-04:00"),
    ("Pittsburgh", "PA", "-04:00"),
    ("Harrisburg", "PA", "-04:00"),
    ("Buffalo", "NY", "-04:00"),
    ("Albany", "NY", "-04:00"),
    ("Brooklyn", "NY", "-04:00"),
    ("Newark", "NJ", "-04:00"),
    ("Hartford", "CT", "-04:00"),
    ("Worcester", "MA", "-04:00"),
    ("Richmond", "VA", "-04:00"),
    ("Raleigh", "NC", "-04:00"),
    ("Charlotte", "NC", "-04:00"),
    ("Atlanta", "GA", "-04:00"),
    ("Savannah", "GA", "-04:00"),
    ("Tampa", "FL", "-04:00"),
    ("Orlando", "FL", "-04:00"),
    ("Jacksonville", "FL", "-04:00"),
    ("Detroit", "MI", "-04:00"),
    ("Grand Rapids", "MI", "-04:00"),
    ("Louisville", "KY", "-04:00"),
    ("Indianapolis", "IN", "-04:00"),
    ("Chicago", "IL", "-05:00"),
    ("Naperville", "IL", "-05:00"),
    ("Peoria", "IL", "-05:00"),
    ("Milwaukee", "WI", "-05:00"),
    ("Madison", "WI", "-05:00"),
    ("Minneapolis", "MN", "-05:00"),
    ("St. Louis", "MO", "-05:00"),
    ("Kansas City", "MO", "-05:00"),
    ("Omaha", "NE", "-05:00"),
    ("Des Moines", "IA", "-05:00"),
    ("Memphis", "TN", "-05:00"),
    ("Nashville", "TN", "-05:00"),
    ("Dallas", "TX", "-05:00"),
    ("Houston", "TX", "-05:00"),
    ("San Antonio", "TX", "-05:00"),
    ("Austin", "TX", "-05:00"),
    ("Tulsa", "OK", "-05:00"),
    ("New Orleans", "LA", "-05:00"),
    ("Denver", "CO", "-06:00"),
    ("Boulder", "CO", "-06:00"),
    ("Albuquerque", "NM", "-06:00"),
    ("Salt Lake City", "UT", "-06:00"),
    ("Boise", "ID", "-06:00"),
    ("Phoenix", "AZ", "-07:00"),
    ("Tucson", "AZ", "-07:00"),
    ("Las Vegas", "NV", "-07:00"),
    ("Sacramento", "CA", "-07:00"),
    ("Fresno", "CA", "-07:00"),
    ("San Diego", "CA", "-07:00"),
    ("Oakland", "CA", "-07:00"),
    ("Portland", "OR", "-07:00"),
    ("Eugene", "OR", "-07:00"),
    ("Seattle", "WA", "-07:00"),
    ("Spokane", "WA", "-07:00"),
    ("Anchorage", "AK", "-08:00"),
)

STATE_NAMES = {
    "OH": "Ohio",
    "PA": "Pennsylvania",
    "NY": "New York",
    "NJ": "New Jersey",
    "CT": "Connecticut",
    "MA": "Massachusetts",
    "VA": "Virginia",
    "NC": "North Carolina",
    "GA": "Georgia",
    "FL": "Florida",
    "MI": "Michigan",
    "KY": "Kentucky",
    "IN": "Indiana",
    "IL": "Illinois",
    "WI": "Wisconsin",
    "MN": "Minnesota",
    "MO": "Missouri",
    "NE": "Nebraska",
    "IA": "Iowa",
    "TN": "Tennessee",
    "TX": "Texas",
    "OK": "Oklahoma",
    "LA": "Louisiana",
    "CO": "Colorado",
    "NM": "New Mexico",
    "UT": "Utah",
    "ID": "Idaho",
    "AZ": "Arizona",
    "NV": "Nevada",
    "CA": "California",
    "OR": "Oregon",
    "WA": "Washington",
    "AK": "Alaska",
}

MAIL_DOMAINS = (
    "postbox.example",
    "postbox.example",
    "postbox.example",
    "mailbox.example",
    "mailbox.example",
    "inbox.test",
    "webmail.example",
    "earthnet.example",
    "homemail.test",
    "fastpost.example",
    "comcastle.example",
    "sbcnet.example",
    "proton-like.test",
    "icloudish.example",
    "aolmail.example",
)

CLIENTS = (
    "Apple Mail (2.3731.700.6)",
    "iPhone Mail (21G93)",
    "Microsoft Outlook 16.0",
    "Thunderbird 115.15.0",
    "Mozilla Thunderbird 128.2.3esr",
    "Roundcube Webmail/1.6.7",
    "K-9 Mail for Android",
    None,
    None,
    None,
)


@dataclass(frozen=True, slots=True)
class Person:
    """A fictional writer and how their mail looks (client, Message-ID style, time zone)."""

    first: str
    last: str
    address: str
    town: str
    state: str
    utc_offset: str
    client: str | None
    msgid_style: int

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]

    @property
    def place(self) -> str:
        return f"{self.town}, {self.state}"


def _ascii(s: str) -> str:
    """'José Luis' -> 'joseluis': how an address is made from a name."""
    plain = unicodedata.normalize("NFKD", s.lower()).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in plain if c in string.ascii_lowercase)


def make_person(
    rng: random.Random,
    *,
    first: str | None = None,
    last: str | None = None,
    domain: str | None = None,
    town: tuple[str, str, str] | None = None,
    work: bool = False,
) -> Person:
    """A new writer with a plausible address built from the name (``work``: a company's scheme)."""
    first = first or rng.choice(FIRST)
    last = last or rng.choice(LAST)
    f, la = _ascii(first), _ascii(last)
    style = rng.choice((0, 0, 1, 7)) if work else rng.randrange(8)
    local = (
        f"{f}.{la}",
        f"{f[0]}{la}",
        f"{f}{la}{rng.randrange(1950, 2004)}",
        f"{f}_{la}",
        f"{la}.{f}",
        f"{f}{rng.randrange(1, 99)}",
        f"{f}.{la}{rng.randrange(1, 9)}",
        f"{f[0]}.{la}",
    )[style]
    town = town or rng.choice(TOWNS)
    return Person(
        first,
        last,
        f"{local}@{domain or rng.choice(MAIL_DOMAINS)}",
        town[0],
        town[1],
        town[2],
        rng.choice(CLIENTS),
        rng.randrange(4),
    )


def phone(rng: random.Random) -> str:
    """A fictional US number (555-0100..0199 is reserved for fiction)."""
    return f"({rng.randrange(201, 989)}) 555-01{rng.randrange(0, 100):02d}"


def account_number(rng: random.Random) -> str:
    return f"{rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"


def message_id(rng: random.Random, domain: str, style: int, when: datetime) -> str:
    """A Message-ID in the shape a given kind of client makes (seeded, never the host's name)."""
    alnum = string.ascii_letters + string.digits
    if style == 0:  # web-mail style
        token = "".join(rng.choice(alnum + "-_") for _ in range(40))
        return f"<CA{token}@mail.{domain}>"
    if style == 1:  # Apple / uuid style
        h = f"{rng.getrandbits(128):032X}"
        return f"<{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}@{domain}>"
    if style == 2:  # Outlook style
        token = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(32))
        host = f"{domain.split('.')[0].upper()}PR01MB{rng.randrange(1000, 9999)}.namprd0{rng.randrange(1, 9)}"
        return f"<{token}@{host}.prod.{domain}>"
    stamp = when.strftime("%Y%m%d%H%M%S")
    return f"<{stamp}.{rng.getrandbits(48):012x}@{domain}>"


def doc_ip(rng: random.Random) -> str:
    """An address from the RFC 5737 documentation ranges."""
    return f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randrange(1, 255)}"


def tz(offset: str) -> timezone:
    """A fixed UTC offset from "+02:00" / "-05:00" (the period avoids daylight-saving changes)."""
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
