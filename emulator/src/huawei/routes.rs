//! The CBR operation table: documented operation name, method and path template → handler. It
//! drives dispatch, `cloudtwin operations` and coverage; an operation is listed only when it
//! works. Paths are the doc's URIs, including its spellings (`dissociatepolicy`,
//! `removeresources`, `set-resources`, `storage_usage`).

use axum::http::Method;

use super::api::{agents as a, projects as d};
use super::api::{backups as b, checkpoints as c, policies as p, protectables as r, tasks as t, vaults as v};
use super::api::{orders as o, tags as g};
use super::api::{organization as og, sharing as s};
use super::ctx::{Ctx, Reply, Req};
use super::error::HwResult;

pub type Handler = fn(&mut Ctx<'_>, &Req<'_>) -> HwResult<Reply>;

pub struct Operation {
    pub name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub handler: Handler,
}

macro_rules! table {
    ($($name:literal => $method:literal $path:literal, $handler:expr;)*) => {
        pub static OPERATIONS: &[Operation] = &[$(Operation {
            name: $name,
            method: $method,
            path: $path,
            handler: $handler,
        }),*];
    };
}

table! {
    // Vaults (4.4)
    "CreateVault" => "POST" "/v3/{project_id}/vaults", v::create_vault;
    "ShowVault" => "GET" "/v3/{project_id}/vaults/{vault_id}", v::show_vault;
    "ListVault" => "GET" "/v3/{project_id}/vaults", v::list_vault;
    "UpdateVault" => "PUT" "/v3/{project_id}/vaults/{vault_id}", v::update_vault;
    "DeleteVault" => "DELETE" "/v3/{project_id}/vaults/{vault_id}", v::delete_vault;
    "RemoveVaultResource" => "POST" "/v3/{project_id}/vaults/{vault_id}/removeresources", v::remove_vault_resource;
    "AddVaultResource" => "POST" "/v3/{project_id}/vaults/{vault_id}/addresources", v::add_vault_resource;
    "AssociateVaultPolicy" => "POST" "/v3/{project_id}/vaults/{vault_id}/associatepolicy", v::associate_vault_policy;
    "DisassociateVaultPolicy" => "POST" "/v3/{project_id}/vaults/{vault_id}/dissociatepolicy", v::disassociate_vault_policy;
    "ListExternalVault" => "GET" "/v3/{project_id}/vaults/external", v::list_external_vault;
    "MigrateVaultResource" => "POST" "/v3/{project_id}/vaults/{vault_id}/migrateresources", v::migrate_vault_resource;
    "BatchUpdateVault" => "PUT" "/v3/{project_id}/vaults/batch-update", v::batch_update_vault;
    "SetVaultResource" => "PUT" "/v3/{project_id}/vaults/{vault_id}/set-resources", v::set_vault_resource;
    "CreatePostPaidVault" => "POST" "/v3/{project_id}/vaults/order", v::create_post_paid_vault;
    "ShowSummary" => "GET" "/v3/{project_id}/vaults/summary", v::show_summary;
    // Policies (4.6)
    "CreatePolicy" => "POST" "/v3/{project_id}/policies", p::create_policy;
    "ShowPolicy" => "GET" "/v3/{project_id}/policies/{policy_id}", p::show_policy;
    "ListPolicies" => "GET" "/v3/{project_id}/policies", p::list_policies;
    "UpdatePolicy" => "PUT" "/v3/{project_id}/policies/{policy_id}", p::update_policy;
    "DeletePolicy" => "DELETE" "/v3/{project_id}/policies/{policy_id}", p::delete_policy;
    // Backups (4.7)
    "ImportBackup" => "POST" "/v3/{project_id}/backups/sync", b::import_backup;
    "ShowBackup" => "GET" "/v3/{project_id}/backups/{backup_id}", b::show_backup;
    "ListBackups" => "GET" "/v3/{project_id}/backups", b::list_backups;
    "DeleteBackup" => "DELETE" "/v3/{project_id}/backups/{backup_id}", b::delete_backup;
    "CopyBackup" => "POST" "/v3/{project_id}/backups/{backup_id}/replicate", b::copy_backup;
    "RestoreBackup" => "POST" "/v3/{project_id}/backups/{backup_id}/restore", b::restore_backup;
    "ShowMetadata" => "GET" "/v3/{project_id}/backups/{backup_id}/metadata", b::show_metadata;
    "UpdateBackup" => "PUT" "/v3/{project_id}/backups/{backup_id}", b::update_backup;
    // Checkpoints (4.13)
    "ImportCheckpoint" => "POST" "/v3/{project_id}/checkpoints/sync", c::import_checkpoint;
    "ShowCheckpoint" => "GET" "/v3/{project_id}/checkpoints/{checkpoint_id}", c::show_checkpoint;
    "CopyCheckpoint" => "POST" "/v3/{project_id}/checkpoints/replicate", c::copy_checkpoint;
    "CreateCheckpoint" => "POST" "/v3/{project_id}/checkpoints", c::create_checkpoint;
    // Tasks (4.3)
    "ShowOpLog" => "GET" "/v3/{project_id}/operation-logs/{operation_log_id}", t::show_op_log;
    "ListOpLogs" => "GET" "/v3/{project_id}/operation-logs", t::list_op_logs;
    // Protectables (4.9)
    "ListProtectable" => "GET" "/v3/{project_id}/protectables/{protectable_type}/instances", r::list_protectable;
    "CheckAgent" => "POST" "/v3/{project_id}/agent/check", r::check_agent;
    "ShowProtectable" => "GET" "/v3/{project_id}/protectables/{protectable_type}/instances/{instance_id}", r::show_protectable;
    "ShowReplicationCapabilities" => "GET" "/v3/{project_id}/replication-capabilities", r::show_replication_capabilities;
    // Features (4.8)
    "ListFeatures" => "GET" "/v3/{project_id}/cbr-features", r::list_features;
    "ShowFeature" => "GET" "/v3/{project_id}/cbr-features/{feature_key}", r::show_feature;
    // Metering (4.14)
    "ShowStorageUsage" => "GET" "/v3/{project_id}/storage_usage", r::show_storage_usage;
    // Agents (4.2)
    "AddAgentPath" => "POST" "/v3/{project_id}/agents/{agent_id}/add-path", a::add_agent_path;
    "ShowAgent" => "GET" "/v3/{project_id}/agents/{agent_id}", a::show_agent;
    "UpdateAgent" => "PUT" "/v3/{project_id}/agents/{agent_id}", a::update_agent;
    "RegisterAgent" => "POST" "/v3/{project_id}/agents", a::register_agent;
    "UnregisterAgent" => "DELETE" "/v3/{project_id}/agents/{agent_id}", a::unregister_agent;
    "RemoveAgentPath" => "POST" "/v3/{project_id}/agents/{agent_id}/remove-path", a::remove_agent_path;
    "ListAgent" => "GET" "/v3/{project_id}/agents", a::list_agent;
    // Projects (4.5): account-level, no project in the path
    "ListProjects" => "GET" "/v3/region-projects", d::list_projects;
    "ListDomainProjects" => "GET" "/v3/domain/{domain_name}/projects", d::list_domain_projects;
    "ShowDomain" => "GET" "/v3/domain/{source_project_id}", d::show_domain;
    "MigrateDomain" => "POST" "/v3/migrates", d::migrate_domain;
    "ShowMigrateStatus" => "GET" "/v3/migrates", d::show_migrate_status;
    // Tags (4.12): note `/vault/`, singular
    "ShowVaultResourceInstances" => "POST" "/v3/{project_id}/vault/resource_instances/action", g::show_vault_resource_instances;
    "BatchCreateAndDeleteVaultTags" => "POST" "/v3/{project_id}/vault/{vault_id}/tags/action", g::batch_create_and_delete_vault_tags;
    "CreateVaultTags" => "POST" "/v3/{project_id}/vault/{vault_id}/tags", g::create_vault_tags;
    "DeleteVaultTag" => "DELETE" "/v3/{project_id}/vault/{vault_id}/tags/{key}", g::delete_vault_tag;
    "ShowVaultTag" => "GET" "/v3/{project_id}/vault/{vault_id}/tags", g::show_vault_tag;
    "ShowVaultProjectTag" => "GET" "/v3/{project_id}/vault/tags", g::show_vault_project_tag;
    // Operations/Billing (4.1)
    "ChangeVaultChargeMode" => "POST" "/v3/{project_id}/vaults/change-charge-mode", o::change_vault_charge_mode;
    "UpdateOrder" => "PUT" "/v3/{project_id}/orders/{order_id}", o::update_order;
    "ChangeOrder" => "POST" "/v3/{project_id}/orders/change", o::change_order;
    // Backup sharing (4.10)
    "AddMember" => "POST" "/v3/{project_id}/backups/{backup_id}/members", s::add_member;
    "UpdateMemberStatus" => "PUT" "/v3/{project_id}/backups/{backup_id}/members/{member_id}", s::update_member_status;
    "ShowMemberDetail" => "GET" "/v3/{project_id}/backups/{backup_id}/members/{member_id}", s::show_member_detail;
    "ShowMembersDetail" => "GET" "/v3/{project_id}/backups/{backup_id}/members", s::show_members_detail;
    "DeleteMember" => "DELETE" "/v3/{project_id}/backups/{backup_id}/members/{member_id}", s::delete_member;
    // Organization policies (4.11)
    "CreateOrganizationPolicy" => "POST" "/v3/{project_id}/organization-policies", og::create_organization_policy;
    "ListOrganizationPolicies" => "GET" "/v3/{project_id}/organization-policies", og::list_organization_policies;
    "UpdateOrganizationPolicy" => "PUT" "/v3/{project_id}/organization-policies/{organization_policy_id}", og::update_organization_policy;
    "DeleteOrganizationPolicy" => "DELETE" "/v3/{project_id}/organization-policies/{organization_policy_id}", og::delete_organization_policy;
    "ListOrganizationPolicyDetail" => "GET" "/v3/{project_id}/organization-policies/{organization_policy_id}/policy-detail", og::list_organization_policy_detail;
    "ShowOrganizationPolicy" => "GET" "/v3/{project_id}/organization-policies/{organization_policy_id}", og::show_organization_policy;
}

