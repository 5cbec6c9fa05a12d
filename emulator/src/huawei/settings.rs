//! Huawei identities, regions, limits and organization are configuration (config/huawei.rs);
//! here are the lookups Huawei code makes in them.

pub use crate::config::huawei::*;
use crate::config::Config;

/// Who owns a project: (account name, identity, region).
pub fn project_owner<'a>(cfg: &'a Config, project_id: &str) -> Option<(&'a str, &'a HuaweiIdentity, &'a str)> {
    cfg.accounts.iter().find_map(|a| {
        let ident = a.huawei.as_ref()?;
        let p = ident.projects.iter().find(|p| p.id == project_id)?;
        Some((a.name.as_str(), ident, p.region.as_str()))
    })
}

/// The account and identity an AK belongs to, with its secret key.
pub fn by_ak<'a>(cfg: &'a Config, ak: &str) -> Option<(&'a str, &'a HuaweiIdentity, &'a str)> {
    cfg.accounts.iter().find_map(|a| {
        let ident = a.huawei.as_ref()?;
        let key = ident.keys.iter().find(|k| k.ak == ak)?;
        Some((a.name.as_str(), ident, key.sk.as_str()))
    })
}
