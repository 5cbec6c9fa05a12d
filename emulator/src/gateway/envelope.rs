//! The gateway's envelope: `{"scode", "desc", "message", "message_cn", "stack", "data"}`.
//!
//! The seeds show only successes (`scode` 0, `message` "success", `message_cn` "成功"). Errors
//! are the twin's design, in the same envelope: `scode` is the HTTP status the answer carries
//! (400 bad parameter, 401 bearer token, 404 unknown API or resource, 405 method, 409 state or
//! quota conflict, 413 body too large, 429 rate limit), `desc` the underlying Tencent error code
//! (or a code in Tencent's style for the gateway's own checks), `message` the English text and
//! `message_cn` a Chinese summary.

use serde_json::{json, Value};

use crate::tencent::error::TcError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GwError {
    pub scode: u16,
    pub desc: String,
    pub message: String,
    pub message_cn: String,
}

pub type GwResult<T> = Result<T, GwError>;

impl GwError {
    /// An error for `code`, with the status and Chinese text the mapping gives it.
    pub fn new(code: &str, message: impl Into<String>) -> GwError {
        let scode = scode_of(code);
        GwError { scode, desc: code.to_string(), message: message.into(), message_cn: message_cn(code, scode).into() }
    }
}

impl From<TcError> for GwError {
    fn from(err: TcError) -> GwError {
        GwError::new(err.code, err.message)
    }
}

fn is_quota(code: &str) -> bool {
    code.starts_with("LimitExceeded")
        || code.starts_with("ResourceInsufficient")
        || code == "InsufficientSnapshotQuota"
        || code == "InsufficientRefundQuota"
}

/// The `scode` (and HTTP status) of an error code.
pub fn scode_of(code: &str) -> u16 {
    match code {
        c if c.starts_with("AuthFailure") => 401,
        "InvalidAction" => 404,
        c if c.ends_with(".NotFound") || c.starts_with("ResourceNotFound") => 404,
        "UnsupportedProtocol" => 405,
        "RequestSizeLimitExceeded" => 413,
        "RequestLimitExceeded" => 429,
        c if c.starts_with("MissingParameter")
            || c.starts_with("UnknownParameter")
            || c.starts_with("InvalidParameter")
            || c.starts_with("InvalidFilter")
            || c == "UnsupportedRegion" =>
        {
            400
        }
        c if c.starts_with("InternalError") => 500,
        _ => 409,
    }
}

/// The statuses an error may carry, each with the code a fault rule given only the scode
/// answers with (`/_cloudtwin/faults`).
pub const SCODES: &[(u16, &str)] = &[
    (400, "InvalidParameter"),
    (401, "AuthFailure.InvalidAuthorization"),
    (404, "ResourceNotFound"),
    (405, "UnsupportedProtocol"),
    (409, "FailedOperation"),
    (413, "RequestSizeLimitExceeded"),
    (429, "RequestLimitExceeded"),
    (500, "InternalError"),
];

pub fn code_for_scode(scode: u16) -> &'static str {
    SCODES.iter().find(|(s, _)| *s == scode).map_or("InternalError", |(_, c)| c)
}

/// The Chinese summary of an error code: specific where the resource is known, else by status.
pub fn message_cn(code: &str, scode: u16) -> &'static str {
    match code {
        "MissingParameter" => "缺少必填参数",
        "UnknownParameter" => "未知参数",
        "UnsupportedRegion" => "不支持的地域",
        "InvalidDiskId.NotFound" => "云硬盘不存在",
        "InvalidSnapshotId.NotFound" => "快照不存在",
        "InvalidAutoSnapshotPolicyId.NotFound" => "定期快照策略不存在",
        "InvalidInstanceId.NotFound" => "实例不存在",
        "InvalidTenantUuid.NotFound" => "租户不存在",
        "InvalidClusterUuid.NotFound" => "集群不存在",
        "InvalidAction" => "接口不存在",
        "UnsupportedProtocol" => "不支持的请求方法",
        "RequestSizeLimitExceeded" => "请求体过大",
        "RequestLimitExceeded" => "请求频率超过限制",
        c if is_quota(c) => "超出配额限制",
        _ => match scode {
            400 => "参数错误",
            401 => "认证失败",
            404 => "资源不存在",
            500 => "内部错误",
            _ => "资源当前状态不支持该操作",
        },
    }
}

/// A success: `data` is what the endpoint answers (`{}` for writes).
pub fn ok_body(data: Value) -> Vec<u8> {
    let body = json!({"scode": 0, "desc": "", "message": "success", "message_cn": "成功", "stack": null, "data": data});
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The bytes `ok_body` writes before `data`.
const OK_HEAD: &str = r#"{"scode":0,"desc":"","message":"success","message_cn":"成功","stack":null,"data":"#;

/// A success whose `data` `write` appends as JSON itself: the same bytes as `ok_body` of that
/// data, in one buffer of about `capacity` bytes.
pub fn ok_with(capacity: usize, write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::with_capacity(OK_HEAD.len() + capacity + 1);
    out.extend_from_slice(OK_HEAD.as_bytes());
    write(&mut out);
    out.push(b'}');
    out
}

pub fn error_body(err: &GwError) -> Vec<u8> {
    let body = json!({
        "scode": err.scode,
        "desc": err.desc,
        "message": err.message,
        "message_cn": err.message_cn,
        "stack": null,
        "data": null,
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tencent_codes_map_to_statuses() {
        for (code, scode) in [
            ("MissingParameter", 400),
            ("InvalidParameterValue.LimitExceeded", 400),
            ("InvalidFilter", 400),
            ("UnsupportedRegion", 400),
            ("InvalidDiskId.NotFound", 404),
            ("InvalidAutoSnapshotPolicyId.NotFound", 404),
            ("ResourceNotFound.NotFound", 404),
            ("ResourceBusy", 409),
            ("InvalidDisk.Busy", 409),
            ("LimitExceeded.AutoSnapshotPolicyOutOfQuota", 409),
            ("AuthFailure.TokenFailure", 401),
            ("RequestLimitExceeded", 429),
        ] {
            assert_eq!(scode_of(code), scode, "{code}");
        }
        let e = GwError::from(crate::tencent::error::InvalidDiskId_NotFound("gone"));
        assert_eq!((e.scode, e.desc.as_str(), e.message_cn.as_str()), (404, "InvalidDiskId.NotFound", "云硬盘不存在"));
        assert_eq!(GwError::new("InsufficientSnapshotQuota", "x").message_cn, "超出配额限制");
    }

    #[test]
    fn a_written_success_is_the_serialized_one() {
        for data in [json!({}), json!({"TotalCount": 2, "List": [{"a": "\"中\""}, null]}), json!([1, 2.5, "x"])] {
            let bytes = serde_json::to_vec(&data).unwrap();
            assert_eq!(ok_with(0, |out| out.extend_from_slice(&bytes)), ok_body(data));
        }
    }
}
