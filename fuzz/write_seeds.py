#!/usr/bin/env python3
"""Write the seed corpora in fuzz/seeds/ from the test fixtures in tests/data/.

Run from anywhere: python3 fuzz/write_seeds.py. It deletes and rewrites fuzz/seeds/, and
the output depends only on tests/data/, so a rerun with the same fixtures writes the same
files. Each seed is named after the fixture it comes from.
"""

import base64
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEEDS = ROOT / "fuzz" / "seeds"

ISSUER = "https://acscallautomation.communication.azure.com"
AUDIENCE = "4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b"
NOW = 1767225600

# The first byte of a `verify` input that makes the target sign the rest itself: 0xF0 signs
# with rsa2048-a, 0xF1 with rsa2048-e3 (see fuzz_targets/verify.rs).
SIGN_WITH_A = b"\xf0"
SIGN_WITH_E3 = b"\xf1"


def b64_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def write(target, name, data):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (folder / name).write_bytes(data)


def compact(value):
    return json.dumps(value, separators=(",", ":")).encode()


def fnv1a(data):
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def signed_seed(selector, header, payload):
    """Return a `verify` input that the target signs: it signs only inputs whose FNV-1a hash
    (of everything after the selector byte) is a multiple of 8, so a `"seed"` claim is
    counted up until the hash is one."""
    for counter in range(1000):
        rest = header + b"\x00" + payload.replace(b"{", b'{"seed":%d,' % counter, 1)
        if fnv1a(rest) % 8 == 0:
            return selector + rest
    raise ValueError("no counter below 1000 makes the input signed")


def main():
    if SEEDS.exists():
        shutil.rmtree(SEEDS)

    cases = json.loads((DATA / "tokens" / "independent.json").read_text())
    tokens = {case["name"]: case["token"] for case in cases}
    for name in ["acs-webhook", "acs-websocket-24h"]:
        tokens[name] = (DATA / "tokens" / f"{name}.jwt").read_text().strip()
    for name in ["rfc7515-a2", "rfc7520-4.1"]:
        tokens[name] = (DATA / "rfc" / f"{name}.jws").read_text().strip()

    # verify: every fixture token as it is, and header/payload pairs for the signing branch.
    claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 290}
    signed = {
        "signed-a": (SIGN_WITH_A, {"alg": "RS256", "kid": "rsa2048-a", "typ": "JWT"}, claims),
        "signed-e3": (SIGN_WITH_E3, {"alg": "RS256", "kid": "rsa2048-e3"}, claims),
        "signed-no-kid": (SIGN_WITH_A, {"alg": "RS256"}, claims),
        "signed-aud-array": (
            SIGN_WITH_A,
            {"alg": "RS256", "kid": "rsa2048-a"},
            dict(claims, aud=["other", AUDIENCE], jti="a1"),
        ),
        "signed-crit": (SIGN_WITH_A, {"alg": "RS256", "kid": "rsa2048-a", "crit": ["exp"]}, claims),
    }
    for name, token in tokens.items():
        write("verify", name, token)
    for name, (selector, header, payload) in signed.items():
        write("verify", name, signed_seed(selector, compact(header), compact(payload)))
    write(
        "verify",
        "signed-escaped",
        signed_seed(
            SIGN_WITH_A,
            b'{"alg":"RS256","kid":"rsa2048\\u002da"}',
            compact(dict(claims, exp=NOW + 290.5)).replace(b"https://", b"https:\\/\\/"),
        ),
    )

    # bearer: Authorization header values.
    webhook = tokens["acs-webhook"]
    for name, value in {
        "bearer": f"Bearer {webhook}",
        "bearer-lowercase-spaces": f"bearer   {webhook} \t",
        "bearer-padded": "Bearer abc.def+/~==",
        "basic": "Basic dXNlcjpwYXNz",
        "bearer-two-tokens": f"Bearer {webhook}, Bearer {webhook}",
    }.items():
        write("bearer", name, value)

    # jwks: the fixture key sets, and small sets that reach the skip reasons.
    for path in ["jwks/acs.json", "jwks/all.json", "rfc/rfc7515-a2.jwk.json", "rfc/rfc7520-4.1.jwks.json"]:
        write("jwks", Path(path).name, (DATA / path).read_bytes())
    n = json.loads((DATA / "jwks" / "all.json").read_text())["keys"][0]["n"]
    write(
        "jwks",
        "skip-reasons.json",
        compact(
            {
                "keys": [
                    {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
                    {"kty": "RSA", "use": "enc", "n": n, "e": "AQAB"},
                    {"kty": "RSA", "key_ops": ["encrypt"], "n": n, "e": "AQAB"},
                    {"kty": "RSA", "alg": "RS512", "n": n, "e": "AQAB"},
                    {"kty": "RSA", "n": n, "e": "AA"},
                    {"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"},
                    {"kty": "RSA", "kid": "ok", "use": "sig", "alg": "RS256", "key_ops": ["verify"], "n": n, "e": "Aw"},
                    "not an object",
                ]
            }
        ),
    )

    # discovery: first byte 0x00 expects the ACS issuer, 0x83 expects http://127.0.0.1:8080
    # and allows plain HTTP to loopback.
    acs_document = {
        "issuer": ISSUER,
        "jwks_uri": f"{ISSUER}/calling/keys",
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    write("discovery", "acs", b"\x00" + compact(acs_document))
    write(
        "discovery",
        "loopback",
        b"\x83" + compact({"issuer": "http://127.0.0.1:8080", "jwks_uri": "http://127.0.0.1:8080/keys"}),
    )
    write(
        "discovery",
        "ipv6-loopback-escaped",
        b"\x83" + b'{"issuer":"http:\\/\\/127.0.0.1:8080","jwks_uri":"http://[::1]:9/k?x#y"}',
    )
    write("discovery", "url-only", b"\x80http://localhost:8080/keys")

    # claims: every distinct decoded payload of the fixture tokens.
    payloads = {}
    for name, token in tokens.items():
        segments = token.split(".")
        if len(segments) == 3:
            payloads.setdefault(b64_decode(segments[1]), name)
    for payload, name in payloads.items():
        write("claims", name, payload)


if __name__ == "__main__":
    main()
