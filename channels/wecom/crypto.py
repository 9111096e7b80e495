"""WeCom's callback crypto (the WXBizMsgCrypt protocol), small, on `cryptography`.

A callback's `msg_signature` is the SHA-1 of the token, timestamp, nonce and ciphertext
sorted and joined; the ciphertext is AES-256-CBC under key = base64(EncodingAESKey + "="),
IV = key[:16], PKCS#7-padded to 32-byte blocks, of 16 random bytes, the message's length
(4 bytes, big-endian), the message and the receive id (the CorpID), which is checked.
Every refusal is a `CryptoError` subclass, so the server can answer each one by its kind.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import struct
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

#: WeCom pads to 32-byte blocks (not AES's 16).
BLOCK: Final = 32
_AES_KEY_SHAPE: Final = re.compile(r"[A-Za-z0-9+/]{43}")


class CryptoError(Exception):
    """A callback the crypto refuses."""


class BadKey(CryptoError, ValueError):
    """The EncodingAESKey is not 43 characters of base64 giving 32 bytes."""


class BadSignature(CryptoError):
    """The msg_signature does not match: not from WeCom, or altered on the way."""


class BadCiphertext(CryptoError):
    """The ciphertext is not base64, not whole blocks, badly padded or cut short."""


class WrongReceiver(CryptoError):
    """The message decrypts but names another receive id (another corp's message)."""


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """The msg_signature WeCom computes: SHA-1 of the four values sorted and joined, lower hex."""
    joined = "".join(sorted((token, timestamp, nonce, encrypt)))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key an EncodingAESKey stands for, or BadKey."""
    if not _AES_KEY_SHAPE.fullmatch(encoding_aes_key):
        raise BadKey("an EncodingAESKey is 43 characters of A-Z, a-z, 0-9, + and /")
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:  # cannot happen for 43 such characters; kept as the protocol's rule
        raise BadKey("an EncodingAESKey must decode to 32 bytes")
    return key


def pad(data: bytes) -> bytes:
    """PKCS#7 padding to WeCom's 32-byte blocks (a whole block when already aligned)."""
    count = BLOCK - len(data) % BLOCK
    return data + bytes([count]) * count


def unpad(data: bytes) -> bytes:
    """Strips PKCS#7 padding of 1–32 bytes, or BadCiphertext."""
    if not data:
        raise BadCiphertext("nothing to unpad")
    count = data[-1]
    if not 1 <= count <= BLOCK or count > len(data) or data[-count:] != bytes([count]) * count:
        raise BadCiphertext("bad padding")
    return data[:-count]


class MsgCrypt:
    """One application's callback crypto: its token, AES key and receive id (the CorpID)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self._token = token
        self._key = aes_key(encoding_aes_key)
        self._receive_id = receive_id.encode("utf-8")

    def sign(self, timestamp: str, nonce: str, encrypt: str) -> str:
        """The msg_signature of a ciphertext under this application's token."""
        return signature(self._token, timestamp, nonce, encrypt)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        """Checks a signature in constant time, or BadSignature."""
        expected = self.sign(timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected, msg_signature.strip().lower()):
            raise BadSignature("msg_signature does not match")

    def _cipher(self) -> Cipher[modes.CBC]:
        """AES-256-CBC with the IV WeCom uses: the key's first 16 bytes (`cryptography` loaded
        here, not at import: the settings check keys with this module, and a bot without
        WeCom need not carry the library)."""
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, message: bytes, random16: bytes | None = None) -> str:
        """The base64 ciphertext of a message, as WeCom sends one (random prefix by default)."""
        prefix = os.urandom(16) if random16 is None else random16
        if len(prefix) != 16:
            raise ValueError("the random prefix is 16 bytes")
        plain = prefix + struct.pack(">I", len(message)) + message + self._receive_id
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(pad(plain)) + encryptor.finalize()).decode()

    def decrypt(self, encrypt: str) -> bytes:
        """The message inside a ciphertext, its receive id checked; else a CryptoError."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError):
            raise BadCiphertext("not base64") from None
        if not raw or len(raw) % 16:
            raise BadCiphertext("not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = unpad(decryptor.update(raw) + decryptor.finalize())
        if len(plain) < 20:
            raise BadCiphertext("shorter than its random prefix and length")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise BadCiphertext("the stated length runs past the end")
        if not hmac.compare_digest(plain[20 + length :], self._receive_id):
            raise WrongReceiver("the message is for another receive id")
        return plain[20 : 20 + length]

    def open(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> bytes:
        """Verifies, then decrypts, a callback's ciphertext."""
        self.verify(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    def seal(self, message: bytes, timestamp: str, nonce: str) -> tuple[str, str]:
        """Encrypts and signs a message: (encrypt, msg_signature), as WeCom would send it."""
        encrypt = self.encrypt(message)
        return encrypt, self.sign(timestamp, nonce, encrypt)
