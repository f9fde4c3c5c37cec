"""Crashes for real: subprocesses killed with SIGKILL mid-sweep and mid-write, a cache file cut short on disk.

Every child runs with ``LIGER_CACHE_DIR`` in the scratch folder and ``HF_HUB_OFFLINE=1``; each is
started in its own session and killed by its process-group id, never by name.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from liger.harness.aggregate import collect, summarise
from reliability.faults import Fault, require
from reliability.file_faults import truncate

SWEEP_METHODS = ("majority_vote", "label_model", "liger_extension_only")
SWEEP_SEEDS = (0, 1)
# 32 TF-IDF dimensions instead of 256: the same runs, three times faster to embed.
SWEEP_DATA = ("dataset=spam", "embedding=tfidf", "embedding.dim=32")
_POLL_S = 0.002


#: tests/, so that a child process can import ``reliability.crash_faults`` as this process does.
TESTS_DIR = Path(__file__).resolve().parents[1]


def child_env(scratch: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(TESTS_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "LIGER_CACHE_DIR": str(scratch / "cache"), "HF_HUB_OFFLINE": "1", "PYTHONPATH": path}


def _start(command: Sequence[str], scratch: Path, log_name: str) -> subprocess.Popen:
    log = open(scratch / log_name, "ab")
    # Its own session: the SIGKILL below reaches this child and whatever it started, nothing else.
    process = subprocess.Popen(command, cwd=scratch, env=child_env(scratch), stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    log.close()
    return process


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


# -- (a) a sweep killed mid-run, then restarted -------------------------------------------------------
def sweep_command(sweep_dir: Path, methods: Sequence[str], seeds: Sequence[int]) -> list[str]:
    return [sys.executable, "-m", "experiments.run", "-m", *SWEEP_DATA, f"method={','.join(methods)}",
            f"seed={','.join(map(str, seeds))}", "progress=false", f"hydra.sweep.dir={sweep_dir}"]


@dataclass
class SweepResult:
    """What a killed-and-restarted sweep left behind; run folders are ``method/seed<n>``."""

    folders: list[str]
    done_at_kill: dict[str, int]  # folder -> metrics.json mtime (ns) once the first attempt was dead
    started_at_kill: list[str]  # folders with a config but no metrics.json: killed mid-run
    metrics: dict[str, dict | None] = field(default_factory=dict)  # after the restart; None if missing or corrupt
    recomputed: list[str] = field(default_factory=list)  # finished before the kill, yet rewritten
    table_counts: dict[tuple[str, int], int] = field(default_factory=dict)  # (method, seed) -> runs collected
    summary_seeds: dict[str, int] = field(default_factory=dict)  # method -> n_seeds in the aggregated table
    restart_returncode: int | None = None
    leftover_temp_files: list[str] = field(default_factory=list)

    @property
    def corrupt(self) -> list[str]:
        return [folder for folder, metrics in self.metrics.items() if metrics is None]

    def problems(self, methods: Sequence[str] = SWEEP_METHODS, seeds: Sequence[int] = SWEEP_SEEDS) -> list[str]:
        """Everything that is not as it should be after the restart; empty when the sweep recovered."""
        n, done = len(self.folders), len(self.done_at_kill)
        checks = [
            (0 < done < n and bool(self.started_at_kill),
             f"{done} of {n} runs done and {len(self.started_at_kill)} under way at the kill"),
            (self.restart_returncode == 0, f"the restarted sweep exited with {self.restart_returncode}"),
            (not self.corrupt, f"missing or corrupt metrics.json in {self.corrupt}"),
            (not self.recomputed, f"runs finished before the kill were recomputed: {self.recomputed}"),
            (self.table_counts == {(m, s): 1 for m in methods for s in seeds}, f"(method, seed) counts {self.table_counts}"),
            (self.summary_seeds == {m: len(seeds) for m in methods}, f"seeds per method in the table {self.summary_seeds}"),
        ]
        return [problem for ok, problem in checks if not ok]


def killed_sweep(scratch: Path, methods: Sequence[str] = SWEEP_METHODS, seeds: Sequence[int] = SWEEP_SEEDS,
                 *, timeout_s: float = 120.0) -> SweepResult:
    """Run a Hydra multirun, SIGKILL it once a run has finished and the next has started, rerun it."""
    sweep = scratch / "sweep"
    run_root = sweep / "spam" / "tfidf"
    folders = [f"{method}/seed{seed}" for method in methods for seed in seeds]
    command = sweep_command(sweep, methods, seeds)
    first = _start(command, scratch, "sweep_first.log")
    deadline = time.monotonic() + timeout_s
    while True:
        done = [f for f in folders if (run_root / f / "metrics.json").is_file()]
        started = [f for f in folders if (run_root / f / "config_resolved.yaml").is_file() and f not in done]
        if done and started:
            _kill(first)
            break
        if first.poll() is not None:
            raise RuntimeError(f"the sweep ended (exit code {first.returncode}) before it could be killed mid-run; "
                               f"see {scratch / 'sweep_first.log'}")
        if time.monotonic() > deadline:
            _kill(first)
            raise RuntimeError(f"no run finished within {timeout_s} s; see {scratch / 'sweep_first.log'}")
        time.sleep(0.02)
    # Read the state once the process is dead: nothing can change it any more.
    finished = [run_root / f / "metrics.json" for f in folders]
    done_at_kill = {f: path.stat().st_mtime_ns for f, path in zip(folders, finished) if path.is_file()}
    started_at_kill = [f for f in folders if (run_root / f / "config_resolved.yaml").is_file() and f not in done_at_kill]
    result = SweepResult(folders, done_at_kill, started_at_kill)
    with open(scratch / "sweep_second.log", "wb") as log:
        second = subprocess.run(command, cwd=scratch, env=child_env(scratch), stdout=log, stderr=subprocess.STDOUT,
                                timeout=timeout_s)
    result.restart_returncode = second.returncode
    for folder in folders:
        result.metrics[folder] = _read_metrics(run_root / folder / "metrics.json", folder)
    result.recomputed = [f for f, mtime in done_at_kill.items() if (run_root / f / "metrics.json").stat().st_mtime_ns != mtime]
    for run in collect(sweep):
        key = (run["method"], run["seed"])
        result.table_counts[key] = result.table_counts.get(key, 0) + 1
    result.summary_seeds = {row["method"]: row["n_seeds"] for row in summarise(collect(sweep))}
    result.leftover_temp_files = sorted(str(p.relative_to(sweep)) for p in sweep.rglob(".*.tmp"))
    return result


def _read_metrics(path: Path, folder: str) -> dict | None:
    """The run's metrics when the file is complete and belongs to that run, else None."""
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    method, seed = folder.split("/seed")
    ok = metrics.get("method") == method and metrics.get("seed") == int(seed) and {"dev", "test"} <= set(metrics)
    return metrics if ok else None


