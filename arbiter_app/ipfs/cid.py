"""CIDs v0 and v1: parse, format, and the hash/codec policy the verifier relies on.

Binary and text forms follow multiformats/cid (docs/ipfs.md §1.2–§1.4). A CID is kept
as (version, codec, multihash bytes); equality is on those, never on a string. Parsing is
strict by default: only sha2-256 (32-byte digest) and identity (≤ 128 bytes, the UnixFS
"Identity CID Size Limit") hashes, and only the raw, dag-pb and dag-cbor codecs are
accepted; anything else is refused with :class:`UnsupportedHash` / :class:`UnsupportedCodec`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from arbiter_app.ipfs.errors import CidError, UnsupportedCodec, UnsupportedHash
from arbiter_app.ipfs.multibase import (
    b58decode,
    b58encode,
    decode_multibase,
    decode_varint,
    encode_multibase,
    encode_varint,
)

RAW = 0x55
DAG_PB = 0x70
DAG_CBOR = 0x71
CODEC_NAMES = {RAW: "raw", DAG_PB: "dag-pb", DAG_CBOR: "dag-cbor"}

IDENTITY = 0x00
SHA2_256 = 0x12
MAX_IDENTITY_DIGEST = 128  # docs/ipfs.md §1.2–§1.4


def decode_multihash(mh: bytes | memoryview, offset: int = 0) -> tuple[int, bytes, int]:
    """Read one multihash.

    :returns: ``(hash code, digest, offset just past it)``
    :raises CidError: if it is cut short
    """
    code, pos = decode_varint(mh, offset)
    length, pos = decode_varint(mh, pos)
    end = pos + length
    if end > len(mh):
        raise CidError(len(mh), f"a {length}-byte digest, found {len(mh) - pos} bytes")
    return code, bytes(mh[pos:end]), end


def check_hash(code: int, digest_length: int) -> None:
    """Refuse hash functions and digest sizes the verifier cannot check.

    :raises UnsupportedHash: anything but sha2-256/32 bytes and identity/≤128 bytes
    """
    if code == SHA2_256 and digest_length == 32:
        return
    if code == IDENTITY and digest_length <= MAX_IDENTITY_DIGEST:
        return
    raise UnsupportedHash(code, digest_length)


@dataclass(frozen=True)
class CID:
    """A content identifier.

    :param version: 0 or 1
    :param codec: multicodec of the content (0x55 raw, 0x70 dag-pb, 0x71 dag-cbor)
    :param multihash: the binary multihash (hash code, length, digest)
    """

    version: int
    codec: int
    multihash: bytes

    @classmethod
    def parse(cls, text: str, strict: bool = True) -> CID:
        """Parse a CID string: a 46-character ``Qm…`` CIDv0 or a multibase CIDv1.

        :raises CidError: malformed text or bytes
        :raises UnsupportedHash: (strict) a hash the app cannot verify
        :raises UnsupportedCodec: (strict) an unknown content codec
        """
        text = text.strip()
        if len(text) == 46 and text.startswith("Qm"):
            return cls.from_bytes(b58decode(text), strict)
        data = decode_multibase(text)
        if data[:1] == b"\x12":
            # A multibase-wrapped CIDv0 is invalid (multiformats/cid "Decoding Algorithm").
            raise CidError(0, "a CIDv1 after the multibase prefix, found a bare CIDv0")
        return cls.from_bytes(data, strict)

    @classmethod
    def from_bytes(cls, data: bytes, strict: bool = True) -> CID:
        """Parse a binary CID that fills ``data`` exactly.

        :raises CidError: malformed, or bytes left over
        """
        cid, end = cls.read(data, 0, strict)
        if end != len(data):
            raise CidError(end, f"the end of the CID, found {len(data) - end} more bytes")
        return cid

    @classmethod
    def read(cls, buf: bytes | memoryview, offset: int = 0, strict: bool = True) -> tuple[CID, int]:
        """Parse a binary CID embedded in a larger buffer (a CAR section, a dag-pb link).

        :returns: ``(cid, offset just past it)``
        """
        if buf[offset : offset + 2] == b"\x12\x20":
            end = offset + 34
            if end > len(buf):
                raise CidError(len(buf), "a 34-byte CIDv0")
            cid = cls(0, DAG_PB, bytes(buf[offset:end]))
        else:
            version, pos = decode_varint(buf, offset)
            if version != 1:
                raise CidError(offset, f"CID version 1, found {version}")
            codec, pos = decode_varint(buf, pos)
            _, _, end = decode_multihash(buf, pos)
            cid = cls(1, codec, bytes(buf[pos:end]))
        if strict:
            cid.check_supported()
        return cid, end

    @classmethod
    def raw_sha256(cls, digest: bytes) -> CID:
        """The CIDv1 of a single raw block with this sha2-256 digest (``bafkrei…``)."""
        if len(digest) != 32:
            raise CidError(0, f"a 32-byte sha2-256 digest, found {len(digest)} bytes")
        return cls(1, RAW, b"\x12\x20" + digest)

    @classmethod
    def for_block(cls, block: bytes, codec: int = RAW, version: int = 1) -> CID:
        """The sha2-256 CID of a block's bytes (CIDv0 only for dag-pb)."""
        if version == 0 and codec != DAG_PB:
            raise ValueError("CIDv0 is dag-pb only")
        return cls(version, codec, b"\x12\x20" + hashlib.sha256(block).digest())

    @property
    def hash_code(self) -> int:
        """The multihash function code."""
        return decode_multihash(self.multihash)[0]

    @property
    def digest(self) -> bytes:
        """The multihash digest (for identity: the block itself)."""
        return decode_multihash(self.multihash)[1]

    @property
    def codec_name(self) -> str:
        """``raw``, ``dag-pb``, ``dag-cbor`` or the hex code."""
        return CODEC_NAMES.get(self.codec, f"0x{self.codec:x}")

    def check_supported(self) -> None:
        """:raises UnsupportedHash / UnsupportedCodec: if the app cannot verify this CID."""
        code, digest, _ = decode_multihash(self.multihash)
        check_hash(code, len(digest))
        if self.codec not in CODEC_NAMES:
            raise UnsupportedCodec(self.codec)

    def __bytes__(self) -> bytes:
        if self.version == 0:
            return self.multihash
        return encode_varint(self.version) + encode_varint(self.codec) + self.multihash

    def __str__(self) -> str:
        if self.version == 0:
            return b58encode(self.multihash)
        return encode_multibase(bytes(self), "b")

    def encode(self, prefix: str = "b") -> str:
        """The CIDv1 text in another multibase (CIDv0 has only its base58 form)."""
        if self.version == 0:
            return str(self)
        return encode_multibase(bytes(self), prefix)

    def to_v1(self) -> CID:
        """The same multihash and codec as a CIDv1."""
        return CID(1, self.codec, self.multihash)
