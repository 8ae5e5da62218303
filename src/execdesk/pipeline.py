"""The order of the pipeline's stages, written down once.

Each stage is registered by name with what it ``requires`` and ``provides`` (fields of
:class:`execdesk.ingest.work.MessageWork`). :class:`Pipeline` refuses duplicate names and
an order in which a stage needs something no earlier stage provides.

A stage receives a whole batch of messages (so database stages can write in bulk) and
marks the messages it cannot handle with a failure instead of raising; later stages
skip failed messages, and ingest quarantines them with the stage's name and the reason.
Pure stages (parse, analyze) are written per message and lifted with :func:`per_message`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("execdesk.pipeline")


class PipelineError(ValueError):
    """The pipeline definition itself is wrong (a bug, not bad mail)."""


BatchFn = Callable[[list[Any], Any], None]


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    run: BatchFn
    doc: str = ""
    pure: bool = False  # touches no database: may run on any worker, before the transaction


def per_message(name: str, fn: Callable[[Any, Any], None]) -> BatchFn:
    """Lift a per-message function to a batch stage: one message's failure stays its own."""
    from execdesk.ingest.work import StageFailed

    def run(works: list[Any], env: Any) -> None:
        for work in works:
            if work.failure is not None:
                continue
            try:
                fn(work, env)
            except StageFailed as failure:
                work.failure = failure
            except Exception as exc:  # our bug, not their mail: keep the message, log with context
                log.exception("stage %s failed on message sha256=%s", name, work.identity.raw_sha256[:12])
                work.failure = StageFailed(
                    name, "internal_error", f"{type(exc).__name__} in stage {name}", their_fault=False
                )

    return run


class Pipeline:
    def __init__(self, stages: Iterable[Stage], *, initial: Sequence[str] = ("raw", "identity", "source")) -> None:
        self.stages: list[Stage] = []
        available = set(initial)
        seen: set[str] = set()
        for stage in stages:
            if stage.name in seen:
                raise PipelineError(f"E001 duplicate stage name {stage.name!r}")
            missing = [r for r in stage.requires if r not in available]
            if missing:
                raise PipelineError(
                    f"E002 stage {stage.name!r} requires {missing} but only {sorted(available)} are provided before it"
                )
            seen.add(stage.name)
            available.update(stage.provides)
            self.stages.append(stage)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def describe(self) -> list[dict[str, object]]:
        return [
            {"name": s.name, "requires": list(s.requires), "provides": list(s.provides), "pure": s.pure, "doc": s.doc}
            for s in self.stages
        ]
