"""core.keys: EdDSA access tokens, JWKS, rotation, and the forged tokens it refuses."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.clock import TestClock
from core.errors import Unauthenticated
from core.keys import KeyStore

ISS, AUD = "https://trading.test", "trading-api"
CLAIMS = {"sub": "u1", "email": "a@example.com", "roles": ["user"], "plan": "free"}


@pytest.fixture
def clock() -> TestClock:
    return TestClock()


@pytest.fixture
def keys(clock: TestClock) -> KeyStore:
    return KeyStore.ephemeral(ISS, AUD, clock)


def reason(keys: KeyStore, token: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        keys.verify_access_token(token)
    return caught.value.reason


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def resign(keys: KeyStore, token: str, **changes: object) -> str:
    """The same token with changed claims, signed again with the store's real key."""
    payload = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    key = keys.active()
    return jwt.encode(payload, key.private, algorithm="EdDSA", headers={"kid": key.kid, "typ": "at+jwt"})


def test_signed_token_verifies_with_its_claims(keys: KeyStore) -> None:
    claims = keys.verify_access_token(keys.sign_access_token(CLAIMS))
    assert claims["sub"] == "u1"
    assert claims["iss"] == ISS
    assert claims["aud"] == AUD
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]


def test_jwks_publishes_the_public_key_that_verifies(keys: KeyStore) -> None:
    token = keys.sign_access_token(CLAIMS)
    [jwk] = keys.jwks()["keys"]
    assert jwk["kty"] == "OKP"
    assert jwk["crv"] == "Ed25519"
    assert jwk["alg"] == "EdDSA"
    assert jwt.get_unverified_header(token)["kid"] == jwk["kid"]
    public = jwt.PyJWK(jwk).key
    assert (
        jwt.decode(token, public, algorithms=["EdDSA"], audience=AUD, options={"verify_exp": False})["sub"]
        == "u1"
    )


def test_alg_none_is_refused(keys: KeyStore) -> None:
    token = keys.sign_access_token(CLAIMS)
    payload = jwt.decode(token, options={"verify_signature": False})
    forged = f"{b64({'alg': 'none', 'typ': 'at+jwt', 'kid': keys.active().kid})}.{b64(payload)}."
    assert reason(keys, forged) == "TOKEN_ALGORITHM_NOT_ALLOWED"


def test_hs256_signed_with_the_public_key_is_refused(keys: KeyStore) -> None:
    token = keys.sign_access_token(CLAIMS)
    payload = jwt.decode(token, options={"verify_signature": False})
    public_pem = keys.active().public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "at+jwt", "kid": keys.active().kid}
    signing = f"{b64(header)}.{b64(payload)}".encode()
    import hashlib
    import hmac

    sig = (
        base64.urlsafe_b64encode(hmac.new(public_pem, signing, hashlib.sha256).digest()).rstrip(b"=").decode()
    )
    assert reason(keys, f"{signing.decode()}.{sig}") == "TOKEN_ALGORITHM_NOT_ALLOWED"


def test_unknown_kid_is_refused(keys: KeyStore) -> None:
    other = Ed25519PrivateKey.generate()
    payload = jwt.decode(keys.sign_access_token(CLAIMS), options={"verify_signature": False})
    forged = jwt.encode(payload, other, algorithm="EdDSA", headers={"kid": "someone-else", "typ": "at+jwt"})
    assert reason(keys, forged) == "TOKEN_UNKNOWN_KEY"


def test_a_token_signed_by_another_key_under_our_kid_is_refused(keys: KeyStore) -> None:
    other = Ed25519PrivateKey.generate()
    payload = jwt.decode(keys.sign_access_token(CLAIMS), options={"verify_signature": False})
    forged = jwt.encode(
        payload, other, algorithm="EdDSA", headers={"kid": keys.active().kid, "typ": "at+jwt"}
    )
    assert reason(keys, forged) == "TOKEN_BAD_SIGNATURE"


def test_expired_token_is_refused(keys: KeyStore, clock: TestClock) -> None:
    token = keys.sign_access_token(CLAIMS)
    clock.advance(901 + keys.leeway_s)
    assert reason(keys, token) == "TOKEN_EXPIRED"


def test_not_yet_valid_token_is_refused(keys: KeyStore, clock: TestClock) -> None:
    token = resign(keys, keys.sign_access_token(CLAIMS), nbf=int(clock.now().timestamp()) + 600)
    assert reason(keys, token) == "TOKEN_NOT_YET_VALID"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"aud": "someone-else"}, "TOKEN_BAD_AUDIENCE"),
        ({"iss": "https://evil.test"}, "TOKEN_BAD_ISSUER"),
        ({"token_use": "refresh"}, "TOKEN_WRONG_TYPE"),
    ],
)
def test_wrong_audience_issuer_or_use_is_refused(keys: KeyStore, change: dict, expected: str) -> None:
    assert reason(keys, resign(keys, keys.sign_access_token(CLAIMS), **change)) == expected


