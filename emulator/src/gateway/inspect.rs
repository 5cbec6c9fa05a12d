//! The three `distributed/inspect` endpoints: how many disks, snapshots or scheduled snapshot
//! policies the account has in each region, over the full region list the seeds print (in their
//! order, with their names). Regions the twin does not serve count 0.

use serde_json::{json, Value};

use super::envelope::{GwError, GwResult};
use super::listing::pass;
use super::session::{Gw, Reply};
use super::shape;
use crate::tencent::params::Params;

pub struct GwRegion {
    pub id: &'static str,
    /// As snapshot/distributed/inspect prints it.
    pub short: &'static str,
    /// As disk/ and auto_snapshot/distributed/inspect print it.
    pub long: &'static str,
}

macro_rules! regions {
    ($($id:literal $short:literal $long:literal;)*) => {
        pub static REGIONS: &[GwRegion] = &[$(GwRegion { id: $id, short: $short, long: $long }),*];
    };
}

regions! {
    "ap-bangkok" "曼谷" "亚太地区(曼谷)";
    "ap-beijing" "北京" "华北地区(北京)";
    "ap-chengdu" "成都" "西南地区(成都)";
    "ap-chongqing" "重庆" "西南地区(重庆)";
    "ap-guangzhou" "广州" "华南地区(广州)";
    "ap-hongkong" "中国香港" "港澳台地区(中国香港)";
    "ap-mumbai" "孟买" "亚太地区(孟买)";
    "ap-nanjing" "南京" "华东地区(南京)";
    "ap-seoul" "首尔" "亚太地区(首尔)";
    "ap-shanghai" "上海" "华东地区(上海)";
    "ap-shanghai-fsi" "上海金融" "华东地区(上海金融)";
    "ap-shenzhen-fsi" "深圳金融" "华南地区(深圳金融)";
    "ap-singapore" "新加坡" "东南亚地区(新加坡)";
    "ap-tokyo" "东京" "亚太地区(东京)";
    "eu-frankfurt" "法兰克福" "欧洲地区(法兰克福)";
    "eu-moscow" "莫斯科" "欧洲地区(莫斯科)";
    "na-ashburn" "弗吉尼亚" "美国东部(弗吉尼亚)";
    "na-siliconvalley" "硅谷" "美国西部(硅谷)";
    "na-toronto" "多伦多" "北美地区(多伦多)";
}

#[derive(Clone, Copy)]
enum Names {
    Short,
    Long,
}

/// `Count` is the action's TotalCount with the request's IDs and Filters; Offset and Limit are
/// checked (0 or more; 0–100) but do not change a count. `Region`, when given, narrows the list
/// to that region.
fn count(gw: &mut Gw<'_>, p: &Params, action: &str, keys: &[&str], names: Names) -> GwResult<Reply> {
    let offset = p.int("Offset").unwrap_or(0);
    let limit = p.int("Limit").unwrap_or(20);
    if offset < 0 || !(0..=100).contains(&limit) {
        return Err(GwError::new("InvalidParameterValue", "Offset must be 0 or more and Limit between 0 and 100."));
    }
    let mut input = pass(p, keys);
    input.insert("Limit".into(), json!(0));
    let input = Value::Object(input);
    let only = gw.region_given.then(|| gw.region.clone());
    let mut rows: Vec<(String, String)> = REGIONS
        .iter()
        .filter(|r| only.as_deref().into_iter().all(|o| o == r.id))
        .map(|r| {
            (
                r.id.to_string(),
                match names {
                    Names::Short => r.short,
                    Names::Long => r.long,
                }
                .to_string(),
            )
        })
        .collect();
    if let (Some(o), true) = (&only, rows.is_empty()) {
        let name = gw.cfg.region(o).map(|r| r.name.clone()).unwrap_or_default();
        rows.push((o.clone(), name));
    }
    // The IDs and Filters are checked even when no listed region is served by the twin.
    if !rows.iter().any(|(id, _)| gw.cfg.region(id).is_some()) {
        let default = gw.cfg.tencent.default_region.clone();
        gw.call_in(&default, action, input.clone())?;
    }
    let mut list = Vec::with_capacity(rows.len());
    for (id, name) in rows {
        let n = if gw.cfg.region(&id).is_some() {
            gw.call_in(&id, action, input.clone())?["TotalCount"].as_u64().unwrap_or(0)
        } else {
            0
        };
        list.push(shape::region_count(n, id, name));
    }
    Ok(Reply::Data(shape::list(list)))
}

pub fn disk_distributed_inspect(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    let keys = ["DiskIds", "Filters", "Order", "OrderField", "ReturnBindAutoSnapshotPolicy"];
    count(gw, p, "DescribeDisks", &keys, Names::Long)
}

pub fn snapshot_distributed_inspect(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    count(gw, p, "DescribeSnapshots", &["SnapshotIds", "Filters", "Order", "OrderField"], Names::Short)
}

pub fn auto_snapshot_distributed_inspect(gw: &mut Gw<'_>, p: &Params) -> GwResult<Reply> {
    let keys = ["AutoSnapshotPolicyIds", "Filters", "Order", "OrderField"];
    count(gw, p, "DescribeAutoSnapshotPolicies", &keys, Names::Long)
}
