from db.__main__ import main
from db.migrate import head_revision


def test_status_and_upgrade_name_the_database_and_revision(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["status"]) == 0
    assert "revision none (empty)" in capsys.readouterr().out
    assert main(["upgrade"]) == 0
    assert f"revision {head_revision()}; newest is {head_revision()}" in capsys.readouterr().out
    assert main(["downgrade", "base"]) == 0
    assert "revision none" in capsys.readouterr().out


def test_an_unreachable_server_is_reported_without_its_password(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgres://medner:secret@127.0.0.1:1/nope")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "127.0.0.1:1/nope" in err and "secret" not in err
