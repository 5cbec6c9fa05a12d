//! Huawei CBR tags (4.12) and billing orders (4.1) over raw HTTP: the tag APIs act on the same
//! `tags` CreateVault sets and ShowVault shows; resource_instances filters and counts vaults by
//! them; orders turn on-demand vaults yearly/monthly and resize them. Every rejected request
//! leaves the state as it was.

use crate::common;

use cloudtwin_emulator::timing::TimingPolicy;
use common::hw::*;
use serde_json::{json, Value};

fn vault_body(name: &str, object_type: &str, tags: Option<Value>, billing: Value) -> Value {
    let mut b = json!({"consistent_level": "crash_consistent", "object_type": object_type, "protect_type": "backup", "size": 100});
    for (k, v) in billing.as_object().unwrap() {
        b[k] = v.clone();
    }
    let mut v = json!({"vault": {"name": name, "resources": [], "billing": b}});
    if let Some(t) = tags {
        v["vault"]["tags"] = t;
    }
    v
}

/// An on-demand vault; returns its id.
fn vault(t: &common::Twin, name: &str, object_type: &str, tags: Option<Value>) -> String {
    let v = t.hw_ok("POST", "/v3/{p}/vaults", Some(vault_body(name, object_type, tags, json!({}))));
    v["vault"]["id"].as_str().unwrap().to_string()
}

/// A yearly/monthly vault made by CreatePostPaidVault; returns (vault id, order id).
fn prepaid_vault(t: &common::Twin, name: &str, object_type: &str) -> (String, String) {
    let body = vault_body(name, object_type, None, json!({"period_type": "month", "period_num": 1}));
    let r = t.hw_ok("POST", "/v3/{p}/vaults/order", Some(body));
    let o = &r["orders"][0];
    (o["resourceId"].as_str().unwrap().to_string(), o["orderId"].as_str().unwrap().to_string())
}

fn tags_of(t: &common::Twin, id: &str) -> Value {
    t.hw_ok("GET", &format!("/v3/{{p}}/vault/{id}/tags"), None)["tags"].clone()
}

fn show(t: &common::Twin, id: &str) -> Value {
    t.hw_ok("GET", &format!("/v3/{{p}}/vaults/{id}"), None)["vault"].clone()
}

/// A rejected request: what it is, method, path, body, status, error_code.
type Case<'a> = (&'a str, &'a str, String, Option<Value>, u16, &'a str);

/// Every case fails with its status and code, and the CBR state is as before.
fn rejects(t: &common::Twin, cases: Vec<Case<'_>>) {
    let before = t.hw_state();
    for (what, method, path, body, status, code) in cases {
        assert_eq!(t.hw_err(method, &path, body), (status, code.to_string()), "{what}");
        assert_eq!(before, t.hw_state(), "{what} changed the state");
    }
}

// ------------------------------------------------------------------------------------- tags

#[test]
fn tag_apis_read_and_write_the_vaults_own_tags() {
    let t = common::twin(TimingPolicy::Immediate);
    let id = vault(&t, "tagged", "server", Some(json!([{"key": "env", "value": "prod"}])));
    assert_eq!(
        t.hw_ok("GET", &format!("/v3/{{p}}/vault/{id}/tags"), None),
        json!({"tags": [{"key": "env", "value": "prod"}]})
    );

    // CreateVaultTags: 204 with no body; ShowVault and ListVault see the tag.
    let r =
        t.hw("POST", &format!("/v3/{{p}}/vault/{id}/tags"), Some(json!({"tag": {"key": " team ", "value": " a.b "}})));
    assert_eq!((r.status, r.body.len()), (204, 0));
    let both = json!([{"key": "env", "value": "prod"}, {"key": "team", "value": "a.b"}]);
    assert_eq!(tags_of(&t, &id), both);
    assert_eq!(show(&t, &id)["tags"], both);
    assert_eq!(t.hw_ok("GET", "/v3/{p}/vaults", None)["vaults"][0]["tags"], both);

    // Idempotent: an existing key takes the new value; an empty value is a value.
    t.hw_ok("POST", &format!("/v3/{{p}}/vault/{id}/tags"), Some(json!({"tag": {"key": "env", "value": ""}})));
    assert_eq!(tags_of(&t, &id), json!([{"key": "env", "value": ""}, {"key": "team", "value": "a.b"}]));

    // DeleteVaultTag: the key is trimmed; a missing key is 404 6601.
    let r = t.hw("DELETE", &format!("/v3/{{p}}/vault/{id}/tags/%20team%20"), None);
    assert_eq!((r.status, r.body.len()), (204, 0));
    assert_eq!(show(&t, &id)["tags"], json!([{"key": "env", "value": ""}]));
    rejects(
        &t,
        vec![
            ("missing key", "DELETE", format!("/v3/{{p}}/vault/{id}/tags/team"), None, 404, "BackupService.6601"),
            ("blank key", "DELETE", format!("/v3/{{p}}/vault/{id}/tags/%20%20"), None, 400, "BackupService.9900"),
        ],
    );
    // Chinese keys and values are allowed; a percent-encoded key is decoded.
    t.hw_ok("POST", &format!("/v3/{{p}}/vault/{id}/tags"), Some(json!({"tag": {"key": "项目", "value": "备份"}})));
    t.hw_ok("DELETE", &format!("/v3/{{p}}/vault/{id}/tags/%E9%A1%B9%E7%9B%AE"), None);
    assert_eq!(tags_of(&t, &id), json!([{"key": "env", "value": ""}]));
}

