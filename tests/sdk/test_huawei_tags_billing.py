"""Tags (4.12) and billing orders (4.1) through the official SDK: the tag APIs work on the same
tags CreateVault sets and ShowVault shows, resource_instances filters and counts vaults by them,
and orders turn on-demand vaults yearly/monthly and resize them. Every response parses into the
SDK's own models.
"""

import pytest
from huaweicloudsdkcbr.v1 import (
    BatchCreateAndDeleteVaultTagsRequest,
    BulkCreateAndDeleteTags,
    BulkCreateAndDeleteVaultTagsReq,
    CbcOrderChange,
    CbcProductInfoOrderChange,
    CbcProductInfoUpdate,
    CbcUpdate,
    ChangeOrderRequest,
    ChangeToPeriod,
    ChangeVaultChargeModeRequest,
    CreatePostPaidVaultRequest,
    CreateVaultTagsRequest,
    DeleteVaultTagRequest,
    ListVaultRequest,
    Match,
    PrePaidBillingCreate,
    PrePaidVaultOrder,
    ShowVaultProjectTagRequest,
    ShowVaultResourceInstancesRequest,
    ShowVaultTagRequest,
    Tag,
    TagCreate,
    TagsReq,
    UpdateOrderRequest,
    UpdateVaultRequest,
    VaultOrderCreateReqs,
    VaultResourceInstancesReq,
    VaultTagsCreateReq,
    VaultUpdate,
    VaultUpdateReq,
)
from huaweicloudsdkcbr.v1.model import Billing, TagResource, TagsResp, Vault

from huawei_support import NO_SUCH_ID, PROJECT, WEB, expect_hw_error, raw_json, resource

pytestmark = pytest.mark.usefixtures("frozen_clock")


def tags(vault):
    return [(t.key, t.value) for t in (vault.tags or [])]


def show_tags(cbr, vault_id):
    return [(t.key, t.value) for t in cbr.show_vault_tag(ShowVaultTagRequest(vault_id=vault_id)).tags]


def create_tag(cbr, vault_id, key, value):
    return cbr.create_vault_tags(CreateVaultTagsRequest(vault_id=vault_id,
                                                        body=VaultTagsCreateReq(tag=TagCreate(key=key, value=value))))


def batch(cbr, vault_id, action, pairs):
    items = [BulkCreateAndDeleteTags(key=k, value=v) for k, v in pairs]
    req = BatchCreateAndDeleteVaultTagsRequest(vault_id=vault_id,
                                               body=BulkCreateAndDeleteVaultTagsReq(tags=items, action=action))
    return cbr.batch_create_and_delete_vault_tags(req)


def instances(cbr, **kw):
    kw.setdefault("action", "filter")
    return cbr.show_vault_resource_instances(ShowVaultResourceInstancesRequest(body=VaultResourceInstancesReq(**kw)))


def prepaid_vault(cbr, name="yearly", object_type="server", size=100, resources=()):
    resp = cbr.create_post_paid_vault(CreatePostPaidVaultRequest(body=VaultOrderCreateReqs(vault=PrePaidVaultOrder(
        name=name,
        billing=PrePaidBillingCreate(consistent_level="crash_consistent", object_type=object_type,
                                     protect_type="backup", size=size, charging_mode="pre_paid",
                                     period_type="month", period_num=1),
        resources=[resource(r) for r in resources],
    ))))
    (order,) = resp.orders
    return order.resource_id, order.order_id


# -------------------------------------------------------------------------------------- tags


