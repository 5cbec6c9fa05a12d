//! The provider-neutral bottom of the house: the clock, ids, timing of async work, the HTTP
//! request and answer types, authentication modes and the constant-time compare, the job queue,
//! bounded logs, hand-written JSON, the client-input bounds, the request record and the journal that keeps it, fault
//! rules, credential masking, and the request transaction
//! (`txn`) every request of every surface goes through. Nothing here names a provider.

pub mod auth;
pub mod change;
pub mod clock;
pub mod durable;
pub mod fault;
pub mod hex;
pub mod http;
pub mod ids;
pub mod index;
pub mod intern;
pub mod json;
pub mod json_text;

pub mod journal;
pub mod kept;
pub mod key;
pub mod letters;
pub mod limits;
pub mod logbook;
pub mod logline;
pub mod queue;
pub mod ratelimit;
pub mod record;
pub mod redact;
pub mod search;
pub mod shared;
pub mod sorted;
pub mod split_map;
pub mod timing;
pub mod txn;
