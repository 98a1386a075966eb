"""Optional sign-in that guards every page. Off unless configured; two ways to configure it:

1. **OpenID Connect** through Streamlit's ``st.login``: an ``[auth]`` table in
   ``.streamlit/secrets.toml`` (``redirect_uri``, ``cookie_secret``, ``client_id``,
   ``client_secret``, ``server_metadata_url``). ``[medner] allowed_emails = [...]`` narrows who may
   enter; without it anyone the provider signs in may.
2. **A shared password**: ``[medner] password_hash = "..."`` in the secrets, or the environment
   variable ``MEDNER_PASSWORD_HASH``. Only a salted scrypt hash is kept, never the password; make
   one with ``python -m webapp.auth`` (it asks for the password twice).

``app.py`` calls :func:`signed_in` before it builds the navigation: a session that is not signed
in gets the sign-in page for every address, so no page runs, and no page can be reached around it.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import secrets
import sys
import threading
import time
from typing import Any

import streamlit as st

from webapp.components.text import inert

PASSWORD_HASH_VARIABLE = "MEDNER_PASSWORD_HASH"
#: scrypt parameters of new hashes (about 50 ms and 16 MiB on one core).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
#: A failed password costs the whole process this long (one guess at a time): guessing stays slow
#: however many sessions an attacker opens.
FAILURE_DELAY_S = 1.0
_guesses = threading.Lock()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$SALT$HASH`` (hex) of ``password``, for the secrets file."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password` (compared in constant time)."""
    try:
        scheme, n, r, p, salt, expected = stored.strip().split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError as error:
        raise ValueError(
            "the configured password hash is not of the form scrypt$N$r$p$SALT$HASH; make one with "
            "`python -m webapp.auth`"
        ) from error
    return hmac.compare_digest(digest.hex(), expected)


def _secrets() -> dict[str, Any]:
    """The app's secrets as a plain dict; none when there is no secrets file."""
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except (FileNotFoundError, KeyError):  # StreamlitSecretNotFoundError is a FileNotFoundError
        return {}


def method() -> str:
    """``"oidc"``, ``"password"`` or ``"none"``: how this deployment signs people in."""
    configured = _secrets()
    if "auth" in configured:
        return "oidc"
    if os.environ.get(PASSWORD_HASH_VARIABLE) or configured.get("medner", {}).get("password_hash"):
        return "password"
    return "none"


def _password_hash() -> str:
    return os.environ.get(PASSWORD_HASH_VARIABLE) or str(_secrets().get("medner", {}).get("password_hash", ""))


def _allowed(email: str | None) -> bool:
    allowed = [str(e).lower() for e in _secrets().get("medner", {}).get("allowed_emails", [])]
    return not allowed or (email or "").lower() in allowed


def _provider_signed_in() -> bool:
    return bool(st.user.get("is_logged_in", False))


def signed_in() -> bool:
    """Whether this session may see the app (always, when no sign-in is configured)."""
    how = method()
    if how == "none":
        return True
    if how == "oidc":
        return _provider_signed_in() and _allowed(st.user.get("email"))
    return st.session_state.get("medner-signed-in") is True


def sign_in_page() -> None:
    """The only page a session that is not signed in can reach."""
    st.title("MedNER Studio")
    if method() == "oidc":
        if _provider_signed_in():  # signed in with the provider, but not on the list
            st.error(f"{inert(st.user.get('email', 'This account'))} may not use this app. Ask its administrator.")
            st.button("Sign out", on_click=st.logout)
            return
        st.write("This app holds clinical notes. Sign in to continue.")
        st.button("Sign in", type="primary", on_click=st.login)
        return
    with st.form("sign-in"):
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        with _guesses:
            accepted = check_password(password, _password_hash())
            if not accepted:
                time.sleep(FAILURE_DELAY_S)
        if accepted:
            st.session_state["medner-signed-in"] = True
            st.rerun()
        st.error("Wrong password.")


def sign_out_button() -> None:
    """In the sidebar of a signed-in session, when sign-in is configured."""
    how = method()
    if how == "none":
        return
    if how == "oidc":
        st.sidebar.caption(f"Signed in as {inert(st.user.get('email', ''))}")
        st.sidebar.button("Sign out", on_click=st.logout)
    elif st.sidebar.button("Sign out"):
        st.session_state.pop("medner-signed-in", None)
        st.rerun()


def main() -> int:
    """``python -m webapp.auth``: print a password hash to put in the secrets."""
    first = getpass.getpass("Password for MedNER Studio: ")
    if first != getpass.getpass("Again: "):
        print("The two passwords differ.", file=sys.stderr)
        return 1
    try:
        line = hash_password(first)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    print(f'[medner]\npassword_hash = "{line}"')
    print(f"# or: export {PASSWORD_HASH_VARIABLE}='{line}'", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
