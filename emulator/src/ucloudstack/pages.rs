//! DescribeSnapshot's kept pages (core/kept.rs): what its answer is made of, so what a kept one
//! is checked against.
//!
//! - Tables: the caller's own snapshots and disks in the region (a row shows what its disk is
//!   bound to now), by their stamps. Nothing is shared between UCloudStack accounts or regions,
//!   and a row names its disk's VM by ID only, so no other table is read.
//! - Configuration: the user's CompanyID, Email and project names. Config allows one user per
//!   account and never changes while the twin runs, so the account in the key stands for them.
//! - Parameters, as the handler parsed them, so that spellings with one meaning share a page:
//!   Region (every row echoes it), Offset and Limit as numbers, SnapshotIDs and ProjectIDs as
//!   lists (bare or `.N`, empty items dropped), DiskID (empty is none), Keyword lowered (the
//!   search ignores case). Nothing else changes the answer, so nothing else is in the key, or
//!   every signed request would miss: Signature differs per request and only admits it (the
//!   signature has no timestamp or nonce), PublicKey names the user (the account is in the
//!   key), Zone, CompanyID and MemberID are checked before the handler and otherwise ignored,
//!   Action is always this one (found by exact name), unknown parameters are ignored.
//! - The clock: nothing. A row changes only when a job finishes, which the pipeline does before
//!   the handler, through the tables (their stamps); no progress or time is worked out at read
//!   time (CreateTime is stored). So a page holds at every virtual time.
//! - The envelope has no request id or anything else per request: the whole body is kept, and a
//!   kept answer is those bytes.
//!
//! Jobs a read lets go on (read-gated timing) are the pipeline's, after the handler, kept page
//! or not.

use std::convert::Infallible;

use bytes::Bytes;

use super::ctx::{Ctx, Fields};
use super::protocol;
use super::world::World;
use crate::core::kept::{self, Ask, Key, Window};
use crate::core::search::Needle;

/// The action whose pages are kept.
pub const DESCRIBE_SNAPSHOT: &str = "DescribeSnapshot";

/// No row of a snapshot page moves with the clock (module docs).
pub const ALWAYS: Window = Some((i64::MIN, i64::MAX));

/// DescribeSnapshot's parameters as the handler checked them.
#[derive(Clone, Copy)]
pub struct SnapshotQuery<'a> {
    pub offset: usize,
    pub limit: usize,
    pub ids: &'a [String],
    pub projects: &'a [String],
    pub disk_id: Option<&'a str>,
    pub keyword: Option<&'a Needle>,
}

/// The question `q` asks as `account` in `region`, with the tables' `stamps`. Every part is
/// written in a fixed order, lists after their length, so no two questions share a key.
pub fn snapshot_ask(account: &str, region: &str, q: &SnapshotQuery<'_>, stamps: [u64; 4]) -> Ask {
    let mut key = Key::new(DESCRIBE_SNAPSHOT);
    key.part(account.as_bytes()).part(region.as_bytes());
    key.part(&(q.offset as u64).to_le_bytes()).part(&(q.limit as u64).to_le_bytes());
    for list in [q.ids, q.projects] {
        key.part(&(list.len() as u64).to_le_bytes());
        for item in list {
            key.part(item.as_bytes());
        }
    }
    for one in [q.disk_id, q.keyword.map(Needle::lowered)] {
        match one {
            Some(v) => key.part(b"1").part(v.as_bytes()),
            None => key.part(b"0"),
        };
    }
    Ask::new(key, stamps)
}

/// What a kept snapshot page of `account` in `region` is checked against: the stamps of that
/// region's snapshots and disks. `None` when the account has nothing there yet (the empty page
/// is not kept).
pub fn snapshot_stamps(world: &World<'_>, account: &str, region: &str) -> Option<[u64; 4]> {
    let store = world.ucs_ref(account, region)?;
    Some([store.snapshots.stamp(), store.disks.stamp(), 0, 0])
}

