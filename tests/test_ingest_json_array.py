"""Streaming a JSON array of records: same values as json.loads, whatever the chunk boundaries."""

import io
import json
import random

import pytest

from assets.ingest import json_array
from assets.ingest.json_array import JsonArrayError, iter_json_records

VERBATIM = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)


def _records(text: str) -> list[object]:
    return list(iter_json_records(io.StringIO(text), VERBATIM))


@pytest.fixture(params=[1, 3, 7, 1 << 20], ids=lambda n: f"chunk{n}")
def chunk(request, monkeypatch):
    monkeypatch.setattr(json_array, "CHUNK_CHARS", request.param)


def test_matches_json_loads_across_chunk_boundaries(chunk):
    rng = random.Random(3)
    records = [
        {"id": f"{i:05d}", "amount": rng.choice([1234567, 12.50, -0.001, 10**20]), "name": "张伟 \"Kevin\" \\ ,]}",
         "tags": [[], {}, [1, [2, {"x": None}]]], "ok": rng.choice([True, False, None])}
        for i in range(40)
    ]  # fmt: skip
    text = json.dumps(records, ensure_ascii=False, indent=rng.choice([None, 2]))
    assert _records(text) == VERBATIM.decode(text)


def test_object_holding_one_array_among_other_keys(chunk):
    text = '\ufeff {"meta": {"count": 2, "next": [null]}, "data": [{"a": 1}, 7, {"b": "x"}], "page": 1}\n'
    assert _records(text) == [{"a": "1"}, "7", {"b": "x"}]  # non-objects are the caller's row errors


def test_empty_array_and_object():
    assert _records("[ ]") == []
    with pytest.raises(JsonArrayError, match="exactly one array"):
        _records("{}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": [1], "b": [2]}', "exactly one array"),
        ('{"a": 1}', "exactly one array"),
        ('"just text"', "JSON str, expected an array of objects"),
        ("", "JSON an empty file, expected an array of objects"),
        ('[{"a": 1}, {"a": 2]', "invalid JSON"),
        ('[{"a": 1}', "invalid JSON: expected one of ',]'"),
        ('[{"a": 1}] [', "extra data"),
    ],
)
def test_malformed_documents_say_what_is_wrong(text, message):
    with pytest.raises(JsonArrayError, match=message.replace("[", r"\[")):
        _records(text)


def test_records_stream_before_the_document_ends():
    """A reader sees the first record before the rest of a large file has been read."""
    body = "[" + ",".join(f'{{"n": {i}}}' for i in range(100_000)) + "]"
    fh = io.StringIO(body)
    first = next(iter_json_records(fh, VERBATIM))
    assert first == {"n": "0"} and fh.tell() < len(body)
