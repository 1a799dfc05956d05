"""Progress while the build runs, and the summary table at the end (with rich).

Each chapter is shown queued, running, cached, done or failed.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

STYLE = {"queued": "dim", "running": "yellow", "cached": "cyan", "done": "green", "executed": "green",
         "failed": "bold red"}


class BuildProgress:
    def __init__(self, chapters: list[tuple[str, str]], quiet: bool = False):
        self.console = Console(stderr=True)
        self.quiet = quiet
        self.rows = {cid: {"title": title, "status": "queued", "seconds": None, "started": None}
                     for cid, title in chapters}
        self.live: Live | None = None
        self.stage_name = ""
        self.notes: list[str] = []

    def _table(self) -> Table:
        table = Table(title=self.stage_name or None, title_justify="left", show_lines=False)
        table.add_column("Chapter")
        table.add_column("Title", overflow="ellipsis", max_width=60)
        table.add_column("Status")
        table.add_column("Seconds", justify="right")
        for cid, row in self.rows.items():
            seconds = row["seconds"]
            if row["status"] == "running" and row["started"]:
                seconds = time.perf_counter() - row["started"]
            table.add_row(cid, row["title"], f"[{STYLE.get(row['status'], '')}]{row['status']}[/]",
                          "" if seconds is None else f"{seconds:.1f}")
        return table

    def stage(self, name: str) -> None:
        self.stage_name = name
        if self.quiet:
            return
        if self.live is None and self.console.is_terminal:
            self.live = Live(self._table(), console=self.console, refresh_per_second=4, transient=True)
            self.live.start()
        elif self.live is None:
            self.console.print(f"- {name}")
        self._refresh()

    def update(self, chapter_id: str, status: str, seconds: float | None = None) -> None:
        row = self.rows[chapter_id]
        row["status"] = status
        if status == "running":
            row["started"] = time.perf_counter()
        if seconds is not None:
            row["seconds"] = seconds
        if not self.quiet and self.live is None and status != "queued":
            self.console.print(f"  {chapter_id:<4} {status}" + (f" ({seconds:.1f} s)" if seconds else ""))
        self._refresh()

    def _refresh(self) -> None:
        if self.live is not None:
            self.live.update(self._table())

    def note(self, text: str) -> None:
        """A message printed with the summary at the end (after the live table has gone)."""
        self.notes.append(text)

    def finish(self, records, target, message: str) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        if self.quiet:
            return
        if records:     # none when the build stopped before the chapters
            table = Table(title="Build summary", title_justify="left")
            for col in ("Chapter", "Title", "Status", "Seconds", "Error"):
                table.add_column(col, overflow="fold")
            for r in records:
                table.add_row(r.chapter_id, r.title, f"[{STYLE.get(r.status, '')}]{r.status}[/]",
                              f"{r.seconds:.1f}", r.error or "")
            self.console.print(table)
        failed = [r for r in records if r.status == "failed"]
        for r in failed:
            self.console.print(f"[bold red]{r.chapter_id} failed[/] at {r.error}\n  executed notebook: {r.notebook_log}")
        for text in self.notes:
            self.console.print(f"[yellow]{escape(text)}[/]", highlight=False)
        self.console.print(escape(message), highlight=False)
        if target is not None:
            self.console.print(f"Outputs: {target}")
