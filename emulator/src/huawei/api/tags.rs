//! Tags (API 4.12), the TMS-facing side of a vault's `tags`: the same list CreateVault sets and
//! ShowVault/ListVault show, so a tag written here is seen there and the other way round. Paths
//! live under `/vault/` (singular).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::vaults;
use crate::huawei::body::Obj;
use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{HwProject, Tag, Vault};
use crate::huawei::render;

/// Keys one request may name in any tag list, whatever the per-vault limit (`tags_per_vault`,
/// 20 in landingzone regions).
const KEYS_PER_REQUEST: usize = 10;

/// The tag APIs document only 400 besides success; ShowVaultTag's example answers a bad vault id
/// with `9900 Invalid vault_id provided.`, so every tag API does, not the vault APIs' 404 6105.
fn no_vault() -> e::HwError {
    e::Bs9900("Invalid vault_id provided.")
}

fn vault<'p>(p: Option<&'p HwProject>, id: &str) -> HwResult<&'p Vault> {
    p.and_then(|p| p.vaults.get(id)).ok_or_else(no_vault)
}

fn vault_mut<'p>(ctx: &'p mut Ctx<'_>, id: &str) -> HwResult<&'p mut Vault> {
    ctx.proj().vaults.get_mut(id).ok_or_else(no_vault)
}

/// `sys_tags` need the op_service permission, which no twin identity holds.
fn refuse_sys_tags(o: &Obj<'_>) -> HwResult<()> {
    if o.has("sys_tags") {
        return Err(invalid("sys_tags: only callers with the op_service permission may use system tags"));
    }
    Ok(())
}

/// Set tags on a vault: a key it has takes the new value, a new key is added, up to the
/// per-vault limit (6600).
fn put_tags(ctx: &mut Ctx<'_>, vault_id: &str, tags: Vec<Tag>) -> HwResult<()> {
    let limit = ctx.cfg.huawei.limits.tags_per_vault;
    let now = ctx.now;
    let v = vault_mut(ctx, vault_id)?;
    let added = tags.iter().filter(|t| !v.tags.iter().any(|x| x.key == t.key)).count();
    if v.tags.len() + added > limit {
        return Err(e::Bs6600(format!("A vault carries at most {limit} tags; vault {vault_id} has {}.", v.tags.len())));
    }
    for t in tags {
        match v.tags.iter_mut().find(|x| x.key == t.key) {
            Some(x) => x.value = t.value,
            None => v.tags.push(t),
        }
    }
    v.updated_ms = now;
    Ok(())
}

pub fn show_vault_tag(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let v = vault(ctx.proj_ref(), req.param("vault_id"))?;
    Reply::ok(render::one("tags", render::tags(&v.tags)))
}

pub fn create_vault_tags(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["tag"])?;
    // The table marks `tag` optional, but a request without it has nothing to do.
    let tag = vaults::parse_tag(&root.req_obj("tag")?, true)?;
    put_tags(ctx, req.param("vault_id"), vec![tag])?;
    Reply::status(204)
}

pub fn batch_create_and_delete_vault_tags(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["tags", "sys_tags", "action"])?;
    let action = root.enum_str("action", &["create", "delete"])?.ok_or_else(|| root.missing("action"))?;
    refuse_sys_tags(&root)?;
    let items = root.objs("tags", 1, KEYS_PER_REQUEST)?.ok_or_else(|| root.missing("tags"))?;
    let id = req.param("vault_id").to_string();
    if action == "create" {
        let mut tags: Vec<Tag> = Vec::new();
        for t in &items {
            let tag = vaults::parse_tag(t, true)?;
            if tags.iter().any(|x| x.key == tag.key) {
                return Err(invalid(format!("tags: the key `{}` appears twice", tag.key)));
            }
            tags.push(tag);
        }
        put_tags(ctx, &id, tags)?;
        return Reply::status(204);
    }
    // Deleting checks lengths only (key ≤127, value ≤255), not the charset, so tags the rules
    // would reject today can still go; keys may repeat, and a tag the vault lacks is no error.
    let mut gone: Vec<(String, Option<String>)> = Vec::new();
    for t in &items {
        t.only(&["key", "value"])?;
        let key = t.req_str("key")?.trim();
        if key.is_empty() || key.chars().count() > 127 {
            return Err(invalid(format!("{}.key: 1 to 127 characters", t.path)));
        }
        let value = t.str("value")?.map(str::trim);
        if value.is_some_and(|v| v.chars().count() > 255) {
            return Err(invalid(format!("{}.value: at most 255 characters", t.path)));
        }
        gone.push((key.to_string(), value.map(str::to_string)));
    }
    let now = ctx.now;
    let v = vault_mut(ctx, &id)?;
    // A value given names the exact tag (TMS semantics); without one the key alone does.
    v.tags.retain(|t| !gone.iter().any(|(k, val)| *k == t.key && val.as_ref().is_none_or(|x| *x == t.value)));
    v.updated_ms = now;
    Reply::status(204)
}