def test_tag_apis_share_the_vaults_tags(cbr):
    v = cbr.new_vault(name="tagged", tags=[Tag(key="env", value="prod")])
    assert show_tags(cbr, v.id) == [("env", "prod")]

    resp = create_tag(cbr, v.id, "team", "web")
    assert resp.status_code == 204 and cbr.last.content in (b"", None)
    assert tags(cbr.vault(v.id)) == [("env", "prod"), ("team", "web")]
    listed = cbr.list_vault(ListVaultRequest()).vaults
    assert tags(listed[0]) == [("env", "prod"), ("team", "web")]

    # CreateVaultTags is idempotent: the same key takes the new value.
    create_tag(cbr, v.id, "env", "staging")
    assert show_tags(cbr, v.id) == [("env", "staging"), ("team", "web")]

    resp = cbr.delete_vault_tag(DeleteVaultTagRequest(vault_id=v.id, key="team"))
    assert resp.status_code == 204
    assert tags(cbr.vault(v.id)) == [("env", "staging")]
    e = expect_hw_error(404, "BackupService.6601", cbr.delete_vault_tag, DeleteVaultTagRequest(vault_id=v.id, key="team"))
    assert "team" in e.error_msg

    # A Chinese key goes through the SDK's path encoding both ways.
    create_tag(cbr, v.id, "项目", "备份")
    assert ("项目", "备份") in show_tags(cbr, v.id)
    cbr.delete_vault_tag(DeleteVaultTagRequest(vault_id=v.id, key="项目"))
    assert show_tags(cbr, v.id) == [("env", "staging")]


def test_tag_errors(cbr):
    ten = [Tag(key=f"k{i}", value="v") for i in range(10)]
    v = cbr.new_vault(name="full", tags=ten)
    expect_hw_error(400, "BackupService.6600", create_tag, cbr, v.id, "k10", "v")
    expect_hw_error(400, "BackupService.6600", batch, cbr, v.id, "create", [("new", "x")])
    expect_hw_error(400, "BackupService.9900", create_tag, cbr, v.id, "k" * 37, "v")
    expect_hw_error(400, "BackupService.9900", create_tag, cbr, v.id, "a=b", "v")
    expect_hw_error(400, "BackupService.9900", create_tag, cbr, v.id, "k0", "v" * 44)
    expect_hw_error(400, "BackupService.9900", batch, cbr, v.id, "create", [("x", "1"), ("x", "2")])
    expect_hw_error(400, "BackupService.9900", batch, cbr, v.id, "update", [("x", "1")])
    assert len(show_tags(cbr, v.id)) == 10
    # Overwriting at the limit is fine.
    create_tag(cbr, v.id, "k0", "new")
    assert show_tags(cbr, v.id)[0] == ("k0", "new")
    # An unknown vault is 400 9900 on the tag APIs, as ShowVaultTag's example shows.
    e = expect_hw_error(400, "BackupService.9900", cbr.show_vault_tag, ShowVaultTagRequest(vault_id=NO_SUCH_ID))
    assert e.error_msg == "Invalid vault_id provided."
    expect_hw_error(400, "BackupService.9900", create_tag, cbr, NO_SUCH_ID, "a", "b")
    expect_hw_error(400, "BackupService.9900", cbr.delete_vault_tag, DeleteVaultTagRequest(vault_id=NO_SUCH_ID, key="a"))


def test_batch_create_and_delete(cbr):
    v = cbr.new_vault(name="batch")
    resp = batch(cbr, v.id, "create", [("a", "1"), ("b", "2"), ("c", "3")])
    assert resp.status_code == 204
    assert tags(cbr.vault(v.id)) == [("a", "1"), ("b", "2"), ("c", "3")]
    # Deleting: repeated and missing keys are fine; a value must match, no value matches any.
    batch(cbr, v.id, "delete", [("a", None), ("a", None), ("zz", None), ("b", "other"), ("c", "3")])
    assert tags(cbr.vault(v.id)) == [("b", "2")]


def test_project_tags(cbr):
    assert cbr.show_vault_project_tag(ShowVaultProjectTagRequest()).tags == []
    cbr.new_vault(name="a", tags=[Tag(key="string", value="string"), Tag(key="a", value="b")])
    cbr.new_vault(name="b", object_type="disk", tags=[Tag(key="string", value="")])
    got = cbr.show_vault_project_tag(ShowVaultProjectTagRequest()).tags
    assert all(isinstance(t, TagsResp) for t in got)
    assert [(t.key, t.values) for t in got] == [("a", ["b"]), ("string", ["", "string"])]


