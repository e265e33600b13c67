"""Errors of the policy language: every one names the file, the line and what was expected."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PolicyIssue:
    """One problem found in a policy file, printed as ``FILE:LINE: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyError(Exception):
    """A policy file that cannot be loaded; carries every issue found, in file order."""

    def __init__(self, issues: list[PolicyIssue]) -> None:
        self.issues = sorted(issues, key=lambda issue: (issue.file, issue.line))
        super().__init__("\n".join(str(issue) for issue in self.issues))


class UnknownIdError(LookupError):
    """A plan, priority, metric or calendar id that the policy does not define."""

    def __init__(self, field: str, value: str, expected: list[str]) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(f"unknown {field} {value!r}; expected one of: {', '.join(expected)}")
