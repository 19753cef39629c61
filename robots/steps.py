"""The run's record as it happens: the step timeline and the measured transactions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from journeys.model import Command
from journeys.results import Category, Status, StepResult, TransactionResult
from journeys.variables import Masker


@dataclass(slots=True)
class Record:
    """Steps and transactions of one run; every text goes through the masker on its way in."""

    masker: Masker
    steps: list[StepResult] = field(default_factory=list)
    prefix: str = ""  # "onFlowStart: " while a hook runs
    transactions: list[TransactionResult] = field(default_factory=list)

    def step(self, cmd: Command, status: Status, started_ms: float, duration_ms: float, *,
             error: str | None = None, category: Category | None = None) -> StepResult:
        result = StepResult(
            index=len(self.steps), command=cmd.name,
            description=self.masker.mask(self.prefix + cmd.describe()),
            status=status, started_ms=round(started_ms, 3), duration_ms=round(duration_ms, 3),
            category=category, error=self.masker.mask(error) if error else None,
            optional=cmd.optional, line=cmd.pos.line or None, file=cmd.pos.file or None,
        )
        self.steps.append(result)
        return result

    def transaction(self, result: TransactionResult) -> None:
        if result.error:
            result = replace(result, error=self.masker.mask(result.error))
        self.transactions.append(result)
