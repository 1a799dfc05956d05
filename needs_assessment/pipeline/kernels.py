"""Warm kernels: each worker of the notebook pool keeps one kernel and runs its chapters in it in turn.

Starting a kernel and importing pandas and the package costs about 1.3 s of CPU per chapter, more
than most chapters' own work, and a many-area build runs the plan's chapters once per area. So a
worker starts one kernel and every notebook it is given runs in it, one after another.

Each notebook still goes through papermill (parameters injected, the executed notebook written as
the record, an error naming its cell): `WarmKernelEngine` is a papermill engine that hands nbclient
this worker's kernel instead of letting it start one. Before each notebook after the first, the
kernel is put back as a fresh one would be: IPython's reset with a new session (an empty namespace,
execution counts from 1, as the record shows them), and the working folder, environment,
`sys.path`, `sys.argv` and warnings filters it started with (the once-only warnings shown again).
Imported modules are kept, and frozen out of the garbage collector's walks: that is the saving. A kernel whose notebook failed, or that died, is
shut down, and the next notebook starts a new one. `build.py --fresh-kernels` gives every chapter
a kernel of its own (papermill's default).
"""

from __future__ import annotations

import multiprocessing.util
import os
from pathlib import Path

from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, logger, papermill_engines
from papermill.utils import merge_kwargs, remove_args

ENGINE_NAME = "needs-assessment-warm-kernel"
KERNEL_LOG = "kernels.log"          # beside the executed notebooks: what kernels print to stderr

# Run in the kernel once it has started: what a fresh kernel looks like, kept on the shell object
# (which IPython's reset leaves alone).
_SNAPSHOT = """\
import os as _os, sys as _sys, warnings as _warnings
get_ipython()._needs_assessment_fresh = (_os.getcwd(), dict(_os.environ), list(_sys.path),
                                        list(_sys.argv), list(_warnings.filters))
del _os, _sys, _warnings
"""

# Run before each later notebook. resetwarnings() marks every module's once-only warning registry
# out of date, so a warning the last chapter showed is shown again; then the filters are put back.
# The reset ends in a full garbage collection over the kernel's heap (pandas, matplotlib and the
# package imported); freezing what survives it moves those objects out of the collector's sight, so
# neither the next reset nor the collections while charts are drawn walk them again (measured: 64
# resets 9.8 s -> 2.6 s; the collector's time per chapter of charts about halved).
_RESET = """\
import os as _os, sys as _sys, warnings as _warnings
_cwd, _env, _path, _argv, _filters = get_ipython()._needs_assessment_fresh
_os.chdir(_cwd)
_os.environ.clear(); _os.environ.update(_env)
_sys.path[:] = _path; _sys.argv[:] = _argv
_warnings.resetwarnings(); _warnings.filters[:] = _filters
get_ipython().reset(new_session=True)
import gc as _gc; _gc.freeze(); del _gc
"""


class KernelResetError(RuntimeError):
    """The kernel did not come back clean: the notebook is not run in it."""


class _WorkerKernel:
    """The one kernel of this process (a pool worker): its manager, a client connected to it (one
    for all its notebooks: a new client waits for the kernel's messages to settle, a fifth of a
    second each time), its name and working folder."""

    def __init__(self) -> None:
        self.km = None
        self.kc = None
        self.kernel_name: str | None = None
        self.cwd: str | None = None
        self.notebooks = 0           # notebooks run in the current kernel
        self._finalizer = None

    def get(self, kernel_name: str, log_dir: Path):
        """A clean kernel for the next notebook, and its client: this process's, reset, or a new one."""
        cwd = os.getcwd()            # papermill has moved into the job's folder (its `cwd`)
        if self.km is not None:
            if (self.kernel_name, self.cwd) == (kernel_name, cwd) and run_sync(self.km.is_alive)():
                try:
                    _run_silently(self.kc, _RESET)
                    return self.km, self.kc
                except Exception:    # noqa: BLE001 - not clean: a new kernel instead
                    pass
            self.shut_down()
        self._start(kernel_name, cwd, log_dir)
        return self.km, self.kc

    def _start(self, kernel_name: str, cwd: str, log_dir: Path) -> None:
        from jupyter_client.manager import AsyncKernelManager

        km = AsyncKernelManager(kernel_name=kernel_name)
        log_dir.mkdir(parents=True, exist_ok=True)
        with open(log_dir / KERNEL_LOG, "a") as log:    # the kernel keeps its own copy of the descriptor
            # as nbclient starts its kernels: IPython's history in memory, never in a file
            run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"], cwd=cwd,
                                      stderr=log)
        self.km, self.kernel_name, self.cwd, self.notebooks = km, kernel_name, cwd, 0
        try:
            self.kc = km.client()
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=60)
            self.kc.allow_stdin = False       # as nbclient's own clients: no notebook asks for input
            _run_silently(self.kc, _SNAPSHOT)
        except Exception:
            self.shut_down()
            raise
        if self._finalizer is None:
            # a pool worker leaves through multiprocessing's exit, which runs these (atexit does not)
            self._finalizer = multiprocessing.util.Finalize(None, self.shut_down, exitpriority=10)

    def shut_down(self) -> None:
        km, kc, self.km, self.kc = self.km, self.kc, None, None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:   # noqa: BLE001 - already closed
                pass
        if km is None:
            return
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:   # noqa: BLE001 - already gone
            pass
        try:
            run_sync(km.cleanup_resources)()
        except Exception:   # noqa: BLE001
            pass


_KERNEL = _WorkerKernel()


def _run_silently(kc, code: str, timeout: float = 60) -> None:
    """Execute `code` in the kernel without a trace in any notebook; raise unless it succeeded."""
    async def run():
        reply = await kc.execute_interactive(code, silent=True, store_history=False, timeout=timeout,
                                             output_hook=lambda msg: None)
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise KernelResetError(f"{content.get('ename')}: {content.get('evalue')}")
    run_sync(run)()


def notebook_failed() -> None:
    """After a failed notebook the kernel's state is unknown: the next notebook gets a new one."""
    _KERNEL.shut_down()


def shut_down_kernel() -> None:
    _KERNEL.shut_down()


class WarmKernelEngine(NBClientEngine):
    """papermill's nbclient engine, run in this worker's kernel (`execute_notebook(engine_name=ENGINE_NAME,
    kernel_log_dir=...)`)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
        log_dir = Path(kwargs.pop("kernel_log_dir", None) or os.getcwd())
        # as NBClientEngine: papermill's own arguments left out, timeouts under nbclient's names
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout, kernel_name=kernel_name, log=logger, log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file)
        km, kc = _KERNEL.get(kernel_name, log_dir)
        client = PapermillNotebookClient(nb_man, km=km, **final_kwargs)
        client.kc = kc          # nbclient uses a client it is given, and leaves kernel and client running
        result = client.execute()
        _KERNEL.notebooks += 1
        return result


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
