"""The ledger's Ed25519 signing key: created at first use, private file (0600), public key exportable.

Creation is safe against concurrent first use by several processes: the key is written to a
private temporary file and linked into place, so exactly one key wins and everyone reads it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from dualcheck.errors import ConfigError
from dualcheck.ledger.offline import key_id_of, load_public_key, raw_public_bytes
from dualcheck.ledger.settings import ledger_settings

_lock = threading.Lock()
_cache: dict[Path, SigningKey] = {}


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    key_id: str
    public_pem: str

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def _from_private(private: Ed25519PrivateKey) -> SigningKey:
    public = private.public_key()
    pem = public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    return SigningKey(private, key_id_of(public.public_bytes(Encoding.Raw, PublicFormat.Raw)), pem)


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # atomic and refuses to overwrite: the first process to get here wins
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def signing_key(path: Path | None = None, *, create: bool = True) -> SigningKey:
    """The signing key at ``path`` (default from the settings), created on first use."""
    path = (path or ledger_settings().effective_key_file).resolve()
    with _lock:
        cached = _cache.get(path)
        if cached is not None:
            return cached
        if not path.exists():
            if not create:
                raise ConfigError(f"ledger signing key {path}: not found")
            try:
                _create(path)
            except OSError as exc:
                raise ConfigError(f"ledger signing key {path}: cannot create ({exc.strerror})") from None
        if path.stat().st_mode & 0o077:
            raise ConfigError(f"ledger signing key {path}: readable by others; chmod 600 it")
        try:
            private = load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"ledger signing key {path}: unreadable ({exc})") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise ConfigError(f"ledger signing key {path}: not an Ed25519 key")
        key = _cache[path] = _from_private(private)
        return key


def public_key_id(pem: str | bytes) -> str:
    """Key id of a PEM public key (raises ValueError if it is not Ed25519)."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    return key_id_of(raw_public_bytes(load_public_key(data)))


def forget_keys() -> None:
    with _lock:
        _cache.clear()
