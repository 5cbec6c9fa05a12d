//! The UCloudStack error: a non-zero `RetCode` and a `Message`, inside the usual
//! `{"Action": "<Action>Response", "RetCode", "Message"}` envelope (always HTTP 200).
//!
//! Seed 002 documents no codes. The protocol and parameter codes are the ones UCloud's API
//! family uses (160 missing action, 161 unknown action, 170/171/172 signature and key, 220/230/240
//! parameters); the resource codes (17xxx, UCloud's block-storage range) are the twin's choice and
//! are listed in docs/ucloudstack.md ("UCloudStack RetCodes").

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UcsError {
    pub ret_code: i64,
    pub message: String,
}

pub type UcsResult<T> = Result<T, UcsError>;

fn err(ret_code: i64, message: impl Into<String>) -> UcsError {
    UcsError { ret_code, message: message.into() }
}

pub const MISSING_ACTION: i64 = 160;
pub const NO_SUCH_ACTION: i64 = 161;
pub const MISSING_SIGNATURE: i64 = 170;
pub const BAD_SIGNATURE: i64 = 171;
pub const UNKNOWN_USER: i64 = 172;
pub const MISSING_PARAMS: i64 = 220;
pub const PARAMS_NOT_AVAILABLE: i64 = 230;
pub const PARAMS_TOO_LARGE: i64 = 240;
pub const DISK_NOT_FOUND: i64 = 17001;
pub const SNAPSHOT_NOT_FOUND: i64 = 17002;
pub const VM_NOT_FOUND: i64 = 17003;
pub const DISK_STATE: i64 = 17010;
pub const SNAPSHOT_STATE: i64 = 17011;
pub const VM_STATE: i64 = 17012;
/// Every RetCode of the table in docs/ucloudstack.md but success (what a fault rule may inject).
pub const RET_CODES: &[i64] = &[
    MISSING_ACTION,
    NO_SUCH_ACTION,
    MISSING_SIGNATURE,
    BAD_SIGNATURE,
    UNKNOWN_USER,
    MISSING_PARAMS,
    PARAMS_NOT_AVAILABLE,
    PARAMS_TOO_LARGE,
    DISK_NOT_FOUND,
    SNAPSHOT_NOT_FOUND,
    VM_NOT_FOUND,
    DISK_STATE,
    SNAPSHOT_STATE,
    VM_STATE,
];

/// An error of any code (an injected fault's).
pub fn with_code(ret_code: i64, message: impl Into<String>) -> UcsError {
    err(ret_code, message)
}

/// The twin's own failure (its durable store could not be written): UCloud's generic server error.
pub const INTERNAL: i64 = 100;

pub fn internal(reason: &str) -> UcsError {
    err(INTERNAL, format!("Internal Error: {reason}"))
}

pub fn missing_action() -> UcsError {
    err(MISSING_ACTION, "Missing Action")
}

pub fn no_such_action(action: &str) -> UcsError {
    err(NO_SUCH_ACTION, format!("Action [{action}] does not exist"))
}

pub fn missing_signature(what: &str) -> UcsError {
    err(MISSING_SIGNATURE, format!("Missing signature: the request has no {what}"))
}

pub fn bad_signature() -> UcsError {
    err(BAD_SIGNATURE, "Signature VerifyAC Error")
}

pub fn unknown_user() -> UcsError {
    err(UNKNOWN_USER, "User Not Exists: no user has this PublicKey")
}

pub fn missing(name: &str) -> UcsError {
    err(MISSING_PARAMS, format!("Missing params [{name}]"))
}

pub fn invalid(name: &str, why: impl std::fmt::Display) -> UcsError {
    err(PARAMS_NOT_AVAILABLE, format!("Params [{name}] not available: {why}"))
}

pub fn too_large(name: &str, why: impl std::fmt::Display) -> UcsError {
    err(PARAMS_TOO_LARGE, format!("Params [{name}] too large: {why}"))
}

pub fn disk_not_found(id: &str) -> UcsError {
    err(DISK_NOT_FOUND, format!("Disk [{id}] does not exist"))
}

pub fn snapshot_not_found(id: &str) -> UcsError {
    err(SNAPSHOT_NOT_FOUND, format!("Snapshot [{id}] does not exist"))
}

pub fn vm_not_found(id: &str) -> UcsError {
    err(VM_NOT_FOUND, format!("VM [{id}] does not exist"))
}

pub fn disk_state(message: impl Into<String>) -> UcsError {
    err(DISK_STATE, message)
}

pub fn snapshot_state(message: impl Into<String>) -> UcsError {
    err(SNAPSHOT_STATE, message)
}

pub fn vm_state(message: impl Into<String>) -> UcsError {
    err(VM_STATE, message)
}
