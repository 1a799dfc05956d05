"""Execute chapter notebooks with papermill, in parallel, from one driver process.

Each chapter runs in a worker process of a process pool (forked from the driver, so papermill is
imported once), so `--jobs N` chapters run at once. Each worker keeps one kernel and runs its
chapters in it in turn, reset between them (`kernels.py`); with `warm=False` (`--fresh-kernels`)
every chapter starts a kernel of its own. A failed chapter never stops the others: papermill still
writes the executed notebook (the log), and the failure is reported with the cell and the error.

`run_notebooks_dask` runs the same jobs as tasks on a Dask distributed cluster (`--executor dask
--scheduler ADDRESS`): each task is one chapter, executed by `_execute` on a worker, which starts the
kernel there. Workers need the project's environment and the project folder at the same path.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

KERNEL_NAME = "needs-assessment"


@dataclass
class NotebookJob:
    chapter_id: str
    title: str
    notebook: Path               # the source notebook in notebooks/
    output: Path                 # where the executed notebook (the log) is written
    parameters: dict[str, Any]
    cwd: Path
    task: str = ""               # unique name when one run holds several areas' chapters ("brookmere/P3")

    @property
    def key(self) -> str:
        return self.task or self.chapter_id


@dataclass
class NotebookOutcome:
    chapter_id: str
    status: str                  # done | failed | cached
    seconds: float
    output: Path
    error: str | None = None     # one line: the cell and the error
    details: str | None = None   # the traceback, for the log
    cell: int | None = None      # execution count of the failing cell


KERNEL_START_RETRIES = 2


def _kernel_start_failure(exc: Exception) -> bool:
    """A kernel that failed to start (kernels started together can race for a port): worth another
    try. A kernel that died while running the notebook (out of memory, a crash) is not."""
    text = f"{type(exc).__name__}: {exc}"
    return any(s in text for s in ("Address already in use", "Kernel died before replying", "kernel_info"))


def _execute(job: NotebookJob, kernel_name: str, events, attempt: int = 0,
             own_stderr: bool = True, warm: bool = False) -> NotebookOutcome:
    """Run one notebook (in a worker process). Never raises: failures become outcomes.
    `own_stderr`: the process is ours alone (a pool worker), so its stderr may go to the log.
    `warm`: in this worker's kernel (kernels.py), not a new one."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    engine: dict[str, Any] = {}
    if warm:
        from . import kernels
        engine = {"engine_name": kernels.ENGINE_NAME, "kernel_log_dir": str(job.output.parent)}

    if events is not None:
        events.put(("running", job.key))
    start = time.perf_counter()
    job.output.parent.mkdir(parents=True, exist_ok=True)
    if own_stderr:
        # The kernel inherits this worker's stderr: send its chatter to a log beside the notebook.
        log = open(job.output.with_suffix(".kernel.log"), "a" if attempt else "w")
        os.dup2(log.fileno(), 2)
    try:
        papermill.execute_notebook(
            str(job.notebook), str(job.output), parameters=job.parameters,
            kernel_name=kernel_name, progress_bar=False, cwd=str(job.cwd),
            request_save_on_cell_execute=False, **engine,
        )
    except PapermillExecutionError as exc:
        if warm:
            kernels.notebook_failed()
        cell = exc.exec_count
        return NotebookOutcome(job.chapter_id, "failed", time.perf_counter() - start, job.output,
                               error=f"cell {exc.cell_index + 1} (In [{cell}]): {exc.ename}: {exc.evalue}",
                               details=str(exc), cell=cell)
    except Exception as exc:  # kernel died, notebook missing, bad parameters...
        if warm:
            kernels.notebook_failed()
        if attempt < KERNEL_START_RETRIES and _kernel_start_failure(exc):
            # Kernels started at the same moment can race for a port: try again.
            return _execute(job, kernel_name, None, attempt + 1, own_stderr, warm)
        return NotebookOutcome(job.chapter_id, "failed", time.perf_counter() - start, job.output,
                               error=f"{type(exc).__name__}: {exc}", details=traceback.format_exc())
    return NotebookOutcome(job.chapter_id, "done", time.perf_counter() - start, job.output)


