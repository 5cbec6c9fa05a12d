//! Resource IDs shaped like the real ones (`disk-` + 8 lowercase alphanumerics, UUID request ids).
//! A seed makes the sequence deterministic for tests and recorded snapshots.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha12Rng;
use serde::{Deserialize, Serialize};

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// The generator's whole state is data (ChaCha12, the algorithm of rand's `StdRng`, with its
/// stream position), so an export, a snapshot or a restart continues the sequence exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdGen {
    rng: ChaCha12Rng,
}

impl IdGen {
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => ChaCha12Rng::seed_from_u64(s),
            None => ChaCha12Rng::from_entropy(),
        };
        IdGen { rng }
    }

    /// `prefix-xxxxxxxx` with 8 characters of `[a-z0-9]`.
    pub fn short(&mut self, prefix: &str) -> String {
        let mut s = String::with_capacity(prefix.len() + 9);
        s.push_str(prefix);
        s.push('-');
        for _ in 0..8 {
            s.push(ALPHABET[self.rng.gen_range(0..ALPHABET.len())] as char);
        }
        s
    }

    pub fn uuid(&mut self) -> String {
        let bytes: [u8; 16] = self.rng.gen();
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }
}

/// Eight `[a-z0-9]` characters derived from a number: IDs for resources the world creates on its
/// own (scheduled snapshots), deterministic because the world's sequence is.
pub fn short_from(mut n: u64, len: usize) -> String {
    let mut s = String::with_capacity(len);
    n = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for _ in 0..len {
        s.push(ALPHABET[(n % ALPHABET.len() as u64) as usize] as char);
        n /= ALPHABET.len() as u64;
        n = n.wrapping_mul(0x2545_F491_4F6C_DD1D).rotate_left(17);
    }
    s
}

/// A version-4-shaped UUID derived from a number, for what the world creates on its own
/// (scheduled backups); deterministic because the world's sequence is.
pub fn uuid_from(n: u64) -> String {
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let a = mix(n.wrapping_add(0x9E37_79B9_7F4A_7C15));
    let b = mix(a ^ 0x5EED_CB12_0000_0001);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// True for `prefix-` followed by 8 lowercase alphanumerics.
pub fn is_short_id(id: &str, prefix: &str) -> bool {
    id.len() == prefix.len() + 9
        && id.starts_with(prefix)
        && id.as_bytes()[prefix.len()] == b'-'
        && id[prefix.len() + 1..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A random (v4) UUID in its hyphenated form, for request ids. Drawn from the thread's
/// generator (ChaCha, seeded once from the OS) rather than one `getrandom` system call per id:
/// every answered request makes one (docs/performance.md). Not from [`IdGen`]: request ids are
/// not part of the state and must not move its deterministic sequence.
pub fn request_uuid() -> String {
    random_uuid().hyphenated().to_string()
}

/// [`request_uuid`] without hyphens (Huawei's request ids, a token's tail).
pub fn request_uuid_simple() -> String {
    random_uuid().simple().to_string()
}

/// `uuid::Uuid::new_v4` makes one `getrandom` system call a UUID (in a Huawei list read's
/// profile: docs/performance.md); this draws from the thread's generator instead.
fn random_uuid() -> uuid::Uuid {
    let bytes: [u8; 16] = rand::thread_rng().gen();
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_real_and_seeds_repeat() {
        let mut a = IdGen::new(Some(7));
        let mut b = IdGen::new(Some(7));
        let id = a.short("disk");
        assert!(is_short_id(&id, "disk"), "{id}");
        assert_eq!(id, b.short("disk"));
        assert!(!is_short_id("disk-ABCDEFGH", "disk"));
        assert!(!is_short_id("disk-abc", "disk"));
    }

    #[test]
    fn a_saved_generator_continues_where_it_was() {
        // The same ids as rand's StdRng gave for a seed before the state became data.
        let mut std = rand::rngs::StdRng::seed_from_u64(7);
        let mut ours = IdGen::new(Some(7));
        for _ in 0..3 {
            assert_eq!(std.gen::<u64>(), ours.rng.gen::<u64>());
        }
        ours.short("disk");
        let saved = serde_json::to_string(&ours).unwrap();
        let mut back: IdGen = serde_json::from_str(&saved).unwrap();
        assert_eq!(back.short("disk"), ours.short("disk"));
        assert_eq!(back.uuid(), ours.uuid());
    }

    #[test]
    fn request_uuids_are_version_4_and_differ() {
        let (a, b) = (request_uuid(), request_uuid());
        let parsed = uuid::Uuid::parse_str(&a).expect("a hyphenated UUID");
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(a.len(), 36);
        assert_ne!(a, b);
        let simple = request_uuid_simple();
        assert_eq!(simple.len(), 32);
        assert_eq!(uuid::Uuid::parse_str(&simple).expect("a simple UUID").get_version_num(), 4);
    }
}
