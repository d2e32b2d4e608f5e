"""dag-pb, UnixFS and CAR codecs: spec vectors, strictness, CARv2 unwrapping, totality."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbiter_app.config import IpfsLimits
from arbiter_app.errors import InputError
from arbiter_app.ipfs.car import CARV2_PRAGMA, CarIndex, car_bytes, is_car
from arbiter_app.ipfs.dagpb import DIRECTORY, FILE, decode_node, decode_unixfs
from arbiter_app.ipfs.errors import (
    BlockTooLarge,
    CarError,
    NodeError,
    TooManyBlocks,
    TruncatedCar,
    UnsupportedCodec,
)

# docs/ipfs.md §2.6 and §3 (byte-identical with @ipld/car and ipfs-car).
DIR_BLOCK = bytes.fromhex(
    "12310a221220f852c7fa62f971817f54d8a80dcd63fcf7098b3cbde9ae8ec1ee449013ec5db0120968656c6c"
    "6f2e74787418130a020801"
)
HELLO_CAR = bytes.fromhex(
    "38a265726f6f747381d82a5823001220f852c7fa62f971817f54d8a80dcd63fcf7098b3cbde9ae8ec1ee4490"
    "13ec5db06776657273696f6e01351220f852c7fa62f971817f54d8a80dcd63fcf7098b3cbde9ae8ec1ee4490"
    "13ec5db00a110802120b68656c6c6f20776f726c64180b"
)
RAW_CAR = bytes.fromhex(
    "3aa265726f6f747381d82a58250001551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088"
    "f7ace2efcde96776657273696f6e012f01551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee"
    "9088f7ace2efcde968656c6c6f20776f726c64"
)


def test_directory_block_vector() -> None:
    node = decode_node(DIR_BLOCK)
    assert [(link.name, link.tsize, str(link.cid)) for link in node.links] == [
        ("hello.txt", 19, "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD")
    ]
    assert node.data is not None and decode_unixfs(node.data).type == DIRECTORY


@pytest.mark.parametrize(
    "block",
    [
        bytes.fromhex("0a0108" + "0a0108"),  # Data twice
        bytes.fromhex("0a00" + "1200"),  # Data before Links
        bytes.fromhex("120218ff"),  # link Tsize cut
        bytes.fromhex("12021801"),  # link without Hash
        bytes.fromhex("1a00"),  # unknown field 3
        bytes.fromhex("0d00000000"),  # Data as fixed32
    ],
    ids=[
        "data-twice",
        "links-after-data",
        "cut-varint",
        "link-without-hash",
        "unknown-field",
        "wrong-wire-type",
    ],
)
def test_strict_dagpb_refusals(block: bytes) -> None:
    with pytest.raises(NodeError):
        decode_node(block)


def _link(cid: bytes, name: bytes | None, tsize: bytes) -> bytes:
    """One PBLink field: Hash, then Name unless ``None``, then Tsize (raw varint bytes)."""
    named = b"" if name is None else b"\x12" + bytes([len(name)]) + name
    body = b"\x0a" + bytes([len(cid)]) + cid + named + b"\x18" + tsize
    return b"\x12" + bytes([len(body)]) + body


V0 = b"\x12\x20" + bytes(range(32))
V1_RAW = b"\x01\x55" + V0
V1_DAGPB = b"\x01\x70" + V0


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (_link(V0, b"", b"\x80\x80\x10"), ("", 262144, 0)),
        (_link(V1_RAW, None, b"\x05"), (None, 5, 1)),
        (_link(V1_DAGPB, b"a.txt", b"\x05"), ("a.txt", 5, 1)),
        (_link(V0, b"", b"\x85\x00"), NodeError),
        (_link(b"\x01\x72" + V0, b"", b"\x05"), UnsupportedCodec),
        (_link(b"\x12\x21" + bytes(33), b"", b"\x05"), NodeError),
    ],
    ids=["kubo-v0", "v1-raw-no-name", "named", "non-minimal-tsize", "unknown-codec",
         "not-sha256-length"],
)
def test_links_in_kubo_layout_and_their_variants_read_as_the_spec_says(
        link: bytes, expected: tuple[str | None, int, int] | type[Exception]) -> None:
    block = link + link + bytes.fromhex("0a020802")  # two links, then Data
    if not isinstance(expected, tuple):
        with pytest.raises(expected):
            decode_node(block)
        return
    node = decode_node(block)
    assert [(ln.name, ln.tsize, ln.cid.version) for ln in node.links] == [expected] * 2
    assert node.links[0].cid.multihash == V0 and bytes(node.data or b"") == bytes.fromhex("0802")


def test_unixfs_packed_blocksizes_are_read() -> None:
    data = decode_unixfs(bytes.fromhex("0802") + bytes.fromhex("1803") + bytes.fromhex("22020102"))
    assert data.type == FILE and data.filesize == 3 and data.blocksizes == (1, 2)


@pytest.mark.parametrize("car", [HELLO_CAR, RAW_CAR], ids=["cidv0-dagpb", "cidv1-raw"])
def test_car_vectors_index_and_rewrite_byte_identical(car: bytes) -> None:
    index = CarIndex(io.BytesIO(car), IpfsLimits())
    root = index.roots[0]
    assert car_bytes([root], [(root, bytes(index.get(root) or b""))]) == car and is_car(car)


def test_carv2_wrapper_is_unwrapped() -> None:
    header = (
        bytes(16) + (51).to_bytes(8, "little") + len(HELLO_CAR).to_bytes(8, "little") + bytes(8)
    )
    v2 = CARV2_PRAGMA + header + HELLO_CAR
    index = CarIndex(io.BytesIO(v2), IpfsLimits())
    assert is_car(v2) and index.get(index.roots[0]) == bytes.fromhex(
        "0a110802120b68656c6c6f20776f726c64180b"
    )


@pytest.mark.parametrize(
    ("car", "limits", "error"),
    [
        (HELLO_CAR[:-1], IpfsLimits(), TruncatedCar),
        (HELLO_CAR[:58], IpfsLimits(), TruncatedCar),
        (HELLO_CAR[:30], IpfsLimits(), TruncatedCar),
        (b"", IpfsLimits(), TruncatedCar),
        (HELLO_CAR + b"\x80", IpfsLimits(), TruncatedCar),
        (b"\x03\xa1\x61\x61", IpfsLimits(), CarError),
        (HELLO_CAR, IpfsLimits(max_block_size=10), BlockTooLarge),
        (HELLO_CAR + HELLO_CAR[57:], IpfsLimits(max_blocks=1), TooManyBlocks),
    ],
    ids=[
        "cut-last-byte",
        "cut-after-length",
        "cut-in-header",
        "empty",
        "cut-in-length-varint",
        "header-without-version",
        "section-over-block-limit",
        "sections-over-block-count",
    ],
)
def test_car_refusals(car: bytes, limits: IpfsLimits, error: type[InputError]) -> None:
    with pytest.raises(error):
        CarIndex(io.BytesIO(car), limits)


def test_header_alone_is_an_empty_car() -> None:
    assert CarIndex(io.BytesIO(HELLO_CAR[:57]), IpfsLimits()).count == 0


def test_tolerant_index_keeps_what_came_before_a_cut() -> None:
    index = CarIndex(io.BytesIO(HELLO_CAR + RAW_CAR[59:-3]), IpfsLimits(), tolerant=True)
    assert index.truncated is not None and len(index.sections) == 1


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_dagpb_decoding_is_total(block: bytes) -> None:
    try:
        node = decode_node(block)
        if node.data is not None:
            decode_unixfs(node.data)
    except InputError:
        pass


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_car_reading_is_total(data: bytes) -> None:
    try:
        index = CarIndex(io.BytesIO(HELLO_CAR[:1] + data), IpfsLimits())
        for section in index.sections.values():
            index.get(section.cid)
    except InputError:
        pass


def _general_unixfs(data: bytes) -> object:
    """What the general field-by-field decoder makes of ``data`` (the direct leaf path off)."""
    from arbiter_app.ipfs import dagpb

    direct, dagpb._file_leaf = dagpb._file_leaf, lambda buf: None
    try:
        return _outcome(lambda: dagpb.decode_unixfs(data))
    finally:
        dagpb._file_leaf = direct


def _outcome(decode: object) -> object:
    try:
        got = decode()  # type: ignore[operator]
    except NodeError as e:
        return type(e)
    return (got.type, bytes(got.data) if got.data is not None else None, got.filesize,
            got.blocksizes)


@settings(max_examples=300)
@given(st.binary(max_size=40), st.integers(0, 2**40),
       st.sampled_from(["leaf", "flipped", "cut", "extra"]), st.integers(0, 60))
def test_direct_leaf_reading_agrees_with_the_general_decoder(
        data: bytes, filesize: int, how: str, at: int) -> None:
    from arbiter_app.ipfs.dagpb import encode_unixfs_file

    raw = bytearray(encode_unixfs_file(data, filesize, []))
    if how == "flipped":
        raw[at % len(raw)] ^= 0x40
    elif how == "cut":
        del raw[at % len(raw):]
    elif how == "extra":
        raw += b"\x20\x05"  # a blocksizes field after filesize
    assert _outcome(lambda: decode_unixfs(bytes(raw))) == _general_unixfs(bytes(raw))
