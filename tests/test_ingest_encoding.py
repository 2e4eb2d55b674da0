"""Encoding and delimiter detection on the short samples real exports start with."""

from __future__ import annotations

import codecs
import gzip

import pytest

from assets.ingest.encoding import UnreadableFile, detect_encoding, open_binary, sniff_delimiter

HEADER = "客户编号,客户名称,手机\nKH001,张伟,13800138000\nKH002,李娜,13900139000\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (HEADER.encode("gbk"), "gb18030"),
        (HEADER.encode("gb18030"), "gb18030"),
        ("客戶名稱,電話\n陳大文,98765432\n".encode("big5"), "big5hkscs"),
        (HEADER.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + HEADER.encode("utf-8"), "utf-8-sig"),
        (HEADER.encode("utf-16"), "utf-16"),
        (HEADER.encode("utf-16-le"), "utf-16-le"),
        ("Name;City\nJosé Müller;Köln\n".encode("latin-1"), "cp1252"),
        ("Name;City\nJos\x81\n".encode("latin-1"), "latin-1"),  # 0x81 is undefined in cp1252
        ("顧客名,電話番号\n山田太郎,03-1234-5678\n".encode("shift_jis"), "cp932"),
    ],
)
def test_detects_the_encodings_customers_send(data, expected):
    assert detect_encoding(data, truncated=False) == expected


def test_multibyte_character_cut_at_the_sample_end_is_still_utf8():
    data = ("张伟," * 100).encode("utf-8")
    assert detect_encoding(data[:-1], truncated=True) == "utf-8"


def test_binary_is_refused_with_a_reason():
    with pytest.raises(UnreadableFile, match="binary content"):
        detect_encoding(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


@pytest.mark.parametrize(
    ("text", "delim"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
    ],
)
def test_sniffs_the_delimiter(text, delim):
    assert sniff_delimiter(text) == delim


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    path = tmp_path / "export.csv"  # no .gz suffix
    path.write_bytes(gzip.compress(b"a,b\n1,2\n"))
    with open_binary(path) as fh:
        assert fh.read() == b"a,b\n1,2\n"