/// One segment of a template: a literal, or a `{name}` that captures.
#[derive(Clone, Copy)]
enum Seg {
    Lit(&'static str),
    Param(&'static str),
}

/// A template split once: its segments, and which are literal as bits (the first segment the
/// highest), so comparing two masks of the same length as integers is comparing them left to
/// right, literal before capture.
struct Compiled {
    op: &'static Operation,
    segs: Vec<Seg>,
    mask: u64,
}

/// More segments than any template has (the longest has 7, tested): a longer path matches none.
const MAX_SEGS: usize = 16;

static COMPILED: std::sync::LazyLock<Vec<Compiled>> = std::sync::LazyLock::new(|| {
    OPERATIONS
        .iter()
        .map(|op| {
            let segs: Vec<Seg> = (op.path.split('/'))
                .map(|s| match s.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
                    Some(name) => Seg::Param(name),
                    None => Seg::Lit(s),
                })
                .collect();
            let mask = segs.iter().fold(0u64, |m, s| m << 1 | u64::from(matches!(s, Seg::Lit(_))));
            Compiled { op, segs, mask }
        })
        .collect()
});

/// Does a split template match a split path: literal segments equal, `{name}` segments not empty.
fn fits(segs: &[Seg], path: &[&str]) -> bool {
    segs.len() == path.len()
        && segs.iter().zip(path).all(|(s, p)| match s {
            Seg::Lit(l) => l == p,
            Seg::Param(_) => !p.is_empty(),
        })
}

/// The operation for a method and path: the most specific template wins — at the first segment
/// where two matching templates differ, the literal one — so `/vaults/summary` is ShowSummary,
/// not ShowVault of a vault named "summary", and `/v3/domain/vaults` is ShowDomain, not ListVault
/// of a project named "domain". Two templates of a method that can match the same path never
/// share a mask (tested below), so exactly one wins. The path is split once, on the stack, and
/// only the winner's segments are decoded: every Huawei request routes twice (before its body
/// is read, and in the pipeline), and splitting every template per request showed in the
/// profile of a list page (docs/performance.md).
pub fn find(method: &Method, path: &str) -> Option<(&'static Operation, Vec<(&'static str, String)>)> {
    let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    let mut parts = [""; MAX_SEGS];
    let mut n = 0;
    for s in path.split('/') {
        if n == MAX_SEGS {
            return None;
        }
        parts[n] = s;
        n += 1;
    }
    let parts = &parts[..n];
    // The segment count first: a number compared is cheaper than the method's name.
    let best = (COMPILED.iter())
        .filter(|c| c.segs.len() == parts.len() && c.op.method == method.as_str() && fits(&c.segs, parts))
        .max_by_key(|c| c.mask)?;
    let params = (best.segs.iter().zip(parts))
        .filter_map(|(s, p)| match s {
            Seg::Param(name) => Some((*name, percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned())),
            Seg::Lit(_) => None,
        })
        .collect();
    Some((best.op, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which segments of a template are literal, left to right.
    fn literal_mask(template: &str) -> Vec<bool> {
        template.split('/').map(|s| !s.starts_with('{')).collect()
    }

    /// The router as it was before it split templates once: every template split per call, the
    /// winner picked by its mask as a `Vec<bool>`. `find` must answer what this answers.
    fn plain_find(method: &Method, path: &str) -> Option<(&'static str, Vec<(String, String)>)> {
        let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
        let matches = |template: &str| -> Option<Vec<(String, String)>> {
            let t: Vec<&str> = template.split('/').collect();
            let p: Vec<&str> = path.split('/').collect();
            if t.len() != p.len() {
                return None;
            }
            let mut params = Vec::new();
            for (ts, ps) in t.iter().zip(&p) {
                if let Some(name) = ts.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
                    if ps.is_empty() {
                        return None;
                    }
                    let value = percent_encoding::percent_decode_str(ps).decode_utf8_lossy().into_owned();
                    params.push((name.to_string(), value));
                } else if ts != ps {
                    return None;
                }
            }
            Some(params)
        };
        OPERATIONS
            .iter()
            .filter(|op| op.method == method.as_str())
            .filter_map(|op| matches(op.path).map(|params| (literal_mask(op.path), op, params)))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, op, params)| (op.name, params))
    }

    /// Every template with its captures filled by each of a set of words (the table's literals
    /// among them, so literal and capture compete), empty, percent-encoded and odd ones, with and
    /// without a trailing slash, one segment short and one too many, for every method.
    #[test]
    fn find_answers_what_the_plain_router_answers() {
        let mut words: Vec<&str> = vec!["p", "", "a%20b", "%ff", "x y", "v3"];
        for op in OPERATIONS {
            words.extend(op.path.split('/').filter(|s| !s.starts_with('{') && !s.is_empty()));
        }
        words.sort_unstable();
        words.dedup();
        let mut paths: Vec<String> = vec!["".into(), "/".into(), "//".into(), "/v3".into(), "/v3/".into()];
        for op in OPERATIONS {
            for (i, w) in words.iter().enumerate() {
                let fill = |k: usize| if k == 0 { *w } else { words[(i + k * 7) % words.len()] };
                let mut k = 0;
                let path: Vec<String> = (op.path.split('/'))
                    .map(|s| match s.starts_with('{') {
                        true => {
                            k += 1;
                            fill(k - 1).to_string()
                        }
                        false => s.to_string(),
                    })
                    .collect();
                let path = path.join("/");
                paths.push(format!("{path}/"));
                paths.push(format!("{path}/{w}"));
                paths.push(path.rsplit_once('/').map(|(head, _)| head.to_string()).unwrap_or_default());
                paths.push(path);
            }
        }
        paths.push("/a".repeat(MAX_SEGS + 3));
        assert!(OPERATIONS.iter().all(|op| op.path.split('/').count() < MAX_SEGS), "a template fits the stack split");
        let methods = [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH];
        let mut found = 0;
        for path in &paths {
            for m in &methods {
                let got = find(m, path).map(|(op, params)| {
                    (op.name, params.into_iter().map(|(n, v)| (n.to_string(), v)).collect::<Vec<_>>())
                });
                found += usize::from(got.is_some());
                assert_eq!(got, plain_find(m, path), "{m} {path}");
            }
        }
        assert!(found > paths.len(), "the paths reach the table");
    }

    #[test]
    fn literal_paths_win_over_ids() {
        let (op, _) = find(&Method::GET, "/v3/p/vaults/summary").unwrap();
        assert_eq!(op.name, "ShowSummary");
        let (op, params) = find(&Method::GET, "/v3/p/vaults/abc").unwrap();
        assert_eq!(op.name, "ShowVault");
        assert_eq!(params, vec![("project_id", "p".to_string()), ("vault_id", "abc".to_string())]);
        assert_eq!(find(&Method::PUT, "/v3/p/vaults/batch-update").unwrap().0.name, "BatchUpdateVault");
        assert!(find(&Method::PATCH, "/v3/p/vaults").is_none());
        assert!(find(&Method::GET, "/v3/p/nothing").is_none());
    }

    #[test]
    fn tag_paths_use_the_singular_vault() {
        let name = |m: Method, p: &str| find(&m, p).map(|(op, _)| op.name);
        assert_eq!(name(Method::GET, "/v3/x/vault/tags"), Some("ShowVaultProjectTag"));
        assert_eq!(name(Method::GET, "/v3/x/vault/v1/tags"), Some("ShowVaultTag"));
        assert_eq!(name(Method::POST, "/v3/x/vault/v1/tags"), Some("CreateVaultTags"));
        assert_eq!(name(Method::POST, "/v3/x/vault/v1/tags/action"), Some("BatchCreateAndDeleteVaultTags"));
        assert_eq!(name(Method::DELETE, "/v3/x/vault/v1/tags/action"), Some("DeleteVaultTag"));
        assert_eq!(name(Method::POST, "/v3/x/vault/resource_instances/action"), Some("ShowVaultResourceInstances"));
        assert_eq!(name(Method::GET, "/v3/x/vaults/v1/tags"), None);
        assert_eq!(name(Method::POST, "/v3/x/vaults/change-charge-mode"), Some("ChangeVaultChargeMode"));
        assert_eq!(name(Method::POST, "/v3/x/orders/change"), Some("ChangeOrder"));
        let (op, params) = find(&Method::PUT, "/v3/x/orders/CS1").unwrap();
        assert_eq!((op.name, params[1].clone()), ("UpdateOrder", ("order_id", "CS1".to_string())));
        let (_, params) = find(&Method::DELETE, "/v3/x/vault/v1/tags/a%20b").unwrap();
        assert_eq!(params[2], ("key", "a b".to_string()));
    }

    #[test]
    fn methods_and_paths_are_the_catalog_rows() {
        let catalog = include_str!("../../../fixtures/catalog/huawei-cbr.tsv");
        for op in OPERATIONS {
            let row = catalog.lines().find(|l| l.split('\t').next() == Some(op.name)).expect(op.name);
            let cols: Vec<&str> = row.split('\t').collect();
            assert_eq!((cols[1], cols[2]), (op.method, op.path), "{}", op.name);
        }
    }

    #[test]
    fn account_level_paths_do_not_collide_with_project_paths() {
        let (op, params) = find(&Method::GET, "/v3/domain/vaults").unwrap();
        assert_eq!((op.name, params), ("ShowDomain", vec![("source_project_id", "vaults".to_string())]));
        let (op, params) = find(&Method::GET, "/v3/domain/cloudtwin/projects").unwrap();
        assert_eq!((op.name, params), ("ListDomainProjects", vec![("domain_name", "cloudtwin".to_string())]));
        assert_eq!(find(&Method::GET, "/v3/domain/agents/projects").unwrap().0.name, "ListDomainProjects");
        assert_eq!(find(&Method::GET, "/v3/p/agents").unwrap().0.name, "ListAgent");
        assert_eq!(find(&Method::GET, "/v3/p/agents/a").unwrap().0.name, "ShowAgent");
        assert_eq!(find(&Method::POST, "/v3/p/agent/check").unwrap().0.name, "CheckAgent");
        assert_eq!(find(&Method::GET, "/v3/region-projects").unwrap().0.name, "ListProjects");
        assert_eq!(find(&Method::GET, "/v3/migrates").unwrap().0.name, "ShowMigrateStatus");
        assert_eq!(find(&Method::POST, "/v3/migrates").unwrap().0.name, "MigrateDomain");
        assert!(find(&Method::GET, "/v3/domain").is_none());
    }

    /// Two templates of one method that some path matches both (their literals agree wherever
    /// both have one) differ in where their literals are, so `find` never faces a tie.
    #[test]
    fn overlapping_templates_never_tie() {
        for (i, a) in OPERATIONS.iter().enumerate() {
            for b in OPERATIONS[i + 1..].iter().filter(|b| b.method == a.method) {
                let (sa, sb): (Vec<&str>, Vec<&str>) = (a.path.split('/').collect(), b.path.split('/').collect());
                let literal = |s: &str| !s.starts_with('{');
                let overlap =
                    sa.len() == sb.len() && sa.iter().zip(&sb).all(|(x, y)| !(literal(x) && literal(y)) || x == y);
                assert!(!overlap || literal_mask(a.path) != literal_mask(b.path), "{} / {}", a.name, b.name);
            }
        }
    }

    #[test]
    fn every_catalog_path_of_the_table_is_unique() {
        for (i, a) in OPERATIONS.iter().enumerate() {
            for b in &OPERATIONS[i + 1..] {
                assert!(a.name != b.name && (a.method, a.path) != (b.method, b.path), "{} / {}", a.name, b.name);
            }
        }
    }
}
