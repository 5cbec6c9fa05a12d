//! Billing: the CBC orders a prepaid vault is bought and changed through.

use crate::huawei::ctx::Ctx;
use crate::huawei::domain::vault;
use crate::huawei::error::HwResult;

/// A new CBC order id in the examples' form, `CS2305291628MSG5A`: `CS`, the UTC minute it was
/// placed (`yyMMddHHmm`) and five random characters.
pub fn order_id(ctx: &mut Ctx<'_>) -> String {
    let minute = chrono::DateTime::from_timestamp_millis(ctx.now).unwrap_or_default().format("%y%m%d%H%M");
    let random = ctx.ids.short("").to_uppercase();
    format!("CS{minute}{}", &random[random.len() - 5..])
}

/// Place an order for a vault: it becomes the vault's `billing.order_id`.
pub fn place_order(ctx: &mut Ctx<'_>, vault_id: &str) -> HwResult<String> {
    let order = order_id(ctx);
    vault::get_mut(ctx, vault_id)?.billing.orders.push(order.clone());
    Ok(order)
}
