"""Stream the records of a JSON document that is an array of objects, or an object holding one such array,
without loading the file whole: each element is decoded on its own (`json.JSONDecoder.raw_decode`) from a
text buffer refilled chunk by chunk, so memory is bounded by the largest record, not the file.
"""

import json
from collections.abc import Iterator
from typing import TextIO

CHUNK_CHARS = 1 << 20
_WS = " \t\r\n\ufeff"


class JsonArrayError(ValueError):
    """The document is not an array of records (or one wrapped in an object); the message says where."""


class _Buffer:
    def __init__(self, fh: TextIO, decoder: json.JSONDecoder):
        self.fh, self.decoder = fh, decoder
        self.text, self.pos, self.eof, self.consumed = "", 0, False, 0

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(CHUNK_CHARS)
        self.consumed += self.pos
        self.text, self.pos = self.text[self.pos :] + chunk, 0
        self.eof = not chunk
        return bool(chunk)

    def peek(self) -> str:
        """The next non-whitespace character ('' at the end of the document)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.text) or not self._fill():
                return self.text[self.pos : self.pos + 1]

    def expect(self, chars: str) -> str:
        char = self.peek()
        if not char or char not in chars:
            found = repr(char) if char else "the end of the file"
            raise JsonArrayError(
                f"invalid JSON: expected one of {chars!r} at character {self.offset}, found {found}"
            )
        self.pos += 1
        return char

    @property
    def offset(self) -> int:
        return self.consumed + self.pos

    def value(self) -> object:
        """Decode one JSON value, reading more text while the value runs past the buffer."""
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self._fill():  # maybe cut by the buffer's end: retry with more text
                    continue
                raise JsonArrayError(
                    f"invalid JSON: {exc.msg} at character {self.consumed + exc.pos}"
                ) from None
            if end == len(self.text) and not self.eof and self._fill():
                continue  # a number cut at the buffer's end ("12" of "1234") must be re-read whole
            self.pos = end
            return value


def iter_json_records(fh: TextIO, decoder: json.JSONDecoder) -> Iterator[object]:
    """Every element of the document's records array, in order. A top-level object must hold exactly one
    array (other keys may hold anything); elements are yielded as decoded, whatever their type."""
    buf = _Buffer(fh, decoder)
    if buf.peek() not in ("[", "{"):
        found = type(buf.value()).__name__ if buf.peek() else "an empty file"
        raise JsonArrayError(f"JSON {found}, expected an array of objects")
    if buf.expect("[{") == "[":
        yield from _elements(buf)
    else:
        arrays = 0
        if buf.peek() == "}":
            buf.pos += 1
        else:
            while True:
                key = buf.value()
                if not isinstance(key, str):
                    raise JsonArrayError(f"invalid JSON: object key expected at character {buf.offset}")
                buf.expect(":")
                if buf.peek() == "[":
                    arrays += 1
                    if arrays > 1:
                        raise JsonArrayError("JSON object without exactly one array of records")
                    buf.pos += 1
                    yield from _elements(buf)
                else:
                    buf.value()
                if buf.expect(",}") == "}":
                    break
        if arrays != 1:
            raise JsonArrayError("JSON object without exactly one array of records")
    if buf.peek():
        raise JsonArrayError(f"invalid JSON: extra data at character {buf.offset}")


def _elements(buf: _Buffer) -> Iterator[object]:
    if buf.peek() == "]":
        buf.pos += 1
        return
    while True:
        yield buf.value()
        if buf.expect(",]") == "]":
            return
