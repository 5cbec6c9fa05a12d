//! Credentials per cloud. A twin is called with its documented fake keys; a real cloud only
//! with keys from the environment variables its official SDK reads, and never with the twin's
//! fake keys (a run that would send them to a real endpoint stops before the first request).

use std::fmt;

use cloudtwin_emulator::config::{
    DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, PEER_SECRET_ID, UCS_PRIVATE_KEY, UCS_PUBLIC_KEY,
};

use crate::cloud::Cloud;

/// The twin's Huawei keys and project (DESIGN.md).
pub use cloudtwin_emulator::huawei::settings::{
    DEFAULT_AK as HUAWEI_DEFAULT_AK, DEFAULT_PROJECT as HUAWEI_DEFAULT_PROJECT, DEFAULT_SK as HUAWEI_DEFAULT_SK,
    PEER_AK as HUAWEI_PEER_AK,
};

#[derive(Clone)]
pub struct TencentKey {
    pub secret_id: String,
    pub secret_key: String,
}

#[derive(Clone)]
pub struct HuaweiKey {
    pub ak: String,
    pub sk: String,
    pub project_id: String,
}

/// UCloudStack's key pair (twins only: there is no public UCloudStack endpoint).
#[derive(Clone)]
pub struct UcsKey {
    pub public_key: String,
    pub private_key: String,
}

#[derive(Clone, Default)]
pub struct Credentials {
    pub tencent: Option<TencentKey>,
    pub huawei: Option<HuaweiKey>,
    pub ucloudstack: Option<UcsKey>,
}

// Secrets never reach a log or a report.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("tencent", &self.tencent.as_ref().map(|k| &k.secret_id))
            .field("huawei", &self.huawei.as_ref().map(|k| &k.ak))
            .field("ucloudstack", &self.ucloudstack.as_ref().map(|k| &k.public_key))
            .finish()
    }
}

impl Credentials {
    /// The twin's built-in fake keys.
    pub fn twin_defaults() -> Credentials {
        Credentials {
            tencent: Some(TencentKey { secret_id: DEFAULT_SECRET_ID.into(), secret_key: DEFAULT_SECRET_KEY.into() }),
            huawei: Some(HuaweiKey {
                ak: HUAWEI_DEFAULT_AK.into(),
                sk: HUAWEI_DEFAULT_SK.into(),
                project_id: HUAWEI_DEFAULT_PROJECT.into(),
            }),
            ucloudstack: Some(UcsKey { public_key: UCS_PUBLIC_KEY.into(), private_key: UCS_PRIVATE_KEY.into() }),
        }
    }

    /// Keys for a real cloud from the SDK's environment variables (`env` reads one variable).
    pub fn for_cloud(cloud: Cloud, env: impl Fn(&str) -> Option<String>) -> Result<Credentials, String> {
        let need = |name: &str| env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let missing = |names: &[&str]| {
            let absent: Vec<&str> = names.iter().copied().filter(|n| need(n).is_none()).collect();
            format!("missing credentials: set {} (nothing was sent)", absent.join(" and "))
        };
        match cloud {
            Cloud::Tencent => {
                let names = ["TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"];
                let (Some(secret_id), Some(secret_key)) = (need(names[0]), need(names[1])) else {
                    return Err(missing(&names));
                };
                if secret_id == DEFAULT_SECRET_ID || secret_id == PEER_SECRET_ID {
                    return Err(format!(
                        "TENCENTCLOUD_SECRET_ID is {secret_id}, cloudtwin's fake key; a real cloud needs your own key (nothing was sent)"
                    ));
                }
                Ok(Credentials { tencent: Some(TencentKey { secret_id, secret_key }), ..Credentials::default() })
            }
            Cloud::Huawei => {
                let names = ["HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID"];
                let (Some(ak), Some(sk), Some(project_id)) = (need(names[0]), need(names[1]), need(names[2])) else {
                    return Err(missing(&names));
                };
                if ak == HUAWEI_DEFAULT_AK || ak == HUAWEI_PEER_AK {
                    return Err(format!(
                        "HUAWEICLOUD_SDK_AK is {ak}, cloudtwin's fake key; a real cloud needs your own key (nothing was sent)"
                    ));
                }
                Ok(Credentials { huawei: Some(HuaweiKey { ak, sk, project_id }), ..Credentials::default() })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn real_clouds_need_real_keys_from_the_environment() {
        let e = Credentials::for_cloud(Cloud::Tencent, env(&[])).unwrap_err();
        assert_eq!(e, "missing credentials: set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (nothing was sent)");
        let e = Credentials::for_cloud(Cloud::Tencent, env(&[("TENCENTCLOUD_SECRET_ID", "AKIDx")])).unwrap_err();
        assert!(e.contains("set TENCENTCLOUD_SECRET_KEY ("), "{e}");
        let fake = [("TENCENTCLOUD_SECRET_ID", DEFAULT_SECRET_ID), ("TENCENTCLOUD_SECRET_KEY", DEFAULT_SECRET_KEY)];
        assert!(Credentials::for_cloud(Cloud::Tencent, env(&fake)).unwrap_err().contains("fake key"));
        let real = [("TENCENTCLOUD_SECRET_ID", "AKIDmine"), ("TENCENTCLOUD_SECRET_KEY", "s3cret")];
        let c = Credentials::for_cloud(Cloud::Tencent, env(&real)).unwrap();
        assert_eq!(c.tencent.as_ref().unwrap().secret_id, "AKIDmine");
        assert!(!format!("{c:?}").contains("s3cret"), "Debug hides secrets");

        let e = Credentials::for_cloud(Cloud::Huawei, env(&[("HUAWEICLOUD_SDK_AK", "AK")])).unwrap_err();
        assert!(e.contains("HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID"), "{e}");
        let fake = [
            ("HUAWEICLOUD_SDK_AK", HUAWEI_DEFAULT_AK),
            ("HUAWEICLOUD_SDK_SK", "x"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "p"),
        ];
        assert!(Credentials::for_cloud(Cloud::Huawei, env(&fake)).unwrap_err().contains("fake key"));
    }
}
