"""Stage packages load their modules on first use (``execdesk.lazy``): the settings and the CLI must not
import the analysis pipeline, the campaign detector, numba or numpy, which every command paid for before."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "execdesk.analyze.pipeline",
    "execdesk.analyze.signals",
    "execdesk.analyze.signal_rules",
    "execdesk.campaigns.detector",
    "numba",
    "numpy",
)


def _imported_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(json.loads(out))


@pytest.mark.parametrize("statement", ["import execdesk.settings", "import execdesk.cli.main"])
def test_settings_and_cli_do_not_load_the_stages(statement: str) -> None:
    loaded = _imported_after(statement)
    assert "execdesk.settings" in loaded  # the check below can fail: the statement did import things
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_public_names_load_on_first_use() -> None:
    loaded = _imported_after(
        "from execdesk.analyze import analyze_batch\nfrom execdesk.campaigns import CampaignDetector"
    )
    assert {"execdesk.analyze.pipeline", "execdesk.campaigns.detector"} <= loaded
    import execdesk.analyze
    import execdesk.campaigns

    assert callable(execdesk.analyze.analyze_text) and execdesk.campaigns.normalise("A b") == "a b"
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        execdesk.analyze.nothing_here  # noqa: B018
