"""WeCom's callback crypto (channels/wecom/crypto.py) against Tencent's published samples, and
every way a ciphertext can be refused."""

from __future__ import annotations

import base64
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels.wecom.crypto import (
    BadCiphertext,
    BadKey,
    BadSignature,
    CryptoError,
    MsgCrypt,
    WrongReceiver,
    aes_key,
    pad,
    signature,
    unpad,
)

# The sample of WeCom's WXBizMsgCrypt libraries (Sample.py / Sample.cs / the Java test) and of
# the encryption guide (developer.work.weixin.qq.com/document/path/90968).
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP_ID = "wx5823bf96d3bd56c7"

VERIFY_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
VERIFY_TIMESTAMP = "1409659589"
VERIFY_NONCE = "263014780"
VERIFY_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)
VERIFY_PLAINTEXT = b"1616140317555161061"

POST_SIGNATURE = "477715d11cdb4164915debcba66cb864d751f3e6"
POST_TIMESTAMP = "1409659813"
POST_NONCE = "1372623149"
POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczcd"
    "CUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjv"
    "d4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnv"
    "w2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k2"
    "2Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoyy"
    "H2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
POST_BODY = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"
    f"<Encrypt><![CDATA[{POST_ENCRYPT}]]></Encrypt>"
    "<AgentID><![CDATA[218]]></AgentID></xml>"
)
# The plaintext the encryption guide gives for that POST.
POST_PLAINTEXT = (
    b"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
    b"<FromUserName><![CDATA[mycreate]]></FromUserName>\n"
    b"<CreateTime>1409659813</CreateTime>\n"
    b"<MsgType><![CDATA[text]]></MsgType>\n"
    b"<Content><![CDATA[hello]]></Content>\n"
    b"<MsgId>4561255354251345929</MsgId>\n"
    b"<AgentID>218</AgentID>\n"
    b"</xml>"
)


def sample() -> MsgCrypt:
    """The crypto of the sample application."""
    return MsgCrypt(TOKEN, AES_KEY, CORP_ID)