def test_resource_instances_filter_and_count(cbr):
    cbr.new_vault(name="web-prod", tags=[Tag(key="env", value="prod"), Tag(key="team", value="web")])
    cbr.new_vault(name="web-test", tags=[Tag(key="env", value="test"), Tag(key="team", value="web")])
    cbr.new_vault(name="db-prod", object_type="disk", tags=[Tag(key="env", value="production")])
    cbr.new_vault(name="bare")

    resp = instances(cbr, tags=[TagsReq(key="env", values=["prod"])])
    assert resp.total_count == 1
    (r,) = resp.resources
    assert isinstance(r, TagResource)
    assert (r.resource_name, [(t.key, t.value) for t in r.tags]) == ("web-prod", [("env", "prod"), ("team", "web")])
    assert isinstance(r.resource_detail.vault, Vault) and isinstance(r.resource_detail.vault.billing, Billing)
    assert r.resource_detail.vault.id == r.resource_id
    assert r.resource_detail.vault.project_id == PROJECT

    names = lambda resp: [x.resource_name for x in resp.resources]  # noqa: E731
    assert names(instances(cbr, tags=[TagsReq(key="env", values=["*prod"])])) == ["db-prod", "web-prod"]
    assert names(instances(cbr, tags_any=[TagsReq(key="env", values=["test"]),
                                          TagsReq(key="team", values=[])])) == ["web-test", "web-prod"]
    assert names(instances(cbr, not_tags_any=[TagsReq(key="team", values=[])])) == ["bare", "db-prod"]
    assert names(instances(cbr, not_tags=[TagsReq(key="env", values=["prod"]),
                                          TagsReq(key="team", values=["web"])])) == ["bare", "db-prod", "web-test"]
    assert names(instances(cbr, without_any_tag=True)) == ["bare"]
    assert names(instances(cbr, matches=[Match(key="resource_name", value="web")])) == ["web-test", "web-prod"]
    assert names(instances(cbr, object_type="disk")) == ["db-prod"]
    page = instances(cbr, limit="2", offset="1")
    assert page.total_count == 4 and names(page) == ["db-prod", "web-test"]

    counted = instances(cbr, action="count", tags=[TagsReq(key="team", values=["web"])])
    assert counted.total_count == 2 and counted.resources is None
    assert raw_json(counted) == {"total_count": 2}


def test_resource_instances_errors(cbr):
    cbr.new_vault(name="one")
    for kw in [dict(action="list"), dict(limit="0"), dict(limit="1001"), dict(offset="-1"), dict(tags=[]),
               dict(tags=[TagsReq(key="a", values=["*"])]),
               dict(tags=[TagsReq(key="a", values=[]), TagsReq(key="a", values=["b"])]),
               dict(matches=[Match(key="name", value="x")]), dict(object_type="turbo")]:
        expect_hw_error(400, "BackupService.9900", instances, cbr, **kw)


# ----------------------------------------------------------------------------------- billing


def change_to_period(cbr, vault_ids, **kw):
    kw.setdefault("period_type", "year")
    kw.setdefault("period_num", 2)
    return cbr.change_vault_charge_mode(ChangeVaultChargeModeRequest(body=ChangeToPeriod(vault_ids=vault_ids, **kw)))


def test_change_vault_charge_mode(cbr):
    a = cbr.new_vault(name="a")
    b = cbr.new_vault(name="b", object_type="disk")
    assert a.billing.charging_mode == "post_paid" and a.billing.order_id is None
    resp = change_to_period(cbr, [a.id, b.id], charging_mode="pre_paid", is_auto_renew=True, is_auto_pay=True,
                            console_url="https://console.example/")
    assert resp.status_code == 200
    assert resp.order_id.startswith("CS") and resp.ret_code == 0 and resp.ret_msg == "success"
    assert set(raw_json(resp)) == {"orderId", "retCode", "retMsg"}
    for vid in (a.id, b.id):
        billing = cbr.vault(vid).billing
        assert (billing.charging_mode, billing.order_id) == ("pre_paid", resp.order_id)
    # A yearly/monthly vault cannot auto-expand.
    expect_hw_error(400, "BackupService.6143", cbr.update_vault,
                    UpdateVaultRequest(vault_id=a.id, body=VaultUpdateReq(vault=VaultUpdate(auto_expand=True))))


