"""Backup files sealed with AES-256-GCM in 4 MiB chunks (streamed: a warehouse of any size, bounded memory).

Layout: MAGIC, an 8-byte random file nonce, then per chunk a 4-byte length and the ciphertext. Each chunk's
nonce is the file nonce plus its index, and its index and a last-chunk flag are authenticated, so chunks
cannot be reordered, dropped or the file cut short without the restore noticing.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from assets.privacy.encryption import derive_key

MAGIC = b"C360BAK1"
CHUNK = 4 << 20


class SealError(ValueError):
    pass


def _aead(passphrase: str) -> AESGCM:
    return AESGCM(derive_key(passphrase, b"customer360 backup v1"))


def _rechunk(data: Iterable[bytes], size: int) -> Iterator[bytes]:
    buffer = bytearray()
    for part in data:
        buffer += part
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    yield bytes(buffer)  # possibly empty: the last chunk is always emitted


def _aad(index: int, last: bool) -> bytes:
    return struct.pack(">Q?", index, last)


def seal(data: Iterable[bytes], passphrase: str) -> Iterator[bytes]:
    aead, file_nonce = _aead(passphrase), os.urandom(8)
    yield MAGIC + file_nonce
    chunks = _rechunk(data, CHUNK)
    current = next(chunks)
    index = 0
    for following in chunks:
        sealed = aead.encrypt(file_nonce + struct.pack(">I", index), current, _aad(index, False))
        yield struct.pack(">I", len(sealed)) + sealed
        current, index = following, index + 1
    sealed = aead.encrypt(file_nonce + struct.pack(">I", index), current, _aad(index, True))
    yield struct.pack(">I", len(sealed)) + sealed


def unseal(data: Iterable[bytes], passphrase: str) -> Iterator[bytes]:
    aead = _aead(passphrase)
    stream = _Reader(data)
    head = stream.read(len(MAGIC) + 8)
    if head[: len(MAGIC)] != MAGIC:
        raise SealError("not a sealed customer360 backup file")
    file_nonce, index = head[len(MAGIC) :], 0
    while True:
        size = stream.read(4)
        if len(size) < 4:
            raise SealError("the file ends before its last chunk (cut short)")
        sealed = stream.read(struct.unpack(">I", size)[0])
        nonce = file_nonce + struct.pack(">I", index)
        for last in (False, True):
            try:
                plain = aead.decrypt(nonce, sealed, _aad(index, last))
                break
            except InvalidTag:  # not the last chunk's flag (or altered): try the other, then give up
                plain = None
        if plain is None:
            raise SealError("wrong key, or the file was altered")
        yield plain
        if last:
            return
        index += 1


class _Reader:
    def __init__(self, data: Iterable[bytes]):
        self.parts, self.buffer = iter(data), bytearray()

    def read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            part = next(self.parts, None)
            if part is None:
                break
            self.buffer += part
        out = bytes(self.buffer[:n])
        del self.buffer[:n]
        return out
