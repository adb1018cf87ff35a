#!/usr/bin/env python3
"""Writes the seed corpus of the libFuzzer targets into tests/fuzz/corpus/:
valid events of the contract (and a few near misses) as JSON for
fuzz_event_decode, identifiers, dates and regions for fuzz_validators, and
the same events packed as the protobuf frames daemons exchange for fuzz_wire.

The frames are packed by a small proto2 encoder driven by proto/hrss.proto,
so field numbers come from the one source of truth. Standard library only;
deterministic output. Run it again after changing the proto or the event
types, and commit the result; files named regress-* (inputs that once found
a bug) are left alone:

    python3 tests/fuzz/make_corpus.py
"""

import json
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "corpus")

# ---- valid identifiers (GB 11643, GB 32100) ------------------------------------

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_number(body17):
    total = sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS))
    return body17 + "10X98765432"[total % 11]


def credit_code(body17):
    total = sum(_CC_CHARS.index(c) * w for c, w in zip(body17, _CC_WEIGHTS))
    return body17 + _CC_CHARS[(31 - total % 31) % 31]


ID1 = id_number("43312319800101001")
ID2 = id_number("43312719900229002")
ID3 = id_number("43313019651231003")
CC1 = credit_code("91433123MA0000001")

# ---- events of the contract -----------------------------------------------------

VILLAGE = "433123101001"
AT = "2025-03-01T09:00:00+08:00"

DATA = {
    "employment.person_registered": {"id_number": ID1, "name": "张三", "household": "rural",
                                     "categories": ["graduate", "hard_to_employ"],
                                     "education": "大专", "phone": "13800000000"},
    "employment.unemployment_registered": {"id_number": ID1, "registered_on": "2025-03-01"},
    "employment.employed": {"id_number": ID2, "kind": "urban_new", "location": "in_county",
                            "employer_credit_code": CC1, "employer_name": "某建筑公司",
                            "started_on": "2025-03-02"},
    "employment.job_posted": {"job_id": "job-1", "employer_credit_code": CC1,
                              "employer_name": "某公司", "title": "焊工", "positions": 3,
                              "wage_min_fen": 300000, "wage_max_fen": 500000,
                              "valid_until": "2025-06-30"},
    "employment.job_fair_held": {"fair_id": "fair-1", "name": "春风行动", "held_on": "2025-02-20",
                                 "online": False, "enterprises": 40, "positions": 900,
                                 "attendees": 1500, "intentions": 210},
    "employment.startup_loan_disbursed": {"loan_id": "L1", "borrower": "individual",
                                          "id_number": ID3, "amount_fen": 20000000},
    "insurance.enrolled": {"id_number": ID2, "scheme": "resident_pension",
                           "enrolled_on": "2025-03-03"},
    "insurance.contribution_paid": {"payment_id": "p-1", "scheme": "enterprise_pension",
                                    "period": "2025-02", "amount_fen": 123456,
                                    "employer_credit_code": CC1},
    "insurance.benefit_started": {"id_number": ID3, "scheme": "resident_pension",
                                  "monthly_amount_fen": 20300, "first_period": "2025-04"},
    "insurance.death_reported": {"id_number": ID3, "died_on": "2025-02-27"},
    "insurance.suspicious_record_verified": {"record_id": "r-9", "outcome": "rectify",
                                             "amount_fen": 4000},
    "arrears.clue_received": {"clue_id": "c-1", "source": "hotline", "employer_name": "某劳务公司",
                              "workers": 12, "amount_fen": 3600000, "due_on": "2025-03-11"},
    "arrears.case_action": {"case_id": "case-7", "action": "wages_recovered",
                            "amount_fen": 1200000, "workers": 5},
    "arrears.employer_blacklisted": {"credit_code": CC1, "name": "某劳务公司",
                                     "reason": "拒不支付劳动报酬"},
    "arrears.arbitration_closed": {"arbitration_id": "a-3", "outcome": "mediated",
                                   "extended": True},
}


def event(n, type_, data, region=VILLAGE, at=AT):
    return {"id": "seed-%04d-%s" % (n, type_.split(".")[1][:20]), "type": type_,
            "region": region, "occurred_at": at, "data": data}


EVENTS = [event(i, t, d) for i, (t, d) in enumerate(DATA.items())]

# near misses: each exercises one rejection path of the decoder
NEAR_MISSES = [
    event(100, "employment.person_registered",
          dict(DATA["employment.person_registered"], id_number=ID1[:17] + "0")),
    event(101, "employment.person_registered",
          dict(DATA["employment.person_registered"], categories=["graduate", "graduate"])),
    event(102, "insurance.contribution_paid",
          dict(DATA["insurance.contribution_paid"], amount_fen=12.5)),
    event(103, "employment.employed", DATA["employment.employed"], region="433123999001"),
    event(104, "employment.employed", DATA["employment.employed"],
          at="2025-02-30T09:00:00+08:00"),
    dict(event(105, "insurance.enrolled", DATA["insurance.enrolled"]), extra=1),
    event(106, "employment.person_deceased", {"id_number": ID1, "died_on": "2025-01-01"}),
]

