"""How long `python build.py preview` takes from saving a recommendation to the reloaded page.

In the project copy build_speed.py uses (benchmarks/_work/build/project/, the demonstration data
at --scale 1; made here if it is not there), with the code snapshot it uses, it starts the preview
on a free port of 127.0.0.1 and waits for its first build (notebooks run only if the copy has no
cached chapters for this code). Then, --repeat times, it saves an edit to one recommendation file
(recommendations/P3-*.md: a sentence added, a different one each time) and times, from just before
the save:

  * until the page's long poll (/__preview/wait, what the open page's script waits on) answers with
    the new version: the preview has seen the save and re-rendered;
  * until the page itself has been fetched again with the new sentence in it: what the browser
    does to reload. This is the save-to-reload time.

and the server's own time for the update (what the preview spent re-rendering). It prints each
save and the median, best and worst; the file is put back and the preview stopped with Ctrl-C
(SIGINT) at the end. Figures only, no pass or fail.

    .venv/bin/python benchmarks/preview_speed.py [--repeat 10] [--scale 1]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_speed  # noqa: E402  (the same project copy, code snapshot and data)

PROJECT, CODE, ROOT = build_speed.PROJECT, build_speed.CODE, build_speed.ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 60) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode("utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", default="params/demo-2024.yml", help="params file, relative to the project")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=10, help="saves to time (default 10)")
    args = parser.parse_args(argv)

    build_speed.WORK.mkdir(parents=True, exist_ok=True)
    if not (PROJECT / "params").is_dir():
        build_speed.copy_sources()
    build_speed.snapshot_code()
    build_speed.make_data(args.params, args.scale, args.seed)
    from needs_assessment.params import load_params
    params = load_params(PROJECT / args.params)
    rec = build_speed._recommendation_to_edit(params)
    original = rec.read_bytes()

    if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5:
        print(f"note: load average {os.getloadavg()[0]:.1f}; other work on this machine slows the preview")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(CODE)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    # not ROOT/build.py: its folder would come first on sys.path, and the project's package with it
    command = [sys.executable, "-c", "import sys; from needs_assessment.cli import main; sys.exit(main(sys.argv[1:]))",
               "preview", "--root", str(PROJECT), "--params", str(PROJECT / args.params), "--port", str(port),
               "--quiet"]
    log = (build_speed.WORK / "preview-output.txt").open("w")
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    totals, polls, server = [], [], []
    try:
        state = None
        while process.poll() is None:
            try:
                state = json.loads(get(base + "/__preview/version", timeout=5))
                if state["version"] >= 1:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        if state is None or state.get("version", 0) < 1 or state.get("error"):
            raise SystemExit(f"the preview did not start: {state}; see {log.name}")
        print(f"preview of {params.cycle} started in {time.perf_counter() - started:.1f} s (first build "
              f"{state['seconds']:.1f} s); editing {rec.relative_to(PROJECT)}", flush=True)
        version = state["version"]
        for i in range(args.repeat):
            time.sleep(0.5)                      # a reviewer does not save twice in the same instant
            sentence = f"Preview benchmark sentence {i} at {time.time():.0f}."
            t0 = time.perf_counter()
            rec.write_text(original.decode("utf-8").rstrip("\n") + f"\n\n{sentence}\n", encoding="utf-8")
            answer = json.loads(get(f"{base}/__preview/wait?since={version}"))
            t_poll = time.perf_counter() - t0
            page = get(base + "/")
            t_total = time.perf_counter() - t0
            version = answer["version"]
            seconds = json.loads(get(base + "/__preview/version"))["seconds"]
            if answer.get("error") or sentence not in page:
                print(f"  save {i + 1}: the page did not show the edit ({answer.get('error')})")
                continue
            totals.append(t_total)
            polls.append(t_poll)
            server.append(seconds)
            print(f"  save {i + 1:>2}: reloaded page {t_total:.3f} s after the save (re-rendered "
                  f"{t_poll:.3f} s after it; the server's update {seconds:.3f} s)", flush=True)
    finally:
        rec.write_bytes(original)
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
        log.close()
    if not totals:
        return 1
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"\nSummary: save to reloaded page {statistics.median(totals):.2f} s median "
          f"(best {min(totals):.2f}, worst {max(totals):.2f}; aim < 1 s), of which the server's re-render "
          f"{statistics.median(server):.2f} s median; {len(totals)} saves of {rec.name}, demo scale {args.scale:g}"
          f"{load}; the preview stopped with exit {code}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
