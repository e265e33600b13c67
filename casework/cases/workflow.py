"""The case status workflow (G15): which transitions exist, and what each one means to the clocks.

Plain data, no ORM: services consult it before changing a status, and the API turns a refusal
into a 409 with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.cases.models import Status

PENDING = frozenset(
    {Status.PENDING_CUSTOMER, Status.PENDING_THIRD_PARTY, Status.PENDING_ENGINEERING}
)
WORKING = frozenset({Status.NEW, Status.OPEN, *PENDING})

_S = Status
_AFTER_WORK = frozenset({_S.SERVICE_RESTORED, _S.RESOLVED, _S.CLOSED})

# from → the statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    _S.NEW: frozenset({_S.OPEN, *PENDING, *_AFTER_WORK}),
    _S.OPEN: frozenset({*PENDING, *_AFTER_WORK}),
    **{pending: frozenset({_S.OPEN, *(PENDING - {pending}), *_AFTER_WORK}) for pending in PENDING},
    _S.SERVICE_RESTORED: frozenset({_S.OPEN, _S.PENDING_CUSTOMER, _S.RESOLVED, _S.CLOSED}),
    _S.RESOLVED: frozenset({_S.OPEN, _S.CLOSED}),
    _S.CLOSED: frozenset({_S.OPEN}),
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a transition is not allowed (answered as 409 with ``reason``)."""

    reason: str


def transition_refusal(
    current: str,
    new: str,
    *,
    by_customer: bool,
    closable: bool,
    scope_exclusion: str | None,
) -> Refusal | None:
    """``None`` if the case may move from ``current`` to ``new``, else why not.

    - Only the transitions of :data:`TRANSITIONS` exist.
    - R9: a case is resolved only when the customer's needs are met: the customer resolves
      it (confirming), or has said it can be closed.
    - A case is closed from a working status only as out of scope (R2, R12–R16), naming the
      policy's exclusion; otherwise it is resolved first.
    - Customers may only confirm a resolution, close a resolved case, or reopen (G25).
    """
    if new == current:
        return Refusal(f"the case is already {Status(current).label}")
    if new not in TRANSITIONS.get(current, frozenset()):
        return Refusal(f"a case cannot go from {Status(current).label} to {Status(new).label}")
    if by_customer and new not in {Status.RESOLVED, Status.CLOSED, Status.OPEN}:
        return Refusal("customers may confirm a resolution, close or reopen a case")
    if new == Status.RESOLVED and not (by_customer or closable):
        return Refusal(
            "a case is resolved when the customer's needs are met (R9): the customer "
            "confirms the resolution or says the case can be closed"
        )
    if new == Status.CLOSED and current in WORKING and not scope_exclusion:
        return Refusal(
            "an open case is closed only as out of scope (name the policy's exclusion); "
            "otherwise resolve it first"
        )
    if by_customer and new == Status.OPEN and current not in {Status.RESOLVED, Status.CLOSED}:
        return Refusal("only a resolved or closed case can be reopened")
    return None
