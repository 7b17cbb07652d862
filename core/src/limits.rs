//! Size and count limits applied to untrusted input before it is decoded.
//!
//! Every limit is checked on the encoded input, so an oversized value costs a length
//! comparison and nothing else.

/// Default maximum length of a compact token, in bytes: 8 KiB.
///
/// ACS tokens are about 1 KiB, and Entra ID access tokens usually stay under 4 KiB (an
/// estimate). nginx also rejects request header lines over 8 KiB by default
/// (`large_client_header_buffers`). Configurable with
/// [`crate::VerifierBuilder::max_token_bytes`].
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Upper bound for [`crate::VerifierBuilder::max_token_bytes`]: 64 KiB.
///
/// Larger tokens are not used by any issuer we know of, and the bound keeps the worst-case work
/// per request small.
pub const MAX_TOKEN_BYTES_LIMIT: usize = 64 * 1024;

/// Maximum length of the encoded protected header, in bytes: 4 KiB.
///
/// RS256 headers hold `alg`, `kid`, `typ` and sometimes `x5t`; 4 KiB still leaves room for an
/// `x5c` certificate that some issuers embed (and which this crate ignores).
pub const MAX_HEADER_BYTES: usize = 4 * 1024;

/// Maximum number of parameters in a protected header: 32.
///
/// RS256 headers have three to six parameters (`alg`, `kid`, `typ`, `x5t`, `cty`). The bound
/// keeps the duplicate-name check, which compares every pair, at most 496 comparisons.
pub const MAX_HEADER_PARAMETERS: usize = 32;

/// Maximum length of an encoded signature, in bytes: 1366.
///
/// An 8192-bit RSA signature is 1024 bytes, which is 1366 characters of unpadded base64url.
pub const MAX_SIGNATURE_BYTES: usize = 1366;

/// Maximum length of a `kid` after JSON unescaping, in bytes: 256.
///
/// Key ids such as thumbprints, GUIDs and dated names are under 100 bytes (an estimate from
/// common issuers).
pub const MAX_KID_BYTES: usize = 256;

/// Maximum nesting depth of any JSON document this crate reads: 32.
///
/// JOSE headers, claim sets and key sets are three or four levels deep. The reader is not
/// recursive, so this bound limits work rather than stack use.
pub const MAX_JSON_DEPTH: usize = 32;

/// Maximum size of a JSON Web Key Set document, in bytes: 256 KiB.
///
/// Large public key sets, such as Entra ID's with `x5c` chains, are about 20 KiB (an estimate).
/// 256 KiB is also the default body cap of the fetch adapters.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Maximum number of entries in the `keys` array of a key set: 64.
///
/// Issuers publish between one and about a dozen keys; a set with more entries is rejected
/// whole so that key preparation work stays bounded.
pub const MAX_JWKS_KEYS: usize = 64;

/// Maximum number of usable keys that share one `kid` and are tried for one token: 4.
///
/// Some issuers publish the same `kid` twice during a rotation; trying more would let a
/// hostile key set multiply the RSA work per token.
pub const MAX_KEYS_PER_KID: usize = 4;

/// Maximum length of an encoded RSA modulus (`n`), in bytes: 2048.
///
/// An 8192-bit modulus is 1366 characters; the rest allows leading zero octets.
pub const MAX_MODULUS_ENCODED_BYTES: usize = 2048;

/// Minimum RSA modulus size accepted for a key, in bits: 2048 (NIST SP 800-131A Rev. 2).
pub const MIN_MODULUS_BITS: usize = 2048;

/// Maximum RSA modulus size accepted for a key, in bits: 8192.
///
/// Larger moduli are not used by any issuer we know of and make each verification slow.
pub const MAX_MODULUS_BITS: usize = 8192;

/// Smallest public exponent accepted: 3 (RFC 8017 §3.1 requires `e >= 3` and odd).
pub const MIN_PUBLIC_EXPONENT: u64 = 3;

/// Largest public exponent accepted: 2^33 − 1, the bound the `rsa` crate also enforces.
pub const MAX_PUBLIC_EXPONENT: u64 = (1 << 33) - 1;

/// Default clock-skew allowance: 60 seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 60;

/// Largest leeway the builder accepts: 300 seconds.
///
/// ACS webhook tokens live for 5 minutes; a larger leeway would more than double their
/// replay window.
pub const MAX_LEEWAY_SECS: u64 = 300;

/// Maximum number of audiences a verifier can be configured with: 16.
pub const MAX_CONFIGURED_AUDIENCES: usize = 16;

/// Maximum size of an OpenID configuration document, in bytes: 64 KiB.
///
/// Discovery documents of large providers (Entra ID, Google) are 2 to 5 KiB.
pub const MAX_DISCOVERY_BYTES: usize = 64 * 1024;
