"""A check's record and how ``verify`` reports a list of them (text, JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Check:
    id: str
    title: str
    ok: bool
    detail: str
    fix: str = ""  # "" when ok


def render_text(checks: list[Check]) -> str:
    """One line per check (failures followed by their fix), then a summary line."""
    out = []
    for check in checks:
        out.append(f"{'PASS' if check.ok else 'FAIL'}  {check.id}: {check.title}: {check.detail}")
        if not check.ok:
            out.append(f"      fix: {check.fix}")
    failed = [c.id for c in checks if not c.ok]
    out.append(
        f"{len(failed)} of {len(checks)} checks failed: {', '.join(failed)}"
        if failed
        else f"all {len(checks)} checks pass"
    )
    return "\n".join(out) + "\n"


def to_json(checks: list[Check]) -> list[dict]:
    return [asdict(check) for check in checks]