# ---- a proto2 encoder driven by proto/hrss.proto -------------------------------

SCALARS = {"int32", "int64", "uint32", "uint64", "bool", "string", "bytes", "sint32",
           "sint64"}


def parse_proto(path):
    """{message: {field: (number, type, label)}} and the set of enum names."""
    text = re.sub(r"//[^\n]*", "", open(path, encoding="utf-8").read())
    messages, enums = {}, set(re.findall(r"\benum\s+(\w+)", text))
    for m in re.finditer(r"\bmessage\s+(\w+)\s*\{", text):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[m.end():i - 1]
        fields = {}
        for f in re.finditer(r"(required|optional|repeated)?\s*(\w+)\s+(\w+)\s*=\s*(\d+)\s*;",
                             body):
            fields[f.group(3)] = (int(f.group(4)), f.group(2), f.group(1) or "optional")
        messages[m.group(1)] = fields
    return messages, enums


MESSAGES, ENUMS = parse_proto(os.path.join(REPO, "proto", "hrss.proto"))


def varint(v):
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode(message, values):
    out = bytearray()
    fields = MESSAGES[message]
    for name, value in values.items():
        number, type_, label = fields[name]
        for v in (value if label == "repeated" else [value]):
            if type_ in ("string", "bytes") or type_ in MESSAGES:
                if type_ in MESSAGES:
                    v = encode(type_, v)
                elif isinstance(v, str):
                    v = v.encode()
                out += varint(number << 3 | 2) + varint(len(v)) + v
            elif type_ in SCALARS or type_ in ENUMS:
                out += varint(number << 3) + varint(int(v))
            else:
                raise ValueError("%s.%s: type %s" % (message, name, type_))
    return bytes(out)


def _catalog():
    """The EVENT entries of common/event_types.def, {type: (message, derived,
    [(field, allowed values or None)])}, and the insurance schemes."""
    root = os.path.join(REPO, "common")
    header = open(os.path.join(root, "event_types.h"), encoding="utf-8").read()
    body = header[header.index("#define INSURANCE_SCHEMES(X, arg)"):]
    body = body[:body.index("#define INSURANCE_SCHEME_COUNT")]
    schemes = re.findall(r"X\((\w+), arg\)", body)
    src = open(os.path.join(root, "event_types.def"), encoding="utf-8").read()
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    types = {}
    entry = r'EVENT\((\w+),\s*"([\w.]+)",\s*\w+,\s*(\w+),\s*\w+,\s*\w+,(.*?)\)\s*(?=EVENT|$)'
    for m in re.finditer(entry, src, re.S):
        fields = []
        for name, kind in re.findall(r"F\((\w+), (\w+(?:\([^)]*\))?)\)", m.group(4)):
            allowed = None
            e = re.match(r"ENUM\((.*)\)$", kind, re.S)
            if e:
                arg = e.group(1)
                allowed = schemes if arg == "INSURANCE_SCHEMES_ALLOWED" else \
                    re.sub(r'"\s*"', "", arg.strip()).strip('"').split("|")
            fields.append((name, allowed))
        types[m.group(2)] = (m.group(1), m.group(3) == "DERIVED", fields)
    return types, schemes


CATALOG, SCHEMES = _catalog()


def data_message(type_):
    """The protobuf message of an event type, as common/event_types.def names it."""
    return "".join(p.capitalize() for p in CATALOG[type_][0].split("_"))


def wire_event(ev, seq=None):
    msg = data_message(ev["type"])
    data = encode(msg, ev["data"])
    e = {"id": ev["id"], "type": ev["type"], "region": ev["region"],
         "occurred_at_us": 1740790800000000, "scope": "433123000000",
         "content_hash": b"\x5a" * 32, "data": data}
    if seq is not None:
        e.update(seq=seq, source=ev["type"].split(".")[0], recorded_at_us=1740790801000000)
    return e


# ---- writing ---------------------------------------------------------------------

def write(target, name, content):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(content)


