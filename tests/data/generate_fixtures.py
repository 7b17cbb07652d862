#!/usr/bin/env python3
"""Generate the RSA test keys, JWK Sets and JWT cases under tests/data.

Run from the repository root:

    python3 tests/data/generate_fixtures.py [--regenerate-keys]

Requires `pip install cryptography joserfc`. The JWTs are built by hand from
base64url and JSON, and signed with `cryptography`, so they do not depend on
the Rust code under test. A few tokens are signed with `joserfc` as a second,
independent signer.

Existing keys in keys/ are reused, so a rerun rewrites the same bytes:
RSASSA-PKCS1-v1_5 signatures are deterministic and the certificates use fixed
serial numbers and validity dates. Pass --regenerate-keys to create new keys,
which changes every n, certificate and signature.

All keys written here are TEST keys. Never use them to protect anything.
"""

import argparse
import base64
import datetime
import hashlib
import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from joserfc import jwt as joserfc_jwt
from joserfc.jwk import RSAKey as JoserfcRSAKey

DATA_DIR = Path(__file__).resolve().parent
KEYS_DIR = DATA_DIR / "keys"
JWKS_DIR = DATA_DIR / "jwks"
TOKENS_DIR = DATA_DIR / "tokens"

# Fixed verification time for every case: 2026-01-01T00:00:00Z.
BASE_TIME = 1767225600
LEEWAY_SECONDS = 60
ISSUED_AT = BASE_TIME - 10
LIFETIME_SECONDS = 300

ISSUER = "https://acscallautomation.communication.azure.com"
AUDIENCE = "4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b"
OTHER_AUDIENCE = "0c7d2e91-5b3a-4f8e-a6d4-9e1b3c5f7a20"

# Key ids of the two keys in jwks/acs.json, 40 characters each.
ACS_KID_A = "acs-2026-a-Q7mK2pL9vR4tW8zN3bF6hJ1dS5gC0"
ACS_KID_B = "acs-2026-b-X3nT8cV1qM6wZ9kR2hB5yG7pD4fL0"
UNKNOWN_KID = "acs-2026-z-U5jH2kN8rT1wQ4mC7vB0xL3pF6dS9"

# File stem and key id -> (modulus size in bits, public exponent).
KEY_SPECS = {
    "rsa2048-a": (2048, 65537),
    "rsa2048-b": (2048, 65537),
    "rsa3072": (3072, 65537),
    "rsa4096": (4096, 65537),
    "rsa1024": (1024, 65537),
    "rsa2047": (2047, 65537),
    "rsa2048-e3": (2048, 3),
}

# Fixed certificate fields, so that reruns with the same keys give the same DER.
CERT_NOT_BEFORE = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
CERT_NOT_AFTER = datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc)


def b64url(data: bytes) -> str:
    """Encode bytes as unpadded base64url (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def uint_to_b64url(value: int) -> str:
    """Encode a positive integer in the minimum number of big-endian octets."""
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def compact_json(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def sign_pkcs1v15(key: rsa.RSAPrivateKey, signing_input: bytes, digest=None) -> str:
    """Sign with RSASSA-PKCS1-v1_5 (SHA-256 unless digest is given) and return base64url."""
    digest = digest or hashes.SHA256()
    return b64url(key.sign(signing_input, padding.PKCS1v15(), digest))


def build_token(key, header: dict, payload, digest=None) -> str:
    """Build a compact JWS. payload is a dict, or bytes used verbatim as the payload JSON."""
    payload_bytes = payload if isinstance(payload, bytes) else compact_json(payload)
    signing_input = f"{b64url(compact_json(header))}.{b64url(payload_bytes)}".encode("ascii")
    return f"{signing_input.decode('ascii')}.{sign_pkcs1v15(key, signing_input, digest)}"


def build_joserfc_token(key: rsa.RSAPrivateKey, kid: str, claims: dict) -> str:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    header = {"alg": "RS256", "kid": kid, "typ": "JWT"}
    return joserfc_jwt.encode(header, claims, JoserfcRSAKey.import_key(pem))


def acs_header(kid: str) -> dict:
    return {"alg": "RS256", "kid": kid, "typ": "JWT"}


def acs_claims(iat: int = ISSUED_AT, lifetime: int = LIFETIME_SECONDS, **overrides) -> dict:
    """Return ACS-shaped claims with nbf = iat and exp = iat + lifetime. Overrides replace or add claims."""
    claims = {"aud": AUDIENCE, "iss": ISSUER, "iat": iat, "nbf": iat, "exp": iat + lifetime}
    claims.update(overrides)
    return claims


def load_or_generate_keys(regenerate: bool) -> dict:
    KEYS_DIR.mkdir(parents=True, exist_ok=True)
    keys = {}
    for name, (bits, exponent) in KEY_SPECS.items():
        path = KEYS_DIR / f"{name}.pem"
        if path.exists() and not regenerate:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        else:
            key = rsa.generate_private_key(public_exponent=exponent, key_size=bits)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            path.write_bytes(pem)

        numbers = key.public_key().public_numbers()
        if numbers.n.bit_length() != bits or numbers.e != exponent:
            raise SystemExit(
                f"{path}: expected a {bits}-bit modulus and e={exponent}, "
                f"found {numbers.n.bit_length()} bits and e={numbers.e}; "
                "rerun with --regenerate-keys"
            )
        keys[name] = key
    return keys


def self_signed_certificate(key: rsa.RSAPrivateKey, common_name: str, serial: int) -> bytes:
    """Return the DER encoding of a self-signed certificate for key."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(CERT_NOT_BEFORE)
        .not_valid_after(CERT_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict:
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "n": uint_to_b64url(numbers.n), "e": uint_to_b64url(numbers.e)}


