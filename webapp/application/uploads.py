"""Uploaded notes: bytes to text, without losing a character."""

from __future__ import annotations


def decode_upload(data: bytes, name: str) -> tuple[str, str | None]:
    """An uploaded file's text and a notice when it was not UTF-8 (then read as Latin-1, which
    never fails, so nothing is lost; the notice says so)."""
    if b"\x00" in data[:4096]:
        raise ValueError(f"{name} looks like a binary file, not a text note")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        return data.decode("latin-1"), (
            f"{name} is not UTF-8 (byte {error.start}); it was read as Latin-1; check accented letters"
        )
