"""scripts/reproduce_all.py names the command of every result file, as each file names it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def script():
    spec = importlib.util.spec_from_file_location("reproduce_all", ROOT / "scripts" / "reproduce_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_result_file_s_command_is_a_step():
    commands = [command.replace(script().PYTHON, "python").replace("'", "") for _, command, _ in script().STEPS]
    for path in sorted((ROOT / "results").glob("*.md")):
        head = path.read_text(encoding="utf-8")[:2000]
        named = re.findall(r"`((?:liger-run|liger-audit|python scripts/)[^`]*)`", head)
        named += re.findall(r"```bash\n((?:liger-run|python scripts/)[^\n]*)", head)
        if path.name == "data_audit.md":
            named = ["liger-audit dataset=all audit.embeddings=true"]
        assert named, f"{path.name} names no command in its first lines"
        assert named[0] in commands, f"{path.name}: {named[0]!r} is not a step of scripts/reproduce_all.py"


def test_list_and_skip(capsys):
    module = script()
    assert module.main(["--list", "--skip", "bench"]) == 0
    out = capsys.readouterr().out
    assert "liger-run experiment=paper_table\n" in out and "bench_scale" not in out
    with pytest.raises(SystemExit):
        module.main(["--skip", "nonsense"])
