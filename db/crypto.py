"""Personal data at rest (个人信息保护): encryption, keyed hashes, phone numbers and masking.

Respondents' names and phone numbers are stored only as AES-GCM ciphertext (``*_enc``
columns) or as keyed hashes (``*_hash`` columns, for de-duplication and the do-not-call
list). On screen they appear only masked (``138****5678``, ``张*``); bundles never carry them.

The master key comes from ``APPRAISAL_SECRET_KEY`` (base64 of 32 bytes) or, when that is
empty, from ``$APPRAISAL_DATA_DIR/secret.key``, generated on first use with mode 0600.
Two subkeys are derived from it with HKDF-SHA256, one for encryption and one for hashing,
so that neither use weakens the other. Losing the key makes the encrypted data unreadable:
back it up together with the database.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hmac
import os
import re
import secrets
import unicodedata
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import config

KEY_BYTES = 32
KEY_FILE_NAME = "secret.key"
NONCE_BYTES = 12
# First byte of every ciphertext: the format, so that a later key rotation or cipher
# change can tell old values from new ones.
FORMAT_V1 = b"\x01"
_ENC_INFO = b"appraisal/personal-data/aes-256-gcm/v1"
_HASH_INFO = b"appraisal/keyed-hash/hmac-sha256/v1"


class SecretKeyError(ValueError):
    """The configured key is unusable (bad base64, wrong length, unreadable key file)."""


class DecryptionError(ValueError):
    """A value cannot be decrypted: wrong key or corrupted data."""


class InvalidPhoneError(ValueError):
    """Not a mainland China mobile number (中国大陆手机号)."""


# ---------------------------------------------------------------- keys


class Keyring:
    """The two subkeys derived from one master key: AES-256-GCM and HMAC-SHA256."""

    __slots__ = ("_aead", "_hash_key")

    def __init__(self, master: bytes) -> None:
        if len(master) != KEY_BYTES:
            raise SecretKeyError(f"the secret key must be {KEY_BYTES} bytes, got {len(master)}")
        self._aead = AESGCM(_derive(master, _ENC_INFO))
        self._hash_key = _derive(master, _HASH_INFO)

    def encrypt(self, text: str) -> bytes:
        """Ciphertext of ``text``: format byte, a fresh random nonce, then ciphertext and tag."""
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_V1 + nonce + self._aead.encrypt(nonce, text.encode("utf-8"), FORMAT_V1)

    def decrypt(self, blob: bytes) -> str:
        """The text that :meth:`encrypt` turned into ``blob``."""
        blob = bytes(blob)  # PostgreSQL drivers hand back memoryview
        if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT_V1:
            raise DecryptionError("not an encrypted value of this platform (unknown format)")
        nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, FORMAT_V1).decode("utf-8")
        except InvalidTag:
            raise DecryptionError(
                "cannot decrypt: the value was encrypted with another key (was APPRAISAL_SECRET_KEY "
                "or secret.key changed?) or it is corrupted"
            ) from None

    def keyed_hash(self, value: str, purpose: str = "phone") -> str:
        """HMAC-SHA256 of ``value`` as hex; ``purpose`` separates hashes of different kinds."""
        message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
        # the one-shot form: the same HMAC in about half the time of hmac.new (bulk loads)
        return hmac.digest(self._hash_key, message, "sha256").hex()


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


def generate_key() -> str:
    """A new random master key in the form ``APPRAISAL_SECRET_KEY`` expects (base64)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def parse_key(text: str, source: str = "APPRAISAL_SECRET_KEY") -> bytes:
    """The 32 key bytes of a base64 text (standard or URL-safe alphabet)."""
    cleaned = "".join(text.split())
    try:
        raw = base64.b64decode(cleaned.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise SecretKeyError(
            f"{source} is not valid base64 (generate one with: openssl rand -base64 32)"
        ) from None
    if len(raw) != KEY_BYTES:
        raise SecretKeyError(f"{source} must decode to {KEY_BYTES} bytes, it decodes to {len(raw)}")
    return raw


def key_file_path() -> Path:
    """Where the local key lives when ``APPRAISAL_SECRET_KEY`` is empty."""
    return config.data_dir() / KEY_FILE_NAME


def _read_or_create_key_file(path: Path) -> bytes:
    if path.exists():
        return parse_key(path.read_text(encoding="ascii"), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a private temporary file, then linked into place: the link fails if
    # another process won the race, and nobody ever reads a half-written key.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(generate_key() + "\n")
            f.flush()
            os.fsync(f.fileno())
        # FileExistsError: another process created it first, and theirs is used
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return parse_key(path.read_text(encoding="ascii"), str(path))


@functools.lru_cache(maxsize=8)
def _keyring_for(secret: str, key_file: str) -> Keyring:
    if secret:
        return Keyring(parse_key(secret))
    return Keyring(_read_or_create_key_file(Path(key_file)))


def default_keyring() -> Keyring:
    """The keyring of the configured key (re-read when the settings change, e.g. in tests)."""
    return _keyring_for(config.SECRET_KEY.get().strip(), str(key_file_path()))


def encrypt(text: str) -> bytes:
    """Encrypt personal data with the configured key (AES-GCM, random nonce per value)."""
    return default_keyring().encrypt(text)


def decrypt(blob: bytes) -> str:
    """Decrypt a value written by :func:`encrypt`; :class:`DecryptionError` on a wrong key."""
    return default_keyring().decrypt(blob)


def keyed_hash(value: str, purpose: str = "phone") -> str:
    """Keyed hash (HMAC-SHA256, hex) for de-duplication: equal inputs give equal hashes, but
    without the key nobody can test the 10^8 possible numbers against a stored hash.
    Normalize phone numbers first (:func:`normalize_cn_mobile`) or use :func:`phone_hash`."""
    return default_keyring().keyed_hash(value, purpose)


def phone_hash(text: str) -> str:
    """Keyed hash of a phone number in any accepted spelling (``138 1234 5678``, ``+86...``)."""
    return keyed_hash(normalize_cn_mobile(text))


# ---------------------------------------------------------------- phone numbers

_SEPARATORS = re.compile(r"[\s\-().·]")
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalize_cn_mobile(text: str) -> str:
    """A mainland China mobile number in E.164 form, ``+8613812345678``.

    Accepts spaces, hyphens, dots and brackets, full-width digits (１３８…), and the
    prefixes ``+86``, ``0086`` and ``86``. Landlines and foreign numbers are refused
    with :class:`InvalidPhoneError`, whose message does not repeat the number.
    """
    s = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))
    if not s:
        raise InvalidPhoneError("no phone number given")
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif s.startswith("86") and len(s) == 13:
        s = s[2:]
    elif s.startswith("+"):
        raise InvalidPhoneError("only mainland China mobile numbers (+86) are accepted")
    if not s.isdigit():
        raise InvalidPhoneError(
            "a phone number may hold only digits, spaces, hyphens and a +86 or 0086 prefix"
        )
    if not _CN_MOBILE.fullmatch(s):
        raise InvalidPhoneError(
            f"not a mainland China mobile number: expected 11 digits starting with 13–19, got {len(s)} "
            f"digits{' starting with ' + s[:2] if len(s) >= 2 else ''} (landlines are not accepted)"
        )
    return "+86" + s


# ---------------------------------------------------------------- masking (what screens show)


def mask_phone(text: str | None) -> str:
    """The on-screen form of a phone number: ``+8613812345678`` → ``138****5678``.

    Never raises: whatever cannot be read as a mobile number keeps at most its first
    three and last four digits (``027****1234``), and very short input shows as ``****``.
    """
    if not text:
        return ""
    try:
        digits = normalize_cn_mobile(text)[3:]
    except InvalidPhoneError:
        digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())
        if len(digits) < 8:
            return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str | None) -> str:
    """The on-screen form of a person's name: the first character, the rest as ``*``
    (``张伟`` → ``张*``, ``欧阳娜娜`` → ``欧***``); a one-character name shows as ``*``."""
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)
