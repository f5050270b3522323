"""The window's side of issue #15: the user's scope on every view, the purpose asked once
per task, and the audit entries for opening a candidate's details and exporting candidates.
The rules live in the core (``core.store.scope``, ``core.audit``, ``core.export.persons``);
this module only asks and wires."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.core import audit
from workbench.core.export.persons import ExportMeta
from workbench.core.store import person_rows
from workbench.qt.i18n import tr
from workbench.qt.purpose import ask_purpose

if TYPE_CHECKING:
    from workbench.qt.main_window import MainWindow


class WindowPrivacy:
    """Scope, purpose and audit for one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.ask = ask_purpose  # (parent, suggestion) -> purpose or None; tests may swap
        self._last_opened: tuple[str, str] | None = None  # (candidate, purpose) logged last
        window.results.scope = self.scope
        window.results.ask_export_meta = self.export_meta
        window.detail_dock.scope = self.scope
        window.map_view.print_guard = self.map_print
        window.tables["candidates"].copy_guard = self.copy_candidates
        self.apply_scope()

    def scope(self) -> Any:
        return self.window.workspace.scope()

    def apply_scope(self) -> None:
        """The table pages read within the scope (after start, reload or a new cache)."""
        scope = self.scope()
        self.window.models["candidates"].scope = scope
        # a team lead sees candidates as density only, never as single points
        self.window.map.density_only = set() if scope.rows_allowed else {"candidates"}

    # -- purpose -----------------------------------------------------------------------------
    def purpose(self, *, again: bool = False) -> str | None:
        """The task's purpose, asked when there is none yet (or ``again``)."""
        ws = self.window.workspace
        if ws.purpose and not again:
            return ws.purpose
        answer = self.ask(self.window, ws.purpose or self.suggestion())
        if answer:
            ws.set_purpose(answer)
        return ws.purpose if answer else None

    def suggestion(self) -> str:
        """The purpose to prefill: the open job order or campaign, in the UI language."""
        task = self.window.workspace.open_task()
        if task is None:
            return ""
        kind, ident, title = task
        return tr(f"privacy.purpose_{kind}", id=ident or "", title=title).replace("  ", " ")

    def change_purpose(self) -> str | None:
        return self.purpose(again=True)

    # -- details and exports -----------------------------------------------------------------
    def open_candidate(self, row: dict[str, Any]) -> bool:
        """Whether the candidate's details may show: the role allows rows and the user
        gave a purpose; the opening is written to the audit log."""
        scope = self.scope()
        if not scope.rows_allowed:
            return False
        if self.window.demo:  # synthetic people: no purpose, no audit (like the CLI's search)
            return True
        purpose = self.purpose()
        if purpose is None:
            return False
        cid = audit.subject_id(row.get("candidate_id"), row.get("jobcenter"))
        if self._last_opened != (cid, purpose):  # a re-selection is not a new opening
            self._append("view_details", [cid], purpose)
            self._last_opened = (cid, purpose)
        return True

    def export_meta(self) -> ExportMeta | None:
        """Who exports candidates, for what (asked once per task), or None (cancelled).
        A demo cache's export carries the metadata without asking (no real people)."""
        ctx = self.window.workspace.context
        if self.window.demo:
            return ExportMeta(ctx.user, ctx.jobcenter, self.window.workspace.purpose, audited=False)
        purpose = self.purpose()
        if purpose is None:
            return None
        job_order, campaign = self.window.workspace.task_ids()
        return ExportMeta(ctx.user, ctx.jobcenter, purpose, job_order_id=job_order,
                          campaign_id=campaign)  # fmt: skip

    def copy_candidates(self, rows: list[int]) -> bool:
        """Copying candidates' rows to the clipboard is an export: the role must allow
        rows, the task needs its purpose, and the copy is written to the audit log."""
        if not self.scope().rows_allowed:
            return False
        if self.window.demo:
            return True
        purpose = self.purpose()
        if purpose is None:
            return False
        model = self.window.models["candidates"]
        ids = [
            audit.subject_id(d["candidate_id"], d.get("jobcenter"))
            for r in rows
            if (d := model.row_dict(r)) is not None
        ]
        self._append("export", ids, purpose)
        return True

    def map_print(self, _path: Any) -> Any:
        """Before a map with candidates is written (PNG/PDF): False when the role sees
        counts only or no purpose was given, else a function that writes the ``print``
        audit entry with the candidates shown (none for a demo cache)."""
        if not self.scope().rows_allowed:
            # counts and density only: the map export stays, the points are aggregates
            return None
        if self.window.demo:
            return None
        purpose = self.purpose()
        if purpose is None:
            self.window.busy_label.setText(tr("privacy.export_needs_purpose"))
            return False
        result = self.window.workspace.result
        rids = [] if result is None else result.candidates.rid.tolist()
        rows = person_rows(
            self.window.gui_cursor(),
            "candidates",
            rids,
            ["candidate_id", "jobcenter"],
            scope=self.scope(),
        )
        ids = [audit.subject_id(r["candidate_id"], r["jobcenter"]) for r in rows]
        return lambda: self._append("print", ids, purpose)

    def record_export(self, ids: list[str], purpose: str) -> None:
        """An export of these candidates (e.g. a shortlist) in the audit log."""
        self._append("export", [str(i) for i in ids], purpose)

    def _append(self, action: str, ids: list[str], purpose: str) -> None:
        ctx = self.window.workspace.context
        job_order, campaign = self.window.workspace.task_ids()
        audit.append(
            self.window.gui_cursor(),
            user=ctx.user,
            jobcenter=ctx.jobcenter,
            action=action,
            subject_ids=ids,
            purpose=purpose,
            job_order_id=job_order,
            campaign_id=campaign,
        )
