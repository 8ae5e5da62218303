"""The shipped (or retrained) models, loaded once per process.

Files live in ``execdesk/analyze/models/`` (or ``AnalyzeConfig.models_dir`` after
``execdesk train --out``): ``intent``, ``topic``, ``spam``, ``spam_nb`` (the spam model's Naive Bayes
half, decision 0209) and ``request`` linear models as gzipped JSON. A missing file is not an error:
that judgment falls back to rules/defaults and says so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from execdesk.analyze.linear import LinearModel, NativeTerms, SharedTerms

PACKAGE_MODELS = Path(__file__).resolve().parent / "models"
MODEL_NAMES = ("intent", "topic", "spam", "request", "spam_nb")


@dataclass(slots=True)
class ModelSet:
    intent: LinearModel | None
    topic: LinearModel | None
    spam: LinearModel | None
    request: LinearModel | None
    version: str
    spam_nb: LinearModel | None = None  # Naive Bayes over spamtokens, combined with ``spam`` (decision 0209)
    _shared: SharedTerms | None = None
    _native: NativeTerms | None = None

    def shared_terms(self) -> SharedTerms | None:
        """One vocabulary for the intent, topic (and spam) models: they score the same counts. Built once.

        The spam model's Naive Bayes half joins as a presence model (``SharedTerms.presence``)."""
        if self._shared is None and self.intent is not None and self.topic is not None:
            models = [self.intent, self.topic]
            if self.spam is not None and self.spam.is_plain_binary():
                models.append(self.spam)
            presence = [self.spam_nb] if self.spam_nb is not None and self.spam_nb.presence else []
            self._shared = SharedTerms(models, presence)
        return self._shared

    def native_terms(self, kernels: Any) -> NativeTerms | None:
        """The shared and request vocabularies in one table of the token kernels (decision 0211). Built once;
        ``None`` (the Python path) without a shared vocabulary or with a request model that is not plain binary."""
        if self._native is None:
            shared = self.shared_terms()
            if shared is None or (self.request is not None and not self.request.is_plain_binary()):
                return None
            self._native = NativeTerms(kernels, shared, self.request)
        return self._native


_CACHE: dict[str, ModelSet] = {}
_LOCK = threading.Lock()


def load_models(models_dir: Path | None = None) -> ModelSet:
    """The models in ``models_dir`` (package models when None), cached by folder."""
    folder = models_dir or PACKAGE_MODELS
    key = str(folder)
    found = _CACHE.get(key)
    if found is not None:
        return found
    with _LOCK:
        loaded: dict[str, LinearModel | None] = {}
        for name in MODEL_NAMES:
            path = folder / f"{name}.json.gz"
            if not path.is_file() and models_dir is not None:
                path = PACKAGE_MODELS / f"{name}.json.gz"  # a partial retrain keeps the shipped rest
            loaded[name] = LinearModel.load(path) if path.is_file() else None
        intent = loaded["intent"]
        version = str(intent.meta.get("version", "")) if intent else "rules-only"
        ms = ModelSet(loaded["intent"], loaded["topic"], loaded["spam"], loaded["request"], version, loaded["spam_nb"])
        _CACHE[key] = ms
        return ms


def clear_cache() -> None:
    """Forget loaded models (after ``execdesk train`` wrote new files)."""
    with _LOCK:
        _CACHE.clear()
