"""POST /v1/events over real HTTP: acceptance, idempotency, every rejection
code, envelope errors, and what a rejected event leaves behind (nothing)."""

import json
import random
import socket
import unittest

import hrss_client as h

VILLAGE = "433123101%03d" % random.randrange(1, 999)
AT = "2023-03-10T09:00:00+08:00"


def person(n=None):
    return h.id_number(n if n is not None else random.randrange(0, 14_000_000))


def registered(idn, region=VILLAGE, categories=None):
    return h.event("employment.person_registered", region, AT,
                   {"id_number": idn, "name": "李四", "household": "rural",
                    "categories": categories or []})


class EventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.admin = h.admin_token()
        cls.county = h.make_token("county", "433123")
        cls.township = h.make_token("township", "433123101")

    def test_each_slice_type_is_accepted(self):
        idn = person()
        events = [
            registered(idn),
            h.event("employment.unemployment_registered", VILLAGE, AT,
                    {"id_number": idn, "registered_on": "2023-03-10"}),
            h.event("employment.employed", VILLAGE, AT,
                    {"id_number": idn, "kind": "urban_new", "location": "in_county",
                     "employer_credit_code": h.credit_code(7), "employer_name": "凤凰建工",
                     "started_on": "2023-03-11"}),
            h.event("insurance.enrolled", VILLAGE, AT,
                    {"id_number": idn, "scheme": "resident_pension", "enrolled_on": "2023-03-01"}),
            h.event("insurance.benefit_started", VILLAGE, AT,
                    {"id_number": idn, "scheme": "resident_pension",
                     "monthly_amount_fen": 15300, "first_period": "2023-04"}),
            h.event("insurance.death_reported", VILLAGE, "2023-05-02T09:00:00+08:00",
                    {"id_number": idn, "died_on": "2023-05-01"}),
        ]
        results = h.post_events(self.county, events)
        self.assertEqual([r["status"] for r in results], ["accepted"] * len(events), results)
        self.assertEqual([r["id"] for r in results], [e["id"] for e in events])

    def test_lower_case_x_is_stored_upper_case(self):
        idn = None
        while not idn or not idn.endswith("X"):
            idn = person()
        ev = registered(idn.lower())
        self.assertEqual(h.post_events(self.county, [ev])[0]["status"], "accepted")
        view = h.request("GET", "/v1/persons/" + idn, self.county).json()
        self.assertEqual(view["employment"]["labor"]["id_number"], idn)

    def test_duplicate_and_id_conflict(self):
        ev = registered(person())
        self.assertEqual(h.post_events(self.county, [ev])[0]["status"], "accepted")
        # the same event again, alone and twice within one batch
        again = h.post_events(self.county, [ev, ev])
        self.assertEqual([r["status"] for r in again], ["duplicate", "duplicate"])
        changed = dict(ev, data=dict(ev["data"], name="王五"))
        r = h.post_events(self.county, [changed])[0]
        self.assertEqual((r["status"], r["error"]["code"]), ("rejected", "id_conflict"))
        # the conflicting content changed nothing
        view = h.request("GET", "/v1/persons/" + ev["data"]["id_number"], self.county).json()
        self.assertEqual(view["employment"]["labor"]["name"], "李四")

    def test_same_id_first_in_batch_then_duplicate(self):
        ev = registered(person())
        results = h.post_events(self.county, [ev, ev])
        self.assertEqual([r["status"] for r in results], ["accepted", "duplicate"])

    def test_same_id_rejected_then_accepted_in_one_batch(self):
        # a rejected event leaves its id free: the resend later in the batch
        # is applied, and a third copy is its duplicate
        idn = person()
        unemployed = h.event("employment.unemployment_registered", VILLAGE, AT,
                             {"id_number": idn, "registered_on": "2023-03-10"})
        results = h.post_events(self.county, [unemployed, registered(idn), unemployed, unemployed])
        self.assertEqual([r["status"] for r in results],
                         ["rejected", "accepted", "accepted", "duplicate"])

    def test_ids_are_scoped_by_token_region(self):
        # the same id under tokens of two regions names two different events
        other = h.make_token("county", "433124")
        idn = person()
        ev1 = registered(idn)
        ev2 = dict(registered(idn, region="433124102000"), id=ev1["id"])
        self.assertEqual(h.post_events(self.county, [ev1])[0]["status"], "accepted")
        self.assertEqual(h.post_events(other, [ev2])[0]["status"], "accepted")
        # a second token of the same region continues the same id space
        rotated = h.make_token("county", "433123")
        self.assertEqual(h.post_events(rotated, [ev1])[0]["status"], "duplicate")

    def assertRejected(self, ev, code, field=None, token=None):
        r = h.post_events(token or self.county, [ev])[0]
        self.assertEqual(r["status"], "rejected", r)
        self.assertEqual(r["error"]["code"], code, r)
        if field:
            self.assertEqual(r["error"]["field"], field, r)
        self.assertTrue(r["error"]["message"])
        return r

    def test_rejection_codes(self):
        good = person()
        h.post_events(self.county, [registered(good)])
        bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
        self.assertRejected(registered(bad_check), "invalid_id_number", "data.id_number")
        swapped = good[:6] + good[7] + good[6] + good[8:]
        if swapped != good:
            self.assertRejected(registered(swapped), "invalid_id_number")
        self.assertRejected(registered(person(), region="433123999000"), "unknown_region", "region")
        self.assertRejected(registered(person(), region="43312310100"), "invalid_region", "region")
        self.assertRejected(registered(person(), region="433124102000"), "out_of_scope", "region")
        self.assertRejected(
            h.event("employment.employed", VILLAGE, AT,
                    {"id_number": person(), "kind": "urban_new", "location": "in_county",
                     "started_on": "2023-03-11"}), "unknown_person", "data.id_number")
        self.assertRejected(
            h.event("employment.employed", VILLAGE, AT,
                    {"id_number": good, "kind": "full_time", "location": "in_county",
                     "started_on": "2023-03-11"}), "invalid_value", "data.kind")
        ev = registered(person())
        ev["data"]["salary"] = 1
        self.assertRejected(ev, "unknown_field", "data.salary")
        ev = registered(person())
        del ev["data"]["household"]
        self.assertRejected(ev, "missing_field", "data.household")
        ev = registered(person())
        ev["occurred_at"] = "2023-03-10 09:00:00"
        self.assertRejected(ev, "invalid_timestamp", "occurred_at")
        ev = registered(person())
        ev["type"] = "employment.promoted"
        self.assertRejected(ev, "unknown_type", "type")
        ev = registered(person())
        ev["id"] = "short"
        self.assertRejected(ev, "invalid_id", "id")
        self.assertRejected(
            h.event("insurance.benefit_started", VILLAGE, AT,
                    {"id_number": good, "scheme": "resident_pension",
                     "monthly_amount_fen": 15300.5, "first_period": "2023-04"}),
            "invalid_amount", "data.monthly_amount_fen")
        self.assertRejected(
            h.event("insurance.benefit_started", VILLAGE, AT,
                    {"id_number": good, "scheme": "resident_pension",
                     "monthly_amount_fen": -1, "first_period": "2023-04"}),
            "invalid_amount")
        self.assertRejected(
            h.event("insurance.benefit_started", VILLAGE, AT,
                    {"id_number": good, "scheme": "resident_pension",
                     "monthly_amount_fen": 10**15 + 1, "first_period": "2023-04"}),
            "invalid_amount")
        self.assertRejected(
            h.event("employment.unemployment_registered", VILLAGE, AT,
                    {"id_number": good, "registered_on": "1999-02-30"}),
            "invalid_date", "data.registered_on")

    def test_empty_text_is_rejected(self):
        ev = registered(person())
        ev["data"]["name"] = ""
        self.assertRejected(ev, "invalid_text", "data.name")

    def test_birth_date_must_be_real(self):
        # 1999-02-30 with a correct check digit is still not an id number
        body = "433123199902300" + "01"
        total = sum(int(c) * w for c, w in zip(body, h._ID_WEIGHTS))
        self.assertRejected(registered(body + "10X98765432"[total % 11]), "invalid_id_number")

    def test_person_deceased(self):
        idn = person()
        h.post_events(self.county, [registered(idn)])
        h.post_events(self.county, [h.event("insurance.death_reported", VILLAGE, AT,
                                            {"id_number": idn, "died_on": "2023-03-01"})])
        self.assertRejected(
            h.event("insurance.enrolled", VILLAGE, AT,
                    {"id_number": idn, "scheme": "resident_pension", "enrolled_on": "2023-03-05"}),
            "person_deceased")

    def test_accepted_event_sent_again_after_a_change_is_a_duplicate(self):
        # Once accepted, an event's answer is `duplicate` for good, even when
        # it would be refused now: the death makes the enrollment impossible,
        # yet its resend must not read as a refusal of something recorded.
        idn = person()
        enrolled = h.event("insurance.enrolled", VILLAGE, AT,
                           {"id_number": idn, "scheme": "resident_pension",
                            "enrolled_on": "2023-03-05"})
        death = h.event("insurance.death_reported", VILLAGE, AT,
                        {"id_number": idn, "died_on": "2023-03-08"})
        self.assertEqual([r["status"] for r in h.post_events(
            self.county, [registered(idn), enrolled, death])], ["accepted"] * 3)
        again = h.post_events(self.county, [enrolled])[0]
        self.assertEqual(again["status"], "duplicate", again)
        # and alone among new events of the same batch
        other = person()
        results = h.post_events(self.county, [registered(other), enrolled])
        self.assertEqual([r["status"] for r in results], ["accepted", "duplicate"], results)

    def test_rejected_event_changes_nothing(self):
        idn = person()
        ev = h.event("employment.unemployment_registered", VILLAGE, AT,
                     {"id_number": idn, "registered_on": "2023-03-10"})
        self.assertRejected(ev, "unknown_person")
        # after the missing record arrives, the same event is accepted (not a duplicate)
        h.post_events(self.county, [registered(idn)])
        self.assertEqual(h.post_events(self.county, [ev])[0]["status"], "accepted")

    def test_refusal_in_one_pipeline_is_applied_again_in_steps(self):
        """A batch first goes to the database in one pipeline, its inbox and
        outbox rows sent before any verdict is read; a refused event voids
        that attempt and the batch is applied again with its verdicts first.
        What stays is the second attempt alone: the accepted events once, the
        refused one nowhere, and no gap in the feed's sequence."""
        redone = 'hrss_service_redone_batches_total{service="employment"}'
        # after a refusal the next 16 batches go in steps, after a resend the
        # next 64 ask the inbox first (earlier tests do both): let them pass
        for _ in range(65):
            self.assertEqual(h.post_events(self.county, [registered(person())])[0]["status"],
                             "accepted")
        before = h.metric(redone)
        first, second = registered(person()), registered(person())
        refused = h.event("employment.employed", VILLAGE, AT,
                          {"id_number": person(), "kind": "urban_new",
                           "location": "in_county", "started_on": "2023-03-11"})
        results = h.post_events(self.county, [first, refused, second])
        self.assertEqual([r["status"] for r in results], ["accepted", "rejected", "accepted"],
                         results)
        self.assertEqual(results[1]["error"]["code"], "unknown_person")
        self.assertEqual(h.metric(redone), before + 1)
        ids = ", ".join("'%s'" % e["id"] for e in (first, refused, second))
        rows = h.psql("SELECT event_id, seq FROM employment.outbox WHERE event_id IN (%s)"
                      " ORDER BY seq" % ids)
        self.assertEqual([r[0] for r in rows], [first["id"], second["id"]])
        self.assertEqual(int(rows[1][1]), int(rows[0][1]) + 1)
        inbox = h.psql("SELECT event_id FROM employment.inbox WHERE event_id IN (%s)"
                       " ORDER BY event_id" % ids)
        self.assertEqual(sorted(r[0] for r in inbox), sorted([first["id"], second["id"]]))

    def test_batch_mixing_owners_keeps_order(self):
        idn = person()
        events = [registered(idn),
                  h.event("insurance.enrolled", VILLAGE, AT,
                          {"id_number": idn, "scheme": "unemployment", "enrolled_on": "2023-03-01"}),
                  registered("not-an-id"),
                  h.event("employment.unemployment_registered", VILLAGE, AT,
                          {"id_number": idn, "registered_on": "2023-03-10"})]
        results = h.post_events(self.county, events)
        self.assertEqual([r["status"] for r in results],
                         ["accepted", "accepted", "rejected", "accepted"])

    def test_one_batch_touching_a_person_several_times(self):
        """Events of one type about distinct persons go to the database as one
        statement (a run); a person met again starts a new run, so each event
        still sees the ones before it."""
        a, b, c = person(), person(), person()
        job = {"kind": "urban_new", "location": "in_county",
               "employer_credit_code": h.credit_code(7), "employer_name": "凤凰建工",
               "started_on": "2023-03-11"}
        renamed = registered(a)
        renamed["data"]["name"] = "李五"
        careful = 'hrss_service_careful_batches_total{service="employment"}'
        careful_before = h.metric(careful)
        events = [registered(a), registered(b), renamed,
                  h.event("employment.employed", VILLAGE, AT, dict(job, id_number=b)),
                  h.event("employment.employed", VILLAGE, AT, dict(job, id_number=c)),
                  registered(c),
                  h.event("employment.employed", VILLAGE, AT, dict(job, id_number=c)),
                  h.event("employment.unemployment_registered", VILLAGE, AT,
                          {"id_number": a, "registered_on": "2023-03-12"})]
        results = h.post_events(self.county, events)
        self.assertEqual([r["status"] for r in results],
                         ["accepted", "accepted", "accepted", "accepted", "rejected",
                          "accepted", "accepted", "accepted"], results)
        self.assertEqual(results[4]["error"]["code"], "unknown_person")
        # applied in runs, not by the slow path that takes events one by one
        self.assertEqual(h.metric(careful), careful_before)
        labor = {idn: h.request("GET", "/v1/persons/" + idn, self.county).json()
                 ["employment"]["labor"] for idn in (a, b, c)}
        self.assertEqual((labor[a]["name"], labor[a]["status"]), ("李五", "unemployed"))
        self.assertEqual(labor[b]["status"], "employed")
        self.assertEqual(labor[c]["status"], "employed")

    def test_township_token_scope(self):
        inside = registered(person(), region="433123101005")
        outside = registered(person(), region="433123104001")
        results = h.post_events(self.township, [inside, outside])
        self.assertEqual(results[0]["status"], "accepted")
        self.assertEqual((results[1]["status"], results[1]["error"]["code"]),
                         ("rejected", "out_of_scope"))

    def test_envelope_errors(self):
        def post(raw, token=self.county):
            return h.request("POST", "/v1/events", token, raw=raw)

        for raw in (b"", b"{", b"[]", b'{"events": []}', b'{"events": {}}',
                    b'{"events": [1], "extra": 1}'):
            r = post(raw)
            self.assertEqual(r.status, 400, raw)
            self.assertEqual(r.headers["Content-Type"], "application/problem+json")
            p = r.json()
            for key in ("type", "title", "status", "detail"):
                self.assertIn(key, p)
        too_many = {"events": [registered(person()) for _ in range(1001)]}
        self.assertEqual(h.request("POST", "/v1/events", self.county, too_many).status, 400)
        deep = b'{"events": [' + b"[" * 40 + b"]" * 40 + b"]}"
        self.assertEqual(post(deep).status, 400)
        self.assertEqual(post(b'{"events": [], "events": []}').status, 400)

    def test_malformed_json_is_refused_whole(self):
        """A body that is not strict JSON is a 400 naming what and where, and
        none of its events is stored: the same event sent well-formed after
        each is accepted, not a duplicate."""
        ev = registered(person())
        good = json.dumps({"events": [ev]}, ensure_ascii=False).encode()
        name = "李四".encode()
        broken = {
            "trailing comma": good[:-2] + b",]}",
            "invalid UTF-8": good.replace(name, b"\xe6\x9d"),
            "encoded surrogate": good.replace(name, b"\xed\xa0\x80"),
            "NUL escape": good.replace(name, b"\\u0000"),
            "lone surrogate": good.replace(name, b"\\udc00"),
            "control character": good.replace(name, b"\x01"),
            "duplicate key": good.replace(b'"household"', b'"name": "x", "household"'),
            "integer too big": good[:-1] + b', "x": 9223372036854775808}',
            "garbage after": good + b"x",
        }
        for what, raw in broken.items():
            r = h.request("POST", "/v1/events", self.county, raw=raw)
            self.assertEqual(r.status, 400, what)
            p = r.json()
            self.assertTrue(p["type"].endswith("invalid_json"), (what, p))
            self.assertRegex(p["detail"], r" at line 1 column \d+$", what)
        self.assertEqual(h.post_events(self.county, [ev])[0]["status"], "accepted")

    def test_body_over_4_mib_is_413_before_it_is_sent(self):
        # announce 5 MB and send none of it: the answer must come anyway
        with socket.create_connection((h.ENV["HRSS_HTTP_ADDR"], int(h.ENV["HRSS_HTTP_PORT"])),
                                      timeout=10) as s:
            s.sendall(("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                       "Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n"
                       % self.county).encode())
            self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 413"))

    def test_chunked_body_over_4_mib_is_413(self):
        with socket.create_connection((h.ENV["HRSS_HTTP_ADDR"], int(h.ENV["HRSS_HTTP_PORT"])),
                                      timeout=10) as s:
            s.sendall(("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n" % self.county).encode())
            chunk = b"x" * 65536
            reply = b""
            for _ in range(80):     # 5 MiB in 64 KiB chunks
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            s.sendall(b"0\r\n\r\n")
            try:
                reply = s.recv(4096)
            except ConnectionResetError:
                pass
            self.assertTrue(reply.startswith(b"HTTP/1.1 413"), reply[:100])

    def test_auth(self):
        ev = registered(person())
        self.assertEqual(h.request("POST", "/v1/events", None, {"events": [ev]}).status, 401)
        self.assertEqual(h.request("POST", "/v1/events", "hrss_" + "A" * 43,
                                   {"events": [ev]}).status, 401)
        checker = h.make_token("checker", "433123")
        self.assertEqual(h.request("POST", "/v1/events", checker, {"events": [ev]}).status, 403)
        # a revoked token stops working as soon as PostgreSQL's notification
        # of the change reaches the gateway: milliseconds, not the cache's minutes
        name = "revoke-" + h.new_id()
        token = h.make_token("county", "433123", name)
        self.assertEqual(h.request("POST", "/v1/events", token, {"events": [ev]}).status, 200)
        h.hrssctl("token", "revoke", "--name", name)
        h.wait_until(lambda: h.request("POST", "/v1/events", token,
                                       {"events": [ev]}).status == 401,
                     timeout=2, interval=0.01, what="the revocation to take effect")

    def test_province_pushes_suspicious_records_only(self):
        province = h.make_token("province", "43")
        r = h.post_events(province, [registered(person())])[0]
        self.assertEqual((r["status"], r["error"]["code"]), ("rejected", "forbidden_type"))


if __name__ == "__main__":
    unittest.main()