def write_dict():
    """fuzz_event_decode.dict: the words of the contract (event types, field
    names, enumerated values), so that mutations reach past the first lookup."""
    words = set()
    for type_, (_, derived, fields) in CATALOG.items():
        words.add(type_)   # derived types too: the decoder's refusal of them is a path
        for name, allowed in fields:
            words.add(name)
            words.update(allowed or [])
    words.update(["id", "type", "region", "occurred_at", "data", "events"])
    lines = ['"\\"%s\\""' % w for w in sorted(words)]
    lines += ['"%s"' % v for v in ("433123101001", "2025-03-01", "2025-03",
                                   "T09:00:00+08:00", "null", "true", "false")]
    with open(os.path.join(HERE, "fuzz_event_decode.dict"), "w", encoding="utf-8") as f:
        f.write("# written by make_corpus.py: words of the contract for fuzz_event_decode\n")
        f.write("\n".join(lines) + "\n")


def main():
    # regress-* files are inputs that once found a bug: kept, never generated.
    # Only the seeds of the targets below are generated; fuzz_jsonr's are
    # written by hand (tests/fuzz/corpus/fuzz_jsonr) and left alone.
    for target in ("fuzz_event_decode", "fuzz_validators", "fuzz_wire"):
        d = os.path.join(OUT, target)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            if not name.startswith("regress-"):
                os.remove(os.path.join(d, name))

    # fuzz_event_decode: whole bodies, single events, near misses
    write("fuzz_event_decode", "body-all-types.json",
          json.dumps({"events": EVENTS}, ensure_ascii=False))
    for ev in EVENTS[:8]:
        write("fuzz_event_decode", "event-%s.json" % ev["type"], json.dumps(ev, ensure_ascii=False))
    write("fuzz_event_decode", "body-near-misses.json",
          json.dumps({"events": NEAR_MISSES}, ensure_ascii=False))
    write("fuzz_event_decode", "data-only.json",
          json.dumps(DATA["arrears.clue_received"], ensure_ascii=False))

    # fuzz_validators: one value per file
    for i, s in enumerate([ID1, ID2.lower(), CC1, CC1.lower(), "2024-02-29", "2025-12",
                           "2022-11-30T17:00:00Z", "2025-03-01T09:00:00.123456789+08:00",
                           "433123", "433123101001", "43", "张三 Zhang-San", "event-id_1.2:3"]):
        write("fuzz_validators", "value-%02d" % i, s)

    # fuzz_wire: the frames of each exchange
    reqs = {
        "request-ping": {"corr_id": 1, "ping": {}},
        "request-events": {"corr_id": 2, "events": {"events": [wire_event(e) for e in EVENTS[:4]]}},
        "request-feed": {"corr_id": 3, "feed": {"after": 1200, "limit": 250}},
        "request-person": {"corr_id": 4, "person": {"id_number": ID1}},
        "request-indicators": {"corr_id": 5, "indicators": {"region": "433123000000",
                                                             "period": "2025-03",
                                                             "codes": ["emp.urban_new_jobs"],
                                                             "series": True}},
        "request-targets": {"corr_id": 6, "targets": {"year": 2025, "region": "433123000000",
                                                       "targets": [{"code": "emp.urban_new_jobs",
                                                                    "value": 2800}]}},
    }
    for name, v in reqs.items():
        write("fuzz_wire", name, encode("Request", v))
    replies = {
        "reply-pong": {"corr_id": 1, "pong": {"service": "employment", "ready": True,
                                               "outbox_head": 77}},
        "reply-results": {"corr_id": 2, "results": {"results": [
            {"id": "a-1", "status": 0}, {"id": "a-2", "status": 2, "code": "unknown_person",
                                         "field": "data.id_number", "message": "m"}]}},
        "reply-feed": {"corr_id": 3, "feed": {"head": 9, "events": [
            wire_event(e, seq=i + 1) for i, e in enumerate(EVENTS[6:10])]}},
        "reply-person": {"corr_id": 4, "person": {
            "service": "insurance", "known": True,
            "enrollments": [{"scheme": "resident_pension", "region": VILLAGE,
                             "enrolled_on": "2025-03-03", "status": "active"}],
            "recoveries_open_fen": 0}},
        "reply-indicators": {"corr_id": 5, "indicators": {
            "region": "433123000000", "period": "2025-03",
            "values": [{"code": "emp.labor_force", "value": 526000, "target": 530000}]}},
        "reply-failure": {"corr_id": 6, "failure": {"code": "unavailable", "message": "db down",
                                                    "retryable": True}},
    }
    for name, v in replies.items():
        write("fuzz_wire", name, encode("Reply", v))
    write("fuzz_wire", "nudge", encode("Nudge", {"service": "insurance", "head": 42}))
    for ev in EVENTS[10:13]:
        write("fuzz_wire", "data-%s" % ev["type"], encode(data_message(ev["type"]), ev["data"]))

    write_dict()
    total = sum(len(files) for _, _, files in os.walk(OUT))
    print("wrote %d seed files under %s" % (total, os.path.relpath(OUT, REPO)))


if __name__ == "__main__":
    main()
