"""Bytes → text: gzip sniffing, BOM check, charset detection (charset-normalizer), delimiter sniffing."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from pathlib import Path
from typing import BinaryIO

from charset_normalizer import from_bytes

SAMPLE_BYTES = 256 * 1024
_BOMS = (  # longest first: a UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Detector names → the superset codec that decodes everything the vendor may have written.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030", "big5": "big5hkscs", "ascii": "utf-8"}


_MULTIBYTE = {"gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr",
              "cp949", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_8"}  # fmt: skip


class UnreadableFile(ValueError):
    """A file that cannot be read as text (binary, truncated, unknown encoding): the one-line reason."""


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed on the fly (streamed) when it is gzip, whatever its name."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def read_sample(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    try:
        with open_binary(path) as fh:
            return fh.read(size)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UnreadableFile(f"corrupt or truncated gzip: {exc}") from None


def detect_file_encoding(path: Path, sample: bytes) -> str:
    """`detect_encoding` on the file's first bytes; when they are all ASCII (Western rows sorted first, Chinese
    names further down), stream on to the first non-ASCII bytes and decide on a window there."""
    if len(sample) < SAMPLE_BYTES or not sample.isascii():
        return detect_encoding(sample, truncated=len(sample) >= SAMPLE_BYTES)
    try:
        with open_binary(path) as fh:
            fh.seek(len(sample))  # gzip streams seek forward by decompressing
            for chunk in iter(lambda: fh.read(SAMPLE_BYTES), b""):
                if not chunk.isascii():
                    start = next(i for i, b in enumerate(chunk) if b >= 0x80)
                    window = chunk[max(0, chunk.rfind(b"\n", 0, start) + 1) :] + fh.read(SAMPLE_BYTES)
                    return detect_encoding(window, truncated=True)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UnreadableFile(f"corrupt or truncated gzip: {exc}") from None
    return "utf-8"  # ASCII throughout


def _utf16_without_bom(sample: bytes) -> str | None:
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 8:
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    return None


def _binary(sample: bytes) -> bool:
    """Binary files are full of NUL bytes; a text export with a stray NUL in a field is still text (that row
    is quarantined by validation, the others load)."""
    nul = sample.count(0)
    return nul >= 2 and nul >= len(sample) // 200


def detect_encoding(sample: bytes, truncated: bool = True) -> str:
    """Codec name for `sample` (the first bytes of a file). Raises UnreadableFile for binary data.

    Order: BOM, UTF-16 without BOM, NUL bytes (binary), strict UTF-8, then byte-pair statistics for
    GBK/GB18030 (unless the pairs look Korean, see `_looks_korean`) and Big5 (charset-normalizer misreads
    short Chinese samples, e.g. a few names, as cp949 or cp874), then charset-normalizer for other multi-byte
    encodings, then cp1252 / Latin-1. A Korean file with fewer than a dozen Hangul is read as GB18030: set
    `encoding: cp949` on such a source.
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    if _binary(sample):
        raise UnreadableFile("binary content (NUL bytes), not a text export")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=not truncated)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_korean(sample):
        return "cp949"
    if _double_byte_share(sample, range(0xB0, 0xF8), range(0xA1, 0xFF)) >= 0.8 and _decodes(
        sample, "gb18030"
    ):
        return "gb18030"  # most pairs are GB2312 hanzi: a GBK/GB18030 export
    big5_trail = set(range(0x40, 0x7F)) | set(range(0xA1, 0xFF))
    if _double_byte_share(sample, range(0xA4, 0xC7), big5_trail) >= 0.8 and _decodes(sample, "big5hkscs"):
        return "big5hkscs"  # most pairs are frequent Big5 characters
    best = from_bytes(sample).best()
    # Multi-byte detections are reliable; single-byte code-page guesses on short samples are not.
    if best is not None and best.encoding in _MULTIBYTE:
        name = codecs.lookup(best.encoding).name
        return _SUPERSETS.get(name, name)
    for western in ("cp1252", "latin-1"):  # short Western samples: Windows Excel's code page first
        if _decodes(sample, western):
            return western
    raise UnreadableFile("binary or unknown encoding: no text encoding fits the first bytes")


_HANGUL_LEADS = range(0xB0, 0xC9)
_MIN_KOREAN_PAIRS = 12


def _looks_korean(sample: bytes) -> bool:
    """EUC-KR/cp949 rather than GB2312: EUC-KR Hangul and GB2312's frequent hanzi share lead bytes 0xB0–0xC8, but
    GB2312 sorts hanzi by pinyin so about half of Chinese text (王 张 我 是 在 中 …) has leads 0xC9–0xF7, where
    EUC-KR keeps only Hanja, rare in Korean exports. A dozen Hangul-range pairs and none above decide it
    (a Chinese text passing by chance: under 0.5%)."""
    leads = [lead for lead, _ in _byte_pairs(sample)]
    hangul = sum(b in _HANGUL_LEADS for b in leads)
    return (
        hangul >= _MIN_KOREAN_PAIRS
        and not any(0xC9 <= b <= 0xFE for b in leads)
        and _decodes(sample, "cp949")
    )


def _byte_pairs(sample: bytes) -> list[tuple[int, int]]:
    """The double-byte pairs of a sample: each byte ≥ 0x80 with the byte after it."""
    pairs, i, n = [], 0, len(sample)
    while i < n - 1:
        if sample[i] < 0x80:
            i += 1
            continue
        pairs.append((sample[i], sample[i + 1]))
        i += 2
    return pairs


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _double_byte_share(sample: bytes, leads: range, trails: range | set[int]) -> float:
    """Share of non-ASCII byte pairs whose lead and trail bytes fall in the given ranges."""
    pairs = _byte_pairs(sample)
    return sum(lead in leads and trail in trails for lead, trail in pairs) / len(pairs) if pairs else 0.0


def sniff_delimiter(text: str, default: str = ",") -> str:
    """The delimiter of a CSV sample among , ; tab | — the one splitting the first lines most consistently."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return default
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    best, best_score = default, 0.0
    for cand in (",", ";", "\t", "|"):
        counts = [len(next(csv.reader([ln], delimiter=cand))) for ln in lines[:20]]
        if counts[0] < 2:
            continue
        score = sum(c == counts[0] for c in counts) / len(counts) * counts[0]
        if score > best_score:
            best, best_score = cand, score
    return best


def decode_sample(sample: bytes, encoding: str) -> str:
    """Decode the head of a file, tolerating a multibyte character cut at the end of the sample."""
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return dec.decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not valid {encoding} at byte {exc.start}: {exc.reason}") from None


def text_stream(path: Path, encoding: str) -> io.TextIOWrapper:
    """A decoded, streamed text view of the file (gzip handled); newlines kept as they are."""
    return io.TextIOWrapper(open_binary(path), encoding=encoding, errors="strict", newline="")