def run_notebooks(jobs: list[NotebookJob], n_jobs: int | None = None, kernel_name: str = KERNEL_NAME,
                  on_event: Callable[[str, str, NotebookOutcome | None], None] | None = None,
                  warm: bool = True) -> dict[str, NotebookOutcome]:
    """Run the jobs, at most `n_jobs` at once, each worker in its own kernel kept warm (`warm`) or
    a new kernel for every notebook. `on_event(kind, chapter_id, outcome)` reports "running" when a
    chapter starts and "done"/"failed" when it ends, for the progress display."""
    if not jobs:
        return {}
    n_jobs = max(1, min(n_jobs or os.cpu_count() or 1, len(jobs)))
    # fork: workers inherit the imported modules; each starts its own kernel process(es).
    context = multiprocessing.get_context("fork")
    outcomes: dict[str, NotebookOutcome] = {}
    with context.Manager() as manager:
        events = manager.Queue()
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
            futures = {pool.submit(_execute, job, kernel_name, events, warm=warm): job for job in jobs}
            pending = set(futures)
            while pending:
                _drain(events, on_event)
                finished = [f for f in pending if f.done()]
                for future in finished:
                    pending.discard(future)
                    job = futures[future]
                    try:
                        outcome = future.result()
                    except Exception as exc:  # the worker process itself died
                        outcome = NotebookOutcome(job.chapter_id, "failed", 0.0, job.output,
                                                  error=f"worker died: {exc}")
                    outcomes[job.key] = outcome
                    _drain(events, on_event)
                    if on_event:
                        on_event(outcome.status, job.key, outcome)
                if pending:
                    time.sleep(0.05)
    return outcomes


def _drain(events, on_event) -> None:
    while True:
        try:
            kind, chapter_id = events.get_nowait()
        except Exception:
            return
        if on_event:
            on_event(kind, chapter_id, None)


# A task whose worker died (killed, out of memory, machine lost) is run again on another worker by
# the scheduler, up to its `distributed.scheduler.allowed-failures` (default 3); `retries` also
# reruns a task that raised (ours never do: a failed notebook is an outcome, not an exception).
DASK_RETRIES = 2


def _execute_on_worker(job: NotebookJob, kernel_name: str) -> NotebookOutcome:
    """One chapter on a Dask worker: the worker's stderr is shared with its other tasks, so left alone."""
    return _execute(job, kernel_name, None, own_stderr=False)


def run_notebooks_dask(jobs: list[NotebookJob], scheduler: str, kernel_name: str = KERNEL_NAME,
                       on_event: Callable[[str, str, NotebookOutcome | None], None] | None = None
                       ) -> dict[str, NotebookOutcome]:
    """Run the jobs as tasks on the Dask cluster whose scheduler is at `scheduler` (tcp://host:8786).
    A chapter that fails, or whose workers keep dying, is a failed outcome naming why: the others go on."""
    if not jobs:
        return {}
    import uuid

    from distributed import Client, as_completed

    from ..common.errors import NeedsAssessmentError

    try:
        client = Client(scheduler, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise NeedsAssessmentError(f"--scheduler {scheduler}: no Dask scheduler answered ({exc}). Start one "
                                   "with `dask scheduler` and workers with `dask worker ADDRESS` (README: "
                                   "\"On a Dask cluster\")") from None
    outcomes: dict[str, NotebookOutcome] = {}
    run = uuid.uuid4().hex[:8]
    try:
        futures = {client.submit(_execute_on_worker, job, kernel_name, key=f"chapter-{job.key}-{run}",
                                 retries=DASK_RETRIES, pure=False): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: its workers kept dying
                outcome = NotebookOutcome(job.chapter_id, "failed", 0.0, job.output,
                                          error=f"the Dask task failed: {type(exc).__name__}: {exc}")
            outcomes[job.key] = outcome
            if on_event:
                on_event(outcome.status, job.key, outcome)
    finally:
        client.close()
    return outcomes
