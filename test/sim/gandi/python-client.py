"""Drives the Gandi hosting simulator with Python's stdlib xmlrpc.client, as seed 001's Python
samples do (a ServerProxy on /hosting/, the session first, xmlrpc.client.Fault caught), and prints
what it saw as one JSON document.

Usage: python3 python-client.py URL LOGIN PASSWORD
"""
import json
import sys
import time
import xmlrpc.client


def follow(proxy, session, opid, timeout=10.0):
    """Polls operation_details until the operation leaves PENDING and RUN; returns the states seen and the last details."""
    seen = []
    deadline = time.time() + timeout
    while True:
        details = proxy.operation_details(session, opid)
        if not seen or seen[-1] != details["state"]:
            seen.append(details["state"])
        if details["state"] not in ("PENDING", "RUN"):
            return seen, details
        if time.time() > deadline:
            raise RuntimeError("operation %d still %s" % (opid, details["state"]))
        time.sleep(0.01)


def fault_of(call, *params):
    try:
        call(*params)
    except xmlrpc.client.Fault as e:
        return [e.faultCode, e.faultString]
    return None


def main():
    url, login, password = sys.argv[1:4]
    out = {}
    proxy = xmlrpc.client.ServerProxy(url)
    session = proxy.login(login, password, True)
    out["session_type"] = type(session).__name__

    oslst = proxy.os_list(session)
    out["os"] = [[o["id"], o["name"], o["version"]] for o in oslst]
    out["currency"] = proxy.account_currency(session)
    out["balance_type"] = type(proxy.account_balance(session)).__name__
    out["shares_free"] = proxy.hosting_account_info(session)["shares_free"]

    # vm_create answers the VM id at once; its operation is followed to DONE.
    vm_id = proxy.vm_create(session, "vmtest1", "my_password", oslst[0]["id"], 1, 1, {"login": "gandi"})
    out["vm_id_type"] = type(vm_id).__name__
    [opid] = proxy.operation_list(session, {"type": "vm_create", "state": "ALL"})
    states, details = follow(proxy, session, opid)
    out["vm_create"] = {
        "states_end": states[-1],
        "uid_matches": details["uid"] == opid,
        "type": details["type"],
        "param": details["param"],
        "date_create_type": type(details["date_create"]).__name__,
        "date_create_text": len(details["date_create"].value),
        "has_comment": "comment" in details,
    }
    out["vm_state"] = proxy.vm_info(session, vm_id)["state"]

    # A filter with dates, as the seed's sample builds it.
    out["listed_after_2006"] = proxy.operation_list(session, {"updated_after": xmlrpc.client.DateTime("20060101T00:00:00"), "state": "DONE", "type": "vm_create"}) == [opid]

    # An operation that ends in ERROR (the test injected the fault), with its comment.
    disk_id = proxy.disk_create(session, {"size": 2048, "name": "broken-disk", "fstype": "ext3"})
    [disk_op] = proxy.operation_list(session, {"type": "disk_create"})
    states, details = follow(proxy, session, disk_op)
    out["disk_error"] = {"state": details["state"], "comment": details.get("comment"), "disk_state": proxy.disk_info(session, disk_id)["state"]}

    # One fault per class: data (an unknown id, a state refusal, a wrong type), server (injected), unknown method.
    out["data_not_found"] = fault_of(proxy.vm_info, session, 424242)
    out["data_state"] = fault_of(proxy.vm_delete, session, vm_id)
    out["data_type"] = fault_of(proxy.vm_info, session, "abc")
    out["server"] = fault_of(proxy.vm_list, session)
    out["unknown_method"] = fault_of(proxy.vm_frobnicate, session)
    out["bad_session"] = fault_of(proxy.vm_list, "not-a-session")

    print(json.dumps(out))


if __name__ == "__main__":
    main()
