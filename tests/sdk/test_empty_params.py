"""A Tencent action called with no parameters at all: over GET (a query string) and over the v1
signatures (a form or a query) the request carries no action parameter, and the twin must answer
exactly as it does to the same call with an empty JSON body (TC3 over POST). Issue 12: an empty
set of flat parameters was once taken for an array ("Parameter names must not be bare indexes")."""

import csv
import os

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from twin_support import HMAC_SHA1, HMAC_SHA256, TC3

CATALOG = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "catalog", "tencent-cbs.tsv")
with open(CATALOG, encoding="utf-8") as f:
    ACTIONS = [row["action"] for row in csv.DictReader(f, delimiter="\t")]

# Every other way of sending the call; TC3 over POST (a JSON body `{}`) is the reference.
TRANSPORTS = [(TC3, "GET"), (HMAC_SHA1, "GET"), (HMAC_SHA1, "POST"), (HMAC_SHA256, "GET"), (HMAC_SHA256, "POST")]


def outcome(client, action):
    """What the twin answered: the error code and message, or the response without its RequestId."""
    try:
        resp = client.call_json(action, {})
    except TencentCloudSDKException as e:
        return ("error", e.code, e.message)
    resp.pop("RequestId", None)
    return ("ok", resp)


@pytest.fixture
def reference(frozen_clock, make_client):
    client = make_client()
    return {action: outcome(client, action) for action in ACTIONS}


def test_the_catalog_and_the_reference_calls():
    assert len(ACTIONS) == 38 and "DescribeDisks" in ACTIONS


@pytest.mark.parametrize("sign,method", TRANSPORTS, ids=[f"{s}-{m}" for s, m in TRANSPORTS])
def test_no_parameters_answers_as_an_empty_json_body(reference, make_client, sign, method):
    client = make_client(sign=sign, method=method)
    # The actions that take no parameters answer with data; the others say what is missing.
    takes_none = [a for a, r in reference.items() if r[0] == "ok"]
    assert {"DescribeDisks", "DescribeSnapshots", "DescribeAutoSnapshotPolicies", "GetSnapOverview"} <= set(takes_none)
    for action in ACTIONS:
        got = outcome(client, action)
        assert got == reference[action], f"{action} over {sign} {method}"
