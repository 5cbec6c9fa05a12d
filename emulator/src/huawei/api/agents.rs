//! File-backup client agents (API 4.2): an installed agent registers itself in a project, then
//! gets backup paths (with exclusions) added and removed; uninstalling marks it `uninstall`,
//! unregistering removes it with its backups.
//!
//! The twin takes no file backups, so "an agent's backups" are the project's backups whose
//! resource is the agent (`resource_id` = `agent_id`, as ImportBackup can write them for an
//! `OS::Native::Server`).

use crate::huawei::body::Obj;
use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::domain::backup;
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{Agent, AgentPath};
use crate::huawei::render;

const STATUSES: &[&str] = &["normal", "abnormal", "uninstall"];

/// The doc gives no lengths for the host fields; 255 is its usual bound for names.
const MAX_FIELD: usize = 255;

fn get<'c>(ctx: &'c Ctx<'_>, id: &str) -> HwResult<&'c Agent> {
    ctx.proj_ref().and_then(|p| p.agents.get(id)).ok_or_else(|| e::Bs7410(format!("Agent {id} does not exist.")))
}

/// A host field: a string of 1 (0 when `may_be_empty`) to 255 characters.
fn host_field<'a>(o: &Obj<'a>, key: &str, required: bool, may_be_empty: bool) -> HwResult<Option<&'a str>> {
    let v = match o.str(key)? {
        None if required => return Err(o.missing(key)),
        None => return Ok(None),
        Some(v) => v,
    };
    if (v.is_empty() && !may_be_empty) || v.chars().count() > MAX_FIELD {
        return Err(invalid(format!("agent.{key}: 1 to {MAX_FIELD} characters")));
    }
    Ok(Some(v))
}

/// Agents name themselves with the UUID the installer generated (every example is one); anything
/// else is the documented "invalid client ID".
fn check_agent_id(id: &str) -> HwResult<()> {
    if id.len() != 36 || uuid::Uuid::try_parse(id).is_err() {
        return Err(e::Bs7403(format!("Invalid agent_id `{id}`: a client ID is a UUID.")));
    }
    Ok(())
}

pub fn register_agent(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["agent"])?;
    let a = root.req_obj("agent")?;
    a.only(&["agent_id", "host_name", "host_ip", "host_os", "host_nickname", "agent_version", "agent_type"])?;
    let id = a.req_str("agent_id")?;
    check_agent_id(id)?;
    let host_name = host_field(&a, "host_name", true, false)?.unwrap_or_default();
    let host_ip = a.req_str("host_ip")?;
    if host_ip.parse::<std::net::IpAddr>().is_err() {
        return Err(invalid(format!("agent.host_ip: `{host_ip}` is not an IPv4 or IPv6 address")));
    }
    let host_os = host_field(&a, "host_os", true, false)?.unwrap_or_default();
    // Unsent strings read "" (the doc's example answers `host_nickname: ""` to a request without it).
    let host_nickname = host_field(&a, "host_nickname", false, true)?.unwrap_or_default();
    let agent_version = host_field(&a, "agent_version", false, true)?.unwrap_or_default();
    let agent_type = a.enum_str("agent_type", &["native", "cloud"])?;
    let now = ctx.now;
    let existing = ctx.proj_ref().and_then(|p| p.agents.get(id)).cloned();
    // An uninstalled (or upgrading) agent registers again under its ID when it comes back; a
    // live one cannot be registered twice.
    if existing.as_ref().is_some_and(|x| x.status != "uninstall") {
        return Err(e::Bs7403(format!("Agent {id} is already registered.")));
    }
    let (seq, created_ms, paths) = match existing {
        Some(x) => (x.seq, x.created_ms, x.paths),
        None => (ctx.world.next_seq(), now, vec![]),
    };
    let agent = Agent {
        agent_id: id.into(),
        seq,
        agent_version: agent_version.into(),
        agent_type: agent_type.map(str::to_string),
        host_name: host_name.into(),
        host_nickname: host_nickname.into(),
        host_ip: host_ip.into(),
        host_os: host_os.into(),
        status: "normal".into(),
        created_ms,
        updated_ms: now,
        last_active_ms: now,
        paths,
    };
    let out = render::agent(&agent);
    ctx.proj().agents.insert(id.into(), agent);
    Reply::ok(render::one("agent", out))
}

pub fn show_agent(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let a = get(ctx, req.param("agent_id"))?;
    Reply::ok(render::one("agent", render::agent(a)))
}

pub fn list_agent(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let q = &req.query;
    // limit is typed String ("a positive integer") and offset Integer; the example answers
    // limit 1000, the bound of the other lists.
    let (limit, offset) = q.page(1000)?;
    let status = q.enum_str("status", STATUSES)?;
    // The doc types agent_id as one String; the SDK sends a list, comma-separated: take either.
    let ids: Vec<&str> = q.all("agent_id").into_iter().flat_map(|v| v.split(',')).filter(|v| !v.is_empty()).collect();
    let mut list: Vec<&Agent> = ctx
        .proj_ref()
        .into_iter()
        .flat_map(|p| p.agents.values())
        .filter(|a| status.is_none_or(|s| a.status == s))
        .filter(|a| ids.is_empty() || ids.contains(&a.agent_id.as_str()))
        .collect();
    list.sort_by_key(|a| std::cmp::Reverse((a.created_ms, a.seq)));
    let items = list.into_iter().map(render::agent).collect();
    Reply::ok(render::page("agents", items, limit, offset))
}

