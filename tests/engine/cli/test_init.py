import json
import subprocess
import sys

from engine.cli import main


def test_module_entry_point_runs(demo):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "evaluate",
            "--gold",
            str(demo / "test"),
            "--pred",
            str(demo / "test"),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(done.stdout)
    assert set(data) >= {"macro_f1", "weighted_f1", "micro_f1", "per_label", "errors_by_kind", "paper"}


def test_malformed_ann_exits_2_naming_file_and_line(tmp_path, capsys):
    (tmp_path / "bad.txt").write_text("aspirin daily", encoding="utf-8")
    (tmp_path / "bad.ann").write_text("T1\tDrug 0 7\taspirin\nT2\tDrug zero\n", encoding="utf-8")
    assert main(["evaluate", "--gold", str(tmp_path), "--pred", str(tmp_path)]) == 2
    assert "bad.ann:2:" in capsys.readouterr().err


def test_missing_folder_exits_2(tmp_path, capsys):
    assert main(["corpus", "stats", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err
