"""A long-lived terraform-compliance runner: imports it once, then forks one fresh run per job.

Runs inside .venv-compliance (terraform-compliance pins old libraries), so it imports the standard library
only and nothing of `harness`; harness.gates.compliance starts it and is its only client:

    .venv-compliance/bin/python harness/gates/compliance_runner.py \
        TERRAFORM_COMPLIANCE_SCRIPT [--no-gc-freeze]

Why a fork per run: terraform-compliance and radish keep their state in module globals and singletons
(step and hook registries, `world`, the parser cli() adds its arguments to, the plan cache directory chosen
at import). A run in a child forked from a process that has only imported them starts from exactly the
state a fresh `terraform-compliance` process has when it calls cli(), and its state dies with it; the
parent never runs anything, so every child starts from the same untouched state. What it saves is the
interpreter start and the imports, every run; and, since the parent freezes what the imports made
(gc.freeze, the standard library's advice for processes that fork), each child's garbage collector walks
only the objects of its own run.

Per child, the state a fresh process would have of its own is made fresh: the plan cache directory (chosen
by a class attribute at import), argv, stdin (/dev/null), stdout and stderr (the job's output file, not a
terminal, as for a captured subprocess), the lines the import printed (re-emitted first), and exit through
the same atexit handlers, excepthook and exit-code rules as `sys.exit(cli())`.

Protocol, one JSON object per line: the runner first writes {"ready": true}; then each request on stdin,
{"jobs": [{"argv": [...], "stdout": "/path", "stderr": "/path"}, ...]}, runs its jobs side by side and is
answered with
{"codes": [<exit code per job>]}. End of stdin ends the runner.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import io
import json
import os
import shutil
import sys
import tempfile
import traceback

# Imported by the step modules radish loads on each run: importing them here only moves their (side-effect
# free) import out of every run; radish still executes the step and hook modules themselves in the child.
PRELOAD = (
    "IPython",
    "terraform_compliance.extensions.terraform",
    "terraform_compliance.common.error_handling",
    "terraform_compliance.extensions.ext_radish_bdd",
)


def load(script: str) -> tuple[object, str]:
    """terraform-compliance's entry module, imported the way its console script imports it; and what the
    import printed (its banner), which every fresh process prints before cli() runs."""
    banner = io.StringIO()
    with contextlib.redirect_stdout(banner):
        main = importlib.import_module("terraform_compliance.main")
        for name in PRELOAD:
            importlib.import_module(name)
        steps = importlib.import_module("terraform_compliance.steps")
        for sub in ("given", "then", "when"):
            folder = os.path.join(os.path.dirname(steps.__file__), sub)
            for file in sorted(os.listdir(folder)):
                if file.endswith(".py") and file != "__init__.py":
                    importlib.import_module(f"terraform_compliance.steps.{sub}.{file[:-3]}")
    sys.argv = [script]
    return main, banner.getvalue()


def exit_code(code: object) -> int:
    """sys.exit(code)'s exit status, as the interpreter computes it (a non-int is printed, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def child(main: object, banner: str, script: str, job: dict[str, object]) -> None:
    """In the forked child: one run, as `terraform-compliance <argv>` would run it; never returns."""
    code = 1
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
            opened = os.open(str(path), flags, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        defaults = sys.modules["terraform_compliance.common.defaults"].Defaults  # type: ignore[attr-defined]
        # A fresh process picks its own cache directory at import: so does each run.
        defaults.cache_dir = tempfile.mkdtemp(prefix="terraform-compliance")
        sys.stdout.write(banner)
        sys.argv = [script, *[str(arg) for arg in job["argv"]]]  # type: ignore[attr-defined]
        try:
            code = exit_code(main.cli())  # type: ignore[attr-defined]
        except SystemExit as exc:
            code = exit_code(exc.code)
        except BaseException:
            sys.excepthook(*sys.exc_info())  # radish installs its own, as in a fresh process
            code = 1
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()  # cli() registers the cache directory's removal
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def freeze_imports() -> None:
    """Freeze what the imports made (after collecting what is already garbage): each child's cyclic
    collector then never walks those objects again, nor copies their pages on write while it does (~0.1 s
    of CPU per run). The collector only frees unreachable cycles, so what a run computes and prints is
    unchanged; an import-time cycle a run drops stays in memory until the child exits."""
    gc.collect()
    gc.freeze()


def serve(script: str, gc_freeze: bool = True) -> None:
    main, banner = load(script)
    if gc_freeze:
        freeze_imports()
    own_cache = sys.modules["terraform_compliance.common.defaults"].Defaults.cache_dir  # type: ignore[attr-defined]
    protocol = sys.stdout
    protocol.write(json.dumps({"ready": True}) + "\n")
    protocol.flush()
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            jobs = json.loads(line)["jobs"]
            pids = []
            for job in jobs:
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    child(main, banner, script, job)
                pids.append(pid)
            codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
            protocol.write(json.dumps({"codes": codes}) + "\n")
            protocol.flush()
    finally:
        shutil.rmtree(own_cache, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    # --no-gc-freeze: the runner as it was before freeze_imports (bench/compliance_bench.py compares both).
    gc_freeze = "--no-gc-freeze" not in args
    args = [a for a in args if a != "--no-gc-freeze"]
    if len(args) != 1:
        sys.exit("usage: compliance_runner.py TERRAFORM_COMPLIANCE_SCRIPT [--no-gc-freeze]")
    serve(args[0], gc_freeze)
