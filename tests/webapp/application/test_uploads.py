import pytest

from webapp.application.uploads import decode_upload


def test_utf8_with_or_without_a_byte_order_mark_reads_as_is():
    assert decode_upload("Métformine 500 mg".encode(), "a.txt") == ("Métformine 500 mg", None)
    assert decode_upload("\ufeffaspirin".encode(), "b.txt") == ("aspirin", None)


def test_a_note_that_is_not_utf8_is_read_as_latin1_with_a_notice_naming_the_byte():
    text, notice = decode_upload("café au lait".encode("latin-1"), "c.txt")
    assert text == "café au lait", "nothing is lost"
    assert notice is not None and "c.txt is not UTF-8 (byte 3)" in notice and "Latin-1" in notice


def test_a_binary_file_is_refused_with_its_name():
    with pytest.raises(ValueError, match=r"d\.pdf looks like a binary file"):
        decode_upload(b"%PDF\x00\x01", "d.pdf")
