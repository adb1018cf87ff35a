"""Wage arrears and labor relations (根治欠薪 · 劳动关系) through the real
gateway: every arrears type accepted, every rejection with its code and
field (and nothing left behind), idempotency, the legal time limits in CST
dates, the deadlines read (days left, order, `within`, scope), the blacklist
read and the arrears part of the person view."""

import datetime
import random
import time
import unittest
import uuid

import hrss_client as h

COUNTY = "433123"
MINE = "433123101"          # 廖家桥镇
OTHER = "433123104"         # 茶田镇
AT = "2024-03-01T09:00:00+08:00"


def village(township=MINE):
    """A village of its own for one test, so that reads under it see only
    what the test wrote (villages under a known township are accepted)."""
    return township + "%03d" % random.randrange(100, 1000)


def ids(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def project(pid, region, **over):
    data = {"project_id": pid, "name": "安置房二期", "contractor_credit_code": h.credit_code(11),
            "contractor_name": "凤凰建工", "workers": 120, "real_name": True,
            "wage_account": True, "paid_via_account": False, "wage_deposit_fen": 50_000_000}
    data.update(over)
    return h.event("arrears.project_registered", region, AT, data)


def clue(cid, region, at=AT, **over):
    data = {"clue_id": cid, "source": "national_platform", "employer_name": "某劳务公司",
            "workers": 12, "amount_fen": 3_600_000}
    data.update(over)
    return h.event("arrears.clue_received", region, at, data)


def clue_closed(cid, region, outcome="resolved", at=AT, **over):
    data = {"clue_id": cid, "outcome": outcome}
    data.update(over)
    return h.event("arrears.clue_closed", region, at, data)


def case(case_id, region, at=AT, **over):
    data = {"case_id": case_id, "mode": "coordination", "employer_name": "某劳务公司",
            "workers": 12, "amount_owed_fen": 3_600_000}
    data.update(over)
    return h.event("arrears.case_opened", region, at, data)


def action(case_id, region, act, at=AT, **over):
    data = {"case_id": case_id, "action": act}
    data.update(over)
    return h.event("arrears.case_action", region, at, data)


def arbitration(aid, region, at=AT):
    return h.event("arrears.arbitration_filed", region, at,
                   {"arbitration_id": aid, "claimants": 3, "amount_fen": 1_200_000})


def arbitration_closed(aid, region, at, **over):
    data = {"arbitration_id": aid, "outcome": "mediated"}
    data.update(over)
    return h.event("arrears.arbitration_closed", region, at, data)


def injury(app_id, region, idn, at=AT):
    return h.event("arrears.injury_applied", region, at,
                   {"application_id": app_id, "id_number": idn, "employer_name": "凤凰建工"})


def injury_decided(app_id, region, at, decision="recognized"):
    return h.event("arrears.injury_decided", region, at,
                   {"application_id": app_id, "decision": decision})


class ArrearsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.admin = h.admin_token()
        cls.county = h.make_token("county", COUNTY)
        cls.mine = h.make_token("township", MINE)
        cls.other = h.make_token("township", OTHER)

    def post(self, token, events):
        return h.post_events(token, events)

    def accept(self, token, events):
        results = self.post(token, events)
        self.assertEqual([r["status"] for r in results], ["accepted"] * len(events), results)

    def assertRejected(self, token, ev, code, field):
        r = self.post(token, [ev])[0]
        self.assertEqual(r["status"], "rejected", r)
        self.assertEqual((r["error"]["code"], r["error"]["field"]), (code, field), r)
        self.assertTrue(r["error"]["message"])
        return r

    def deadlines(self, token, region, as_of=None, within=None, status=200):
        q = "/v1/arrears/deadlines?region=%s" % region
        if as_of:
            q += "&as_of=" + as_of
        if within is not None:
            q += "&within=%s" % within
        r = h.request("GET", q, token)
        self.assertEqual(r.status, status, r.body[:300])
        return r.json()

    def blacklist(self, token, region=COUNTY):
        r = h.request("GET", "/v1/arrears/blacklist?region=%s" % region, token)
        self.assertEqual(r.status, 200, r.body[:300])
        return {e["credit_code"]: e for e in r.json()["employers"]}

    # ---- acceptance ------------------------------------------------------------

    def test_every_type_is_accepted(self):
        v = village()
        pid, cid, case_id, aid, app = (ids("p"), ids("c"), ids("k"), ids("a"), ids("i"))
        code = h.credit_code(random.randrange(10 ** 8))
        idn = h.id_number(random.randrange(0, 13_000_000))
        events = [
            project(pid, v),
            clue(cid, v, project_id=pid, employer_credit_code=code, due_on="2024-03-20"),
            case(case_id, v, mode="filed", project_id=pid, clue_id=cid, employer_credit_code=code),
            clue_closed(cid, v, "case_opened", case_id=case_id),
            action(case_id, v, "rectification_order"),
            action(case_id, v, "transferred_to_police"),
            action(case_id, v, "wages_recovered", amount_fen=3_000_000, workers=10),
            h.event("arrears.case_closed", v, AT, {"case_id": case_id}),
            h.event("arrears.employer_blacklisted", v, AT,
                    {"credit_code": code, "name": "某劳务公司", "reason": "拒不支付劳动报酬"}),
            h.event("arrears.employer_delisted", v, "2024-04-01T09:00:00+08:00",
                    {"credit_code": code}),
            arbitration(aid, v),
            arbitration_closed(aid, v, "2024-03-20T09:00:00+08:00", amount_fen=1_000_000),
            injury(app, v, idn),
            injury_decided(app, v, "2024-04-01T09:00:00+08:00"),
        ]
        self.accept(self.mine, events)
        self.assertEqual(sorted({e["type"] for e in events}),
                         sorted("arrears." + t for t in (
                             "project_registered", "clue_received", "clue_closed", "case_opened",
                             "case_action", "case_closed", "employer_blacklisted",
                             "employer_delisted", "arbitration_filed", "arbitration_closed",
                             "injury_applied", "injury_decided")))
        row = h.psql("SELECT mode, rectification_orders, to_police, recovered_fen,"
                     " workers_helped, closed_on FROM arrears.cases WHERE case_id = '%s'"
                     % case_id)
        self.assertEqual(row, [["filed", "1", "t", "3000000", "10", "2024-03-01"]])
        self.assertEqual(h.psql("SELECT outcome, case_id FROM arrears.clues WHERE clue_id = '%s'"
                                % cid), [["case_opened", case_id]])
        # every accepted event is in the feed, once
        seen = set()
        cursor = ""
        while True:
            r = h.request("GET", "/v1/feed?after=%s&limit=10000" % cursor, self.admin)
            self.assertEqual(r.status, 200)
            page = r.json()
            seen.update(e["id"] for e in page["events"] if e["source"] == "arrears")
            cursor = page["next"]
            if not page["more"]:
                break
        self.assertLessEqual({e["id"] for e in events}, seen)

    def test_project_registered_again_updates_it(self):
        v = village()
        pid = ids("p")
        self.accept(self.mine, [project(pid, v)])
        self.accept(self.mine, [project(pid, v, workers=80, paid_via_account=True,
                                        wage_deposit_fen=10)])
        self.assertEqual(h.psql("SELECT workers, paid_via_account, wage_deposit_fen"
                                " FROM arrears.projects WHERE project_id = '%s'" % pid),
                         [["80", "t", "10"]])
        # a project of another township is not the pusher's to change
        self.assertRejected(self.other, project(pid, village(OTHER), workers=1),
                            "out_of_scope", "data.project_id")
        self.assertEqual(h.psql("SELECT workers FROM arrears.projects WHERE project_id = '%s'"
                                % pid), [["80"]])

    def test_idempotency(self):
        v = village()
        ev = clue(ids("c"), v)
        self.assertEqual(self.post(self.mine, [ev])[0]["status"], "accepted")
        self.assertEqual(self.post(self.mine, [ev])[0]["status"], "duplicate")
        changed = dict(ev, data=dict(ev["data"], workers=13))
        r = self.post(self.mine, [changed])[0]
        self.assertEqual((r["status"], r["error"]["code"]), ("rejected", "id_conflict"))
        # the same clue under another event id: received once
        again = clue(ev["data"]["clue_id"], v)
        self.assertRejected(self.mine, again, "clue_exists", "data.clue_id")
        self.assertEqual(h.psql("SELECT count(*), max(workers) FROM arrears.clues"
                                " WHERE clue_id = '%s'" % ev["data"]["clue_id"]), [["1", "12"]])

    # ---- rejections ----------------------------------------------------------------

    def test_unknown_references(self):
        v = village()
        self.assertRejected(self.mine, clue(ids("c"), v, project_id=ids("p")),
                            "unknown_project", "data.project_id")
        self.assertRejected(self.mine, case(ids("k"), v, project_id=ids("p")),
                            "unknown_project", "data.project_id")
        self.assertRejected(self.mine, case(ids("k"), v, clue_id=ids("c")),
                            "unknown_clue", "data.clue_id")
        self.assertRejected(self.mine, clue_closed(ids("c"), v), "unknown_clue", "data.clue_id")
        self.assertRejected(self.mine, action(ids("k"), v, "rectification_order"),
                            "unknown_case", "data.case_id")
        self.assertRejected(self.mine, h.event("arrears.case_closed", v, AT,
                                               {"case_id": ids("k")}),
                            "unknown_case", "data.case_id")
        cid = ids("c")
        self.accept(self.mine, [clue(cid, v)])
        self.assertRejected(self.mine, clue_closed(cid, v, "case_opened", case_id=ids("k")),
                            "unknown_case", "data.case_id")
        self.assertRejected(self.mine, arbitration_closed(ids("a"), v, AT),
                            "unknown_arbitration", "data.arbitration_id")
        self.assertRejected(self.mine, injury_decided(ids("i"), v, AT),
                            "unknown_application", "data.application_id")
        self.assertRejected(self.mine, h.event("arrears.employer_delisted", v, AT,
                                               {"credit_code": h.credit_code(987654)}),
                            "not_blacklisted", "data.credit_code")
        # nothing of the rejected events remains: the clue is still open
        self.assertEqual(h.psql("SELECT closed_on IS NULL FROM arrears.clues WHERE clue_id = '%s'"
                                % cid), [["t"]])

    def test_clue_closes_once(self):
        v = village()
        cid = ids("c")
        self.accept(self.mine, [clue(cid, v)])
        self.assertRejected(self.mine, clue_closed(cid, v, "case_opened"),
                            "missing_field", "data.case_id")
        self.assertRejected(self.mine, clue_closed(cid, v, "resolved", case_id=ids("k")),
                            "invalid_value", "data.case_id")
        self.accept(self.mine, [clue_closed(cid, v, "unfounded")])
        # the same close again (another id) changes nothing; another close is refused
        self.accept(self.mine, [clue_closed(cid, v, "unfounded", at="2024-03-02T09:00:00+08:00")])
        self.assertRejected(self.mine, clue_closed(cid, v, "resolved"), "clue_closed",
                            "data.clue_id")
        self.assertEqual(h.psql("SELECT outcome, closed_on FROM arrears.clues"
                                " WHERE clue_id = '%s'" % cid), [["unfounded", "2024-03-01"]])

    def test_clue_dates(self):
        v = village()
        self.assertRejected(self.mine, clue(ids("c"), v, due_on="2024-02-29"),
                            "invalid_date", "data.due_on")
        self.assertRejected(self.mine, clue(ids("c"), v, due_on="2024-02-30"),
                            "invalid_date", "data.due_on")
        cid = ids("c")
        self.accept(self.mine, [clue(cid, v)])
        self.assertRejected(self.mine, clue_closed(cid, v, at="2024-02-28T09:00:00+08:00"),
                            "invalid_date", "occurred_at")

    def test_case_rules(self):
        v = village()
        case_id = ids("k")
        self.accept(self.mine, [case(case_id, v)])
        self.assertRejected(self.mine, case(case_id, v), "case_exists", "data.case_id")
        self.assertRejected(self.mine, action(case_id, v, "wages_recovered", workers=3),
                            "missing_field", "data.amount_fen")
        self.assertRejected(self.mine, action(case_id, v, "wages_recovered", amount_fen=100),
                            "missing_field", "data.workers")
        self.assertRejected(self.mine, action(case_id, v, "wages_recovered", amount_fen=1.5,
                                              workers=3),
                            "invalid_amount", "data.amount_fen")
        self.assertRejected(self.other, action(case_id, village(OTHER), "rectification_order"),
                            "out_of_scope", "data.case_id")
        self.accept(self.mine, [action(case_id, v, "wages_recovered", amount_fen=100, workers=3),
                                h.event("arrears.case_closed", v, AT, {"case_id": case_id})])
        self.assertRejected(self.mine, action(case_id, v, "rectification_order"), "case_closed",
                            "data.case_id")
        self.assertRejected(self.mine, h.event("arrears.case_closed", v, AT,
                                               {"case_id": case_id}),
                            "case_closed", "data.case_id")
        self.assertEqual(h.psql("SELECT recovered_fen, workers_helped FROM arrears.cases"
                                " WHERE case_id = '%s'" % case_id), [["100", "3"]])
        self.assertEqual(h.psql("SELECT count(*) FROM arrears.case_actions WHERE case_id = '%s'"
                                % case_id), [["1"]])

    def test_create_once(self):
        v = village()
        aid, app = ids("a"), ids("i")
        idn = h.id_number(random.randrange(0, 13_000_000))
        self.accept(self.mine, [arbitration(aid, v), injury(app, v, idn)])
        self.assertRejected(self.mine, arbitration(aid, v), "arbitration_exists",
                            "data.arbitration_id")
        self.assertRejected(self.mine, injury(app, v, idn), "application_exists",
                            "data.application_id")
        self.accept(self.mine, [arbitration_closed(aid, v, AT), injury_decided(app, v, AT)])
        self.assertRejected(self.mine, arbitration_closed(aid, v, AT), "arbitration_closed",
                            "data.arbitration_id")
        self.assertRejected(self.mine, injury_decided(app, v, AT), "application_decided",
                            "data.application_id")
        self.assertRejected(self.other, arbitration_closed(ids("a"), village(OTHER), AT),
                            "unknown_arbitration", "data.arbitration_id")

    # ---- legal time limits ------------------------------------------------------------

    def test_arbitration_limit_in_cst_days(self):
        v = village()
        # filed 2024-01-01 in CST (still 2023-12-31 in UTC)
        filed = "2023-12-31T16:30:00Z"
        cases = [
            ("2024-02-15T15:59:00Z", False, "t"),   # 2024-02-15 23:59 CST: day 45
            ("2024-02-15T16:00:00Z", False, "f"),   # 2024-02-16 00:00 CST: day 46
            ("2024-03-01T09:00:00+08:00", True, "t"),   # day 60, extended
            ("2024-03-02T09:00:00+08:00", True, "f"),   # day 61, extended
        ]
        for closed, extended, want in cases:
            aid = ids("a")
            self.accept(self.mine, [arbitration(aid, v, filed)])
            over = {"extended": True} if extended else {}
            self.accept(self.mine, [arbitration_closed(aid, v, closed, **over)])
            self.assertEqual(h.psql("SELECT filed_on, within_limit FROM arrears.arbitrations"
                                    " WHERE arbitration_id = '%s'" % aid),
                             [["2024-01-01", want]], (closed, extended))
        aid = ids("a")
        self.accept(self.mine, [arbitration(aid, v, filed)])
        self.assertRejected(self.mine, arbitration_closed(aid, v, "2023-12-31T09:00:00+08:00"),
                            "invalid_date", "occurred_at")

    def test_injury_limit(self):
        v = village()
        idn = h.id_number(random.randrange(0, 13_000_000))
        for decided, want in (("2024-03-01T09:00:00+08:00", "t"),
                              ("2024-03-02T09:00:00+08:00", "f")):
            app = ids("i")
            self.accept(self.mine, [injury(app, v, idn, "2024-01-01T09:00:00+08:00"),
                                    injury_decided(app, v, decided)])
            self.assertEqual(h.psql("SELECT within_limit FROM arrears.injuries"
                                    " WHERE application_id = '%s'" % app), [[want]])

    # ---- deadlines ------------------------------------------------------------------

    def test_deadlines(self):
        v = village()
        idn = h.id_number(random.randrange(0, 13_000_000))
        c1, c2, c3, aid, app = ids("c1"), ids("c2"), ids("c3"), ids("a"), ids("i")
        self.accept(self.mine, [
            # received 2024-03-01 in CST: due 10 days later
            clue(c1, v, at="2024-02-29T17:00:00Z"),
            clue(c2, v, at="2024-03-02T09:00:00+08:00", due_on="2024-03-05"),
            clue(c3, v),
            clue_closed(c3, v),
            arbitration(aid, v, "2024-02-01T09:00:00+08:00"),    # due 2024-03-17
            injury(app, v, idn, "2024-01-20T09:00:00+08:00"),    # due 2024-03-20
        ])
        got = self.deadlines(self.mine, v, as_of="2024-03-08")
        self.assertEqual((got["region"], got["as_of"]), (v, "2024-03-08"))
        self.assertEqual([(i["kind"], i["id"], i["since"], i["due_on"], i["days_left"])
                          for i in got["items"]],
                         [("clue", c2, "2024-03-02", "2024-03-05", -3),
                          ("clue", c1, "2024-03-01", "2024-03-11", 3),
                          ("arbitration", aid, "2024-02-01", "2024-03-17", 9),
                          ("injury", app, "2024-01-20", "2024-03-20", 12)])
        self.assertEqual(got["items"][0]["region"], v)
        self.assertEqual(got["items"][0]["employer_name"], "某劳务公司")
        got = self.deadlines(self.mine, v, as_of="2024-03-08", within=5)
        self.assertEqual([i["id"] for i in got["items"]], [c2, c1])
        self.assertEqual(got["within"], 5)
        got = self.deadlines(self.mine, v, as_of="2024-03-08", within=0)
        self.assertEqual([i["id"] for i in got["items"]], [c2])
        # the county sees them under itself, with other villages' items
        got = self.deadlines(self.county, COUNTY, as_of="2024-03-08")
        ours = [i["id"] for i in got["items"] if i["region"] == v]
        self.assertEqual(ours, [c2, c1, aid, app])
        lefts = [i["days_left"] for i in got["items"]]
        self.assertEqual(lefts, sorted(lefts))
        # closing takes an item off
        self.accept(self.mine, [arbitration_closed(aid, v, "2024-03-09T09:00:00+08:00"),
                                injury_decided(app, v, "2024-03-09T09:00:00+08:00")])
        got = self.deadlines(self.mine, v, as_of="2024-03-08")
        self.assertEqual([i["id"] for i in got["items"]], [c2, c1])
        # without as_of: today
        self.assertEqual(len(self.deadlines(self.mine, v)["as_of"]), 10)

    def test_deadlines_scope_and_parameters(self):
        r = h.request("GET", "/v1/arrears/deadlines?region=%s" % MINE, self.other)
        self.assertEqual(r.status, 403, r.body)
        r = h.request("GET", "/v1/arrears/deadlines?region=%s" % COUNTY, self.mine)
        self.assertEqual(r.status, 403, r.body)
        r = h.request("GET", "/v1/arrears/blacklist?region=%s" % MINE, self.other)
        self.assertEqual(r.status, 403, r.body)
        self.assertEqual(h.request("GET", "/v1/arrears/deadlines?region=%s" % MINE).status, 401)
        for query, field, code in (("region=%s&as_of=2024-02-30" % MINE, "as_of", "invalid_date"),
                                   ("region=%s&within=-1" % MINE, "within", "invalid_within"),
                                   ("region=%s&within=x" % MINE, "within", "invalid_within"),
                                   ("region=433123999", "region", "unknown_region")):
            r = h.request("GET", "/v1/arrears/deadlines?" + query, self.mine)
            self.assertEqual(r.status, 400, (query, r.body))
            err = r.json()["errors"][0]
            self.assertEqual((err["field"], err["code"]), (field, code))
        # the default region is the token's
        self.assertEqual(h.request("GET", "/v1/arrears/deadlines", self.mine).json()["region"],
                         MINE + "000")

    # ---- blacklist -------------------------------------------------------------------

    def test_blacklist(self):
        v = village()
        code = h.credit_code(random.randrange(10 ** 8))
        listing = h.event("arrears.employer_blacklisted", v, "2024-05-10T09:00:00+08:00",
                          {"credit_code": code, "name": "某劳务公司", "reason": "拒不支付劳动报酬"})
        self.accept(self.mine, [listing])
        want = {"credit_code": code, "name": "某劳务公司", "reason": "拒不支付劳动报酬",
                "region": v, "listed_on": "2024-05-10", "expires_on": "2027-05-10"}
        self.assertEqual(self.blacklist(self.county).get(code), want)
        self.assertEqual(self.blacklist(self.mine, MINE).get(code), want)
        self.assertNotIn(code, self.blacklist(self.other, OTHER))
        delist = h.event("arrears.employer_delisted", v, "2024-06-01T09:00:00+08:00",
                         {"credit_code": code})
        self.assertRejected(self.other, dict(delist, region=village(OTHER)), "out_of_scope",
                            "data.credit_code")
        self.assertRejected(self.mine, dict(delist, id=h.new_id(),
                                            occurred_at="2024-05-01T09:00:00+08:00"),
                            "invalid_date", "occurred_at")
        self.assertIn(code, self.blacklist(self.county))
        self.accept(self.mine, [delist])
        self.assertNotIn(code, self.blacklist(self.county))
        self.assertRejected(self.mine, dict(delist, id=h.new_id()), "not_blacklisted",
                            "data.credit_code")
        # listed again: a new listing, 3 years from its own occurred_at
        self.accept(self.mine, [dict(listing, id=h.new_id(),
                                     occurred_at="2024-02-29T12:00:00+08:00")])
        self.assertEqual(self.blacklist(self.county)[code]["expires_on"], "2027-02-28")

    def test_a_listing_over_three_years_ago_is_not_shown(self):
        code = h.credit_code(random.randrange(10 ** 8))
        self.accept(self.mine, [h.event("arrears.employer_blacklisted", village(),
                                        "2021-01-01T09:00:00+08:00",
                                        {"credit_code": code, "name": "旧公司", "reason": "欠薪"})])
        self.assertNotIn(code, self.blacklist(self.county))

    def test_a_listing_expires_by_itself(self):
        """A listing whose 3 years end a few seconds from now: the expiry
        timer delists it at that instant, into the feed (reason expired)."""
        cst = datetime.timezone(datetime.timedelta(hours=8))
        ends = datetime.datetime.now(cst).replace(microsecond=0) + datetime.timedelta(seconds=4)
        listed = ends.replace(year=ends.year - 3)
        code = h.credit_code(random.randrange(10 ** 8))
        listing = h.event("arrears.employer_blacklisted", village(), listed.isoformat(),
                          {"credit_code": code, "name": "到期公司", "reason": "欠薪"})
        self.accept(self.mine, [listing])
        self.assertIn(code, self.blacklist(self.county))

        def delisted():
            return h.psql("SELECT delist_reason, delisted_at_us = expires_at_us"
                          " FROM arrears.blacklist WHERE credit_code = '%s'"
                          " AND delisted_at_us IS NOT NULL" % code)
        self.assertEqual(delisted(), [])
        self.assertEqual(h.wait_until(delisted, timeout=15, what="the expiry"), [["expired", "t"]])
        self.assertGreaterEqual(time.time(), ends.timestamp())
        self.assertNotIn(code, self.blacklist(self.county))
        # the delisting is in the feed, derived from the listing
        found = []
        cursor = ""
        while True:
            r = h.request("GET", "/v1/feed?after=%s&limit=10000" % cursor, self.admin)
            page = r.json()
            found += [e for e in page["events"]
                      if e["id"] == listing["id"] + "/arrears.employer_delisted"]
            cursor = page["next"]
            if not page["more"]:
                break
        self.assertEqual(len(found), 1, found)
        self.assertEqual(found[0]["type"], "arrears.employer_delisted")
        self.assertEqual(found[0]["data"], {"credit_code": code, "reason": "expired"})
        self.assertEqual(found[0]["cause"], listing["id"])

    # ---- person view ------------------------------------------------------------------

    def test_person_view_lists_injury_applications(self):
        v = village()
        idn = h.id_number(random.randrange(0, 13_000_000), area="433123")
        app1, app2 = ids("i1"), ids("i2")
        self.accept(self.mine, [injury(app1, v, idn, "2024-01-05T09:00:00+08:00"),
                                injury(app2, v, idn, "2024-02-05T09:00:00+08:00"),
                                injury_decided(app1, v, "2024-02-01T09:00:00+08:00")])
        r = h.request("GET", "/v1/persons/" + idn, self.county)
        self.assertEqual(r.status, 200, r.body)
        part = r.json()["arrears"]
        self.assertTrue(part["known"])
        apps = [(a["application_id"], a["state"], a["applied_on"], a["due_on"],
                 a.get("decided_on"), a.get("within_limit"))
                for a in part["injury_applications"]]
        self.assertEqual(apps, [(app1, "recognized", "2024-01-05", "2024-03-05", "2024-02-01",
                                 True),
                                (app2, "pending", "2024-02-05", "2024-04-05", None, None)])
        self.assertEqual(part["injury_applications"][0]["region"], v)
        # the part is the region's: another township's token is refused
        self.assertEqual(h.request("GET", "/v1/persons/" + idn, self.other).status, 403)
        self.assertEqual(h.request("GET", "/v1/persons/" + idn, self.mine).status, 200)
        # a person no arrears record names: arrears says so
        stranger = h.id_number(random.randrange(0, 13_000_000), area="433123")
        self.accept(self.county, [h.event("employment.person_registered", v, AT,
                                          {"id_number": stranger, "name": "李四",
                                           "household": "rural"})])
        r = h.request("GET", "/v1/persons/" + stranger, self.county)
        self.assertEqual(r.status, 200, r.body)
        self.assertFalse(r.json()["arrears"]["known"])
        self.assertEqual(r.json()["arrears"].get("injury_applications", []), [])


if __name__ == "__main__":
    unittest.main()