pub fn update_agent(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["agent"])?;
    let a = root.req_obj("agent")?;
    a.only(&["status"])?;
    // `uninstall` is the only status a caller may set (the agent does, when it is uninstalled
    // or upgraded); `abnormal` is the service's own finding.
    a.enum_str("status", &["uninstall"])?.ok_or_else(|| a.missing("status"))?;
    let id = req.param("agent_id").to_string();
    get(ctx, &id)?;
    let now = ctx.now;
    let agent = ctx.proj().agents.get_mut(&id).expect("found above");
    agent.status = "uninstall".into();
    agent.updated_ms = now;
    let out = render::agent(agent);
    Reply::ok(render::one("agent", out))
}

pub fn unregister_agent(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let id = req.param("agent_id").to_string();
    get(ctx, &id)?;
    let p = ctx.proj_ref().expect("the agent's project exists");
    let backups: Vec<String> =
        p.backups.values().filter(|b| b.resource_id == id && b.parent_id.is_none()).map(|b| b.id.clone()).collect();
    let locked = backups
        .iter()
        .filter_map(|b| p.backups.get(b.as_str()))
        .find_map(|b| p.vaults.get(&b.vault_id).filter(|v| v.locked).map(|v| v.id.clone()));
    if let Some(vault) = locked {
        return Err(e::Bs6156(format!("Agent {id} has backups in locked vault {vault}; it cannot be removed.")));
    }
    let now = ctx.now;
    let p = ctx.proj();
    for b in &backups {
        backup::remove_backup(p, b, now);
    }
    p.agents.remove(&id);
    Reply::status(200)
}

fn check_path(field: &str, path: &str) -> HwResult<()> {
    if path.trim().is_empty() {
        return Err(invalid(format!("{field}: a path cannot be empty")));
    }
    Ok(())
}

/// `exclude_path` entries: (path_name, excluded paths).
fn parse_excludes(root: &Obj<'_>) -> HwResult<Vec<(String, Vec<String>)>> {
    let Some(items) = root.objs("exclude_path", 0, usize::MAX)? else { return Ok(vec![]) };
    let mut out = Vec::new();
    for x in &items {
        x.only(&["path_name", "exclude_path_name"])?;
        // Marked optional, but without it nothing says which path the exclusions belong to.
        let name = x.str("path_name")?.ok_or_else(|| x.missing("path_name"))?;
        let excluded = x.strs("exclude_path_name", 0, usize::MAX)?.unwrap_or_default();
        for p in &excluded {
            check_path(&format!("{}.exclude_path_name", x.path), p)?;
            // Paths print comma-separated in `exclude_paths`; a comma inside one would split it.
            if p.contains(',') {
                return Err(invalid(format!("{}.exclude_path_name: `{p}` contains a comma", x.path)));
            }
        }
        out.push((name.to_string(), excluded.into_iter().map(str::to_string).collect()));
    }
    Ok(out)
}

pub fn add_agent_path(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["add_path", "exclude_path"])?;
    let add = root.strs("add_path", 1, usize::MAX)?.ok_or_else(|| root.missing("add_path"))?;
    for p in &add {
        check_path("add_path", p)?;
    }
    let excludes = parse_excludes(&root)?;
    let id = req.param("agent_id").to_string();
    let mut agent = get(ctx, &id)?.clone();
    if agent.status != "normal" {
        return Err(e::Bs7405(format!("Agent {id} is {}; paths can be added to a normal agent only.", agent.status)));
    }
    let (mut added, mut existed) = (Vec::new(), Vec::new());
    for dir in add {
        match agent.paths.iter_mut().find(|p| p.dir_path == dir) {
            Some(p) if p.status == "available" => existed.push(dir.to_string()),
            // A removed path stays listed as `remove`; adding it again makes it available again.
            Some(p) => {
                p.status = "available".into();
                added.push(dir.to_string());
            }
            None => {
                agent.paths.push(AgentPath {
                    id: ctx.ids.uuid(),
                    dir_path: dir.into(),
                    status: "available".into(),
                    exclude_paths: vec![],
                });
                added.push(dir.to_string());
            }
        }
    }
    let limit = ctx.cfg.huawei.limits.paths_per_agent;
    if agent.paths.iter().filter(|p| p.status == "available").count() > limit {
        return Err(e::Bs7407(format!("An agent backs up at most {limit} paths.")));
    }
    for (name, excluded) in excludes {
        let path = agent.paths.iter_mut().find(|p| p.dir_path == name && p.status == "available");
        let path = path.ok_or_else(|| e::Bs7406(format!("Backup path {name} does not exist on agent {id}.")))?;
        path.exclude_paths = excluded;
    }
    agent.updated_ms = ctx.now;
    ctx.proj().agents.insert(id, agent);
    Reply::ok(render::agent_paths(("added", added), ("existed", existed)))
}

pub fn remove_agent_path(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["remove_path"])?;
    let remove = root.strs("remove_path", 1, usize::MAX)?.ok_or_else(|| root.missing("remove_path"))?;
    for p in &remove {
        check_path("remove_path", p)?;
    }
    let id = req.param("agent_id").to_string();
    get(ctx, &id)?;
    let now = ctx.now;
    let agent = ctx.proj().agents.get_mut(&id).expect("found above");
    let (mut removed, mut not_existed) = (Vec::new(), Vec::new());
    for dir in remove {
        match agent.paths.iter_mut().find(|p| p.dir_path == dir && p.status == "available") {
            Some(p) => {
                p.status = "remove".into();
                removed.push(dir.to_string());
            }
            None => not_existed.push(dir.to_string()),
        }
    }
    agent.updated_ms = now;
    Reply::ok(render::agent_paths(("removed", removed), ("not_existed", not_existed)))
}