def acs_jwk(key: rsa.RSAPrivateKey, kid: str, common_name: str, serial: int) -> dict:
    """Return a JWK shaped like an Azure Communication Services signing key, with x5t and x5c."""
    der = self_signed_certificate(key, common_name, serial)
    jwk = public_jwk(key, kid)
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": jwk["n"],
        "e": jwk["e"],
        # x5t is the base64url SHA-1 thumbprint of the DER certificate (RFC 7517 section 4.8).
        "x5t": b64url(hashlib.sha1(der).digest()),
        # x5c contains standard (not url-safe) base64 DER (RFC 7517 section 4.7).
        "x5c": [base64.b64encode(der).decode("ascii")],
    }


def build_acs_cases(keys: dict) -> list:
    key_a = keys["rsa2048-a"]
    key_b = keys["rsa2048-b"]
    cases = []

    def add(name, token, expect):
        cases.append({"name": name, "token": token, "jwks": "jwks/acs.json", "expect": expect})

    add("acs_key_a_valid", build_token(key_a, acs_header(ACS_KID_A), acs_claims()), "valid")
    add("acs_key_b_valid", build_token(key_b, acs_header(ACS_KID_B), acs_claims()), "valid")
    add("lifetime_24h_valid", build_token(key_a, acs_header(ACS_KID_A), acs_claims(lifetime=86400)), "valid")
    add("aud_array_valid", build_token(key_a, acs_header(ACS_KID_A), acs_claims(aud=[AUDIENCE])), "valid")
    add(
        "aud_array_second_entry_valid",
        build_token(key_b, acs_header(ACS_KID_B), acs_claims(aud=[OTHER_AUDIENCE, AUDIENCE])),
        "valid",
    )

    # Hand-written payload: "\/" is a valid JSON escape for "/", so the decoded issuer matches.
    escaped_issuer_payload = (
        '{"aud":"%s","iss":"https:\\/\\/acscallautomation.communication.azure.com",'
        '"iat":%d,"nbf":%d,"exp":%d}' % (AUDIENCE, ISSUED_AT, ISSUED_AT, ISSUED_AT + LIFETIME_SECONDS)
    ).encode("ascii")
    add("iss_escaped_slashes_valid", build_token(key_a, acs_header(ACS_KID_A), escaped_issuer_payload), "valid")

    add("exp_float_valid", build_token(key_a, acs_header(ACS_KID_A), acs_claims(exp=1767225900.5)), "valid")

    # exp 61 s before now is 1 s past the 60 s leeway, but exp 59 s before now is still inside it.
    expired_exp = BASE_TIME - LEEWAY_SECONDS - 1
    add(
        "expired_beyond_leeway",
        build_token(key_a, acs_header(ACS_KID_A), acs_claims(iat=expired_exp - LIFETIME_SECONDS)),
        "expired",
    )
    within_leeway_exp = BASE_TIME - LEEWAY_SECONDS + 1
    add(
        "expired_within_leeway_valid",
        build_token(key_a, acs_header(ACS_KID_A), acs_claims(iat=within_leeway_exp - LIFETIME_SECONDS)),
        "valid",
    )

    future_nbf = BASE_TIME + LEEWAY_SECONDS + 1
    add(
        "nbf_beyond_leeway",
        build_token(key_a, acs_header(ACS_KID_A), acs_claims(nbf=future_nbf, exp=future_nbf + LIFETIME_SECONDS)),
        "not_yet_valid",
    )
    near_nbf = BASE_TIME + LEEWAY_SECONDS - 1
    add(
        "nbf_within_leeway_valid",
        build_token(key_a, acs_header(ACS_KID_A), acs_claims(nbf=near_nbf, exp=near_nbf + LIFETIME_SECONDS)),
        "valid",
    )

    add("wrong_audience", build_token(key_a, acs_header(ACS_KID_A), acs_claims(aud=OTHER_AUDIENCE)), "invalid_audience")
    add(
        "wrong_audience_array",
        build_token(key_a, acs_header(ACS_KID_A), acs_claims(aud=[OTHER_AUDIENCE])),
        "invalid_audience",
    )
    add(
        "wrong_issuer",
        build_token(key_a, acs_header(ACS_KID_A), acs_claims(iss="https://issuer.example.com")),
        "invalid_issuer",
    )
    add(
        "issuer_trailing_slash",
        build_token(key_a, acs_header(ACS_KID_A), acs_claims(iss=ISSUER + "/")),
        "invalid_issuer",
    )

    claims_without_exp = acs_claims()
    del claims_without_exp["exp"]
    add("missing_exp", build_token(key_a, acs_header(ACS_KID_A), claims_without_exp), "missing_claim")

    add("kid_a_signed_with_key_b", build_token(key_b, acs_header(ACS_KID_A), acs_claims()), "invalid_signature")
    add("unknown_kid", build_token(key_a, acs_header(UNKNOWN_KID), acs_claims()), "unknown_key")

    # Sign, then swap in a payload whose exp is one hour later. The new claims are
    # valid on their own, so the signature is the only check that fails.
    signed = build_token(key_a, acs_header(ACS_KID_A), acs_claims())
    header_segment, _, signature_segment = signed.split(".")
    tampered_payload = b64url(compact_json(acs_claims(exp=ISSUED_AT + 3600)))
    add("tampered_payload", f"{header_segment}.{tampered_payload}.{signature_segment}", "invalid_signature")

    add(
        "header_rs256_signature_sha512",
        build_token(key_a, acs_header(ACS_KID_A), acs_claims(), digest=hashes.SHA512()),
        "invalid_signature",
    )
    add(
        "alg_rs512",
        build_token(key_a, {"alg": "RS512", "kid": ACS_KID_A, "typ": "JWT"}, acs_claims(), digest=hashes.SHA512()),
        "unsupported_algorithm",
    )
    none_header = b64url(compact_json({"alg": "none", "kid": ACS_KID_A, "typ": "JWT"}))
    add("alg_none_empty_signature", f"{none_header}.{b64url(compact_json(acs_claims()))}.", "unsupported_algorithm")

    header_a = b64url(compact_json(acs_header(ACS_KID_A)))
    add("two_segments", f"{header_a}.{b64url(compact_json(acs_claims()))}", "malformed_token")
    add("header_not_json", f"{b64url(b'not json')}.{b64url(compact_json(acs_claims()))}.AAAA", "malformed_token")

    add("joserfc_key_a_valid", build_joserfc_token(key_a, ACS_KID_A, acs_claims()), "valid")
    add("joserfc_key_b_valid", build_joserfc_token(key_b, ACS_KID_B, acs_claims()), "valid")
    return cases