def _sweep_fault(scratch: Path) -> str:
    result = killed_sweep(scratch)
    n = len(result.folders)
    require(not result.problems(), "; ".join(result.problems()))
    return (f"killed with {len(result.done_at_kill)} of {n} runs done and {len(result.started_at_kill)} mid-run; "
            f"restart finished the other {n - len(result.done_at_kill)}, skipped the done ones (mtimes unchanged); "
            f"every (method, seed) once in the table, 0 corrupt, {len(result.leftover_temp_files)} stray temp files")


# -- (b) a truncated cache file, rebuilt by a fresh process -------------------------------------------
def embed_spam_child(cache_dir: str) -> None:
    """Child process: embed spam with WordLlama through the cache; print split digests and cache warnings."""
    import logging

    from liger.data.spam import load_spam
    from liger.embed import embed_dataset, make_embedder

    warnings: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("liger.embed.cache").addHandler(handler)
    embeddings = embed_dataset(make_embedder("wordllama"), load_spam(progress=False), cache_dir=cache_dir)
    digests = {split: hashlib.sha256(E.tobytes()).hexdigest() for split, E in embeddings.items()}
    print(json.dumps({"digests": digests, "warnings": warnings}))


def _embed_in_child(scratch: Path) -> dict:
    code = "import sys; from reliability.crash_faults import embed_spam_child; embed_spam_child(sys.argv[1])"
    done = subprocess.run([sys.executable, "-c", code, str(scratch / "cache")], cwd=scratch, env=child_env(scratch),
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"the embedding child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class CacheRebuild:
    first: dict  # the child that wrote the cache
    second: dict  # the child that met the truncated file
    third: dict  # the child after the rebuild
    size_before: int
    size_truncated: int
    size_after: int
    stored_digest: str  # sha256 of the rebuilt file's array
    sidecar_digest: str

    def problems(self) -> list[str]:
        checks = [
            (self.size_truncated < self.size_before, "the file was not truncated"),
            (not self.first["warnings"], f"the first process warned: {self.first['warnings']}"),
            (any("train-" in w and "recomputing" in w for w in self.second["warnings"]),
             f"the truncated entry went unreported: {self.second['warnings']}"),
            (self.second["digests"] == self.first["digests"], "the second process got other embeddings"),
            (self.size_after == self.size_before
             and self.stored_digest == self.sidecar_digest == self.first["digests"]["train"],
             "the entry on disk is not the original array again"),
            (self.third == self.first, "the third process did not read the rebuilt entry without a warning"),
        ]
        return [problem for ok, problem in checks if not ok]


def truncated_cache_rebuilt(scratch: Path) -> CacheRebuild:
    """Write the cache in one process, cut the train array in half, embed again in a second and third."""
    first = _embed_in_child(scratch)
    (array_path,) = (scratch / "cache" / "wordllama" / "spam").glob("train-*.npy")
    size_before = array_path.stat().st_size
    truncate(array_path, size_before // 2)
    size_truncated = array_path.stat().st_size
    second = _embed_in_child(scratch)
    third = _embed_in_child(scratch)
    stored = np.load(array_path, allow_pickle=False)
    sidecar = json.loads(array_path.with_suffix(".json").read_text(encoding="utf-8"))
    return CacheRebuild(first, second, third, size_before, size_truncated, array_path.stat().st_size,
                        hashlib.sha256(stored.tobytes()).hexdigest(), sidecar["sha256"])


def _cache_fault(scratch: Path) -> str:
    r = truncated_cache_rebuilt(scratch)
    require(not r.problems(), "; ".join(r.problems()))
    return (f"rebuilt: train array cut from {r.size_before} to {r.size_truncated} bytes; the next process warned "
            f"'{r.second['warnings'][0].split(' (')[0].rsplit('/', 1)[-1]} ... recomputing', rewrote it "
            f"({r.size_after} bytes, digest matches); a third process read it without a warning")


# -- (c) a process killed while writing ----------------------------------------------------------------
N_VALUES = 150_000


def payload(version: int) -> dict:
    """A few MB of JSON; ``version`` tells complete versions apart."""
    return {"version": version, "values": [version + i / 7 for i in range(N_VALUES)]}


def write_loop_child(path: str, mode: str) -> None:
    """Child process: write ``payload(0)``, ``payload(1)``, ... to ``path`` forever, atomically or not."""
    from liger.io import write_json_atomic

    versions = (payload(0), payload(1))
    while True:
        for content in versions:
            if mode == "atomic":
                write_json_atomic(path, content)
            else:  # the unguarded writer the control shows the hazard of
                with open(path, "w", encoding="utf-8") as handle:
                    json.dump(content, handle, indent=2, sort_keys=True)


@dataclass
class KilledWrites:
    rounds: int
    intact: int  # kills after which the destination held a complete version
    partial: list[int] = field(default_factory=list)  # sizes of incomplete destination files found
    mid_write: int = 0  # kills that landed while a temporary file (atomic) or a short destination (plain) existed

    def problems(self, mode: str) -> list[str]:
        """Atomic: every kill mid-write and the destination complete after each. Plain (the control):
        every kill leaves a partial destination."""
        checks = [(self.mid_write == self.rounds, f"{self.mid_write} of {self.rounds} kills landed mid-write")]
        if mode == "atomic":
            checks.append((not self.partial and self.intact == self.rounds, f"partial destinations of sizes {self.partial}"))
        else:
            checks.append((len(self.partial) == self.rounds,
                           f"only {len(self.partial)} of {self.rounds} kills left a partial file"))
        return [problem for ok, problem in checks if not ok]


def killed_writes(scratch: Path, mode: str, rounds: int = 3, *, timeout_s: float = 30.0) -> KilledWrites:
    """SIGKILL a child looping over ``write_json_atomic`` (mode "atomic") or a plain write, ``rounds`` times,
    each time while a write is under way; check what the destination holds."""
    from liger.io import write_json_atomic

    dest = scratch / f"{mode}.json"
    complete = {version: json.dumps(payload(version), indent=2, sort_keys=True) + "\n" for version in (0, 1)}
    shortest = min(len(text.encode()) for text in complete.values())
    result = KilledWrites(rounds, 0)
    code = "import sys; from reliability.crash_faults import write_loop_child; write_loop_child(sys.argv[1], sys.argv[2])"
    for _ in range(rounds):
        write_json_atomic(dest, payload(1))  # the destination starts complete
        child = _start([sys.executable, "-c", code, str(dest), mode], scratch, f"{mode}_writer.log")
        deadline = time.monotonic() + timeout_s
        while True:
            writing = _temp_file_written(scratch, dest) if mode == "atomic" else 0 < dest.stat().st_size < shortest
            if writing:
                _kill(child)
                result.mid_write += 1
                break
            if child.poll() is not None or time.monotonic() > deadline:
                _kill(child)
                raise RuntimeError(f"the {mode} writer never got caught mid-write (see {scratch / f'{mode}_writer.log'})")
            time.sleep(_POLL_S)
        text = dest.read_text(encoding="utf-8") if dest.exists() else ""
        if text in complete.values():
            result.intact += 1
        else:
            result.partial.append(len(text.encode()))
        for leftover in scratch.glob(f".{dest.name}.*.tmp"):
            leftover.unlink()  # a killed atomic write leaves its temporary file; never the destination
    return result


def _temp_file_written(folder: Path, dest: Path) -> bool:
    """Whether an atomic write to ``dest`` is under way: its temporary file exists and has bytes."""
    for temp in folder.glob(f".{dest.name}.*.tmp"):
        try:
            if temp.stat().st_size > 0:
                return True
        except FileNotFoundError:  # renamed over the destination meanwhile
            pass
    return False


def _atomic_fault(scratch: Path) -> str:
    r = killed_writes(scratch, "atomic")
    require(not r.problems("atomic"), "; ".join(r.problems("atomic")))
    return f"{r.mid_write} of {r.rounds} kills mid-write (temporary file present): destination complete after every one"


def _plain_fault(scratch: Path) -> str:
    r = killed_writes(scratch, "plain", rounds=1)
    require(not r.problems("plain"), "; ".join(r.problems("plain")))
    return f"{len(r.partial)} of {r.rounds} kills left a partial destination ({min(r.partial)} bytes of a complete >1 MB file)"


def crash_faults() -> list[Fault]:
    return [
        Fault("crash", "a sweep killed mid-run and restarted", "SIGKILL after the first finished run",
              f"python -m experiments.run -m {' '.join(SWEEP_DATA)} method={','.join(SWEEP_METHODS)} "
              f"seed={','.join(map(str, SWEEP_SEEDS))} progress=false hydra.sweep.dir=<scratch>",
              "every run present exactly once, none corrupt, finished runs not recomputed", _sweep_fault),
        Fault("crash", "a truncated cache file", "train .npy cut in half between two processes",
              "liger.embed.embed_dataset (wordllama, spam) in fresh processes",
              "detected and rebuilt; the next process reads the rebuilt entry", _cache_fault),
        Fault("crash", "a process killed while writing", "SIGKILL during write_json_atomic, 3 times",
              "liger.io.write_json_atomic", "the destination always holds a complete version, never a partial one",
              _atomic_fault),
        Fault("crash", "control: a plain write killed", "SIGKILL during open(path, 'w') + json.dump",
              "builtins.open (unguarded)", "a partial destination file: the hazard the atomic writer removes", _plain_fault),
    ]

