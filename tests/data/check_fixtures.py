#!/usr/bin/env python3
"""Check every case in tokens/independent.json against a small reference verifier.

Run from the repository root after generate_fixtures.py:

    python3 tests/data/check_fixtures.py

Requires `pip install cryptography`. This script reads only the files written
by generate_fixtures.py and shares no code with it. For each case it collects
every rule the token breaks and checks that:

- a case expected "valid" breaks no rule;
- any other case breaks exactly the rule named by "expect", so that the
  expected error does not depend on the order in which a verifier runs its
  checks. The only exception is a token whose alg is not RS256: the signature
  check is skipped for it, because a verifier must reject the algorithm first.

Rules of the reference verifier:

- the token has three dot-separated base64url segments and a JSON object header
  and payload, otherwise "malformed_token";
- header "alg" is "RS256", otherwise "unsupported_algorithm";
- header "kid" names an RSA key of at least 2048 bits, otherwise "unknown_key";
- the RSASSA-PKCS1-v1_5 SHA-256 signature verifies, otherwise "invalid_signature";
- exp, iss and aud are present, otherwise "missing_claim";
- now <= exp + leeway, otherwise "expired";
- nbf is absent or nbf <= now + leeway, otherwise "not_yet_valid";
- iss equals the expected issuer exactly, otherwise "invalid_issuer";
- aud, a string or an array of strings, contains one of the expected
  audiences, otherwise "invalid_audience".
"""

import base64
import binascii
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DATA_DIR = Path(__file__).resolve().parent
MIN_MODULUS_BITS = 2048


def b64url_decode(segment: str) -> bytes:
    if "=" in segment:
        raise ValueError("padding is not allowed in base64url segments")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def decode_json_object(segment: str) -> dict:
    value = json.loads(b64url_decode(segment))
    if not isinstance(value, dict):
        raise ValueError("segment is not a JSON object")
    return value


def load_usable_keys(jwks_path: Path) -> dict:
    """Return kid -> RSA public key for the keys of the JWK Set that a verifier may use."""
    usable = {}
    for jwk in json.loads(jwks_path.read_text(encoding="utf-8"))["keys"]:
        if jwk.get("kty") != "RSA":
            continue
        n = int.from_bytes(b64url_decode(jwk["n"]), "big")
        e = int.from_bytes(b64url_decode(jwk["e"]), "big")
        if n.bit_length() < MIN_MODULUS_BITS:
            continue
        usable[jwk["kid"]] = rsa.RSAPublicNumbers(e, n).public_key()
    return usable


def broken_rules(case: dict) -> set:
    """Return the set of error codes that the case's token triggers."""
    segments = case["token"].split(".")
    if len(segments) != 3:
        return {"malformed_token"}
    try:
        header = decode_json_object(segments[0])
        claims = decode_json_object(segments[1])
        signature = b64url_decode(segments[2])
    except (ValueError, binascii.Error):
        return {"malformed_token"}

    if header.get("alg") != "RS256":
        return {"unsupported_algorithm"}

    errors = set()
    key = load_usable_keys(DATA_DIR / case["jwks"]).get(header.get("kid"))
    if key is None:
        errors.add("unknown_key")
    else:
        signing_input = f"{segments[0]}.{segments[1]}".encode("ascii")
        try:
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            errors.add("invalid_signature")

    now = case["now"]
    leeway = case["leeway"]
    if not all(name in claims for name in ("exp", "iss", "aud")):
        errors.add("missing_claim")
    if "exp" in claims and now > claims["exp"] + leeway:
        errors.add("expired")
    if "nbf" in claims and claims["nbf"] > now + leeway:
        errors.add("not_yet_valid")
    if "iss" in claims and claims["iss"] != case["issuer"]:
        errors.add("invalid_issuer")
    if "aud" in claims:
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if not set(audiences) & set(case["audience"]):
            errors.add("invalid_audience")
    return errors


def main() -> int:
    cases = json.loads((DATA_DIR / "tokens" / "independent.json").read_text(encoding="utf-8"))
    failures = 0
    for case in cases:
        errors = broken_rules(case)
        expected = set() if case["expect"] == "valid" else {case["expect"]}
        status = "ok" if errors == expected else "MISMATCH"
        if errors != expected:
            failures += 1
        print(f"{status:8} {case['name']}: expect {case['expect']}, reference verifier found {sorted(errors) or 'no error'}")
    print(f"{len(cases) - failures} of {len(cases)} cases match")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
