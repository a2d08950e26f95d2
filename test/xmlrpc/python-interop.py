"""Python's xmlrpc.client on the other side of hyperplan's XML-RPC codec.

Reads JSON from stdin: {"responses": [xml, ...]}. Writes JSON to stdout:
  loaded:    what xmlrpc.client.loads makes of each response (values tagged, see tag()),
  calls:     documents xmlrpc.client.dumps writes for fixed calls, with what loads reads back,
  responses: documents dumps writes for fixed responses and faults.
"""
import base64
import datetime
import json
import sys
import xmlrpc.client


def tag(value):
    """JSON cannot carry every XML-RPC value exactly, so each one is tagged with its type."""
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": str(value)}
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, str):
        return {"str": value}
    if value is None:
        return {"nil": True}
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime.datetime):
        return {"date": value.isoformat()}
    if isinstance(value, (list, tuple)):
        return {"array": [tag(v) for v in value]}
    if isinstance(value, dict):
        return {"struct": [[k, tag(v)] for k, v in value.items()]}
    raise TypeError(f"untagged type {type(value)!r}")


def load(xml):
    try:
        params, method = xmlrpc.client.loads(xml, use_builtin_types=True)
        return {"params": [tag(p) for p in params], "method": method}
    except xmlrpc.client.Fault as fault:
        return {"fault": [fault.faultCode, fault.faultString]}


FIXED_CALLS = [
    ("one.vm.info", ("oneadmin:secret", 7, True, None)),
    (
        "one.vm.allocate",
        (
            "oneadmin:secret",
            'NAME="web"\nCPU="0.5"\r\nCONTEXT=[ A = "<&>" ]',
            False,
            -2147483648,
            1.5,
            1e300,
            -0.0,
            {"a": [1, "b"], "c": {}, "d": []},
            b"\x00\xff\x10",
            datetime.datetime(2020, 1, 2, 3, 4, 5),
            "",
            "\u00e9\u2603\U0001F600\t",
        ),
    ),
]

FIXED_RESPONSES = [
    ({"ID": 7, "NAME": "web & db", "TAGS": ["a", "b"], "OK": True, "NONE": None},),
    (["<VM><ID>7</ID></VM>", 0],),
]

request = json.load(sys.stdin)
out = {
    "loaded": [load(xml) for xml in request["responses"]],
    "calls": [],
    "responses": [],
}
for method, params in FIXED_CALLS:
    xml = xmlrpc.client.dumps(params, method, allow_none=True)
    out["calls"].append({"xml": xml, "loaded": load(xml)})
for params in FIXED_RESPONSES:
    out["responses"].append(xmlrpc.client.dumps(params, methodresponse=True, allow_none=True))
out["responses"].append(
    xmlrpc.client.dumps(xmlrpc.client.Fault(-501, "Parameter that is supposed to be integer is not <x>"))
)
json.dump(out, sys.stdout)
