"""Review: the plan (steps, commands, diffs, risks) before anything changes.

The plan comes from ``session.make_plan()`` (probe + plan) in a worker; it is made
again whenever the screen comes back into view (after Esc from Apply, say), except
when the confirmation dialog closes.  When qmail is installed (reconfiguring), only
the steps that change show, and each file changed by hand since the wizard wrote it
shows both versions and waits for a choice (keep mine / take the profile's) before
Enter applies; a choice goes to ``session.keep`` / ``session.overwrite`` and the plan
is made again.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult, CSSPathType
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Static

from ..backend.hosts import HostError
from ..backend.plan import PlanError
from ..backend.profile import ProfileError
from ..backend.session import Session
from ..backend.steps import Plan, RunCommand, Step
from ..backend.vis import vis
from ..messages import Advance, PlanFailed, Planned
from ..widgets.drift_choice import DRIFT_CSS, DriftChoice, versions_diff
from ..widgets.footer import KeyFooter
from ..widgets.plan_step import PLAN_STEP_CSS, PlanStep, diff_content
from ..widgets.spinner import Spinner
from .confirm import ConfirmScreen


def plan_summary(plan: Plan, method: str) -> str:
    changing = [s for s in plan.steps if s.changes]
    risks = [r for s in plan.steps for r in s.risks]
    how = {
        "source": "source build from pkgsrc (slower: compiles qmail)",
        "binary": "binary packages (pkg_add)",
        "pkgin": "binary packages (pkgin)",
    }
    installs = any(isinstance(a, RunCommand) for a in plan.step("packages").actions)
    lead = (
        f"Install method: {how.get(method, method)}."
        if installs
        else "No package to install or build."
    )
    if not changing:
        return f"{lead} Nothing to do: the host already matches your answers; apply only verifies."
    return (
        f"{lead} {len(changing)} of {len(plan.steps)} steps change the host "
        f"({len(risks)} risky actions, marked ⚠). Nothing has changed yet."
    )


def shown(step: Step) -> bool:
    """Whether a reconfigure plan shows ``step``: it changes the host or says why not
    (verify's note is the same in every plan)."""
    return step.changes or bool(step.risks) or (bool(step.notes) and step.id != "verify")


def drift_text(plan: Plan) -> str:
    """The line under the summary that asks for the choices still to make."""
    undecided = len(plan.undecided)
    damage = "\nThe drift record is damaged (see below)." if plan.damage else ""
    if not undecided:
        return damage
    files = f"{undecided} file{'s' if undecided > 1 else ''}"
    return f"{damage}\n{files} changed by hand: choose below (k keep mine, o take the profile's)."


def problems_text(error: ProfileError) -> str:
    lines = ["Your answers cannot be applied yet:"]
    for problem in error.problems:
        text = f"• {problem.key + ': ' if problem.key else ''}{problem.message}"
        if problem.allowed:
            text += f" (allowed: {problem.allowed})"
        if problem.suggestion:
            text += f"; {problem.suggestion}"
        lines.append(text)
    lines.append("Press Esc to go back and fix them; the plan is made again when you return.")
    return "\n".join(lines)


class ReviewScreen(Screen):
    CSS_PATH: ClassVar[CSSPathType] = ["review.tcss", DRIFT_CSS, PLAN_STEP_CSS]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "confirm", "Apply…", show=False),
        Binding("a", "confirm", "Apply…"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(name="review")
        self.session = session
        self.plan: Plan | None = None
        self.confirming = False
        #: the drifted file the admin chose for last (focused again after re-planning)
        self.chosen = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="body"):
            yield Static("Review the plan", classes="screen-title")
            yield Static(
                "Planning: reading the host again...", id="summary", classes="hint", markup=False
            )
            yield Spinner(id="loading")
            yield VerticalScroll(id="plan")
            yield Static("", id="next-hint", classes="hint")
        yield KeyFooter()

    def on_screen_resume(self) -> None:
        if self.confirming:
            self.confirming = False
            return
        self.replan()

    def replan(self) -> None:
        """Hide the old plan and make it again in a worker."""
        self.plan = None
        self.query_one("#loading", Spinner).spin(True)
        self.query_one("#plan").display = False
        summary = self.query_one("#summary", Static)
        summary.update("Planning: reading the host again...")
        summary.remove_class("error")
        self.query_one("#next-hint", Static).update("")
        self.make_plan()

    @work(thread=True, exclusive=True, group="plan")
    def make_plan(self) -> None:
        try:
            problems = self.session.problems()
            if problems:
                raise ProfileError(problems)
            plan = self.session.make_plan()
            self.post_message(Planned(plan, self.session.method(), self.session.profile_versions()))
        except ProfileError as exc:
            self.post_message(PlanFailed(problems_text(exc)))
        except PlanError as exc:
            self.post_message(
                PlanFailed(
                    f"Cannot plan: {exc}\nPress Esc to change your "
                    "answers, or fix the host and come back."
                )
            )
        except HostError as exc:
            self.post_message(
                PlanFailed(
                    f"Cannot read the host: {exc}\nCheck the "
                    "connection, then press Esc and Enter to plan "
                    "again."
                )
            )

    async def on_planned(self, message: Planned) -> None:
        plan = self.plan = message.plan
        self.query_one("#loading", Spinner).spin(False)
        self.query_one("#summary", Static).update(
            vis(plan_summary(plan, message.method) + drift_text(plan), keep_newlines=True)
        )
        scroll = self.query_one("#plan", VerticalScroll)
        await scroll.remove_children()
        await scroll.mount_all(self.plan_widgets(plan, message.versions))
        scroll.display = True
        choices = list(self.query(DriftChoice))
        focus = next((c for c in choices if not c.drift.resolution), None) or next(
            (c for c in choices if c.path == self.chosen), scroll
        )
        focus.focus()
        self.query_one("#next-hint", Static).update(
            "Tab next file · k keep mine · o take the profile's · then Enter"
            if plan.undecided
            else "Tab a step, Enter or space opens its diff · Enter or a: apply (asks first)"
        )

    def plan_widgets(self, plan: Plan, versions: dict[str, str]) -> list[Static]:
        """Every step; when reconfiguring, the drifted files, then only the steps that
        change, then one line naming the others."""
        total = len(plan.steps)
        numbered = list(enumerate(plan.steps, 1))
        if self.session.reconfigure:
            numbered = [(index, step) for index, step in numbered if shown(step)]
        widgets: list[Static] = [
            PlanStep(
                step,
                index,
                total,
                id=f"plan-{step.id}",
                classes="plan-step" + ("" if step.changes else " -unchanged"),
            )
            for index, step in numbered
        ]
        drift: list[Static] = [
            DriftChoice(
                d, diff_content(versions_diff(d, versions.get(d.path))), id=f"drift-{index}"
            )
            for index, d in enumerate(plan.drift)
        ]
        if plan.damage:
            drift.insert(
                0,
                Static(
                    Content.assemble(("⚠ ", "$error"), vis(plan.damage)),
                    id="damage",
                    classes="plan-step",
                ),
            )
        if not self.session.reconfigure:
            return drift + widgets
        hidden = [step.id for step in plan.steps if not shown(step)]
        if hidden:
            widgets.append(
                Static(
                    f"{len(hidden)} steps unchanged: {', '.join(hidden)}",
                    id="plan-unchanged",
                    classes="plan-step -unchanged",
                )
            )
        return drift + widgets

    def on_drift_choice_chosen(self, message: DriftChoice.Chosen) -> None:
        keep, overwrite = self.session.keep, self.session.overwrite
        (keep if message.resolution == "keep" else overwrite).add(message.path)
        (overwrite if message.resolution == "keep" else keep).discard(message.path)
        self.chosen = message.path
        self.replan()

    def on_plan_failed(self, message: PlanFailed) -> None:
        self.query_one("#loading", Spinner).spin(False)
        self.query_one("#summary", Static).update(message.text)
        self.query_one("#summary").add_class("error")

    def action_confirm(self) -> None:
        if self.plan is None:
            self.notify("There is no plan to apply yet (see above).", severity="warning")
            return
        if self.plan.undecided:
            first = next(c for c in self.query(DriftChoice) if not c.drift.resolution)
            first.focus()
            self.notify(
                f"{first.path} was changed by hand: press k to keep yours or o to "
                "take the profile's (for each such file) before applying.",
                title="Not yet",
                severity="error",
                markup=False,
            )
            return
        self.confirming = True
        self.app.push_screen(ConfirmScreen(self.plan), self.confirmed)

    def confirmed(self, yes: bool | None) -> None:
        if yes:
            self.post_message(Advance(type(self)))

    def action_back(self) -> None:
        self.app.pop_screen()