def test_change_vault_charge_mode_errors(cbr):
    v = cbr.new_vault(name="hourly")
    prepaid, _ = prepaid_vault(cbr)
    expect_hw_error(404, "BackupService.6105", change_to_period, cbr, [v.id, NO_SUCH_ID])
    expect_hw_error(400, "BackupService.6110", change_to_period, cbr, [v.id, prepaid])
    expect_hw_error(400, "BackupService.9900", change_to_period, cbr, [v.id], period_num=10)
    expect_hw_error(400, "BackupService.9900", change_to_period, cbr, [v.id], period_type="week")
    expect_hw_error(400, "BackupService.9900", change_to_period, cbr, [v.id], charging_mode="post_paid")
    expect_hw_error(400, "BackupService.9900", change_to_period, cbr, [])
    assert cbr.vault(v.id).billing.charging_mode == "post_paid"


def change_order(cbr, vault_id, size, spec="vault.backup.server.normal", product="00301-34090-0--0"):
    info = CbcProductInfoOrderChange(product_id=product, resource_size=size, resource_size_measure_id=17,
                                     resource_spec_code=spec)
    return cbr.change_order(ChangeOrderRequest(body=CbcOrderChange(product_info=info, resource_id=vault_id,
                                                                   is_auto_pay=True)))


def test_change_order_resizes(cbr, twin):
    twin.timing("immediate")
    vid, created = prepaid_vault(cbr, resources=[WEB])
    assert cbr.vault(vid).billing.order_id == created
    resp = change_order(cbr, vid, 200)
    assert resp.ret_code == 0 and resp.ret_msg == "success" and resp.order_id != created
    billing = cbr.vault(vid).billing
    assert (billing.size, billing.order_id, billing.product_id) == (200, resp.order_id, "00301-34090-0--0")

    expect_hw_error(400, "BackupService.6101", change_order, cbr, vid, 9)
    expect_hw_error(400, "BackupService.9900", change_order, cbr, vid, 100, spec="vault.backup.volume.normal")
    expect_hw_error(400, "BackupService.9900", change_order, cbr, vid, 100, product="bad product")
    expect_hw_error(404, "BackupService.6105", change_order, cbr, NO_SUCH_ID, 100)
    hourly = cbr.new_vault(name="hourly")
    expect_hw_error(400, "BackupService.6109", change_order, cbr, hourly.id, 100)
    # Not below what the vault stores (WEB's 50 GB full backup).
    cbr.checkpoint(vid)
    expect_hw_error(400, "BackupService.6101", change_order, cbr, vid, 40)
    assert cbr.vault(vid).billing.size == 200


def update_order(cbr, order_id, vault_id, size):
    info = CbcProductInfoUpdate(product_id="00301-231147-0--0", resource_size=size, resource_size_measure_id=17,
                                resource_spec_code="vault.backup.volume.normal")
    return cbr.update_order(UpdateOrderRequest(order_id=order_id, body=CbcUpdate(product_info=info,
                                                                                resource_id=vault_id)))


def test_update_order(cbr):
    vid, created = prepaid_vault(cbr, object_type="disk")
    other, other_order = prepaid_vault(cbr, name="other", object_type="disk")
    resp = update_order(cbr, created, vid, 50)
    assert resp.status_code == 200 and str(resp.ret_code) == "0" and resp.ret_msg == "success"
    billing = cbr.vault(vid).billing
    assert (billing.size, billing.order_id, billing.product_id) == (50, resp.order_id, "00301-231147-0--0")
    expect_hw_error(400, "BackupService.6109", update_order, cbr, "CSNOSUCHORDER", vid, 60)
    expect_hw_error(400, "BackupService.6109", update_order, cbr, other_order, vid, 60)
    expect_hw_error(400, "BackupService.6101", update_order, cbr, created, vid, 5)
    assert cbr.vault(vid).billing.size == 50
    assert cbr.vault(other).billing.size == 100
