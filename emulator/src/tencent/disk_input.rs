//! Input checks shared by several disk actions (and by the price inquiries and the gateway):
//! the nested parameter schemas, ID lists, tags, the charge type and time windows.

use std::collections::BTreeSet;

use super::disk_rules::{valid_period, RENEW_FLAGS};
use super::error::{self as e, TcResult};
use super::model::{Tag, PREPAID};
use super::params::{opt, req, Field, Params, INT, STR};
use crate::tencent::time::parse_tc_timestamp;

pub const PLACEMENT: &[Field] = &[
    req("Zone", STR),
    opt("CageId", STR),
    opt("ProjectId", INT),
    opt("ProjectName", STR),
    opt("CdcName", STR),
    opt("CdcId", STR),
    opt("DedicatedClusterId", STR),
];
pub const DISK_CHARGE_PREPAID: &[Field] = &[req("Period", INT), opt("RenewFlag", STR), opt("CurInstanceDeadline", STR)];

pub(super) fn no_duplicates(field: &str, ids: &[String]) -> TcResult<()> {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(e::InvalidParameterValue(format!("`{field}` lists `{id}` more than once.")));
        }
    }
    Ok(())
}

pub(super) fn at_most(field: &str, ids: &[String], max: usize) -> TcResult<()> {
    if ids.len() > max {
        return Err(e::InvalidParameterValue_LimitExceeded(format!(
            "`{field}` may list at most {max} items; got {}.",
            ids.len()
        )));
    }
    no_duplicates(field, ids)
}

pub(super) fn tags(p: &Params) -> TcResult<Vec<Tag>> {
    let tags: Vec<Tag> = p
        .objs("Tags")
        .into_iter()
        .map(|t| Tag { key: t.str("Key").unwrap_or_default().into(), value: t.str("Value").unwrap_or_default().into() })
        .collect();
    if tags.len() > 50 {
        return Err(e::InvalidParameterValue("At most 50 tags can be bound to one resource."));
    }
    let mut keys = BTreeSet::new();
    for t in &tags {
        if t.key.is_empty() || t.key.len() > 127 || t.value.len() > 255 {
            return Err(e::InvalidParameterValue(format!(
                "Tag key `{}` must be 1–127 characters and its value at most 255.",
                t.key
            )));
        }
        if !keys.insert(t.key.clone()) {
            return Err(e::InvalidParameterValue(format!("Tag key `{}` is given more than once.", t.key)));
        }
    }
    Ok(tags)
}

/// Checks shared by CreateDisks and InquiryPriceCreateDisks: charge type, prepaid period.
pub fn check_charge(p: &Params, charge_types: &[&str]) -> TcResult<Option<(i64, String)>> {
    let charge = p.str("DiskChargeType").unwrap_or_default();
    if !charge_types.contains(&charge) {
        return Err(e::InvalidParameterValue(format!(
            "DiskChargeType must be one of {}; got `{charge}`.",
            charge_types.join(", ")
        )));
    }
    if charge != PREPAID {
        return Ok(None);
    }
    let prepaid = p
        .obj("DiskChargePrepaid")
        .ok_or_else(|| e::MissingParameter("DiskChargePrepaid is required when DiskChargeType is PREPAID."))?;
    let period = prepaid.int("Period").unwrap_or(0);
    if !valid_period(period) {
        return Err(e::InvalidParameterValue(format!(
            "DiskChargePrepaid.Period must be 1–12, 24 or 36 months; got {period}."
        )));
    }
    let renew = prepaid.str("RenewFlag").unwrap_or("NOTIFY_AND_MANUAL_RENEW");
    if !RENEW_FLAGS.contains(&renew) {
        return Err(e::InvalidParameterValue(format!("DiskChargePrepaid.RenewFlag `{renew}` is not valid.")));
    }
    if let Some(t) = prepaid.str("CurInstanceDeadline") {
        parse_tc_timestamp(t).ok_or_else(|| {
            e::InvalidParameterValue("DiskChargePrepaid.CurInstanceDeadline must look like `2018-03-30 20:15:03`.")
        })?;
    }
    Ok(Some((period, renew.to_string())))
}

/// BeginTime/EndTime of the operation-log queries (disk and snapshot).
pub fn time_window(p: &Params) -> TcResult<(i64, i64)> {
    let parse = |k: &str| -> TcResult<Option<i64>> {
        match p.str(k) {
            None => Ok(None),
            Some(s) => parse_tc_timestamp(s).map(Some).ok_or_else(|| {
                e::InvalidParameterValue(format!("`{k}` must look like `2019-11-22 00:00:00`; got `{s}`."))
            }),
        }
    };
    let begin = parse("BeginTime")?.unwrap_or(i64::MIN);
    let end = parse("EndTime")?.unwrap_or(i64::MAX);
    if begin > end {
        return Err(e::InvalidParameterValue("BeginTime must not be later than EndTime."));
    }
    Ok((begin, end))
}
