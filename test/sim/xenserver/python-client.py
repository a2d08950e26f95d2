"""Drives the XenServer simulator with Python's stdlib xmlrpc.client, the way the XenAPI.py
binding does: a ServerProxy, the session ref put first, the {Status, Value} struct unwrapped and
ErrorDescription raised as a failure's details. Prints what it saw as one JSON document.

Usage: python3 python-client.py MASTER_URL SLAVE_URL USER PASSWORD
"""
import json
import re
import sys
import time
import xmlrpc.client


class Failure(Exception):
    def __init__(self, details):
        super().__init__(details)
        self.details = details


def unwrap(result):
    if not isinstance(result, dict) or "Status" not in result:
        raise ValueError("not a xapi answer: %r" % (result,))
    if result["Status"] == "Success":
        return result["Value"]
    raise Failure(result["ErrorDescription"])


class Session:
    """A session on one host: `xen.call("VM.get_record", ref)` sends (session, ref)."""

    def __init__(self, url):
        self.proxy = xmlrpc.client.ServerProxy(url, allow_none=True)
        self.ref = None

    def login(self, *params):
        self.ref = unwrap(self.proxy.session.login_with_password(*params))
        return self.ref

    def call(self, name, *params):
        target = self.proxy
        for part in name.split("."):
            target = getattr(target, part)
        return unwrap(target(self.ref, *params))

    def details(self, name, *params):
        try:
            self.call(name, *params)
        except Failure as failure:
            return failure.details
        return None


def main():
    master, slave, user, password = sys.argv[1:5]
    out = {}

    # Logins with 2, 3 and 4 parameters (XenAPI.py's examples send a version and an originator).
    refs = []
    for params in ([user, password], [user, password, "2.3"], [user, password, "2.3", "hyperplan-python"]):
        s = Session(master)
        refs.append(s.login(*params))
    out["logins"] = [bool(re.match(r"^OpaqueRef:[0-9a-f-]{36}$", r)) for r in refs]
    xen = Session(master)
    xen.login(user, password, "2.3", "hyperplan-python")

    records = xen.call("VM.get_all_records")
    template = next(ref for ref, r in records.items() if r["name_label"] == "debian-12-cloud")
    record = records[template]
    out["vms"] = sorted(r["name_label"] for r in records.values())
    out["types"] = {
        "memory_static_max": type(record["memory_static_max"]).__name__,
        "is_a_template": type(record["is_a_template"]).__name__,
        "other_config": type(record["other_config"]).__name__,
        "VBDs": type(record["VBDs"]).__name__,
        "HVM_shadow_multiplier": type(record["HVM_shadow_multiplier"]).__name__,
    }

    # An Async call followed to its end through task.get_record, then destroyed.
    task = xen.call("Async.VM.clone", template, "py-vm")
    statuses = []
    for _ in range(2000):
        t = xen.call("task.get_record", task)
        statuses.append(t["status"])
        if t["status"] not in ("pending", "cancelling"):
            break
        time.sleep(0.005)
    match = re.match(r"^<value>(OpaqueRef:[0-9a-f-]+)</value>$", t["result"])
    clone = match.group(1) if match else None
    out["task"] = {
        "first": statuses[0],
        "last": t["status"],
        "progress": t["progress"],
        "result_is_value": match is not None,
        "clone_name": xen.call("VM.get_name_label", clone) if clone else None,
        "clone_is_template": xen.call("VM.get_is_a_template", clone) if clone else None,
        "base_template_name": xen.call("VM.get_other_config", clone).get("base_template_name") if clone else None,
    }
    xen.call("task.destroy", task)

    # event.from: 'from' is a Python keyword, hence getattr.
    event_from = getattr(xen.proxy.event, "from")
    first = unwrap(event_from(xen.ref, ["vm"], "", 1.0))
    quiet_started = time.time()
    second = unwrap(event_from(xen.ref, ["VM"], first["token"], 0.3))
    out["events"] = {
        "first_ops": sorted(set(e["operation"] for e in first["events"])),
        "first_classes": sorted(set(e["class"] for e in first["events"])),
        "first_count": len(first["events"]),
        "vm_count": first["valid_ref_counts"]["vm"],
        "count_type": type(first["valid_ref_counts"]["vm"]).__name__,
        "token_shape": bool(re.match(r"^[0-9]{20},[0-9]{20}$", first["token"])),
        "second_count": len(second["events"]),
        "second_waited": time.time() - quiet_started >= 0.25,
        "second_token_not_older": second["token"] >= first["token"],
    }
    xen.call("VM.set_name_label", clone, "py-vm-renamed")
    third = unwrap(event_from(xen.ref, ["vm/" + clone], second["token"], 5.0))
    out["events"]["mod"] = [(e["operation"], e["ref"] == clone, e["snapshot"]["name_label"]) for e in third["events"]]
    bad_token = xen.details("event.from", ["vm"], "not-a-token", 1.0)
    out["events"]["bad_token"] = bad_token

    out["handle_invalid"] = xen.details("VM.get_record", "OpaqueRef:nope")
    out["unknown_method"] = xen.details("VM.no_such_message")
    out["count_mismatch"] = xen.details("VM.get_record")

    doomed = Session(master)
    doomed.login(user, password)
    doomed.call("session.logout")
    out["session_invalid"] = doomed.details("VM.get_all")
    out["session_invalid_ref_matches"] = out["session_invalid"] == ["SESSION_INVALID", doomed.ref]

    stranger = Session(master)
    try:
        stranger.login(user, "wrong")
        out["bad_password"] = None
    except Failure as failure:
        out["bad_password"] = failure.details

    on_slave = Session(slave)
    try:
        on_slave.login(user, password)
        out["slave"] = None
    except Failure as failure:
        out["slave"] = failure.details

    out["list_methods_has_vm_records"] = "VM.get_all_records" in xen.proxy.system.listMethods()
    xen.call("session.logout")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
