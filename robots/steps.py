"""The run's record as it happens: the step timeline and the measured transactions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from journeys.model import (
    AssertTrue,
    Command,
    EvalScript,
    ExtendedWaitUntil,
    InputText,
    LaunchApp,
    OpenLink,
    PressKey,
    RunFlow,
    RunScript,
    ScrollUntilVisible,
    Selector,
    Swipe,
    TakeScreenshot,
)
from journeys.variables import Masker
from robots.result import Category, Status, StepResult, TransactionResult


def describe(cmd: Command) -> str:
    """A short human form of a command, with `${VAR}` left unresolved (no secret values)."""
    sel: Selector | None = getattr(cmd, "selector", None)
    if isinstance(cmd, ExtendedWaitUntil):
        sel = cmd.visible or cmd.not_visible
    elif isinstance(cmd, ScrollUntilVisible):
        sel = cmd.element
    detail = ""
    if sel is not None:
        detail = sel.describe()
    elif isinstance(cmd, InputText):
        detail = f'"{cmd.text}"'
    elif isinstance(cmd, LaunchApp):
        detail = cmd.app_id or ""
    elif isinstance(cmd, OpenLink):
        detail = cmd.link
    elif isinstance(cmd, PressKey):
        detail = cmd.key
    elif isinstance(cmd, Swipe):
        detail = str(cmd.direction or f"{cmd.start} -> {cmd.end}")
    elif (point := getattr(cmd, "point", None)) is not None:  # a tap on a point
        detail = f"point {point}"
    elif isinstance(cmd, TakeScreenshot):
        detail = cmd.path
    elif isinstance(cmd, RunFlow):
        detail = cmd.file or "(inline)"
    elif isinstance(cmd, RunScript):
        detail = cmd.file
    elif isinstance(cmd, EvalScript | AssertTrue):
        detail = cmd.script if isinstance(cmd, EvalScript) else cmd.condition
    text = f"{cmd.name} {detail}".strip()
    return f"{text} [{cmd.label}]" if cmd.label else text


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
            description=self.masker.mask(self.prefix + describe(cmd)),
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
