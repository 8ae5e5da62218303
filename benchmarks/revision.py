"""A package of execdesk as of an earlier git revision, importable next to the current one (A/B runs)."""

from __future__ import annotations

import atexit
import importlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def package_at(rev: str, package: str, into: Path | None = None) -> ModuleType:
    """``execdesk.<package>`` (``"analyze"``, ``"reply.tone"``...) as of ``rev``, imported as
    ``<package>_<rev>``.

    The copy's own imports of ``execdesk.<package>`` (and its package data, read through
    ``importlib.resources``) point at the copy; its other execdesk imports stay the current ones.
    ``into``: where to unpack it; a temporary directory removed at exit when not given.
    """
    prefix = "src/execdesk/" + package.replace(".", "/")
    blob = subprocess.run(["git", "archive", rev, prefix], cwd=ROOT, check=True, capture_output=True).stdout
    if into is None:
        into = Path(tempfile.mkdtemp(prefix="execdesk_rev_"))
        atexit.register(shutil.rmtree, into, True)
    name = re.sub(r"\W", "_", f"{package}_{rev}")
    own = re.compile(rb"\bexecdesk\." + re.escape(package.encode()) + rb"\b")
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        for member in tar.getmembers():
            fh = tar.extractfile(member) if member.isfile() else None
            if fh is None:
                continue
            rel = Path(member.name).relative_to(prefix)
            data = fh.read()
            out = into / name / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(own.sub(name.encode(), data) if rel.suffix == ".py" else data)
    if str(into) not in sys.path:
        sys.path.insert(0, str(into))
    return importlib.import_module(name)
