from engine.cli import main
from tests.engine.cli.commands import run_json


def test_stats_prints_a_table_and_json(demo, capsys):
    assert main(["corpus", "stats", str(demo)]) == 0
    table = capsys.readouterr().out
    assert table.startswith("| | train | dev | test |")
    data = run_json(capsys, "corpus", "stats", str(demo), "--json")
    assert data["test"]["documents"] == 6 and data["train"]["alignment"]["unaligned"] == 0
