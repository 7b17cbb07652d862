//! The Azure Communication Services (ACS) Call Automation profile.
//!
//! ACS puts an RS256 JWT in the `Authorization: Bearer` header of every webhook callback (a new
//! token per event, valid for 5 minutes) and of every media WebSocket upgrade (one token per
//! connection, valid for 24 hours). All ACS resources share the issuer and the signing keys,
//! so the audience, the resource's immutable resource id, is the only check that binds a token
//! to one resource.

use alloc::string::String;

use crate::verify::{ConfigError, Verifier, VerifierBuilder};

/// The `iss` of every ACS Call Automation token.
pub const ISSUER: &str = "https://acscallautomation.communication.azure.com";

/// The JSON Web Key Set that signs ACS Call Automation tokens.
pub const JWKS_URL: &str = "https://acscallautomation.communication.azure.com/calling/keys";

/// The OpenID configuration document of ACS Call Automation. The path is not the standard
/// `/.well-known/openid-configuration`.
pub const OPENID_CONFIGURATION_URL: &str =
    "https://acscallautomation.communication.azure.com/calling/.well-known/acsopenidconfiguration";

/// Starts a verifier builder with the ACS issuer and `resource_id` as the audience.
///
/// The profile differs from [`VerifierBuilder::new`] only in these defaults, and every other
/// option can still be set. Unlike [`verifier`], this does not check that `resource_id` is a
/// GUID.
pub fn builder(resource_id: impl Into<String>) -> VerifierBuilder {
    VerifierBuilder::new(ISSUER).audience(resource_id)
}

/// Builds a verifier with the ACS defaults for the resource with this immutable resource id.
///
/// Returns [`ConfigError::InvalidResourceId`] when `resource_id` is not a GUID, which catches
/// the common mistake of passing the resource name or its endpoint instead.
pub fn verifier(resource_id: &str) -> Result<Verifier, ConfigError> {
    if !is_guid(resource_id) {
        return Err(ConfigError::InvalidResourceId);
    }
    builder(resource_id).build()
}

/// Returns `true` for the 8-4-4-4-12 hexadecimal form of a GUID.
fn is_guid(text: &str) -> bool {
    let groups = [8, 4, 4, 4, 12];
    let mut parts = text.split('-');
    groups.iter().all(|&len| {
        parts
            .next()
            .is_some_and(|part| part.len() == len && part.bytes().all(|b| b.is_ascii_hexdigit()))
    }) && parts.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_id_must_be_a_guid() {
        assert!(verifier("4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b").is_ok());
        for bad in [
            "",
            "my-acs-resource",
            "https://my-acs.communication.azure.com",
            "4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1",
            "4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b-00",
            "4f5b9c341a9e4b6e9c2d2f0a7e6d5c1b",
        ] {
            assert_eq!(
                verifier(bad).unwrap_err(),
                ConfigError::InvalidResourceId,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn profile_sets_issuer_and_audience() {
        let verifier = verifier("4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b").expect("valid id");
        assert_eq!(verifier.issuer(), ISSUER);
        assert_eq!(
            verifier.audiences(),
            ["4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b"]
        );
    }
}
