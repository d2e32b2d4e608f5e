"""The software key's file on disk: one private key sealed with scrypt and AES-256-GCM.

The file is JSON (``arbiter-keystore/1``): the network and address in the clear (so the app
can say whose key it is without the password), scrypt parameters and salt, the GCM nonce,
a password check, and the ciphertext. The clear header is the GCM associated data, so moving
a key to another network or address by editing the file breaks decryption. The password
check (SHA-256 of the second half of the scrypt output, the first half being the AES key)
lets the app tell a wrong password from a damaged file, each with its own message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from arbiter_app.errors import KeystoreError

FORMAT = "arbiter-keystore/1"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # ~32 MiB, as interactive logins use (RFC 7914 §2)
# What a keystore may ask for: 8x the memory and 64x the work of the parameters above.
MAX_N, MAX_R, MAX_P = 2**20, 16, 16
MAX_KDF_MEMORY = 256 * 1024 * 1024
MAX_KDF_WORK = 2**24
MAX_FILE = 64 * 1024  # a keystore is under 1 kB


class WrongPassword(KeystoreError):
    """The password does not open this keystore."""


class DamagedKeystore(KeystoreError):
    """The keystore file is unreadable, incomplete or altered."""


@dataclass(frozen=True)
class Sealed:
    """The clear parts of a keystore (what can be read without the password)."""

    network: str
    address: str


def seal(private_key: bytes, password: str, network: str, address: str, n: int = SCRYPT_N) -> str:
    """Encrypt ``private_key`` under ``password``; return the keystore file's text.

    :raises KeystoreError: the password is empty
    """
    if not password:
        raise KeystoreError("the keystore password must not be empty")
    salt, nonce = os.urandom(16), os.urandom(12)
    key, check = _stretch(password, salt, n, SCRYPT_R, SCRYPT_P)
    header = {
        "format": FORMAT,
        "network": network,
        "address": address,
        "kdf": {"name": "scrypt", "salt": salt.hex(), "n": n, "r": SCRYPT_R, "p": SCRYPT_P},
        "cipher": {"name": "aes-256-gcm", "nonce": nonce.hex()},
        "check": hashlib.sha256(check).hexdigest(),
    }
    ciphertext = AESGCM(key).encrypt(nonce, private_key, _aad(header))
    return json.dumps({**header, "ciphertext": ciphertext.hex()}, indent=2) + "\n"


def unseal(text: str, password: str) -> tuple[Sealed, bytes]:
    """Decrypt a keystore's text; return its clear header and the 32-byte private key.

    :raises WrongPassword: the password check does not match
    :raises DamagedKeystore: the file is not a keystore, or its sealed data was altered
    """
    doc = _parse(text)
    try:
        kdf, cipher = doc["kdf"], doc["cipher"]
        salt, nonce = bytes.fromhex(kdf["salt"]), bytes.fromhex(cipher["nonce"])
        ciphertext = bytes.fromhex(doc["ciphertext"])
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        header = {k: doc[k] for k in ("format", "network", "address", "kdf", "cipher", "check")}
    except (KeyError, TypeError, ValueError) as e:
        raise DamagedKeystore(f"the keystore file is damaged: missing or bad field {e}") from e
    if kdf.get("name") != "scrypt" or cipher.get("name") != "aes-256-gcm":
        raise DamagedKeystore(
            "the keystore file names a key derivation or cipher this app does not use"
        )
    _check_cost(n, r, p, salt)
    key, check = _stretch(password, salt, n, r, p)
    if not hmac.compare_digest(hashlib.sha256(check).hexdigest(), str(doc["check"])):
        raise WrongPassword("wrong password for this keystore")
    try:
        private_key = AESGCM(key).decrypt(nonce, ciphertext, _aad(header))
    except (InvalidTag, ValueError) as e:
        raise DamagedKeystore(
            "the keystore file is damaged: its sealed key fails authentication"
        ) from e
    if len(private_key) != 32:
        raise DamagedKeystore("the keystore file is damaged: the key is not 32 bytes")
    return Sealed(str(doc["network"]), str(doc["address"])), private_key


def read_header(path: Path) -> Sealed:
    """The network and address of a keystore file, without the password.

    :raises DamagedKeystore: the file is missing or not a keystore
    """
    doc = _parse(read_text(path))
    return Sealed(str(doc.get("network")), str(doc.get("address")))


def write(path: Path, text: str) -> None:
    """Write a keystore file readable by its owner only; refuse to overwrite one.

    :raises KeystoreError: a file already exists at ``path``
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as e:
        raise KeystoreError(f"a keystore already exists at {path}; it was not overwritten") from e
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def read_text(path: Path) -> str:
    """The text of a keystore file.

    :raises DamagedKeystore: the file is missing or unreadable
    """
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            raise DamagedKeystore(f"the keystore file {path} is over {MAX_FILE} bytes; a "
                                  "keystore is under 1 kB")
        return data.decode("utf-8")
    except FileNotFoundError as e:
        raise DamagedKeystore(f"no keystore file at {path}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise DamagedKeystore(f"the keystore file {path} cannot be read: {e}") from e


def _parse(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise DamagedKeystore(f"the keystore file is damaged: not JSON ({e.msg})") from e
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DamagedKeystore(f"the file is not an {FORMAT} keystore")
    return doc


def _check_cost(n: int, r: int, p: int, salt: bytes) -> None:
    """Refuse scrypt parameters whose memory or work exceed what the app ever writes by more
    than the bounds below, before any is spent (a hostile file could ask for terabytes).

    scrypt needs about ``128·r·n`` bytes and ``n·r·p`` block mixes (RFC 7914 §2 and §5).
    """
    problems = []
    if not (2 <= n <= MAX_N and n & (n - 1) == 0):
        problems.append(f"n = {n} (a power of two up to {MAX_N})")
    if not 1 <= r <= MAX_R:
        problems.append(f"r = {r} (1 to {MAX_R})")
    if not 1 <= p <= MAX_P:
        problems.append(f"p = {p} (1 to {MAX_P})")
    if not problems and 128 * r * n > MAX_KDF_MEMORY:
        problems.append(f"memory 128·r·n = {128 * r * n} bytes (at most {MAX_KDF_MEMORY})")
    if not problems and n * r * p > MAX_KDF_WORK:
        problems.append(f"work n·r·p = {n * r * p} (at most {MAX_KDF_WORK})")
    if not 16 <= len(salt) <= 64:
        problems.append(f"a salt of {len(salt)} bytes (16 to 64)")
    if problems:
        raise DamagedKeystore("the keystore asks for scrypt parameters out of bounds: "
                              + "; ".join(problems))


def _stretch(password: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    try:
        out = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(password.encode("utf-8"))
    except ValueError as e:
        raise DamagedKeystore(f"the keystore's scrypt parameters are invalid: {e}") from e
    return out[:32], out[32:]


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