pub fn delete_vault_tag(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    // The key is trimmed and then used as is: no length or charset check, so any tag can go.
    let key = req.param("key").trim().to_string();
    if key.is_empty() {
        return Err(invalid("key: it must not be empty"));
    }
    let id = req.param("vault_id").to_string();
    let now = ctx.now;
    let v = vault_mut(ctx, &id)?;
    let pos = v.tags.iter().position(|t| t.key == key);
    // The text says a missing tag is 404 (the status table lists only 204/400); 6601 is the
    // documented 404 "key does not exist".
    let pos = pos.ok_or_else(|| e::Bs6601(format!("Vault {id} has no tag with key `{key}`.")))?;
    v.tags.remove(pos);
    v.updated_ms = now;
    Reply::status(204)
}

pub fn show_vault_project_tag(ctx: &mut Ctx<'_>, _req: &Req<'_>) -> HwResult<Reply> {
    let mut keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for t in ctx.proj_ref().into_iter().flat_map(|p| p.vaults.values()).flat_map(|v| &v.tags) {
        keys.entry(&t.key).or_default().insert(&t.value);
    }
    // TagsResp types `values` as String; its example (and the SDK) has an array.
    let tags: Vec<Value> = keys.into_iter().map(|(k, vs)| render::tag_values(k, vs)).collect();
    Reply::ok(render::one("tags", tags))
}

/// One TagsReq: a key and the values it may have (none: any value; `*x`: containing `x`).
struct TagFilter {
    key: String,
    values: Vec<String>,
}

impl TagFilter {
    fn matches(&self, tags: &[Tag]) -> bool {
        tags.iter().any(|t| {
            t.key == self.key
                && (self.values.is_empty()
                    || self.values.iter().any(|v| match v.strip_prefix('*') {
                        Some(part) => t.value.contains(part),
                        None => t.value == *v,
                    }))
        })
    }
}

/// A tag filter list: never empty, at most 10 keys, none twice; keys ≤127 characters, at most
/// 10 distinct values of ≤255 each, `*` alone reserved.
fn tag_filters(o: &Obj<'_>, field: &str) -> HwResult<Option<Vec<TagFilter>>> {
    let Some(items) = o.objs(field, 1, KEYS_PER_REQUEST)? else { return Ok(None) };
    let mut out: Vec<TagFilter> = Vec::new();
    for f in &items {
        f.only(&["key", "values"])?;
        let key = f.req_str("key")?.trim();
        if key.is_empty() || key.chars().count() > 127 {
            return Err(invalid(format!("{}.key: 1 to 127 characters", f.path)));
        }
        if out.iter().any(|x| x.key == key) {
            return Err(invalid(format!("{field}: the key `{key}` appears twice")));
        }
        let mut values: Vec<String> = Vec::new();
        for v in f.strs("values", 0, 10)?.ok_or_else(|| f.missing("values"))? {
            let v = v.trim();
            if v.chars().count() > 255 {
                return Err(invalid(format!("{}.values: each value has at most 255 characters", f.path)));
            }
            if v == "*" {
                return Err(invalid(format!("{}.values: `*` alone is reserved", f.path)));
            }
            if values.iter().any(|x| x == v) {
                return Err(invalid(format!("{}.values: `{v}` appears twice", f.path)));
            }
            values.push(v.to_string());
        }
        out.push(TagFilter { key: key.to_string(), values });
    }
    Ok(Some(out))
}

/// `limit`/`offset` are typed String (the SDK sends strings); a JSON number is taken too.
fn string_int(o: &Obj<'_>, key: &str, min: i64, max: i64) -> HwResult<Option<i64>> {
    let bad = || invalid(format!("{key}: must be an integer from {min} to {max}"));
    let n = match o.map.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        Some(_) => None,
    };
    n.filter(|n| (min..=max).contains(n)).map(Some).ok_or_else(bad)
}

