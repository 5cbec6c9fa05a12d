//! The Huawei error: HTTP status, `error_code`, `error_msg`. CBR's own codes are
//! `BackupService.NNNN` (seed 003 §7.2); authentication failures come from the API gateway as
//! `APIGW.NNNN`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HwError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

pub type HwResult<T> = Result<T, HwError>;

impl std::fmt::Display for HwError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

/// One constructor per code, named by its number so a grep for the documented code finds every
/// place that can return it; the status is the one the doc's table gives the code.
macro_rules! codes {
    ($($fn_name:ident => ($status:literal, $code:literal)),* $(,)?) => {
        /// Every documented code with its status (what a fault rule may inject).
        pub const CODES: &[(u16, &str)] = &[$(($status, $code)),*];
        $(
            #[allow(non_snake_case, dead_code)]
            pub fn $fn_name(message: impl Into<String>) -> HwError {
                HwError { status: $status, code: $code, message: message.into() }
            }
        )*
    };
}

codes! {
    // API gateway
    Apigw0101 => (404, "APIGW.0101"),
    Apigw0201 => (413, "APIGW.0201"),
    Apigw0301 => (401, "APIGW.0301"),
    Apigw0308 => (429, "APIGW.0308"),
    // validation and conflicts (400)
    Bs0001 => (400, "BackupService.0001"),
    Bs1002 => (400, "BackupService.1002"),
    Bs1005 => (400, "BackupService.1005"),
    Bs1009 => (400, "BackupService.1009"),
    Bs1011 => (400, "BackupService.1011"),
    Bs2004 => (400, "BackupService.2004"),
    Bs2005 => (400, "BackupService.2005"),
    Bs2010 => (400, "BackupService.2010"),
    Bs2002 => (400, "BackupService.2002"),
    Bs2003 => (400, "BackupService.2003"),
    Bs4022 => (400, "BackupService.4022"),
    Bs6001 => (400, "BackupService.6001"),
    Bs6100 => (400, "BackupService.6100"),
    Bs6101 => (400, "BackupService.6101"),
    Bs6102 => (400, "BackupService.6102"),
    Bs6103 => (400, "BackupService.6103"),
    Bs6104 => (400, "BackupService.6104"),
    Bs6112 => (400, "BackupService.6112"),
    Bs6113 => (400, "BackupService.6113"),
    Bs6114 => (400, "BackupService.6114"),
    Bs6116 => (400, "BackupService.6116"),
    Bs6117 => (400, "BackupService.6117"),
    Bs6119 => (400, "BackupService.6119"),
    Bs6120 => (400, "BackupService.6120"),
    Bs6125 => (400, "BackupService.6125"),
    Bs6127 => (400, "BackupService.6127"),
    Bs6133 => (400, "BackupService.6133"),
    Bs6135 => (400, "BackupService.6135"),
    Bs6143 => (400, "BackupService.6143"),
    Bs6153 => (400, "BackupService.6153"),
    Bs6154 => (400, "BackupService.6154"),
    Bs6201 => (400, "BackupService.6201"),
    Bs6202 => (400, "BackupService.6202"),
    Bs6203 => (400, "BackupService.6203"),
    Bs6215 => (400, "BackupService.6215"),
    Bs6220 => (400, "BackupService.6220"),
    Bs6230 => (400, "BackupService.6230"),
    Bs6231 => (400, "BackupService.6231"),
    Bs6232 => (400, "BackupService.6232"),
    Bs6600 => (400, "BackupService.6600"),
    Bs7006 => (400, "BackupService.7006"),
    Bs7116 => (400, "BackupService.7116"),
    Bs7102 => (400, "BackupService.7102"),
    Bs7411 => (400, "BackupService.7411"),
    Bs2001 => (400, "BackupService.2001"),
    Bs6003 => (400, "BackupService.6003"),
    Bs6110 => (400, "BackupService.6110"),
    Bs6122 => (400, "BackupService.6122"),
    Bs6124 => (400, "BackupService.6124"),
    Bs6128 => (400, "BackupService.6128"),
    Bs6129 => (400, "BackupService.6129"),
    Bs6144 => (400, "BackupService.6144"),
    Bs6145 => (400, "BackupService.6145"),
    Bs6146 => (400, "BackupService.6146"),
    Bs6147 => (400, "BackupService.6147"),
    Bs6148 => (400, "BackupService.6148"),
    Bs6149 => (400, "BackupService.6149"),
    Bs6155 => (400, "BackupService.6155"),
    Bs6156 => (400, "BackupService.6156"),
    Bs7101 => (400, "BackupService.7101"),
    Bs7300 => (400, "BackupService.7300"),
    Bs7403 => (400, "BackupService.7403"),
    Bs7405 => (400, "BackupService.7405"),
    Bs7406 => (400, "BackupService.7406"),
    Bs7407 => (400, "BackupService.7407"),
    Bs7493 => (400, "BackupService.7493"),
    Bs9900 => (400, "BackupService.9900"),
    // billing and tags
    Bs6109 => (400, "BackupService.6109"),
    Bs6601 => (404, "BackupService.6601"),
    // backup sharing (4.10) and organization policies (4.11)
    Bs6700 => (400, "BackupService.6700"),
    Bs6701 => (400, "BackupService.6701"),
    Bs6702 => (400, "BackupService.6702"),
    Bs6703 => (400, "BackupService.6703"),
    Bs6704 => (400, "BackupService.6704"),
    Bs6705 => (404, "BackupService.6705"),
    Bs6706 => (400, "BackupService.6706"),
    Bs6707 => (400, "BackupService.6707"),
    Bs6712 => (400, "BackupService.6712"),
    Bs6713 => (400, "BackupService.6713"),
    Bs6714 => (400, "BackupService.6714"),
    Bs7414 => (404, "BackupService.7414"),
    Bs7416 => (400, "BackupService.7416"),
    Bs7417 => (400, "BackupService.7417"),
    Bs7428 => (400, "BackupService.7428"),
    Bs7446 => (400, "BackupService.7446"),
    Bs7619 => (400, "BackupService.7619"),
    // identity (401)
    Bs1015 => (401, "BackupService.1015"),
    // not found (404)
    Bs4001 => (404, "BackupService.4001"),
    Bs6000 => (404, "BackupService.6000"),
    Bs6002 => (404, "BackupService.6002"),
    Bs6105 => (404, "BackupService.6105"),
    Bs6200 => (404, "BackupService.6200"),
    Bs6217 => (404, "BackupService.6217"),
    Bs6302 => (404, "BackupService.6302"),
    Bs6500 => (404, "BackupService.6500"),
    Bs7000 => (404, "BackupService.7000"),
    Bs7100 => (404, "BackupService.7100"),
    Bs7410 => (404, "BackupService.7410"),
    Bs7426 => (404, "BackupService.7426"),
    // the service itself (500)
    Bs1001 => (500, "BackupService.1001"),
}

/// The generic validation error with the doc's own message style.
pub fn invalid(what: impl std::fmt::Display) -> HwError {
    Bs9900(format!("Invalid {what}."))
}
