"""Metrics (Prometheus text, token or loopback), redacted logs, doctor with secrets redacted."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from tests.mailfactory import make_mail
from typer.testing import CliRunner

from execdesk.cli.main import app as cli
from execdesk.ingest.core import IngestSession
from execdesk.ingest.work import SourceRef
from execdesk.ops import doctor, metrics
from execdesk.ops.redact import RedactingFilter, redact
from execdesk.settings import load_settings
from execdesk.store import Store
from execdesk.web.app import create_app


def _sample(text: str, name: str, labels: str = "") -> float:
    for line in text.splitlines():
        if line.startswith(f"{name}{labels} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{labels} not in:\n{text}")


def test_metrics_count_what_is_stored(store: Store) -> None:
    with IngestSession(store, after_commit=False) as s:
        s.process_message(make_mail(), SourceRef("imap", "x"))
        s.process_message(make_mail(sender="b@example.org"), SourceRef("smtp", "y"))
        s.process_message(b"", SourceRef("smtp", "z"))  # empty: quarantined
    with store.engine.connect() as conn:
        text = metrics.render(metrics.collect(conn))
    assert "# TYPE execdesk_messages_total counter" in text
    assert _sample(text, "execdesk_messages_total", '{source="imap"}') == 1
    assert _sample(text, "execdesk_messages_total", '{source="smtp"}') == 2
    assert _sample(text, "execdesk_quarantine_size") == 1
    assert _sample(text, "execdesk_queue_length") == 2
    assert _sample(text, "execdesk_send_failures") == 0
    assert "example" not in text  # no personal data in labels


def _web(home: Path, **ops: Any) -> TestClient:
    settings = load_settings(home)
    settings.web.secret_key = SecretStr("x" * 40)
    for k, v in ops.items():
        setattr(settings.ops, k, v)
    return TestClient(create_app(settings))


def test_metrics_endpoint_loopback_without_token_and_bearer_with_one(home: Path, tmp_path: Path) -> None:
    with _web(home) as c:
        r = c.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert "execdesk_queue_length 0" in r.text
        assert c.get("/healthz").json()["ok"] is True
    with TestClient(create_app(load_settings(home)), client=("203.0.113.9", 5000)) as c:
        assert c.get("/metrics").status_code == 403  # not loopback
    token = tmp_path / "token"
    token.write_text("s3cret-metrics-token\n")
    token.chmod(0o600)
    with _web(home, metrics_token_file=token) as c:
        assert c.get("/metrics").status_code == 403
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert c.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}).status_code == 200


def test_log_filter_redacts_addresses(caplog: pytest.LogCaptureFixture) -> None:
    assert redact("from Dana <dana.whitfield@example.net>") == "from Dana <***@example.net>"
    logger = logging.getLogger("execdesk.test_redact")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="execdesk.test_redact"):
        logger.info("stored mail from %s", "dana.whitfield@example.net")
        try:
            raise ValueError("bad address dana.whitfield@example.net")
        except ValueError:
            logger.exception("failed")
    assert "dana.whitfield" not in caplog.text and "***@example.net" in caplog.text


def test_doctor_checks_and_never_prints_secrets(home: Path, tmp_path: Path) -> None:
    secret = "Tr0ub4dor-imap-secret"
    pw = tmp_path / "imap-password"
    pw.write_text(secret + "\n")
    pw.chmod(0o644)
    (home / "execdesk.toml").write_text(
        f'[imap]\nhost = "127.0.0.1"\nport = 1\nsecurity = "none"\nusername = "u"\npassword_file = "{pw}"\n'
        '[reply]\nsmtp_host = "127.0.0.1"\nsmtp_port = 1\nsmtp_security = "none"\nsmtp_username = "u"\n'
        f'smtp_password = "{secret}"\n'
    )
    r = CliRunner().invoke(cli, ["--home", str(home), "init"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["--home", str(home), "doctor", "--json"])
    assert r.exit_code == 1  # the group-readable password file and the unreachable servers fail
    report = json.loads(r.stdout)
    status = {c["name"]: c for c in report["checks"]}
    assert status["configuration"]["status"] == "fail" and "chmod 600" in status["configuration"]["fix"]
    assert status["database"]["status"] == "ok" and status["blob store"]["status"] in ("ok", "skip")
    assert status["imap"]["status"] == "fail" and status["smtp"]["status"] == "fail"
    assert secret not in r.output
    pw.chmod(0o600)
    settings = load_settings(home)
    assert doctor.check_config(settings).status == "warn"  # smtp_password set directly: a warning
    db = (home / "execdesk.sqlite3").read_bytes()
    assert secret.encode() not in db  # never stored in the database
