"""Tracking: off by default; ``logger=wandb`` writes an offline run under the run folder and never touches the network."""

from __future__ import annotations

import inspect
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from liger.harness.tracking import TRACKERS, NullTracker, WandbTracker, flatten_metrics, make_tracker

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONF = PROJECT_ROOT / "conf"


def composed(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def test_flatten_keeps_finite_numeric_leaves_under_slash_joined_keys():
    metrics = {
        "dataset": "spam",
        "seed": 3,
        "dev": {"acc": 0.75, "f1": 0.5, "extra": {"n": 7}},
        "selection": [{"k": 1}],
        "leaky": False,
        "nan": float("nan"),
    }
    assert flatten_metrics(metrics) == {"seed": 3, "dev/acc": 0.75, "dev/f1": 0.5, "dev/extra/n": 7}


def test_default_config_tracks_nothing_and_never_imports_wandb(tmp_path):
    # In a fresh interpreter: this test session may already have imported wandb elsewhere.
    script = textwrap.dedent(f"""
        import sys
        from hydra import compose, initialize_config_dir
        from liger.harness.tracking import NullTracker, make_tracker
        with initialize_config_dir(config_dir={str(CONF)!r}, version_base="1.3"):
            cfg = compose(config_name="config")
        assert cfg.logger.name == "none", cfg.logger
        with make_tracker(cfg, {str(tmp_path)!r}) as tracker:
            assert type(tracker) is NullTracker, type(tracker)
            tracker.log_config(cfg)
            tracker.log_metrics({{"dev": {{"acc": 1.0}}}})
        assert "wandb" not in sys.modules
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=PROJECT_ROOT, timeout=120)
    assert list(tmp_path.iterdir()) == []


def test_every_logger_option_maps_onto_its_tracker(monkeypatch):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    for path in sorted((CONF / "logger").glob("*.yaml")):
        logger = composed(f"logger={path.stem}").logger
        assert logger.name == path.stem, f"conf/logger/{path.stem}.yaml names itself {logger.name!r}"
        accepted = set(inspect.signature(TRACKERS[logger.name]).parameters) - {"output_dir"}
        unknown = set(logger) - {"name"} - accepted
        assert not unknown, f"conf/logger/{path.stem}.yaml has keys {sorted(unknown)} that {TRACKERS[logger.name].__name__} does not take"
    assert composed("logger=wandb").logger.mode == "offline"
    monkeypatch.setenv("WANDB_MODE", "online")  # the user's own setting wins over the default
    assert composed("logger=wandb").logger.mode == "online"


def test_bad_logger_settings_name_the_value(tmp_path):
    cfg = composed("logger=none", "logger.name=tensorboard")
    with pytest.raises(ValueError, match=r"logger.name is 'tensorboard'; expected one of \['none', 'wandb'\]"):
        make_tracker(cfg, tmp_path)
    with pytest.raises(ValueError, match=r"logger.mode is 'offlne'"):
        WandbTracker(tmp_path, mode="offlne")
    assert isinstance(make_tracker(composed(), tmp_path), NullTracker)


class ConnectionTrap:
    """A local TCP listener that counts the connections it receives (it answers none of them)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.server.close()


# Runs in a fresh interpreter so the guard also covers what wandb does at interpreter exit (its
# telemetry is flushed from an atexit hook). Every socket connect or name lookup is recorded; any that
# is not a local Unix socket (wandb's own service) is blocked.
OFFLINE_RUN = """
import json, socket, sys
from pathlib import Path

out, report = Path(sys.argv[1]), Path(sys.argv[2])

def guard(event, args):
    if event in ("socket.connect", "socket.sendto"):
        sock, address = args[0], args[1]
        if sock.family == socket.AF_UNIX:
            with report.open("a") as f:
                f.write(json.dumps({"allowed": str(address)}) + "\\n")
            return
    elif event not in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"):
        return
    with report.open("a") as f:
        f.write(json.dumps({"blocked": event, "args": repr(args)}) + "\\n")
    raise OSError(f"network blocked by the test: {event} {args!r}")

sys.addaudithook(guard)

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from hydra import compose, initialize_config_dir
from liger.harness.tracking import WandbTracker, make_tracker

with initialize_config_dir(config_dir=sys.argv[3], version_base="1.3"):
    cfg = compose(config_name="config",
                  overrides=["logger=wandb", "dataset=spam", "embedding=random", "method=label_model", "seed=4"])
(out / "lf_summary.md").write_text("# LF summary\\n")
with make_tracker(cfg, out) as tracker:
    assert isinstance(tracker, WandbTracker) and tracker.mode == "offline", tracker
    tracker.log_config(cfg)
    tracker.log_metrics({"dev": {"acc": 0.8125, "f1": 0.625}, "test": {"acc": 0.71875}, "method": "label_model"})
    tracker.log_table("lf_summary", [{"lf": "keyword_my", "coverage": 0.25}, {"lf": "regex_check_out", "coverage": 0.5}])
    figure, axes = plt.subplots()
    axes.plot([0, 1], [1, 0])
    tracker.log_figure("curve", figure)
    tracker.log_file(out / "lf_summary.md")
    print(tracker.run_dir)
"""


def read_transaction_log(path: Path) -> list:
    """The records of a ``run-*.wandb`` file: a ":W&B" header, then LevelDB-log framed protobuf records.

    Framing: 32 KiB blocks; each chunk has a 7-byte header (crc32c, little-endian length, type
    1=full, 2=first, 3=middle, 4=last); a block tail shorter than a header is padding.
    """
    from wandb.proto import wandb_internal_pb2

    data = path.read_bytes()
    assert data[:4] == b":W&B", f"{path} is not a wandb transaction log"
    records, pending, pos, block = [], b"", 7, 32768
    while pos + 7 <= len(data):
        if block - pos % block < 7:
            pos += block - pos % block
            continue
        length, kind = int.from_bytes(data[pos + 4 : pos + 6], "little"), data[pos + 6]
        pending += data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            records.append(record)
            pending = b""
    return records


def logged_values(records: list, kind: str) -> dict[str, object]:
    """Key -> decoded value over every ``history``, ``summary`` or ``config`` record of the log."""
    values = {}
    for record in records:
        if record.WhichOneof("record_type") != kind:
            continue
        items = record.history.item if kind == "history" else getattr(record, kind).update
        for item in items:
            values["/".join(item.nested_key) or item.key] = json.loads(item.value_json)
    return values


def test_offline_wandb_run_writes_its_files_and_never_touches_the_network(tmp_path):
    out, report = tmp_path / "run", tmp_path / "sockets.jsonl"
    out.mkdir()
    trap = ConnectionTrap()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env.update(
        HOME=str(tmp_path / "home"),  # wandb's caches and settings stay in the test folder
        WANDB_BASE_URL=trap.url,  # a server call from any wandb process would land in the trap
        HTTP_PROXY=trap.url, HTTPS_PROXY=trap.url, ALL_PROXY=trap.url, NO_PROXY="",
    )
    try:
        done = subprocess.run([sys.executable, "-c", OFFLINE_RUN, str(out), str(report), str(CONF)], env=env,
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180)
    finally:
        trap.close()
    assert done.returncode == 0, done.stderr[-3000:]

    events = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    assert [e for e in events if "blocked" in e] == []
    assert trap.connections == 0
    # The guard did see wandb's traffic: the run talked to its local service over a Unix socket only.
    assert any("allowed" in e for e in events)

    run_dirs = sorted((out / "wandb").glob("offline-run-*"))
    assert len(run_dirs) == 1 and done.stdout.strip().endswith(str(run_dirs[0]))
    run_dir = run_dirs[0]
    records = read_transaction_log(next(run_dir.glob("run-*.wandb")))

    history, summary, config = (logged_values(records, kind) for kind in ("history", "summary", "config"))
    for key, value in {"dev/acc": 0.8125, "dev/f1": 0.625, "test/acc": 0.71875}.items():
        assert history[key] == value and summary[key] == value
    assert "method" not in history  # strings are not metrics
    assert config["seed"] == 4 and config["method"]["name"] == "label_model" and config["logger"]["mode"] == "offline"
    run_record = next(r.run for r in records if r.WhichOneof("record_type") == "run")
    assert (run_record.project, run_record.run_group) == ("liger", "spam-random-label_model")
    assert list(run_record.tags) == ["spam", "random", "label_model"]

    table_file = next((run_dir / "files" / "media" / "table").glob("lf_summary_*.table.json"))
    table = json.loads(table_file.read_text())
    assert table["columns"] == ["lf", "coverage"]
    assert table["data"] == [["keyword_my", 0.25], ["regex_check_out", 0.5]]
    assert next((run_dir / "files" / "media" / "images").glob("curve_*.png")).read_bytes()[:4] == b"\x89PNG"
    assert (run_dir / "files" / "lf_summary.md").read_text() == "# LF summary\n"
    # Nothing the aggregator would mistake for a run's results.
    assert not list(out.rglob("metrics.json"))


def test_log_file_refuses_metrics_json(tmp_path):
    tracker = WandbTracker.__new__(WandbTracker)  # no wandb run: the check comes before any wandb call
    (tmp_path / "metrics.json").write_text("{}")
    with pytest.raises(ValueError, match="metrics.json is logged with log_metrics"):
        tracker.log_file(tmp_path / "metrics.json")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tracker.log_file(tmp_path / "absent.md")


def test_the_logger_choice_does_not_invalidate_finished_runs(tmp_path):
    from omegaconf import OmegaConf, open_dict

    from liger.harness.runner import completed_run

    overrides = ["dataset=spam", "embedding=random", "method=majority_vote", "seed=0"]
    before_loggers = composed(*overrides)
    with open_dict(before_loggers):
        del before_loggers["logger"]  # a run finished before the logger group existed
    for stored in (before_loggers, composed(*overrides, "logger=none")):
        (tmp_path / "config_resolved.yaml").write_text(OmegaConf.to_yaml(stored, resolve=True))
        (tmp_path / "metrics.json").write_text('{"seed": 0}')
        (tmp_path / "predictions.json").write_text("{}")
        for current in ("logger=none", "logger=wandb"):
            assert completed_run(tmp_path, composed(*overrides, current)) == {"seed": 0}, (stored.get("logger"), current)
