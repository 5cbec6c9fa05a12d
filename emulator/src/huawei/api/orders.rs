//! Operations/Billing (API 4.1): yearly/monthly (`pre_paid`) orders on vaults — turning on-demand
//! vaults into yearly/monthly ones and resizing them. The twin has no payment step: an order is
//! settled when it is placed, whatever `is_auto_pay` says, so the vault shows its new terms at
//! once and the order as `billing.order_id`.

use crate::huawei::body::Obj;
use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::domain::{billing, capacity, vault};
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::Period;
use crate::huawei::render;

/// `resource_spec_code` of an order change.
const SPEC_CODES: &[&str] = &[
    "vault.backup.server.normal",
    "vault.backup.turbo.normal",
    "vault.backup.database.normal",
    "vault.backup.volume.normal",
    "vault.backup.rds.normal",
    "vault.replication.server.normal",
    "vault.hybrid.server.normal",
];

/// The GB measure, the only `resource_size_measure_id` documented.
const MEASURE_GB: i64 = 17;

pub fn change_vault_charge_mode(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&[
        "charging_mode",
        "period_type",
        "period_num",
        "is_auto_renew",
        "is_auto_pay",
        "console_url",
        "vault_ids",
    ])?;
    // On-demand → yearly/monthly is the only direction the doc supports.
    root.enum_str("charging_mode", &["pre_paid"])?;
    let period_type = root.enum_str("period_type", &["month", "year"])?.ok_or_else(|| root.missing("period_type"))?;
    let period_num = root.int("period_num", 1, 9)?.ok_or_else(|| root.missing("period_num"))?;
    let is_auto_renew = root.bool("is_auto_renew")?.unwrap_or(false);
    let is_auto_pay = root.bool("is_auto_pay")?.unwrap_or(false);
    root.str("console_url")?;
    // No vault count is documented; a request cannot name more vaults than a project holds.
    let max = ctx.cfg.huawei.limits.vaults_per_project;
    let ids = root.strs("vault_ids", 1, max)?.ok_or_else(|| root.missing("vault_ids"))?;
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(invalid(format!("vault_ids: `{id}` appears twice")));
        }
    }
    let p = ctx.proj_ref();
    for id in &ids {
        let v = vault::get(p, id)?;
        if v.billing.status != "available" {
            return Err(e::Bs6112(format!("Vault {id} is {}; its charging mode cannot change.", v.billing.status)));
        }
        // No code names "already yearly/monthly"; 6110 is "the vault cannot be updated".
        if v.billing.charging_mode == "pre_paid" {
            return Err(e::Bs6110(format!("Vault {id} is already billed yearly/monthly.")));
        }
        // A yearly/monthly vault cannot auto-expand; the caller turns it off first.
        if v.auto_expand {
            return Err(e::Bs6143(format!(
                "Vault {id} auto-expands, which a yearly/monthly vault does not support; turn auto_expand off first."
            )));
        }
    }
    let order = billing::order_id(ctx);
    let now = ctx.now;
    for id in &ids {
        let v = vault::get_mut(ctx, id)?;
        v.billing.charging_mode = "pre_paid".into();
        v.billing.period = Some(Period { period_type: period_type.into(), period_num, is_auto_renew, is_auto_pay });
        v.billing.orders.push(order.clone());
        v.updated_ms = now;
    }
    Reply::ok(render::order_answer(&order))
}

/// The field names of an order change: ChangeOrder's snake_case or UpdateOrder's camelCase.
struct Names {
    product_info: &'static str,
    resource_id: &'static str,
    product_id: &'static str,
    resource_size: &'static str,
    measure_id: &'static str,
    spec_code: &'static str,
}

const CHANGE_ORDER: Names = Names {
    product_info: "product_info",
    resource_id: "resource_id",
    product_id: "product_id",
    resource_size: "resource_size",
    measure_id: "resource_size_measure_id",
    spec_code: "resource_spec_code",
};

const UPDATE_ORDER: Names = Names {
    product_info: "productInfo",
    resource_id: "resourceId",
    product_id: "productId",
    resource_size: "resourceSize",
    measure_id: "resourceSizeMeasureId",
    spec_code: "resourceSpecCode",
};

