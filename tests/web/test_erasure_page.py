"""An admin handles an erasure request in the desk: a dry run first, then the erasure (issue 9)."""

from __future__ import annotations

from sqlalchemy import func, select

from execdesk.store.models import Contact, Message, table_of
from tests.web.conftest import Desk, csrf_of


def _messages_from(desk: Desk, address: str) -> int:
    m = table_of(Message)
    with desk.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(m.c.from_addr == address)).scalar_one())


def test_admin_previews_then_erases_a_contact(desk: Desk) -> None:
    admin = desk.client("admin")
    token = csrf_of(admin, "/admin/erasure")
    address = "pat@example.org"
    assert _messages_from(desk, address) == 1

    preview = admin.post("/admin/erasure", data={"address": address, "reason": "GDPR request 17", "csrf_token": token})
    assert preview.status_code == 200 and "This would remove" in preview.text and "Erase now" in preview.text
    assert _messages_from(desk, address) == 1  # a dry run changes nothing

    done = admin.post(
        "/admin/erasure",
        data={"address": address, "reason": "GDPR request 17", "confirm": "true", "csrf_token": token},
    )
    assert done.status_code == 200 and "Erased" in done.text
    assert _messages_from(desk, address) == 0
    contacts = table_of(Contact)
    with desk.store.engine.connect() as conn:
        assert conn.execute(select(contacts.c.id).where(contacts.c.address == address)).first() is None


def test_erasure_needs_a_reason_csrf_and_the_admin_role(desk: Desk) -> None:
    admin = desk.client("admin")
    token = csrf_of(admin, "/admin/erasure")
    no_reason = admin.post("/admin/erasure", data={"address": "pat@example.org", "reason": " ", "csrf_token": token})
    assert no_reason.status_code == 400
    no_csrf = admin.post("/admin/erasure", data={"address": "pat@example.org", "reason": "x", "confirm": "true"})
    assert no_csrf.status_code in (400, 403)
    supervisor = desk.client("supervisor")
    assert supervisor.get("/admin/erasure").status_code == 403
    unknown = admin.post("/admin/erasure", data={"address": "nobody@example.org", "reason": "x", "csrf_token": token})
    assert unknown.status_code == 409 and "nothing is stored" in unknown.text
    assert _messages_from(desk, "pat@example.org") == 1
