//! What every Describe action shares: Offset/Limit paging, Order/OrderField, Filters, and the
//! rule that an ID list and Filters cannot be combined.

use super::error::{self as e, TcResult};
use super::params::Params;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// `Offset` (default 0) and `Limit` (default 20, at most 100).
pub fn paging(p: &Params) -> TcResult<(usize, usize)> {
    let offset = p.int("Offset").unwrap_or(0);
    if offset < 0 {
        return Err(e::InvalidParameterValue(format!("Offset must be 0 or more; got {offset}.")));
    }
    let limit = p.int("Limit").unwrap_or(DEFAULT_LIMIT);
    if !(0..=MAX_LIMIT).contains(&limit) {
        return Err(e::InvalidParameterValue(format!("Limit must be between 0 and {MAX_LIMIT}; got {limit}.")));
    }
    Ok((offset as usize, limit as usize))
}

pub fn page<T>(items: Vec<T>, (offset, limit): (usize, usize)) -> Vec<T> {
    items.into_iter().skip(offset).take(limit).collect()
}

/// Order the matches by `key` (descending if asked), then cut the requested page; returns
/// (TotalCount, page).
pub fn sort_page<T, K: Ord>(
    mut hits: Vec<T>,
    key: impl Fn(&T) -> K,
    desc: bool,
    paging: (usize, usize),
) -> (usize, Vec<T>) {
    hits.sort_by_key(|h| key(h));
    if desc {
        hits.reverse();
    }
    (hits.len(), page(hits, paging))
}

/// `Order` (ASC/DESC; default DESC, newest first) and `OrderField` (one of `fields`; default
/// creation time). Returns (descending, field).
pub fn order<'p>(p: &'p Params, fields: &[&str]) -> TcResult<(bool, Option<&'p str>)> {
    let desc = match p.str("Order") {
        None | Some("DESC") => true,
        Some("ASC") => false,
        Some(other) => return Err(e::InvalidParameterValue(format!("Order must be ASC or DESC; got `{other}`."))),
    };
    let field = match p.str("OrderField") {
        None => None,
        Some(f) if fields.contains(&f) => Some(f),
        Some(f) => {
            return Err(e::InvalidParameterValue(format!(
                "OrderField must be one of {}; got `{f}`.",
                fields.join(", ")
            )))
        }
    };
    Ok((desc, field))
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub name: String,
    pub values: Vec<String>,
}

impl Filter {
    pub fn any(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.values.iter().any(|v| pred(v))
    }

    /// Values that are integers written as strings (`project-id`).
    pub fn any_int(&self, pred: impl Fn(i64) -> bool) -> TcResult<bool> {
        let mut hit = false;
        for v in &self.values {
            let n: i64 = v
                .trim()
                .parse()
                .map_err(|_| e::InvalidParameterValue(format!("{} `{v}` is not an integer.", self.name)))?;
            hit |= pred(n);
        }
        Ok(hit)
    }

    /// Values that are `TRUE`/`FALSE` (`portable`, `encrypt`).
    pub fn any_bool(&self, pred: impl Fn(bool) -> bool) -> TcResult<bool> {
        let mut hit = false;
        for v in &self.values {
            hit |= pred(bool_value(v)?);
        }
        Ok(hit)
    }
}

/// Filters by name; an unsupported name is `InvalidFilter`. `tag_keys` also allows `tag:<key>`.
pub fn filters(p: &Params, allowed: &[&str], tag_keys: bool) -> TcResult<Vec<Filter>> {
    let mut out = Vec::new();
    for f in p.objs("Filters") {
        let name = f.str("Name").unwrap_or_default().to_string();
        let ok = allowed.contains(&name.as_str()) || (tag_keys && name.len() > 4 && name.starts_with("tag:"));
        if !ok {
            return Err(e::InvalidFilter(format!(
                "The filter `{name}` is not supported; supported filters are {}{}.",
                allowed.join(", "),
                if tag_keys { ", tag:<tag-key>" } else { "" }
            )));
        }
        out.push(Filter { name, values: f.strs("Values") });
    }
    Ok(out)
}

pub fn ids_xor_filters(p: &Params, ids: &str) -> TcResult<()> {
    if p.has(ids) && p.has("Filters") {
        return Err(e::InvalidParameterValue(format!("`{ids}` and `Filters` cannot be specified at the same time.")));
    }
    Ok(())
}

/// Upper-case boolean filter values, as the docs write them (`TRUE`/`FALSE`).
pub fn bool_value(v: &str) -> TcResult<bool> {
    match v.to_ascii_uppercase().as_str() {
        "TRUE" => Ok(true),
        "FALSE" => Ok(false),
        _ => Err(e::InvalidParameterValue(format!("`{v}` is not TRUE or FALSE."))),
    }
}