/// ShowVaultResourceInstances' tag conditions: none at all, or all/any of some filters present
/// (or absent).
struct TagQuery {
    without_any_tag: bool,
    all: Option<Vec<TagFilter>>,
    any: Option<Vec<TagFilter>>,
    not_all: Option<Vec<TagFilter>>,
    not_any: Option<Vec<TagFilter>>,
}

impl TagQuery {
    fn parse(root: &Obj<'_>) -> HwResult<Self> {
        Ok(TagQuery {
            without_any_tag: root.bool("without_any_tag")?.unwrap_or(false),
            all: tag_filters(root, "tags")?,
            any: tag_filters(root, "tags_any")?,
            not_all: tag_filters(root, "not_tags")?,
            not_any: tag_filters(root, "not_tags_any")?,
        })
    }

    fn keeps(&self, tags: &[Tag]) -> bool {
        if self.without_any_tag {
            return tags.is_empty();
        }
        self.all.as_ref().is_none_or(|fs| fs.iter().all(|f| f.matches(tags)))
            && self.any.as_ref().is_none_or(|fs| fs.iter().any(|f| f.matches(tags)))
            && self.not_all.as_ref().is_none_or(|fs| !fs.iter().all(|f| f.matches(tags)))
            && self.not_any.as_ref().is_none_or(|fs| !fs.iter().any(|f| f.matches(tags)))
    }
}

/// The page of a `filter` action; counting takes no page (limit and offset are not parameters
/// of `count`).
fn tag_page(root: &Obj<'_>, action: &str) -> HwResult<(usize, usize)> {
    if action != "filter" {
        return Ok((usize::MAX, 0));
    }
    let limit = string_int(root, "limit", 1, 1000)?.unwrap_or(1000);
    let offset = string_int(root, "offset", 0, i64::MAX)?.unwrap_or(0);
    Ok((limit as usize, offset as usize))
}

/// `matches`: at most one condition, on the resource name.
fn name_match<'a>(root: &Obj<'a>) -> HwResult<Option<&'a str>> {
    let mut name_match: Option<&str> = None;
    for m in root.objs("matches", 0, 1)?.unwrap_or_default() {
        m.only(&["key", "value"])?;
        m.enum_str("key", &["resource_name"])?.ok_or_else(|| m.missing("key"))?;
        let value = m.req_str("value")?;
        if value.chars().count() > 255 {
            return Err(invalid(format!("{}.value: at most 255 characters", m.path)));
        }
        name_match = Some(value);
    }
    Ok(name_match)
}

pub fn show_vault_resource_instances(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&[
        "without_any_tag",
        "tags",
        "tags_any",
        "not_tags",
        "not_tags_any",
        "sys_tags",
        "limit",
        "offset",
        "action",
        "matches",
        "cloud_type",
        "object_type",
    ])?;
    let action = root.enum_str("action", &["filter", "count"])?.ok_or_else(|| root.missing("action"))?;
    refuse_sys_tags(&root)?;
    let tagged = TagQuery::parse(&root)?;
    let (limit, offset) = tag_page(&root, action)?;
    let name_match = name_match(&root)?;
    // "Default public": hybrid-cloud vaults are listed only when asked for.
    let cloud_type = root.enum_str("cloud_type", &["public", "hybrid"])?.unwrap_or("public");
    let object_type = root.enum_str("object_type", &["server", "disk"])?;
    let eps = req.query.get("enterprise_project_id").filter(|e| *e != "all_granted_eps");

    let p = ctx.proj_ref();
    let mut found: Vec<&Vault> = p
        .into_iter()
        .flat_map(|p| p.vaults.values())
        .filter(|v| {
            tagged.keeps(&v.tags)
                && v.billing.cloud_type == cloud_type
                && object_type.is_none_or(|o| v.billing.object_type == o)
                && eps.is_none_or(|e| v.enterprise_project_id == e)
                && name_match.is_none_or(|n| if n.is_empty() { v.name.is_empty() } else { v.name.contains(n) })
        })
        .collect();
    found.sort_by_key(|v| std::cmp::Reverse((v.created_ms, v.seq)));
    let total = found.len();
    if action == "count" {
        return Reply::ok(render::tag_count(total));
    }
    let resources: Vec<Value> = found
        .into_iter()
        .skip(offset)
        .take(limit)
        .filter_map(|v| Some(render::tagged_vault(p?, ctx.project, v)))
        .collect();
    Reply::ok(render::tagged_vaults(resources, total))
}