def test_wrong_typ_header_is_refused(keys: KeyStore) -> None:
    payload = jwt.decode(keys.sign_access_token(CLAIMS), options={"verify_signature": False})
    key = keys.active()
    token = jwt.encode(payload, key.private, algorithm="EdDSA", headers={"kid": key.kid, "typ": "JWT"})
    assert reason(keys, token) == "TOKEN_WRONG_TYPE"


def test_garbage_is_refused(keys: KeyStore) -> None:
    assert reason(keys, "not-a-jwt") == "TOKEN_MALFORMED"


def kids(keys: KeyStore) -> set[str]:
    return {k["kid"] for k in keys.jwks()["keys"]}


def signer(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def test_a_rotated_in_key_is_published_at_once_but_signs_only_after_the_publish_delay(
    keys: KeyStore, clock: TestClock
) -> None:
    old_kid = keys.active().kid
    assert keys.publish_delay_s == 90  # longer than Envoy caches the JWKS (60 s, app/envoy.py)
    new = keys.rotate()
    assert kids(keys) == {old_kid, new.kid}  # a verifier that fetches the JWKS now learns it ...
    clock.advance(keys.publish_delay_s - 1)
    assert signer(keys.sign_access_token(CLAIMS)) == old_kid  # ... before any token carries it
    assert keys.active().kid == old_kid
    clock.advance(1)
    token = keys.sign_access_token(CLAIMS)
    assert signer(token) == new.kid
    assert keys.verify_access_token(token)["sub"] == "u1"


def test_a_rotated_out_key_verifies_for_the_overlap_then_leaves_the_jwks(
    keys: KeyStore, clock: TestClock
) -> None:
    old_kid = keys.active().kid
    new = keys.rotate()
    clock.advance(keys.publish_delay_s - 1)
    last_old = keys.sign_access_token(CLAIMS)  # the old key's last token
    assert signer(last_old) == old_kid
    clock.advance(1)  # the new key signs from here on; the overlap starts
    assert signer(keys.sign_access_token(CLAIMS)) == new.kid
    clock.advance(keys.access_ttl_s - 10)
    assert keys.verify_access_token(last_old)["sub"] == "u1"
    clock.advance(keys.overlap_s - keys.access_ttl_s + 10)  # the overlap's last second
    assert old_kid in kids(keys)
    assert reason(keys, last_old) == "TOKEN_EXPIRED"  # the key still verifies; the token is old
    clock.advance(1)
    assert kids(keys) == {new.kid}
    assert reason(keys, last_old) == "TOKEN_UNKNOWN_KEY"


def test_the_first_key_signs_at_once_and_rotations_in_a_row_take_turns(
    keys: KeyStore, clock: TestClock
) -> None:
    first = keys.active()
    assert signer(keys.sign_access_token(CLAIMS)) == first.kid
    second = keys.rotate()
    clock.advance(30)
    third = keys.rotate()
    assert kids(keys) == {first.kid, second.kid, third.kid}
    clock.advance(keys.publish_delay_s - 30)
    assert keys.active().kid == second.kid
    clock.advance(30)
    assert keys.active().kid == third.kid


def test_keys_persist_in_a_private_directory(tmp_path: Path, clock: TestClock) -> None:
    folder = tmp_path / "keys"
    first = KeyStore(folder, ISS, AUD, clock)
    token = first.sign_access_token(CLAIMS)
    [pem] = list(folder.glob("*.pem"))
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    second = KeyStore(folder, ISS, AUD, clock)
    assert second.verify_access_token(token)["sub"] == "u1"
    assert second.active().kid == first.active().kid


def test_a_token_verified_before_is_still_refused_once_expired(keys: KeyStore, clock: TestClock) -> None:
    token = keys.sign_access_token(CLAIMS)
    assert keys.verify_access_token(token)["sub"] == "u1"  # verified and remembered
    clock.advance(901 + keys.leeway_s)
    assert reason(keys, token) == "TOKEN_EXPIRED"


def test_claims_a_caller_changes_do_not_change_the_next_verification(keys: KeyStore) -> None:
    token = keys.sign_access_token(CLAIMS)
    first = keys.verify_access_token(token)
    first["sub"] = "someone else"
    first["roles"].append("admin")
    again = keys.verify_access_token(token)
    assert (again["sub"], again["roles"]) == ("u1", ["user"])
