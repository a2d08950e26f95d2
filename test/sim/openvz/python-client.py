"""Drives the OpenVZ Web Panel simulator with Python's standard library only, as the panel's API
document's samples drive the API (HTTP Basic auth, GET with query parameters, the XML read with
ElementTree), and prints what it saw as one JSON document.

Usage: python3 python-client.py BASE_URL USER PASSWORD
"""
import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET


class Panel:
    def __init__(self, base, user, password):
        self.base = base
        self.auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()

    def raw(self, method, params=None, post=False, auth=True):
        url = self.base + "api/" + method
        data = None
        query = urllib.parse.urlencode(params or {})
        if post:
            data = query.encode()
        elif query:
            url += "?" + query
        req = urllib.request.Request(url, data=data)
        if auth:
            req.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(req) as res:
                return res.status, dict(res.headers), res.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def call(self, method, params=None, post=False):
        status, _, body = self.raw(method, params, post)
        if status != 200:
            raise RuntimeError("HTTP %d: %s" % (status, body))
        return ET.fromstring(body.encode())


def value(el):
    """A leaf as its type says: integer, boolean, nil."""
    if el.get("nil") == "true":
        return None
    if el.get("type") == "integer":
        return int(el.text)
    if el.get("type") == "boolean":
        return el.text == "true"
    return el.text or ""


def row(el):
    return {child.tag: value(child) for child in el}


def result(root):
    out = {"root": root.tag, "status": value(root.find("status"))}
    details = root.find("details")
    if details is not None and details.get("type") == "array":
        out["errors"] = [[d.findtext("field"), d.findtext("error")] for d in details]
    elif details is not None:
        out["id"] = value(details.find("id"))
    return out


def error(root):
    return {"root": root.tag, "code": root.findtext("code"), "message": root.findtext("message"), "details": root.findtext("details")}


def main():
    base, user, password = sys.argv[1:4]
    panel = Panel(base, user, password)
    out = {}

    # The API document's sample: list the physical servers and print each host.
    out["hosts"] = [h.findtext("host") for h in panel.call("hardware_servers/list").iter("hardware_server")]
    out["templates"] = [t.findtext("name") for t in panel.call("hardware_servers/os_templates", {"id": 1})]

    created = result(panel.call("virtual_servers/create", {
        "hardware_server_id": 1,
        "orig_os_template": "centos-7-x86_64",
        "orig_server_template": "vps.basic",
        "ip_address": "auto",
        "host_name": "py.example.lan",
        "password": "py-secret",
        "start_after_creation": 1,
    }, post=True))
    out["create"] = created
    vid = created["id"]
    server = row(panel.call("virtual_servers/get", {"id": vid}))
    out["get"] = {k: server[k] for k in ("identity", "ip_address", "state", "memory", "description", "start_on_boot", "expiration_date")}
    out["types"] = {k: type(server[k]).__name__ for k in ("id", "identity", "memory", "start_on_boot", "host_name")}

    out["update"] = result(panel.call("virtual_servers/update", {"id": vid, "memory": "abc", "host_name": "py2.example.lan"}, post=True))
    server = row(panel.call("virtual_servers/get", {"id": vid}))
    out["after_update"] = [server["memory"], server["host_name"]]

    out["stop"] = result(panel.call("virtual_servers/stop", {"id": vid}))
    out["state_after_stop"] = row(panel.call("virtual_servers/get", {"id": vid}))["state"]

    # Each error shape.
    out["invalid"] = result(panel.call("virtual_servers/create", {"hardware_server_id": 1, "ip_address": "10.10.9.9", "host_name": "bad name", "password": "a", "password_confirmation": "b"}))
    out["vzctl"] = error(panel.call("virtual_servers/create", {"hardware_server_id": 2, "orig_os_template": "centos-7-x86_64", "orig_server_template": "vps.basic"}))
    out["not_found"] = error(panel.call("virtual_servers/get", {"id": 4242}))
    status, headers, body = panel.raw("virtual_servers/get", {"id": vid}, auth=False)
    out["unauthorized"] = [status, headers.get("WWW-Authenticate"), body]
    bob = Panel(base, "bob", "bob-pw")
    out["denied"] = error(bob.call("hardware_servers/list"))
    out["bob_sees"] = error(bob.call("virtual_servers/get", {"id": vid}))
    out["unknown"] = error(panel.call("virtual_servers/frobnicate"))

    out["delete"] = result(panel.call("virtual_servers/delete", {"id": vid}, post=True))
    out["gone"] = error(panel.call("virtual_servers/get", {"id": vid}))["code"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