def build_all_keys_cases(keys: dict) -> list:
    """Return cases checked against jwks/all.json, whose kids equal the key file stems."""
    expectations = [
        ("rsa2048-a", "valid"),
        ("rsa3072", "valid"),
        ("rsa4096", "valid"),
        # e = 3 is accepted because the verifier restricts only the modulus size.
        ("rsa2048-e3", "valid"),
        # The verifier skips keys whose modulus is under 2048 bits, so no usable key has these kids.
        ("rsa1024", "unknown_key"),
        ("rsa2047", "unknown_key"),
    ]
    cases = []
    for kid, expect in expectations:
        token = build_token(keys[kid], acs_header(kid), acs_claims())
        suffix = "valid" if expect == "valid" else "skipped_key"
        cases.append({"name": f"all_jwks_{kid.replace('-', '_')}_{suffix}", "token": token, "jwks": "jwks/all.json", "expect": expect})
    return cases


def with_common_fields(case: dict) -> dict:
    """Return the case with the shared issuer, audience, time and leeway, in the documented field order."""
    return {
        "name": case["name"],
        "token": case["token"],
        "jwks": case["jwks"],
        "issuer": ISSUER,
        "audience": [AUDIENCE],
        "now": BASE_TIME,
        "leeway": LEEWAY_SECONDS,
        "expect": case["expect"],
    }


def write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--regenerate-keys",
        action="store_true",
        help="replace the PEM files in keys/ with new keys instead of reusing them",
    )
    args = parser.parse_args()

    keys = load_or_generate_keys(args.regenerate_keys)

    acs_jwks = {
        "keys": [
            acs_jwk(keys["rsa2048-a"], ACS_KID_A, "acs-jwt test signing key A", serial=0x0AC5A),
            acs_jwk(keys["rsa2048-b"], ACS_KID_B, "acs-jwt test signing key B", serial=0x0AC5B),
        ]
    }
    write_json(JWKS_DIR / "acs.json", acs_jwks)
    write_json(JWKS_DIR / "all.json", {"keys": [public_jwk(key, name) for name, key in keys.items()]})

    cases = build_acs_cases(keys) + build_all_keys_cases(keys)
    names = [case["name"] for case in cases]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SystemExit(f"duplicate case names: {', '.join(duplicates)}; rename the cases in this script")
    write_json(TOKENS_DIR / "independent.json", [with_common_fields(case) for case in cases])
    print(f"wrote {len(keys)} keys, 2 JWK Sets and {len(cases)} token cases under {DATA_DIR}")


if __name__ == "__main__":
    main()
