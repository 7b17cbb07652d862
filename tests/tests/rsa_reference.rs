//! The RSA verification of acs-jwt against the `rsa` crate's `pkcs1v15::VerifyingKey`, which
//! serves as the reference: both must accept and reject exactly the same signatures.
//!
//! acs-jwt verifies with its own variable-time Montgomery arithmetic, so these tests compare
//! the two on every Wycheproof vector and on random valid and corrupted signatures for every
//! usable test key (2048, 3072 and 4096 bits, e = 65537 and e = 3).

use acs_jwt::PreparedKey;
use acs_jwt_tests::{TestKey, data, hex};
use proptest::prelude::*;
use rsa::BoxedUint;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use serde_json::Value;
use sha2::Sha256;
use signature::Verifier;

/// Builds the `rsa` crate's verifier for the key with these big-endian components.
fn reference_key(modulus: &[u8], exponent: &[u8]) -> VerifyingKey<Sha256> {
    let n = BoxedUint::from_be_slice_vartime(modulus);
    let e = BoxedUint::from_be_slice_vartime(exponent);
    VerifyingKey::new(rsa::PublicKey::new(n, e).expect("the rsa crate accepts the key"))
}

fn reference_accepts(key: &VerifyingKey<Sha256>, message: &[u8], signature: &[u8]) -> bool {
    Signature::try_from(signature).is_ok_and(|signature| key.verify(message, &signature).is_ok())
}

/// Compares both verifiers on every case of a Wycheproof file and returns the number of cases.
fn compare_wycheproof(file: &str) -> usize {
    let document: Value = serde_json::from_slice(&data(file)).expect("vector file is JSON");
    let mut cases = 0;
    for group in document["testGroups"].as_array().expect("testGroups array") {
        let modulus = hex(group["publicKey"]["modulus"].as_str().expect("modulus"));
        let exponent = hex(group["publicKey"]["publicExponent"]
            .as_str()
            .expect("exponent"));
        let ours = PreparedKey::from_components(&modulus, &exponent).expect("usable key");
        let reference = reference_key(&modulus, &exponent);
        for case in group["tests"].as_array().expect("tests array") {
            let message = hex(case["msg"].as_str().expect("msg"));
            let signature = hex(case["sig"].as_str().expect("sig"));
            assert_eq!(
                ours.verify_rs256(&message, &signature).is_ok(),
                reference_accepts(&reference, &message, &signature),
                "{file} tcId {}: acs-jwt and rsa disagree",
                case["tcId"]
            );
            cases += 1;
        }
    }
    cases
}

#[test]
fn wycheproof_2048_agrees_with_rsa() {
    let cases = compare_wycheproof("wycheproof/rsa_signature_2048_sha256_test.json");
    assert!(cases >= 259, "only {cases} cases ran");
}

#[test]
fn wycheproof_3072_agrees_with_rsa() {
    let cases = compare_wycheproof("wycheproof/rsa_signature_3072_sha256_test.json");
    assert!(cases >= 259, "only {cases} cases ran");
}

/// The usable test keys: 2048 bits (two keys, one with e = 3), 3072 and 4096 bits.
const KEYS: [&str; 5] = ["rsa2048-a", "rsa2048-b", "rsa2048-e3", "rsa3072", "rsa4096"];

/// A test key loaded once, with both verifiers.
struct LoadedKey {
    private: TestKey,
    modulus: Vec<u8>,
    ours: PreparedKey,
    reference: VerifyingKey<Sha256>,
}

fn loaded_keys() -> &'static [LoadedKey] {
    static KEYS_LOADED: std::sync::OnceLock<Vec<LoadedKey>> = std::sync::OnceLock::new();
    KEYS_LOADED.get_or_init(|| {
        KEYS.iter()
            .map(|name| {
                let private = TestKey::load(name);
                let (modulus, exponent) = (private.modulus(), private.exponent());
                LoadedKey {
                    ours: PreparedKey::from_components(&modulus, &exponent).expect("usable"),
                    reference: reference_key(&modulus, &exponent),
                    modulus,
                    private,
                }
            })
            .collect()
    })
}

/// A change to a valid signature.
#[derive(Clone, Debug)]
enum Corruption {
    /// Flip one bit; the index is reduced modulo the signature's bit length.
    FlipBit(usize),
    /// Overwrite one byte; the index is reduced modulo the signature length.
    SetByte(usize, u8),
    /// Replace the signature with random bytes of the same length, seeded.
    Random(u64),
    /// Replace the signature with the modulus plus a small number, which is out of range.
    ModulusPlus(u8),
    /// Drop the first byte.
    Truncate,
    /// Prepend a zero byte: the same number, one byte too long.
    LeadingZero,
    /// Sign another message.
    OtherMessage,
}

fn corruption() -> impl Strategy<Value = Corruption> {
    prop_oneof![
        any::<usize>().prop_map(Corruption::FlipBit),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Corruption::SetByte(at, byte)),
        any::<u64>().prop_map(Corruption::Random),
        any::<u8>().prop_map(Corruption::ModulusPlus),
        Just(Corruption::Truncate),
        Just(Corruption::LeadingZero),
        Just(Corruption::OtherMessage),
    ]
}

fn corrupt(key: &LoadedKey, message: &[u8], signature: &[u8], how: &Corruption) -> Vec<u8> {
    let mut out = signature.to_vec();
    match *how {
        Corruption::FlipBit(at) => {
            let bit = at % (out.len() * 8);
            out[bit / 8] ^= 1 << (bit % 8);
        }
        Corruption::SetByte(at, byte) => {
            let at = at % out.len();
            out[at] = byte;
        }
        Corruption::Random(seed) => {
            let mut state = seed;
            for byte in out.iter_mut() {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                *byte = (state >> 56) as u8;
            }
        }
        Corruption::ModulusPlus(add) => {
            out = key.modulus.clone();
            let mut carry = add;
            for byte in out.iter_mut().rev() {
                let (sum, overflow) = byte.overflowing_add(carry);
                *byte = sum;
                carry = u8::from(overflow);
            }
        }
        Corruption::Truncate => {
            out.remove(0);
        }
        Corruption::LeadingZero => out.insert(0, 0),
        Corruption::OtherMessage => {
            let mut other = message.to_vec();
            other.push(0);
            out = key.private.sign_raw(&other);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn valid_signatures_verify_in_both(
        key_index in 0..KEYS.len(),
        message in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let key = &loaded_keys()[key_index];
        let signature = key.private.sign_raw(&message);
        prop_assert!(reference_accepts(&key.reference, &message, &signature));
        prop_assert!(key.ours.verify_rs256(&message, &signature).is_ok());
    }

    #[test]
    fn corrupted_signatures_agree_with_rsa(
        key_index in 0..KEYS.len(),
        message in proptest::collection::vec(any::<u8>(), 0..600),
        how in corruption(),
    ) {
        let key = &loaded_keys()[key_index];
        let signature = key.private.sign_raw(&message);
        let corrupted = corrupt(key, &message, &signature, &how);
        let reference = reference_accepts(&key.reference, &message, &corrupted);
        let ours = key.ours.verify_rs256(&message, &corrupted).is_ok();
        prop_assert_eq!(ours, reference, "{:?}", how);
        // Every corruption above changes the signature, so neither may accept it, with one
        // exception: overwriting a byte with its own value.
        if corrupted != signature {
            prop_assert!(!ours);
        }
    }
}