def raw_encrypt(plain: bytes, key: str = AES_KEY) -> str:
    """AES-256-CBC of bytes given as they are (no framing, no padding), base64: for forgeries."""
    secret = aes_key(key)
    encryptor = Cipher(algorithms.AES(secret), modes.CBC(secret[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def test_official_url_verification_vector() -> None:
    """The sample GET verifies and its echostr decrypts to the published plaintext."""
    crypt = sample()
    assert signature(TOKEN, VERIFY_TIMESTAMP, VERIFY_NONCE, VERIFY_ECHOSTR) == VERIFY_SIGNATURE
    plain = crypt.open(VERIFY_SIGNATURE, VERIFY_TIMESTAMP, VERIFY_NONCE, VERIFY_ECHOSTR)
    assert plain == VERIFY_PLAINTEXT


def test_official_post_vector() -> None:
    """The sample POST's signature matches and it decrypts to the guide's plaintext."""
    crypt = sample()
    assert crypt.sign(POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT) == POST_SIGNATURE
    assert crypt.open(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, POST_ENCRYPT) == POST_PLAINTEXT


def test_official_encryption_vector() -> None:
    """Tencent's Java sample test (WXBizMsgCryptTest, the same protocol with an AppID as the
    receive id) fixes the random prefix, so the ciphertext is known byte for byte."""
    crypt = MsgCrypt("pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")
    encrypted = crypt.encrypt("我是中文abcd123".encode(), random16=b"aaaabbbbccccdddd")
    assert encrypted == (
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    )
    assert crypt.decrypt(encrypted) == "我是中文abcd123".encode()


@pytest.mark.parametrize(
    "message", [b"", b"x", b"y" * 11, b"z" * 12, "中文消息".encode() * 40, POST_PLAINTEXT]
)
def test_round_trip(message: bytes) -> None:
    """What is sealed opens to the same bytes, whatever its length against the 32-byte block."""
    crypt = sample()
    encrypt, signed = crypt.seal(message, "1700000000", "nonce")
    assert len(base64.b64decode(encrypt)) % 32 == 0
    assert crypt.open(signed, "1700000000", "nonce", encrypt) == message


def test_each_encryption_has_its_own_random_prefix() -> None:
    """Two encryptions of one message differ (the 16 random bytes), and both decrypt."""
    crypt = sample()
    first, second = crypt.encrypt(b"same"), crypt.encrypt(b"same")
    assert first != second
    assert crypt.decrypt(first) == crypt.decrypt(second) == b"same"


def test_padding_is_to_32_byte_blocks() -> None:
    """PKCS#7 to 32 bytes: 1–32 bytes added, a whole block when already aligned."""
    assert pad(b"a" * 31) == b"a" * 31 + b"\x01"
    assert pad(b"a" * 32) == b"a" * 32 + b"\x20" * 32
    assert pad(b"") == b"\x20" * 32
    assert unpad(pad(b"abc")) == b"abc"


@pytest.mark.parametrize(
    "tampered",
    [
        ("signature", "0" * 40),
        ("signature", VERIFY_SIGNATURE.upper()[:-1] + "0"),
        ("timestamp", "1409659590"),
        ("nonce", "263014781"),
    ],
)
def test_bad_signature_is_refused(tampered: tuple[str, str]) -> None:
    """Any change of the signature, timestamp or nonce fails the signature check."""
    values = {
        "signature": VERIFY_SIGNATURE,
        "timestamp": VERIFY_TIMESTAMP,
        "nonce": VERIFY_NONCE,
    }
    values[tampered[0]] = tampered[1]
    with pytest.raises(BadSignature):
        sample().open(values["signature"], values["timestamp"], values["nonce"], VERIFY_ECHOSTR)


def test_an_altered_ciphertext_fails_its_signature() -> None:
    """One character of the ciphertext changed: refused before any decryption."""
    altered = ("Q" if POST_ENCRYPT[0] != "Q" else "R") + POST_ENCRYPT[1:]
    with pytest.raises(BadSignature):
        sample().open(POST_SIGNATURE, POST_TIMESTAMP, POST_NONCE, altered)


def test_signature_is_case_insensitive_hex() -> None:
    """The signature is hex: upper case written by some proxies still verifies."""
    sample().verify(VERIFY_SIGNATURE.upper(), VERIFY_TIMESTAMP, VERIFY_NONCE, VERIFY_ECHOSTR)


def test_wrong_receive_id_is_refused() -> None:
    """A message sealed for another corp decrypts but is refused for its receive id."""
    other = MsgCrypt(TOKEN, AES_KEY, "ww0000000000000000")
    encrypted = other.encrypt(b"<xml/>")
    with pytest.raises(WrongReceiver):
        sample().decrypt(encrypted)
    longer = MsgCrypt(TOKEN, AES_KEY, CORP_ID + "x").encrypt(b"<xml/>")
    with pytest.raises(WrongReceiver):
        sample().decrypt(longer)


def test_another_key_is_refused() -> None:
    """A ciphertext under another AES key does not decrypt to a valid message."""
    other = MsgCrypt(TOKEN, "a" * 43, CORP_ID)
    with pytest.raises((BadCiphertext, WrongReceiver)):
        sample().decrypt(other.encrypt(b"<xml>hello</xml>" * 3))


@pytest.mark.parametrize("last", [0, 33, 200])
def test_bad_padding_byte_is_refused(last: int) -> None:
    """A padding count of 0 or above 32 is not PKCS#7 to 32-byte blocks."""
    plain = b"\x00" * 16 + struct.pack(">I", 2) + b"hi" + CORP_ID.encode()
    block = plain + b"\x00" * (63 - len(plain)) + bytes([last])
    with pytest.raises(BadCiphertext, match="padding"):
        sample().decrypt(raw_encrypt(block))


def test_inconsistent_padding_is_refused() -> None:
    """Padding bytes that do not all repeat the count are refused."""
    plain = b"\x00" * 16 + struct.pack(">I", 2) + b"hi" + CORP_ID.encode()
    count = 64 - len(plain)
    block = plain + bytes([count]) * (count - 2) + b"\x01" + bytes([count])
    with pytest.raises(BadCiphertext, match="padding"):
        sample().decrypt(raw_encrypt(block))


def test_truncated_ciphertexts_are_refused() -> None:
    """Cut inside a block, cut by a whole block, or emptied: each refused as BadCiphertext."""
    raw = base64.b64decode(POST_ENCRYPT)
    crypt = sample()
    for cut in (raw[:-5], raw[:16], b""):
        with pytest.raises(BadCiphertext):
            crypt.decrypt(base64.b64encode(cut).decode())
    # cut by a whole 16-byte block: the padding at the end is gone
    with pytest.raises(CryptoError):
        crypt.decrypt(base64.b64encode(raw[:-16]).decode())


def test_a_length_running_past_the_end_is_refused() -> None:
    """A stated message length longer than what follows is refused, not read past."""
    plain = b"\x00" * 16 + struct.pack(">I", 5000) + b"short" + CORP_ID.encode()
    with pytest.raises(BadCiphertext, match="length"):
        sample().decrypt(raw_encrypt(pad(plain)))


def test_too_short_for_its_frame_is_refused() -> None:
    """Fewer than the 16 random bytes and 4 length bytes: refused."""
    with pytest.raises(BadCiphertext, match="shorter"):
        sample().decrypt(raw_encrypt(pad(b"\x00" * 10)))


@pytest.mark.parametrize("text", ["not base64!!", "abc", "A" * 15 + "="])
def test_non_base64_is_refused(text: str) -> None:
    """What is not base64 of whole AES blocks is refused."""
    with pytest.raises(BadCiphertext):
        sample().decrypt(text)


@pytest.mark.parametrize(
    "key", ["", "short", AES_KEY + "A", AES_KEY[:-1], AES_KEY[:-1] + "!", AES_KEY[:-1] + "="]
)
def test_bad_encoding_aes_key_is_refused(key: str) -> None:
    """An EncodingAESKey is 43 base64 characters; anything else is BadKey (a ValueError)."""
    with pytest.raises(BadKey):
        MsgCrypt(TOKEN, key, CORP_ID)
    with pytest.raises(ValueError, match="43"):
        aes_key(key)


def test_every_refusal_is_a_crypto_error() -> None:
    """The server can catch one base class and tell the kinds apart."""
    for kind in (BadKey, BadSignature, BadCiphertext, WrongReceiver):
        assert issubclass(kind, CryptoError)