/// What an order change asks for: the vault, the product, the new size.
struct Change<'a> {
    vault_id: &'a str,
    product_id: &'a str,
    size: i64,
    spec_code: &'a str,
}

fn parse_change<'a>(root: &Obj<'a>, n: &Names) -> HwResult<Change<'a>> {
    let info = root.req_obj(n.product_info)?;
    info.only(&[n.product_id, n.resource_size, n.measure_id, n.spec_code])?;
    let product_id = info.req_str(n.product_id)?;
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if product_id.is_empty() || product_id.len() > 64 || !product_id.chars().all(ok) {
        return Err(invalid(format!(
            "{}.{}: 1 to 64 letters, digits, underscores (_) and hyphens (-)",
            n.product_info, n.product_id
        )));
    }
    // The capacity range and its code are UpdateVault's.
    let size = match info.int(n.resource_size, i64::MIN, i64::MAX)? {
        None => return Err(info.missing(n.resource_size)),
        Some(s) if !(10..=10_485_760).contains(&s) => {
            return Err(e::Bs6101(format!("Invalid vault capacity {s} GB: it must be 10 to 10485760 GB.")))
        }
        Some(s) => s,
    };
    if info.int(n.measure_id, i64::MIN, i64::MAX)?.is_some_and(|m| m != MEASURE_GB) {
        return Err(invalid(format!("{}.{}: only {MEASURE_GB} (GB) is supported", n.product_info, n.measure_id)));
    }
    let spec_code = info.enum_str(n.spec_code, SPEC_CODES)?.ok_or_else(|| info.missing(n.spec_code))?;
    let vault_id = root.req_str(n.resource_id)?;
    Ok(Change { vault_id, product_id, size, spec_code })
}

/// Resize a yearly/monthly vault through a new order. `order`: the order the deprecated
/// UpdateOrder names in its path, which must be one of the vault's.
fn change(ctx: &mut Ctx<'_>, c: &Change<'_>, order: Option<&str>) -> HwResult<Reply> {
    let id = c.vault_id;
    let used_gb = capacity::mb_to_gb(capacity::used_mb(ctx.proj(), id));
    let v = vault::get(ctx.proj_ref(), id)?;
    // 6109 "the bill does not exist": an on-demand vault has no order to change.
    if v.billing.charging_mode != "pre_paid" {
        return Err(e::Bs6109(format!("Vault {id} is billed on demand; it has no yearly/monthly order to change.")));
    }
    if let Some(o) = order.filter(|o| !v.billing.orders.iter().any(|x| x == o)) {
        return Err(e::Bs6109(format!("Order {o} does not exist for vault {id}.")));
    }
    if v.billing.status != "available" {
        return Err(e::Bs6112(format!("Vault {id} is {}; its order cannot change.", v.billing.status)));
    }
    let own = render::spec_code(&v.billing.protect_type, &v.billing.object_type);
    if c.spec_code != own {
        return Err(invalid(format!("resource spec code {}: vault {id} is a {own} vault", c.spec_code)));
    }
    if c.size < used_gb {
        return Err(e::Bs6101(format!("The vault already stores {used_gb} GB; it cannot shrink to {} GB.", c.size)));
    }
    let new_order = billing::order_id(ctx);
    let now = ctx.now;
    let v = vault::get_mut(ctx, id)?;
    v.billing.size = c.size;
    v.billing.product_id = Some(c.product_id.to_string());
    v.billing.orders.push(new_order.clone());
    v.updated_ms = now;
    Reply::ok(render::order_answer(&new_order))
}

pub fn change_order(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["cloud_service_console_url", "product_info", "resource_id", "is_auto_pay", "promotion_info"])?;
    root.str("cloud_service_console_url")?;
    root.bool("is_auto_pay")?;
    root.str("promotion_info")?;
    let c = parse_change(&root, &CHANGE_ORDER)?;
    change(ctx, &c, None)
}

/// Deprecated in favour of ChangeOrder; same change, camelCase fields, the order in the path.
pub fn update_order(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["cloudServiceConsoleURL", "productInfo", "resourceId", "promotion_info"])?;
    root.str("cloudServiceConsoleURL")?;
    root.str("promotion_info")?;
    let c = parse_change(&root, &UPDATE_ORDER)?;
    change(ctx, &c, Some(req.param("order_id")))
}
