"""Sign-in: off by default; when a password hash or an OIDC provider is configured, every page is
behind it."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.webapp.conftest import shown
from webapp import auth

APP = str(Path(__file__).resolve().parents[2] / "webapp" / "app.py")
PAGES = {
    "views/annotate.py": "Annotate a note",
    "views/compare.py": "Compare models",
    "views/confusion.py": "Confusion",
    "views/errors.py": "Error analysis",
    "views/corpus.py": "Corpus and SamBD",
    "views/train.py": "Train a model",
    "views/gold.py": "Gold editing",
}
HASH = auth.hash_password("correct horse", salt=b"0123456789abcdef")


@pytest.fixture
def fast_failures(monkeypatch):
    monkeypatch.setattr(auth, "FAILURE_DELAY_S", 0.0)


def app_with(secrets: dict | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in (secrets or {}).items():
        app.secrets[key] = value
    return app


def titles(app: AppTest) -> list[str]:
    return [t.value for t in app.title]


def test_a_password_hash_checks_only_its_password():
    assert auth.check_password("correct horse", HASH)
    assert not auth.check_password("correct horse ", HASH) and not auth.check_password("", HASH)
    assert HASH.startswith("scrypt$") and "correct" not in HASH
    assert auth.hash_password("correct horse") != auth.hash_password("correct horse"), "each hash has its own salt"
    with pytest.raises(ValueError, match=r"python -m webapp\.auth"):
        auth.check_password("x", "plain-text-password")


def test_without_sign_in_configured_the_app_opens(app_env, monkeypatch):
    monkeypatch.delenv(auth.PASSWORD_HASH_VARIABLE, raising=False)
    app = app_with().run()
    assert not app.exception and titles(app) == [PAGES["views/annotate.py"]]


@pytest.mark.parametrize("page_path", list(PAGES))
def test_with_a_password_every_page_asks_for_it_first(app_env, page_path):
    app = app_with({"medner": {"password_hash": HASH}}).run()
    app.switch_page(page_path).run()
    assert not app.exception
    assert titles(app) == ["MedNER Studio"] and app.text_input[0].label == "Password"


def test_a_wrong_password_is_refused_and_the_right_one_opens_every_page(app_env, fast_failures):
    app = app_with({"medner": {"password_hash": HASH}}).run()
    app.text_input[0].input("wrong")
    app.button[0].click().run()
    assert app.error[0].value == "Wrong password." and titles(app) == ["MedNER Studio"]
    app.text_input[0].input("correct horse")
    app.button[0].click().run()
    assert not app.exception and titles(app) == [PAGES["views/annotate.py"]]
    for page_path, title in PAGES.items():
        app.switch_page(page_path).run()
        assert title in titles(app), page_path
    next(b for b in app.sidebar.button if b.label == "Sign out").click().run()
    assert titles(app) == ["MedNER Studio"]


def test_the_password_hash_can_come_from_the_environment(app_env, monkeypatch):
    monkeypatch.setenv(auth.PASSWORD_HASH_VARIABLE, HASH)
    app = app_with().run()
    assert titles(app) == ["MedNER Studio"] and app.text_input[0].label == "Password"


PROVIDER = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "medner",
    "client_secret": "s",
    "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
}


def test_with_an_oidc_provider_a_session_must_sign_in_with_it(app_env):
    app = app_with({"auth": PROVIDER})
    app.user["is_logged_in"] = False
    app.run()
    assert not app.exception and titles(app) == ["MedNER Studio"]
    assert [b.label for b in app.button] == ["Sign in"] and not app.text_input
    app.switch_page("views/gold.py").run()
    assert titles(app) == ["MedNER Studio"]


@pytest.mark.parametrize(("email", "admitted"), [("Ada@clinic.org", True), ("eve@elsewhere.org", False)])
def test_only_listed_emails_are_admitted_after_oidc_sign_in(app_env, email, admitted):
    app = app_with({"auth": PROVIDER, "medner": {"allowed_emails": ["ada@clinic.org"]}})
    app.user.update({"is_logged_in": True, "email": email})
    app.run()
    assert not app.exception
    if admitted:
        assert titles(app) == [PAGES["views/annotate.py"]]
        assert f"Signed in as {email}" in [shown(c.value) for c in app.sidebar.caption]
    else:
        assert titles(app) == ["MedNER Studio"] and "may not use this app" in app.error[0].value
