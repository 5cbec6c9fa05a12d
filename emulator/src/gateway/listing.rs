//! What the gateway's list endpoints share: `PageNum`/`PageSize` paging, `Fuzzy` search, and
//! fetching every match of a Tencent Describe action (which pages by 100) so the gateway's own
//! filters can run before its paging.

use serde_json::{json, Map, Value};

use super::envelope::{GwError, GwResult};
use super::session::{Gw, Reply};
use crate::core::search::Needle;
use crate::tencent::params::Params;

fn bad(msg: String) -> GwError {
    GwError::new("InvalidParameterValue", msg)
}

/// The window of a list: `PageNum` (zero-based page) and `PageSize` (0, the documented default,
/// means everything), or — where an endpoint documents them — `Offset` and `Limit` (Tencent's
/// default 20, at most 100). The two styles cannot be mixed. Returns (skip, take).
pub fn window(p: &Params, offset_style: bool) -> GwResult<(usize, Option<usize>)> {
    let pages = p.has("PageNum") || p.has("PageSize");
    let offsets = offset_style && (p.has("Offset") || p.has("Limit"));
    if pages && offsets {
        return Err(GwError::new("InvalidParameter", "Page with PageNum/PageSize or with Offset/Limit, not both."));
    }
    if offsets {
        let offset = p.int("Offset").unwrap_or(0);
        let limit = p.int("Limit").unwrap_or(20);
        if offset < 0 {
            return Err(bad(format!("Offset must be 0 or more; got {offset}.")));
        }
        if !(0..=100).contains(&limit) {
            return Err(bad(format!("Limit must be between 0 and 100; got {limit}.")));
        }
        return Ok((offset as usize, Some(limit as usize)));
    }
    let num = p.int("PageNum").unwrap_or(0);
    let size = p.int("PageSize").unwrap_or(0);
    if num < 0 {
        return Err(bad(format!("PageNum must be 0 or more; got {num}.")));
    }
    if size < 0 {
        return Err(bad(format!("PageSize must be 0 or more; got {size}.")));
    }
    if size == 0 {
        return Ok((0, None));
    }
    let skip = (num as usize).checked_mul(size as usize).ok_or_else(|| bad("PageNum is too large.".into()))?;
    Ok((skip, Some(size as usize)))
}

pub fn cut<T>(items: Vec<T>, (skip, take): (usize, Option<usize>)) -> Vec<T> {
    items.into_iter().skip(skip).take(take.unwrap_or(usize::MAX)).collect()
}

/// `Fuzzy`: a case-insensitive substring of any of `fields` (the name and the ID).
pub fn fuzzy(items: Vec<Value>, p: &Params, fields: &[&str]) -> Vec<Value> {
    let Some(needle) = p.str("Fuzzy").and_then(Needle::new) else { return items };
    items.into_iter().filter(|v| fields.iter().any(|f| v[*f].as_str().is_some_and(|s| needle.found_in(s)))).collect()
}

/// The list parameter `k` as JSON items, to hand on (none when it is absent).
pub fn list(p: &Params, k: &str) -> Vec<Value> {
    match p.value(k) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// Copy the parameters a Tencent action takes under the same names.
pub fn pass(p: &Params, keys: &[&str]) -> Map<String, Value> {
    keys.iter().filter_map(|k| p.value(k).map(|v| (k.to_string(), v))).collect()
}

/// The seeds' list examples are oldest first, so that is the gateway's default order.
pub fn default_ascending(input: &mut Map<String, Value>) {
    input.entry("Order").or_insert_with(|| json!("ASC"));
}

/// Every item of a Describe action in `region`, in its order.
pub fn fetch_all(
    gw: &mut Gw<'_>,
    region: &str,
    action: &str,
    set_key: &str,
    input: &Map<String, Value>,
) -> GwResult<Vec<Value>> {
    fetch_window(gw, region, action, set_key, input, (0, usize::MAX)).map(|(_, items)| items)
}

/// The window `(skip, take)` of a Describe action in `region` and the action's TotalCount, asked
/// of the action itself (Offset/Limit, by 100), so that its indexes answer: the cost is the
/// window, not every match. Only for lists the gateway does not filter further.
pub fn fetch_window(
    gw: &mut Gw<'_>,
    region: &str,
    action: &str,
    set_key: &str,
    input: &Map<String, Value>,
    (skip, take): (usize, usize),
) -> GwResult<(usize, Vec<Value>)> {
    let mut out: Vec<Value> = Vec::new();
    loop {
        let mut page = input.clone();
        // Offset is an integer parameter; past i64::MAX every list is empty anyway.
        let offset = skip.saturating_add(out.len()).min(i64::MAX as usize);
        page.insert("Offset".into(), json!(offset));
        page.insert("Limit".into(), json!((take - out.len()).min(100)));
        let v = gw.call_in(region, action, Value::Object(page))?;
        let total = v["TotalCount"].as_u64().unwrap_or(0) as usize;
        let items = match v.get(set_key) {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        let got = items.len();
        out.extend(items);
        if got == 0 || out.len() >= take || offset.saturating_add(got) >= total {
            return Ok((total, out));
        }
    }
}

/// Is a `Fuzzy` search asked for (an empty one matches everything)?
pub fn has_fuzzy(p: &Params) -> bool {
    p.str("Fuzzy").is_some_and(|f| !f.is_empty())
}

/// A plain list endpoint: pass the id list and filters to `action`, then page, fuzzy-match and
/// reshape its `set` like the seeds print it (snapshot/list, auto_snapshot/policy/list).
pub struct Plain {
    pub ids: &'static str,
    pub action: &'static str,
    pub set: &'static str,
    pub fuzzy: &'static [&'static str],
    pub shape: fn(&Value) -> Value,
}

pub fn plain(gw: &mut Gw<'_>, p: &Params, spec: &Plain) -> GwResult<Reply> {
    let window = window(p, false)?;
    let mut input = pass(p, &[spec.ids, "Filters", "Order", "OrderField"]);
    default_ascending(&mut input);
    let region = gw.region.clone();
    let mut data = match window {
        // Without a search the Tencent action's own paging (over its indexes) cuts the page.
        (skip, Some(take)) if !has_fuzzy(p) => {
            let (total, items) = fetch_window(gw, &region, spec.action, spec.set, &input, (skip, take))?;
            let mut data = Map::new();
            data.insert("TotalCount".into(), json!(total));
            data.insert("List".into(), Value::Array(items));
            data
        }
        _ => {
            let all = fetch_all(gw, &region, spec.action, spec.set, &input)?;
            list_data(fuzzy(all, p, spec.fuzzy), window)
        }
    };
    if let Some(Value::Array(items)) = data.get_mut("List") {
        for it in items.iter_mut() {
            *it = (spec.shape)(it);
        }
    }
    Ok(Reply::Data(Value::Object(data)))
}

/// `{"TotalCount": n, "List": [...]}` of a filtered, paged list.
pub fn list_data(items: Vec<Value>, window: (usize, Option<usize>)) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("TotalCount".into(), json!(items.len()));
    data.insert("List".into(), Value::Array(cut(items, window)));
    data
}