/// DescribeSnapshot's answer to `q`: a kept page when one holds, else what `render` writes,
/// kept. `render` runs after every parameter was checked (an error is never kept).
pub fn kept_or_rendered(ctx: &mut Ctx<'_>, q: &SnapshotQuery<'_>, render: impl FnOnce(&Ctx<'_>) -> Fields) -> Fields {
    let stamps = snapshot_stamps(ctx.world, ctx.account, ctx.region).filter(|_| ctx.cfg.kept_pages);
    let Some(ask) = stamps.map(|stamps| snapshot_ask(ctx.account, ctx.region, q, stamps)) else {
        return render(ctx);
    };
    let page = || {
        let body = protocol::envelope(DESCRIBE_SNAPSHOT, 0, "", render(ctx).text());
        Ok::<_, Infallible>((Bytes::from(body), ALWAYS))
    };
    let body = kept::kept_or_rendered(ctx.world.pages, Some(ask), ctx.now, Bytes::clone, page, Bytes::clone);
    Fields::whole(DESCRIBE_SNAPSHOT, body.unwrap_or_else(|never| match never {}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ucloudstack::protocol::{Flat, Params};

    /// The key of a DescribeSnapshot request with these flat parameters, parsed as the handler
    /// parses them.
    fn ask_for(account: &str, region: &str, params: &[(&str, &str)]) -> Ask {
        let flat: Flat = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let p = Params(&flat);
        let (offset, limit) = p.paging().unwrap();
        let (ids, projects) = (p.list("SnapshotIDs").unwrap(), p.list("ProjectIDs").unwrap());
        let keyword = p.opt("Keyword").and_then(Needle::new);
        let q = SnapshotQuery {
            offset,
            limit,
            ids: &ids,
            projects: &projects,
            disk_id: p.opt("DiskID").filter(|v| !v.is_empty()),
            keyword: keyword.as_ref(),
        };
        snapshot_ask(account, region, &q, [1, 2, 0, 0])
    }

    const AUTH: &[(&str, &str)] = &[
        ("Action", "DescribeSnapshot"),
        ("Region", "cn"),
        ("PublicKey", "pk"),
        ("Signature", "0123abcd"),
        ("Zone", "zone-01"),
        ("CompanyID", "7"),
        ("MemberID", "8"),
        ("Unknown", "x"),
    ];

    #[test]
    fn parameters_that_do_not_change_the_answer_are_not_in_the_key() {
        let base = ask_for("a", "cn", &[("Limit", "5")]);
        for extra in AUTH {
            assert!(base == ask_for("a", "cn", &[("Limit", "5"), *extra]), "{extra:?}");
        }
        let mut all = AUTH.to_vec();
        all.push(("Limit", "5"));
        assert!(base == ask_for("a", "cn", &all));
        // One meaning, other spellings: the same page.
        assert!(ask_for("a", "cn", &[]) == ask_for("a", "cn", &[("Limit", "20"), ("Offset", "0")]));
        assert!(base == ask_for("a", "cn", &[("Limit", " 05")]));
        let one = ask_for("a", "cn", &[("SnapshotIDs", "s1")]);
        assert!(one == ask_for("a", "cn", &[("SnapshotIDs.0", "s1")]));
        assert!(one == ask_for("a", "cn", &[("SnapshotIDs.3", "s1"), ("SnapshotIDs.5", "")]));
        assert!(ask_for("a", "cn", &[]) == ask_for("a", "cn", &[("DiskID", ""), ("Keyword", "")]));
        assert!(ask_for("a", "cn", &[("Keyword", "Snap")]) == ask_for("a", "cn", &[("Keyword", "sNAP")]));
    }

    #[test]
    fn parameters_that_change_the_answer_are_told_apart() {
        let sets: &[&[(&str, &str)]] = &[
            &[],
            &[("Limit", "5")],
            &[("Offset", "5")],
            &[("Offset", "5"), ("Limit", "5")],
            &[("SnapshotIDs.0", "a"), ("SnapshotIDs.1", "b")],
            &[("SnapshotIDs.0", "b"), ("SnapshotIDs.1", "a")],
            &[("SnapshotIDs.0", "ab")],
            &[("SnapshotIDs.0", "a")],
            &[("ProjectIDs.0", "a")],
            &[("ProjectIDs.0", "a"), ("ProjectIDs.1", "b")],
            &[("SnapshotIDs.0", "a"), ("ProjectIDs.0", "b")],
            &[("SnapshotIDs.0", "b"), ("ProjectIDs.0", "a")],
            &[("DiskID", "a")],
            &[("DiskID", "b")],
            &[("Keyword", "a")],
            &[("Keyword", "b")],
            &[("DiskID", "a"), ("Keyword", "b")],
            &[("DiskID", "b"), ("Keyword", "a")],
            &[("SnapshotIDs.0", "1")],
            &[("DiskID", "1")],
            &[("Keyword", "0")],
        ];
        for (i, a) in sets.iter().enumerate() {
            assert!(ask_for("u", "cn", a) == ask_for("u", "cn", a), "{a:?}");
            for b in &sets[i + 1..] {
                assert!(ask_for("u", "cn", a) != ask_for("u", "cn", b), "{a:?} and {b:?}");
            }
        }
        let base = ask_for("u", "cn", &[]);
        assert!(base != ask_for("v", "cn", &[]), "another account");
        assert!(base != ask_for("u", "hk", &[]), "another region");
        assert!(ask_for("ucn", "", &[]) != ask_for("u", "cn", &[]), "account and region apart");
    }

    /// DescribeSnapshot through the handler, as the default user in `cn`, and its answer's body.
    fn describe(whole: &mut crate::world::World, cfg: &crate::config::Config) -> (Option<Bytes>, Vec<u8>) {
        let flat: Flat = [("Limit", "5")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut ids = crate::core::ids::IdGen::new(Some(1));
        let mut world = whole.ucloudstack_part();
        let user = &cfg.ucloudstack.accounts[0];
        let timing = crate::core::timing::TimingPolicy::Immediate;
        let mut ctx =
            Ctx { cfg, world: &mut world, ids: &mut ids, timing, now: 0, account: &user.account, region: "cn", user };
        let fields = crate::ucloudstack::snapshots::describe_snapshot(&mut ctx, &Params(&flat)).unwrap();
        fields.into_body(DESCRIBE_SNAPSHOT)
    }

    fn add_snapshot(whole: &mut crate::world::World, id: &str) {
        let mut world = whole.ucloudstack_part();
        let s = crate::ucloudstack::model::UcsSnapshot {
            snapshot_id: id.into(),
            name: "n".into(),
            remark: String::new(),
            status: "Normal".into(),
            kind: "Manual".into(),
            disk_id: "disk-1".into(),
            disk_type: "Data".into(),
            project_id: "prj-default1".into(),
            size: 10,
            created_ms: 0,
            seq: world.next_seq(),
        };
        world.ucs("default", "cn").snapshots.insert(id.into(), crate::core::shared::Shared::new(s));
    }

    /// A repeated read is the kept page itself (the same buffer, not a copy), as the answer's
    /// lead with nothing after it; a change renders again; with `kept_pages` off every read
    /// renders, to the same bytes.
    #[test]
    fn a_repeated_read_is_served_from_the_kept_bytes() {
        let cfg = crate::config::Config::default();
        let mut whole = crate::world::World::default();
        add_snapshot(&mut whole, "snap-1");
        let (first, rest) = describe(&mut whole, &cfg);
        let first = first.expect("a kept page is the lead");
        assert!(rest.is_empty());
        let (again, _) = describe(&mut whole, &cfg);
        assert_eq!(again.as_ref().map(|b| b.as_ptr()), Some(first.as_ptr()), "served kept");

        let off = crate::config::Config { kept_pages: false, ..crate::config::Config::default() };
        assert_eq!(describe(&mut whole, &off), (None, first.to_vec()), "rendered: the same bytes");

        add_snapshot(&mut whole, "snap-2");
        let (after, _) = describe(&mut whole, &cfg);
        let after = after.unwrap();
        assert_ne!(after.as_ptr(), first.as_ptr());
        assert!(std::str::from_utf8(&after).unwrap().contains("\"TotalCount\":2"), "{after:?}");
        assert_eq!(describe(&mut whole, &off), (None, after.to_vec()));
    }

    #[test]
    fn a_whole_body_is_its_fields_in_the_envelope() {
        let body = Bytes::from(protocol::envelope(DESCRIBE_SNAPSHOT, 0, "", b",\"TotalCount\":0"));
        let fields = Fields::whole(DESCRIBE_SNAPSHOT, body.clone());
        assert_eq!(fields.text(), b",\"TotalCount\":0");
        // Another action's name (actions are found by exact name, so never in practice).
        let (lead, rest) = fields.into_body("Other");
        assert_eq!((lead, rest), (None, protocol::envelope("Other", 0, "", b",\"TotalCount\":0")));
    }
}