#[test]
fn batch_creates_and_deletes_tags() {
    let t = common::twin(TimingPolicy::Immediate);
    let id = vault(&t, "batch", "server", None);
    let path = format!("/v3/{{p}}/vault/{id}/tags/action");
    let r = t.hw(
        "POST",
        &path,
        Some(json!({"action": "create", "tags": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}, {"key": "c", "value": "3"}]})),
    );
    assert_eq!((r.status, r.body.len()), (204, 0));
    // Creating again overwrites.
    t.hw_ok("POST", &path, Some(json!({"action": "create", "tags": [{"key": "a", "value": "9"}]})));
    assert_eq!(
        tags_of(&t, &id),
        json!([{"key": "a", "value": "9"}, {"key": "b", "value": "2"}, {"key": "c", "value": "3"}])
    );

    // Deleting: keys may repeat, missing tags are fine, the charset is not checked, and a
    // value names the exact tag (`b=other` stays, `c=3` goes), no value the key alone.
    let del = json!({"action": "delete", "tags": [
        {"key": "a"}, {"key": "a"}, {"key": "nope"}, {"key": "x=y*<>"}, {"key": "b", "value": "other"}, {"key": "c", "value": "3"}
    ]});
    t.hw_ok("POST", &path, Some(del));
    assert_eq!(tags_of(&t, &id), json!([{"key": "b", "value": "2"}]));

    let long = "k".repeat(128);
    rejects(
        &t,
        vec![
            (
                "no action",
                "POST",
                path.clone(),
                Some(json!({"tags": [{"key": "a", "value": "1"}]})),
                400,
                "BackupService.9900",
            ),
            (
                "bad action",
                "POST",
                path.clone(),
                Some(json!({"action": "update", "tags": [{"key": "a", "value": "1"}]})),
                400,
                "BackupService.9900",
            ),
            ("no tags", "POST", path.clone(), Some(json!({"action": "create"})), 400, "BackupService.9900"),
            (
                "empty tags",
                "POST",
                path.clone(),
                Some(json!({"action": "delete", "tags": []})),
                400,
                "BackupService.9900",
            ),
            (
                "11 keys",
                "POST",
                path.clone(),
                Some(
                    json!({"action": "create", "tags": (0..11).map(|i| json!({"key": format!("k{i}"), "value": ""})).collect::<Vec<_>>()}),
                ),
                400,
                "BackupService.9900",
            ),
            (
                "duplicate create key",
                "POST",
                path.clone(),
                Some(json!({"action": "create", "tags": [{"key": "d", "value": "1"}, {"key": " d", "value": "2"}]})),
                400,
                "BackupService.9900",
            ),
            (
                "create without value",
                "POST",
                path.clone(),
                Some(json!({"action": "create", "tags": [{"key": "d"}]})),
                400,
                "BackupService.9900",
            ),
            (
                "create bad charset",
                "POST",
                path.clone(),
                Some(json!({"action": "create", "tags": [{"key": "a=b", "value": "1"}]})),
                400,
                "BackupService.9900",
            ),
            (
                "delete key too long",
                "POST",
                path.clone(),
                Some(json!({"action": "delete", "tags": [{"key": long}]})),
                400,
                "BackupService.9900",
            ),
            (
                "delete blank key",
                "POST",
                path.clone(),
                Some(json!({"action": "delete", "tags": [{"key": "  "}]})),
                400,
                "BackupService.9900",
            ),
            (
                "delete value too long",
                "POST",
                path.clone(),
                Some(json!({"action": "delete", "tags": [{"key": "b", "value": "v".repeat(256)}]})),
                400,
                "BackupService.9900",
            ),
            (
                "sys_tags",
                "POST",
                path.clone(),
                Some(json!({"action": "create", "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}]})),
                400,
                "BackupService.9900",
            ),
            (
                "unknown field",
                "POST",
                path.clone(),
                Some(json!({"action": "create", "tags": [{"key": "a", "value": "1"}], "x": 1})),
                400,
                "BackupService.9900",
            ),
        ],
    );
}

#[test]
fn tag_validation_limits_and_unknown_vaults() {
    let t = common::twin(TimingPolicy::Immediate);
    let ten: Vec<Value> = (0..10).map(|i| json!({"key": format!("k{i}"), "value": "v"})).collect();
    let id = vault(&t, "full", "server", Some(json!(ten)));
    let one = format!("/v3/{{p}}/vault/{id}/tags");
    let batch = format!("/v3/{{p}}/vault/{id}/tags/action");
    let ghost = "0badc0de-0000-4000-8000-00000000dead";
    let tag = |k: &str, v: &str| Some(json!({"tag": {"key": k, "value": v}}));
    rejects(
        &t,
        vec![
            ("11th tag", "POST", one.clone(), tag("k10", "v"), 400, "BackupService.6600"),
            (
                "11th tag by batch",
                "POST",
                batch.clone(),
                Some(json!({"action": "create", "tags": [{"key": "k0", "value": "x"}, {"key": "new", "value": "x"}]})),
                400,
                "BackupService.6600",
            ),
            ("key of 37", "POST", one.clone(), tag(&"k".repeat(37), "v"), 400, "BackupService.9900"),
            ("key with /", "POST", one.clone(), tag("a/b", "v"), 400, "BackupService.9900"),
            ("empty key", "POST", one.clone(), tag("  ", "v"), 400, "BackupService.9900"),
            ("value of 44", "POST", one.clone(), tag("k0", &"v".repeat(44)), 400, "BackupService.9900"),
            ("value with *", "POST", one.clone(), tag("k0", "a*"), 400, "BackupService.9900"),
            ("no value", "POST", one.clone(), Some(json!({"tag": {"key": "k0"}})), 400, "BackupService.9900"),
            ("no tag", "POST", one.clone(), Some(json!({})), 400, "BackupService.9900"),
            (
                "unknown tag field",
                "POST",
                one.clone(),
                Some(json!({"tag": {"key": "k0", "value": "", "x": 1}})),
                400,
                "BackupService.9900",
            ),
            ("empty body", "POST", one.clone(), None, 400, "BackupService.9900"),
            // The tag APIs answer an unknown vault with 400 9900 (ShowVaultTag's example).
            (
                "create on unknown vault",
                "POST",
                format!("/v3/{{p}}/vault/{ghost}/tags"),
                tag("a", "b"),
                400,
                "BackupService.9900",
            ),
            (
                "batch on unknown vault",
                "POST",
                format!("/v3/{{p}}/vault/{ghost}/tags/action"),
                Some(json!({"action": "delete", "tags": [{"key": "a"}]})),
                400,
                "BackupService.9900",
            ),
            (
                "delete on unknown vault",
                "DELETE",
                format!("/v3/{{p}}/vault/{ghost}/tags/a"),
                None,
                400,
                "BackupService.9900",
            ),
            ("show unknown vault", "GET", format!("/v3/{{p}}/vault/{ghost}/tags"), None, 400, "BackupService.9900"),
        ],
    );
    let r = t.hw("GET", &format!("/v3/{{p}}/vault/{ghost}/tags"), None);
    assert_eq!(r.json()["error_msg"], "Invalid vault_id provided.");
    // At the limit, overwriting is still fine.
    t.hw_ok("POST", &one, tag("k9", "changed"));
    assert_eq!(tags_of(&t, &id)[9], json!({"key": "k9", "value": "changed"}));
}

#[test]
fn project_tags_gather_every_vaults_tags() {
    let t = common::twin(TimingPolicy::Immediate);
    assert_eq!(t.hw_ok("GET", "/v3/{p}/vault/tags", None), json!({"tags": []}));
    vault(&t, "a", "server", Some(json!([{"key": "string", "value": "string"}, {"key": "a", "value": "b"}])));
    vault(&t, "b", "disk", Some(json!([{"key": "string", "value": ""}, {"key": "a", "value": "b"}])));
    vault(&t, "c", "server", None);
    assert_eq!(
        t.hw_ok("GET", "/v3/{p}/vault/tags", None),
        json!({"tags": [{"key": "a", "values": ["b"]}, {"key": "string", "values": ["", "string"]}]})
    );
    // Another project's tags are its own.
    let south = t.hw("GET", &format!("/v3/{SOUTH}/vault/tags"), None);
    assert_eq!(south.json(), json!({"tags": []}));
}

/// Names of the vaults a resource_instances filter returns, in order.
fn filtered(t: &common::Twin, body: Value) -> Vec<String> {
    let r = t.hw_ok("POST", "/v3/{p}/vault/resource_instances/action", Some(body));
    let list = r["resources"].as_array().unwrap();
    assert!(r["total_count"].as_u64().unwrap() as usize >= list.len());
    list.iter().map(|x| x["resource_name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn resource_instances_filter_and_count_by_tags() {
    let t = common::twin(TimingPolicy::Immediate);
    let kv =
        |pairs: &[(&str, &str)]| json!(pairs.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>());
    vault(&t, "web-prod", "server", Some(kv(&[("env", "prod"), ("team", "web")])));
    vault(&t, "web-test", "server", Some(kv(&[("env", "test"), ("team", "web")])));
    vault(&t, "db-prod", "disk", Some(kv(&[("env", "production"), ("team", "db")])));
    vault(&t, "bare", "server", None);
    let hybrid = vault_body("hybrid-prod", "server", Some(kv(&[("env", "prod")])), json!({"cloud_type": "hybrid"}));
    t.hw_ok("POST", "/v3/{p}/vaults", Some(hybrid));

    // No filter: every public vault, newest first; the item shape is TagResource.
    let r = t.hw_ok("POST", "/v3/{p}/vault/resource_instances/action", Some(json!({"action": "filter"})));
    assert_eq!(r["total_count"], 4);
    let first = &r["resources"][0];
    assert_eq!(first["resource_name"], "bare");
    assert_eq!(first["tags"], json!([]));
    assert_eq!(first["resource_detail"]["vault"]["id"], first["resource_id"]);
    assert_eq!(first["resource_detail"]["vault"]["billing"]["charging_mode"], "post_paid");
    assert!(first.get("sys_tags").is_none());

    let f = |filters: Value| {
        let mut b = filters;
        b["action"] = json!("filter");
        filtered(&t, b)
    };
    // tags: every key (AND), any of a key's values (OR); [] is any value; `*x` contains x.
    assert_eq!(f(json!({"tags": [{"key": "env", "values": ["prod"]}, {"key": "team", "values": []}]})), ["web-prod"]);
    assert_eq!(f(json!({"tags": [{"key": "env", "values": ["prod", "test"]}]})), ["web-test", "web-prod"]);
    assert_eq!(f(json!({"tags": [{"key": "env", "values": ["*prod"]}]})), ["db-prod", "web-prod"]);
    assert_eq!(f(json!({"tags": [{"key": " env ", "values": [" test "]}]})), ["web-test"]);
    // tags_any: some key.
    assert_eq!(
        f(json!({"tags_any": [{"key": "env", "values": ["test"]}, {"key": "team", "values": ["db"]}]})),
        ["db-prod", "web-test"]
    );
    // not_tags: not all of them; not_tags_any: none of them.
    assert_eq!(
        f(json!({"not_tags": [{"key": "env", "values": ["prod"]}, {"key": "team", "values": ["web"]}]})),
        ["bare", "db-prod", "web-test"]
    );
    assert_eq!(
        f(json!({"not_tags_any": [{"key": "env", "values": ["prod"]}, {"key": "team", "values": ["db"]}]})),
        ["bare", "web-test"]
    );
    // Filters combine with AND.
    assert_eq!(
        f(json!({"tags": [{"key": "team", "values": ["web"]}], "not_tags_any": [{"key": "env", "values": ["test"]}]})),
        ["web-prod"]
    );
    // without_any_tag ignores the tag filters.
    assert_eq!(f(json!({"without_any_tag": true, "tags": [{"key": "env", "values": []}]})), ["bare"]);
    // matches resource_name: fuzzy when non-empty, exact (so nothing here) when empty.
    assert_eq!(f(json!({"matches": [{"key": "resource_name", "value": "prod"}]})), ["db-prod", "web-prod"]);
    assert!(f(json!({"matches": [{"key": "resource_name", "value": ""}]})).is_empty());
    // cloud_type defaults to public; object_type narrows.
    assert_eq!(f(json!({"cloud_type": "hybrid"})), ["hybrid-prod"]);
    assert_eq!(f(json!({"object_type": "disk"})), ["db-prod"]);
    // Paging with the String-typed limit/offset (numbers too); total_count is the total.
    let r = t.hw_ok(
        "POST",
        "/v3/{p}/vault/resource_instances/action",
        Some(json!({"action": "filter", "limit": "2", "offset": "1"})),
    );
    assert_eq!(r["total_count"], 4);
    let names: Vec<&str> =
        r["resources"].as_array().unwrap().iter().map(|x| x["resource_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["db-prod", "web-test"]);
    assert_eq!(f(json!({"limit": 1, "offset": 3})), ["web-prod"]);
    // count: the total only, limit/offset do not apply.
    let r = t.hw_ok(
        "POST",
        "/v3/{p}/vault/resource_instances/action",
        Some(json!({"action": "count", "limit": "1", "tags": [{"key": "team", "values": []}]})),
    );
    assert_eq!(r, json!({"total_count": 3}));
    // enterprise_project_id (query) narrows too.
    let r = t.hw_ok(
        "POST",
        "/v3/{p}/vault/resource_instances/action?enterprise_project_id=0",
        Some(json!({"action": "count"})),
    );
    assert_eq!(r["total_count"], 4);
    let r = t.hw_ok(
        "POST",
        "/v3/{p}/vault/resource_instances/action?enterprise_project_id=other",
        Some(json!({"action": "count"})),
    );
    assert_eq!(r["total_count"], 0);
}

#[test]
fn resource_instances_validation() {
    let t = common::twin(TimingPolicy::Immediate);
    vault(&t, "one", "server", None);
    let path = "/v3/{p}/vault/resource_instances/action".to_string();
    let eleven: Vec<Value> = (0..11).map(|i| json!({"key": format!("k{i}"), "values": []})).collect();
    let bad: Vec<(&str, Value)> = vec![
        ("no action", json!({})),
        ("bad action", json!({"action": "list"})),
        ("limit 0", json!({"action": "filter", "limit": "0"})),
        ("limit 1001", json!({"action": "filter", "limit": "1001"})),
        ("limit abc", json!({"action": "filter", "limit": "abc"})),
        ("offset -1", json!({"action": "filter", "offset": "-1"})),
        ("empty tags", json!({"action": "filter", "tags": []})),
        ("empty not_tags_any", json!({"action": "filter", "not_tags_any": []})),
        ("11 keys", json!({"action": "filter", "tags_any": eleven})),
        (
            "duplicate key",
            json!({"action": "filter", "tags": [{"key": "a", "values": []}, {"key": "a", "values": ["b"]}]}),
        ),
        ("no values", json!({"action": "filter", "tags": [{"key": "a"}]})),
        ("blank key", json!({"action": "filter", "tags": [{"key": " ", "values": []}]})),
        ("key of 128", json!({"action": "filter", "tags": [{"key": "k".repeat(128), "values": []}]})),
        (
            "11 values",
            json!({"action": "filter", "tags": [{"key": "a", "values": (0..11).map(|i| i.to_string()).collect::<Vec<_>>()}]}),
        ),
        ("duplicate value", json!({"action": "filter", "tags": [{"key": "a", "values": ["x", "x"]}]})),
        ("star alone", json!({"action": "filter", "tags": [{"key": "a", "values": ["*"]}]})),
        ("value of 256", json!({"action": "filter", "tags": [{"key": "a", "values": ["v".repeat(256)]}]})),
        ("match key", json!({"action": "filter", "matches": [{"key": "resource_id", "value": "x"}]})),
        (
            "two matches",
            json!({"action": "filter", "matches": [{"key": "resource_name", "value": "a"}, {"key": "resource_name", "value": "b"}]}),
        ),
        (
            "match value 256",
            json!({"action": "filter", "matches": [{"key": "resource_name", "value": "v".repeat(256)}]}),
        ),
        ("cloud_type", json!({"action": "filter", "cloud_type": "private"})),
        ("object_type", json!({"action": "filter", "object_type": "turbo"})),
        ("sys_tags", json!({"action": "filter", "sys_tags": [{"key": "_sys_enterprise_project_id", "values": ["0"]}]})),
        ("unknown field", json!({"action": "filter", "tag": []})),
    ];
    rejects(&t, bad.into_iter().map(|(w, b)| (w, "POST", path.clone(), Some(b), 400, "BackupService.9900")).collect());
}

#[test]
fn tag_paths_are_under_the_singular_vault() {
    let t = common::twin(TimingPolicy::Immediate);
    let id = vault(&t, "v", "server", Some(json!([{"key": "action", "value": "x"}])));
    assert_eq!(t.hw_err("GET", &format!("/v3/{{p}}/vaults/{id}/tags"), None), (404, "APIGW.0101".into()));
    assert_eq!(t.hw_err("GET", "/v3/{p}/vaults/tags", None).1, "BackupService.6105");
    // DELETE .../tags/action is DeleteVaultTag of the key `action`.
    t.hw_ok("DELETE", &format!("/v3/{{p}}/vault/{id}/tags/action"), None);
    assert_eq!(tags_of(&t, &id), json!([]));
    // The ChangeVaultChargeMode example's URL is not the API's.
    assert_eq!(t.hw_err("POST", "/v3/{p}/orders/change-to-period", Some(json!({}))), (404, "APIGW.0101".into()));
}

// ----------------------------------------------------------------------------------- billing

#[test]
fn change_charge_mode_makes_on_demand_vaults_yearly_monthly() {
    let t = common::twin(TimingPolicy::Immediate);
    let a = vault(&t, "a", "server", None);
    let b = vault(&t, "b", "disk", None);
    assert_eq!(show(&t, &a)["billing"]["order_id"], Value::Null);
    let r = t.hw_ok(
        "POST",
        "/v3/{p}/vaults/change-charge-mode",
        Some(json!({"vault_ids": [a, b], "charging_mode": "pre_paid", "period_type": "year", "period_num": 2,
                    "is_auto_renew": true, "is_auto_pay": true, "console_url": "https://console.example/"})),
    );
    let order = r["orderId"].as_str().unwrap().to_string();
    // The examples' shape: CS, yyMMddHHmm, five characters.
    assert!(
        order.len() == 17 && order.starts_with("CS") && order[2..12].bytes().all(|b| b.is_ascii_digit()),
        "{order}"
    );
    assert_eq!((r["retCode"].as_i64(), r["retMsg"].as_str()), (Some(0), Some("success")));
    assert_eq!(r.as_object().unwrap().len(), 3);
    for id in [&a, &b] {
        let billing = show(&t, id)["billing"].clone();
        assert_eq!(
            (billing["charging_mode"].as_str(), billing["order_id"].as_str()),
            (Some("pre_paid"), Some(order.as_str()))
        );
        let period = &t.hw_state()[P]["vaults"][id.as_str()]["billing"]["period"];
        assert_eq!(
            *period,
            json!({"period_type": "year", "period_num": 2, "is_auto_renew": true, "is_auto_pay": true})
        );
    }
    // Now yearly/monthly: auto-expansion is refused, as for any pre_paid vault.
    assert_eq!(
        t.hw_err("PUT", &format!("/v3/{{p}}/vaults/{a}"), Some(json!({"vault": {"auto_expand": true}}))),
        (400, "BackupService.6143".into())
    );
    // charging_mode may be left out.
    let c = vault(&t, "c", "server", None);
    t.hw_ok(
        "POST",
        "/v3/{p}/vaults/change-charge-mode",
        Some(json!({"vault_ids": [c], "period_type": "month", "period_num": 1})),
    );
    assert_eq!(show(&t, &c)["billing"]["charging_mode"], "pre_paid");
}

#[test]
fn change_charge_mode_validation_leaves_state_unchanged() {
    let t = common::twin(TimingPolicy::Immediate);
    let ok = vault(&t, "ok", "server", None);
    let (prepaid, _) = prepaid_vault(&t, "prepaid", "server");
    let expanding = t.hw_ok(
        "POST",
        "/v3/{p}/vaults",
        Some({
            let mut b = vault_body("grows", "server", None, json!({}));
            b["vault"]["auto_expand"] = json!(true);
            b
        }),
    )["vault"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ghost = "0badc0de-0000-4000-8000-00000000dead";
    let body = |ids: Value, extra: Value| {
        let mut b = json!({"vault_ids": ids, "period_type": "month", "period_num": 1});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        Some(b)
    };
    let path = "/v3/{p}/vaults/change-charge-mode".to_string();
    let case = |w, b, s, c| (w, "POST", path.clone(), b, s, c);
    rejects(
        &t,
        vec![
            case("post_paid", body(json!([ok]), json!({"charging_mode": "post_paid"})), 400, "BackupService.9900"),
            case("no period_type", body(json!([ok]), json!({"period_type": null})), 400, "BackupService.9900"),
            case("period_type day", body(json!([ok]), json!({"period_type": "day"})), 400, "BackupService.9900"),
            case("no period_num", body(json!([ok]), json!({"period_num": null})), 400, "BackupService.9900"),
            case("period_num 0", body(json!([ok]), json!({"period_num": 0})), 400, "BackupService.9900"),
            case("period_num 10", body(json!([ok]), json!({"period_num": 10})), 400, "BackupService.9900"),
            case("period_num string", body(json!([ok]), json!({"period_num": "1"})), 400, "BackupService.9900"),
            case("no vault_ids", body(json!(null), json!({})), 400, "BackupService.9900"),
            case("empty vault_ids", body(json!([]), json!({})), 400, "BackupService.9900"),
            case("twice", body(json!([ok, ok]), json!({})), 400, "BackupService.9900"),
            case("unknown field", body(json!([ok]), json!({"size": 10})), 400, "BackupService.9900"),
            case("unknown vault", body(json!([ok, ghost]), json!({})), 404, "BackupService.6105"),
            case("already pre_paid", body(json!([ok, prepaid]), json!({})), 400, "BackupService.6110"),
            case("auto_expand", body(json!([ok, expanding]), json!({})), 400, "BackupService.6143"),
        ],
    );
    assert_eq!(show(&t, &ok)["billing"]["charging_mode"], "post_paid");
}

#[test]
fn change_order_resizes_a_yearly_monthly_vault() {
    let t = common::twin(TimingPolicy::Immediate);
    let (id, created) = prepaid_vault(&t, "yearly", "server");
    let v = show(&t, &id);
    assert_eq!(
        (v["billing"]["order_id"].as_str(), v["billing"]["product_id"].as_str()),
        (Some(created.as_str()), None)
    );
    let change = json!({"resource_id": id, "is_auto_pay": true, "promotion_info": "none",
        "product_info": {"product_id": "00301-34090-0--0", "resource_size": 200, "resource_size_measure_id": 17,
                         "resource_spec_code": "vault.backup.server.normal"}});
    let r = t.hw_ok("POST", "/v3/{p}/orders/change", Some(change));
    assert_eq!((r["retCode"].as_i64(), r["retMsg"].as_str()), (Some(0), Some("success")));
    let order = r["orderId"].as_str().unwrap();
    assert_ne!(order, created);
    let b = show(&t, &id)["billing"].clone();
    assert_eq!(b["size"], 200);
    assert_eq!((b["order_id"].as_str(), b["product_id"].as_str()), (Some(order), Some("00301-34090-0--0")));
    assert_eq!(b["charging_mode"], "pre_paid");
}

#[test]
fn change_order_validation_leaves_state_unchanged() {
    let t = common::twin(TimingPolicy::Immediate);
    let (id, _) = prepaid_vault(&t, "yearly", "server");
    let on_demand = vault(&t, "hourly", "server", None);
    // A yearly vault storing a 50 GB backup (WEB's volumes).
    let (full, _) = prepaid_vault(&t, "stored", "server");
    t.hw_ok(
        "POST",
        &format!("/v3/{{p}}/vaults/{full}/addresources"),
        Some(json!({"resources": [{"id": WEB, "type": "OS::Nova::Server"}]})),
    );
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": full}})));
    assert!(show(&t, &full)["billing"]["used"].as_i64().unwrap() >= 50 * 1024);

    let body = |vault: &str, info: Value| {
        let mut p = json!({"product_id": "00301-34090-0--0", "resource_size": 200, "resource_spec_code": "vault.backup.server.normal"});
        for (k, v) in info.as_object().unwrap() {
            if v.is_null() {
                p.as_object_mut().unwrap().remove(k);
            } else {
                p[k] = v.clone();
            }
        }
        Some(json!({"resource_id": vault, "product_info": p}))
    };
    let path = "/v3/{p}/orders/change".to_string();
    let case = |w, b, s, c| (w, "POST", path.clone(), b, s, c);
    rejects(
        &t,
        vec![
            case("no product_info", Some(json!({"resource_id": id})), 400, "BackupService.9900"),
            case(
                "no resource_id",
                Some(json!({"product_info": body(&id, json!({})).unwrap()["product_info"]})),
                400,
                "BackupService.9900",
            ),
            case("no product_id", body(&id, json!({"product_id": null})), 400, "BackupService.9900"),
            case("product_id chars", body(&id, json!({"product_id": "a b"})), 400, "BackupService.9900"),
            case("product_id of 65", body(&id, json!({"product_id": "p".repeat(65)})), 400, "BackupService.9900"),
            case("no size", body(&id, json!({"resource_size": null})), 400, "BackupService.9900"),
            case("size 9", body(&id, json!({"resource_size": 9})), 400, "BackupService.6101"),
            case("size too big", body(&id, json!({"resource_size": 10_485_761})), 400, "BackupService.6101"),
            case("measure 18", body(&id, json!({"resource_size_measure_id": 18})), 400, "BackupService.9900"),
            case("no spec", body(&id, json!({"resource_spec_code": null})), 400, "BackupService.9900"),
            case(
                "unknown spec",
                body(&id, json!({"resource_spec_code": "vault.backup.tape.normal"})),
                400,
                "BackupService.9900",
            ),
            case(
                "other spec",
                body(&id, json!({"resource_spec_code": "vault.backup.volume.normal"})),
                400,
                "BackupService.9900",
            ),
            case("camelCase", body(&id, json!({"productId": "x"})), 400, "BackupService.9900"),
            case("unknown vault", body("0badc0de-0000-4000-8000-00000000dead", json!({})), 404, "BackupService.6105"),
            case("on-demand vault", body(&on_demand, json!({})), 400, "BackupService.6109"),
            case("below used", body(&full, json!({"resource_size": 40})), 400, "BackupService.6101"),
        ],
    );
    // At the used size it is fine.
    t.hw_ok("POST", "/v3/{p}/orders/change", body(&full, json!({"resource_size": 50})));
}

#[test]
fn update_order_changes_an_order_of_the_vault() {
    let t = common::twin(TimingPolicy::Immediate);
    let (id, created) = prepaid_vault(&t, "yearly", "disk");
    let (other, other_order) = prepaid_vault(&t, "other", "disk");
    let body = |vault: &str, size: i64| {
        Some(json!({"resourceId": vault, "cloudServiceConsoleURL": "https://console.example/",
            "productInfo": {"productId": "00301-231147-0--0", "resourceSpecCode": "vault.backup.volume.normal",
                            "resourceSize": size, "resourceSizeMeasureId": 17}}))
    };
    let r = t.hw_ok("PUT", &format!("/v3/{{p}}/orders/{created}"), body(&id, 50));
    let order = r["orderId"].as_str().unwrap().to_string();
    assert_eq!((r["retCode"].as_i64(), r["retMsg"].as_str()), (Some(0), Some("success")));
    let b = show(&t, &id)["billing"].clone();
    assert_eq!((b["size"].as_i64(), b["order_id"].as_str()), (Some(50), Some(order.as_str())));
    assert_eq!(b["product_id"], "00301-231147-0--0");
    // Any order of the vault may be named, the newest as well as the first.
    t.hw_ok("PUT", &format!("/v3/{{p}}/orders/{order}"), body(&id, 60));
    t.hw_ok("PUT", &format!("/v3/{{p}}/orders/{created}"), body(&id, 70));
    assert_eq!(show(&t, &id)["billing"]["size"], 70);

    let on_demand = vault(&t, "hourly", "disk", None);
    let snake = Some(
        json!({"resource_id": id, "product_info": {"product_id": "p", "resource_size": 10, "resource_spec_code": "vault.backup.volume.normal"}}),
    );
    rejects(
        &t,
        vec![
            ("unknown order", "PUT", "/v3/{p}/orders/CSNOSUCHORDER".into(), body(&id, 80), 400, "BackupService.6109"),
            (
                "another vault's order",
                "PUT",
                format!("/v3/{{p}}/orders/{other_order}"),
                body(&id, 80),
                400,
                "BackupService.6109",
            ),
            (
                "on-demand vault",
                "PUT",
                format!("/v3/{{p}}/orders/{created}"),
                body(&on_demand, 80),
                400,
                "BackupService.6109",
            ),
            (
                "unknown vault",
                "PUT",
                format!("/v3/{{p}}/orders/{created}"),
                body("0badc0de-0000-4000-8000-00000000dead", 80),
                404,
                "BackupService.6105",
            ),
            ("size 5", "PUT", format!("/v3/{{p}}/orders/{created}"), body(&id, 5), 400, "BackupService.6101"),
            ("snake_case", "PUT", format!("/v3/{{p}}/orders/{created}"), snake, 400, "BackupService.9900"),
            ("no body", "PUT", format!("/v3/{{p}}/orders/{created}"), None, 400, "BackupService.9900"),
        ],
    );
    assert_eq!(show(&t, &other)["billing"]["size"], 100);
}

#[test]
fn post_paid_vault_order_counts_are_1_to_1000() {
    let t = common::twin(TimingPolicy::Immediate);
    let order = |combined: Value| json!({"vault": {"billing": {"consistent_level": "app_consistent", "object_type": "server", "protect_type": "backup", "size": 100, "charging_mode": "pre_paid", "period_type": "year", "period_num": 1}, "resources": [], "parameters": {"combined_order": combined}}});
    let before = t.hw_state();
    for bad in [
        json!({"combined_order_ecs_num": 5000}),
        json!({"combined_order_ecs_num": 0}),
        json!({"combined_order_num": 0}),
        json!({"combined_order_num": 1001}),
        json!({"combined_order_num": "5"}),
        json!({"combined_order_id": 7}),
        json!({"colour": "blue"}),
    ] {
        assert_eq!(
            t.hw_err("POST", "/v3/{p}/vaults/order", Some(order(bad.clone()))),
            (400, "BackupService.9900".into()),
            "{bad}"
        );
    }
    let mut unknown = order(json!({}));
    unknown["vault"]["parameters"]["discount"] = json!(1);
    assert_eq!(t.hw_err("POST", "/v3/{p}/vaults/order", Some(unknown)), (400, "BackupService.9900".into()));
    assert_eq!(before, t.hw_state());
    for good in [
        json!({"combined_order_id": "CS2303030959MR1IT", "combined_order_ecs_num": 5, "combined_order_num": 5}),
        json!({"combined_order_ecs_num": 1, "combined_order_num": 1000}),
        json!({"combined_order_ecs_num": 1000, "combined_order_num": 1}),
    ] {
        t.hw_ok("POST", "/v3/{p}/vaults/order", Some(order(good)));
    }
}
