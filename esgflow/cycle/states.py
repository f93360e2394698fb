"""What a received file can become. A submission is stored as accepted, accepted with
warnings, or rejected; a file that is no return at all is refused, and the same bytes
again are a duplicate (neither is stored as a submission). Then the ESG office's review:
the one state machine of a return's versions, with the moves it allows."""

from __future__ import annotations

from esgflow import EsgflowError

ACCEPTED = ("accepted", "accepted_with_warnings")
REJECTED = "rejected"
STORED = (*ACCEPTED, REJECTED)


def judged(errors: int, warnings: int) -> str:
    """The state of a return with this many error and warning findings."""
    if errors:
        return REJECTED
    return "accepted_with_warnings" if warnings else "accepted"


# The review of a return by the ESG office (issue 13). A version of a return moves through one
# state machine: the checks judge it (received -> accepted or rejected), the office approves or
# returns an accepted one, and a newer version takes the place of an older one (superseded).
# accepted_with_warnings is accepted here: a warning does not stand in the office's way.
RECEIVED = "received"
APPROVED = "approved"
RETURNED = "returned"
SUPERSEDED = "superseded"
# What `status` says of an entity's review: its newest accepted version pending, approved or
# returned, or the entity excused (it has no usable return, and the office said why).
PENDING = "pending"
EXCUSED = "excused"
REVIEWS = (PENDING, APPROVED, RETURNED, EXCUSED)

MOVES: dict[str, frozenset[str]] = {
    RECEIVED: frozenset({"accepted", REJECTED}),  # judgement by the checks
    "accepted": frozenset({APPROVED, RETURNED, SUPERSEDED}),
    REJECTED: frozenset({SUPERSEDED}),  # a rejected file is corrected by a new one, never approved
    APPROVED: frozenset({SUPERSEDED}),  # approval is final for its version; a correction is a new version
    RETURNED: frozenset({SUPERSEDED}),  # the reporters send a corrected version
    SUPERSEDED: frozenset(),
}

# Why a move is refused, by the state it would leave (the target is named in the message).
_WHY_NOT = {
    RECEIVED: "it has not been judged by the checks yet; only an accepted return can be reviewed",
    REJECTED: "it was rejected by the checks; only an accepted return can be reviewed, so a corrected file is needed",
    APPROVED: "it is approved already; a change needs a corrected return from its reporters",
    RETURNED: "it was returned to its reporters; their corrected return is the next one to review",
    SUPERSEDED: "a newer return took its place; review the newest one",
}


# The same, in Chinese, for the office's Chinese review page.
_WHY_NOT_ZH = {
    RECEIVED: "尚未经过校验；只有已接受的报表才能审核",
    REJECTED: "未通过校验；只有已接受的报表才能审核，需要填报单位提交更正后的文件",
    APPROVED: "已批准；如需修改，须由填报单位提交更正后的报表",
    RETURNED: "已退回填报单位；下一次审核的是其更正后的报表",
    SUPERSEDED: "已被更新的版本取代；请审核最新版本",
}


class RefusedMove(EsgflowError):
    """A move the state machine does not allow; the message says why."""


def machine_state(status: str) -> str:
    """The state machine's name of a stored judgement (accepted_with_warnings is accepted)."""
    return "accepted" if status in ACCEPTED else status


def move(state: str, target: str, what: str, what_zh: str | None = None) -> str:
    """The state after moving `what` (a version, for the message; `what_zh` in Chinese) from `state` to
    `target`, or RefusedMove."""
    current = machine_state(state)
    if target in MOVES.get(current, frozenset()):
        return target
    verb = {APPROVED: "approve", RETURNED: "return", SUPERSEDED: "supersede"}.get(target, f"move to {target}")
    verb_zh = {APPROVED: "批准", RETURNED: "退回", SUPERSEDED: "取代"}.get(target, f"转为 {target}")
    zh = f"不能{verb_zh}{what_zh or what}：{_WHY_NOT_ZH.get(current, f'当前状态为 {current}')}"
    raise RefusedMove(f"cannot {verb} {what}: {_WHY_NOT.get(current, f'it is {current}')}", zh)
