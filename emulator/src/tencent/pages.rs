//! Tencent's questions for the kept pages (core/kept.rs): a list operation's name, the account,
//! the region and the parameters as the schema checked them, and the stamps each list reads.
//! The gateway's lists, which read the same tables, ask with their own operation names.

use bytes::Bytes;

use crate::core::kept::{self, Ask, Key, Window};

use super::ctx::Ctx;
use super::error::TcResult;
use super::params::{spell_str, Params};
use super::world::World;

/// Which tables a list reads, as the stamps of its kept pages: [`disk_stamps`] or
/// [`snapshot_stamps`].
pub type Stamps = fn(&World, &str, &str) -> Option<[u64; 4]>;

/// The answer to `operation` asked with `p` by `ctx`'s caller (core/kept.rs): a kept page,
/// handed to `from_kept`, while one holds; else what `render` makes, kept as `to_kept` spells it.
pub fn kept_or_rendered<T>(
    ctx: &mut Ctx<'_>,
    operation: &str,
    p: &Params,
    stamps: Stamps,
    from_kept: impl FnOnce(&Bytes) -> T,
    render: impl FnOnce(&mut Ctx<'_>) -> TcResult<(T, Window)>,
    to_kept: impl FnOnce(&T) -> Bytes,
) -> TcResult<T> {
    let (pages, now) = (ctx.world.pages, ctx.now);
    let ask = {
        let world: &World = ctx.world;
        let stamps = stamps(world, ctx.account, ctx.region).filter(|_| ctx.cfg.tencent_pages_kept());
        stamps.map(|stamps| self::ask(operation, ctx.account, ctx.region, p, stamps))
    };
    kept::kept_or_rendered(pages, ask, now, from_kept, || render(ctx), to_kept)
}

/// The question `operation` asks with `p` as `account` in `region`, with `stamps`.
pub fn ask(operation: &str, account: &str, region: &str, p: &Params, stamps: [u64; 4]) -> Ask {
    let mut key = Key::new(operation);
    let out = key.bytes();
    for part in [account, region] {
        spell_str(out, part);
    }
    out.extend_from_slice(p.spelling());
    Ask::new(key, stamps)
}

/// What a kept disk page of `account` in `region` is checked against: the stamps of the
/// region's disks, backups and instances, and the account's own count of returned prepaid
/// disks (IsReturnable reads only that). The count, not the refunds table's stamp: the table
/// holds every account's, and another tenant's return must not throw this page away. `None`
/// when the account has no such region (nothing to keep).
pub fn disk_stamps(world: &World, account: &str, region: &str) -> Option<[u64; 4]> {
    let store = world.tc_ref(account, region)?;
    let returned = world.tencent_refunds.get(account).copied().unwrap_or(0);
    Some([store.disks.stamp(), store.backups.stamp(), store.instances.stamp(), u64::from(returned)])
}

/// What a kept snapshot page of `account` in `region` is checked against: the stamp of the
/// region's own snapshots, and the largest stamp of the other accounts' snapshots there (a
/// page lists those shared with the caller). Stamps only grow and each change takes a new one,
/// so any change to those tables, a new account's included, raises the largest, and one whose
/// table went no longer holds it. `None` when the account has no such region.
pub fn snapshot_stamps(world: &World, account: &str, region: &str) -> Option<[u64; 4]> {
    let own = world.tc_ref(account, region)?.snapshots.stamp();
    let others = (world.tencent.iter().filter(|(a, _)| *a != account))
        .filter_map(|(_, regions)| regions.get(region))
        .map(|r| r.snapshots.stamp())
        .max()
        .unwrap_or(0);
    Some([own, others, 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_parameters_make_different_keys() {
        let key =
            |v: serde_json::Value| ask("DescribeDisks", "a", "gz", &Params::unchecked(v.as_object().unwrap()), [1; 4]);
        let sets = [
            serde_json::json!({}),
            serde_json::json!({"DiskIds": ["a", "b"]}),
            serde_json::json!({"DiskIds": ["ab"]}),
            serde_json::json!({"DiskIds": ["a", "b", ""]}),
            serde_json::json!({"DiskIds": "ab"}),
            serde_json::json!({"Limit": 20}),
            serde_json::json!({"Limit": "20"}),
            serde_json::json!({"Limit": 2, "Offset": 0}),
            serde_json::json!({"Limit": 20, "Offset": 0}),
            serde_json::json!({"Filters": [{"Name": "zone", "Values": ["x"]}]}),
            serde_json::json!({"Filters": [{"Name": "zone", "Values": ["x", null]}]}),
            serde_json::json!({"Filters": [{"Name": "zone"}, {"Values": ["x"]}]}),
            serde_json::json!({"Encrypt": true}),
            serde_json::json!({"Encrypt": false}),
        ];
        for (i, a) in sets.iter().enumerate() {
            assert!(key(a.clone()) == key(a.clone()), "{a}");
            for b in &sets[i + 1..] {
                assert!(key(a.clone()) != key(b.clone()), "{a} and {b}");
            }
        }
        let p = Params::unchecked(serde_json::json!({"Limit": 20}).as_object().unwrap());
        let base = ask("DescribeDisks", "a", "gz", &p, [1; 4]);
        assert!(base != ask("DescribeSnapshots", "a", "gz", &p, [1; 4]), "another operation");
        assert!(base != ask("DescribeDisks", "b", "gz", &p, [1; 4]), "another account");
        assert!(base != ask("DescribeDisks", "a", "sh", &p, [1; 4]), "another region");
    }
}
