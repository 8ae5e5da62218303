"""Concrete details a writer mentions (amounts, dates, stores, hold times), drawn per message.

A message reads as real when its facts are specific; drawing them fresh for each message is
what keeps two complaints about the same thing from reading alike.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from execdesk.demo.people import STATE_NAMES, Person, account_number, phone
from execdesk.demo.scenario import Scenario

MALLS = (
    "Westfield Mall",
    "Crossroads Plaza",
    "Riverside Commons",
    "Target Plaza",
    "Northgate Center",
    "Town Square",
    "Parkway Shops",
    "Outlet Mall",
    "Oak Hollow Mall",
    "Lakeside Village",
    "Main Street",
)
STREETS = (
    "Maple Avenue",
    "Oak Street",
    "Elm Drive",
    "Cedar Lane",
    "Washington Street",
    "Lincoln Road",
    "Highland Avenue",
    "Church Street",
    "Ridge Road",
    "Pine Court",
    "Lakeview Drive",
    "Mill Road",
)
COMPETITORS = ("Vantage Wireless", "Bluepeak", "Crestline Mobile", "Summit Cellular")
RELATIVES = (  # (who, subject, possessive, object)
    ("mother", "she", "her", "her"),
    ("father", "he", "his", "him"),
    ("grandmother", "she", "her", "her"),
    ("grandfather", "he", "his", "him"),
    ("aunt", "she", "her", "her"),
    ("uncle", "he", "his", "him"),
)
AGENTS = ("Kevin", "Shawna", "Marco", "Tiffany", "Andre", "Beth", "Ravi", "Jolene", "Chris", "Denise")


def money(rng: random.Random, lo: float, hi: float) -> str:
    return f"${rng.uniform(lo, hi):,.2f}"


def details(rng: random.Random, scenario: Scenario, person: Person, when: datetime) -> dict[str, str]:
    """Every placeholder a text bank may use, drawn once for one message."""
    plans = scenario.company.plans
    devices = scenario.company.devices
    d1 = when - timedelta(days=rng.randrange(20, 75))
    d2 = when - timedelta(days=rng.randrange(3, 19))
    d3 = when - timedelta(days=rng.randrange(1, 30))
    relative, rel_pron, rel_poss, rel_obj = rng.choice(RELATIVES)
    old_monthly = rng.randrange(45, 190)
    return {
        "company": scenario.company.name,
        "short": scenario.company.name.split()[0],
        "exec_last": scenario.executive.name.split()[-1],
        "exec_first": scenario.executive.name.split()[0],
        "support_phone": scenario.company.support_phone,
        "plan": rng.choice(plans),
        "plan2": rng.choice(plans),
        "device": rng.choice(devices[:-2]),
        "device2": rng.choice(devices[:-2]),
        "amount": money(rng, 38, 420),
        "amount2": money(rng, 9, 60),
        "fee": rng.choice(("$35", "$25", "$10", "$50", "$15")),
        "monthly": f"${old_monthly}",
        "new_monthly": f"${old_monthly + rng.randrange(8, 45)}",
        "etf": money(rng, 150, 650),
        "years": str(rng.choice((2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 17, 19, 22))),
        "lines": str(rng.choice((2, 3, 4, 5))),
        "minutes": str(rng.choice((35, 40, 45, 52, 58, 65, 70, 84, 90, 110, 127))),
        "n_calls": rng.choice(("three", "four", "five", "six", "seven", "at least eight")),
        "ticket": f"{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}",
        "case_no": f"CS{rng.randrange(1000000, 9999999)}",
        "order_no": f"NW-{rng.randrange(100000, 999999)}",
        "store": f"{rng.choice(MALLS)} store in {person.town}",
        "town": person.town,
        "state": person.state,
        "state_name": STATE_NAMES.get(person.state, person.state),
        "big_amount": money(rng, 1800, 24000),
        "street": rng.choice(STREETS),
        "date1": f"{d1:%B} {d1.day}",
        "date2": f"{d2:%B} {d2.day}",
        "date3": f"{d3:%B} {d3.day}",
        "month1": f"{d1:%B}",
        "days_out": str(rng.choice((2, 3, 4, 5, 6, 9, 11))),
        "gb": str(rng.choice((5, 10, 15, 20))),
        "agent": rng.choice(AGENTS),
        "competitor": rng.choice(COMPETITORS),
        "relative": relative,
        "rel_pron": rel_pron,
        "rel_poss": rel_poss,
        "rel_obj": rel_obj,
        "rel_pron_cap": rel_pron.capitalize(),
        "age": str(rng.choice((79, 82, 84, 86, 88, 91, 93))),
        "account": account_number(rng),
        "phone": phone(rng),
        "first": person.first,
        "name": person.name,
        "place": person.place,
    }
