//! The Tencent error: a documented code plus a message. Always HTTP 200 with the error inside
//! `Response.Error`, as Tencent Cloud answers.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcError {
    pub code: &'static str,
    pub message: String,
}

impl TcError {
    pub fn new(code: &'static str, message: impl Into<String>) -> TcError {
        TcError { code, message: message.into() }
    }
}

impl std::fmt::Display for TcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

pub type TcResult<T> = Result<T, TcError>;

/// One constructor per code the twin uses, named after the code, so a grep for the documented
/// code finds every place that can return it.
macro_rules! codes {
    ($($fn_name:ident => $code:literal),* $(,)?) => {
        /// Every documented code the twin knows (what a fault rule may inject).
        pub const CODES: &[&str] = &[$($code),*];
        $(
            #[allow(non_snake_case, dead_code)]
            pub fn $fn_name(message: impl Into<String>) -> TcError {
                TcError::new($code, message)
            }
        )*
    };
}

codes! {
    InvalidParameter => "InvalidParameter",
    InvalidParameterValue => "InvalidParameterValue",
    InvalidParameterValue_LimitExceeded => "InvalidParameterValue.LimitExceeded",
    MissingParameter => "MissingParameter",
    UnknownParameter => "UnknownParameter",
    InvalidFilter => "InvalidFilter",
    InvalidAction => "InvalidAction",
    NoSuchVersion => "NoSuchVersion",
    UnsupportedProtocol => "UnsupportedProtocol",
    UnsupportedRegion => "UnsupportedRegion",
    UnsupportedOperation => "UnsupportedOperation",
    RequestSizeLimitExceeded => "RequestSizeLimitExceeded",
    RequestLimitExceeded => "RequestLimitExceeded",
    InternalError => "InternalError",
    ActionOffline => "ActionOffline",
    AuthFailure_InvalidAuthorization => "AuthFailure.InvalidAuthorization",
    AuthFailure_SecretIdNotFound => "AuthFailure.SecretIdNotFound",
    AuthFailure_SignatureExpire => "AuthFailure.SignatureExpire",
    AuthFailure_SignatureFailure => "AuthFailure.SignatureFailure",
    AuthFailure_TokenFailure => "AuthFailure.TokenFailure",
    InvalidDiskId_NotFound => "InvalidDiskId.NotFound",
    InvalidInstanceId_NotFound => "InvalidInstanceId.NotFound",
    InvalidDisk_Busy => "InvalidDisk.Busy",
    InvalidDisk_Expire => "InvalidDisk.Expire",
    InvalidDisk_NotPortable => "InvalidDisk.NotPortable",
    InvalidDisk_NotSupported => "InvalidDisk.NotSupported",
    InvalidDisk_TypeError => "InvalidDisk.TypeError",
    InvalidInstance_NotSupported => "InvalidInstance.NotSupported",
    InvalidParameter_DiskConfigNotSupported => "InvalidParameter.DiskConfigNotSupported",
    InvalidParameter_ProjectIdNotExist => "InvalidParameter.ProjectIdNotExist",
    InvalidSnapshotId_NotFound => "InvalidSnapshotId.NotFound",
    InsufficientRefundQuota => "InsufficientRefundQuota",
    LimitExceeded_InstanceAttachedDisk => "LimitExceeded.InstanceAttachedDisk",
    ResourceBusy => "ResourceBusy",
    ResourceInsufficient => "ResourceInsufficient",
    ResourceInsufficient_OverQuota => "ResourceInsufficient.OverQuota",
    ResourceInUse_DiskMigrating => "ResourceInUse.DiskMigrating",
    ResourceInUse_DiskRollbacking => "ResourceInUse.DiskRollbacking",
    ResourceNotFound_NotFound => "ResourceNotFound.NotFound",
    ResourceUnavailable_Attached => "ResourceUnavailable.Attached",
    ResourceUnavailable_Expire => "ResourceUnavailable.Expire",
    ResourceUnavailable_NotPortable => "ResourceUnavailable.NotPortable",
    ResourceUnavailable_NotSupported => "ResourceUnavailable.NotSupported",
    ResourceUnavailable_RepeatRefund => "ResourceUnavailable.RepeatRefund",
    ResourceUnavailable_TypeError => "ResourceUnavailable.TypeError",
    ResourceUnavailable_ZoneNotMatch => "ResourceUnavailable.ZoneNotMatch",
    UnsupportedOperation_StateError => "UnsupportedOperation.StateError",
    // The common codes (§1.10 of the reference) the twin itself never returns: a fault rule
    // (`/_cloudtwin/faults`) may answer with them.
    AuthFailure_InvalidSecretId => "AuthFailure.InvalidSecretId",
    AuthFailure_MFAFailure => "AuthFailure.MFAFailure",
    AuthFailure_UnauthorizedOperation => "AuthFailure.UnauthorizedOperation",
    DryRunOperation => "DryRunOperation",
    FailedOperation => "FailedOperation",
    InternalServerError => "InternalServerError",
    InvalidRequest => "InvalidRequest",
    IpInBlacklist => "IpInBlacklist",
    IpNotInWhitelist => "IpNotInWhitelist",
    LimitExceeded => "LimitExceeded",
    NoSuchProduct => "NoSuchProduct",
    RequestLimitExceeded_GlobalRegionUinLimitExceeded => "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
    RequestLimitExceeded_IPLimitExceeded => "RequestLimitExceeded.IPLimitExceeded",
    RequestLimitExceeded_UinLimitExceeded => "RequestLimitExceeded.UinLimitExceeded",
    ResourceInUse => "ResourceInUse",
    ResourceNotFound => "ResourceNotFound",
    ResourceUnavailable => "ResourceUnavailable",
    ResponseSizeLimitExceeded => "ResponseSizeLimitExceeded",
    ServiceUnavailable => "ServiceUnavailable",
    UnauthorizedOperation => "UnauthorizedOperation",
}
