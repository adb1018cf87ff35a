"""Monthly approval and locking (POST /v1/reports/{region}/{period}/submit,
approve, return; GET /v1/reports/{region}/{period}): a county's month is
submitted (its figures and its townships' frozen), approved by another
token (the submitting token: 403), an event arriving later changes the live
figures and is listed as a revision while the snapshot stays, and a
submitted month returned with a reason is a draft again. Every step is an
audit row. Uses the county 会同县 (431225), which no other test writes to."""

import random
import unittest

import hrss_client as h

COUNTY = "431225000000"       # 会同县
T1 = "431225100000"           # 林城镇
V1 = "431225100001"
PERIOD = "2023-03"


def employed(idn, region, at):
    return h.event("employment.employed", region, at,
                   {"id_number": idn, "kind": "urban_new", "location": "in_county",
                    "started_on": at[:10]})


def registered(idn, region, at):
    return h.event("employment.person_registered", region, at,
                   {"id_number": idn, "name": "测试", "household": "rural"})


def report(token, region=COUNTY, period=PERIOD):
    return h.request("GET", "/v1/reports/%s/%s" % (region, period), token)


def step(token, action, body=None, region=COUNTY, period=PERIOD):
    return h.request("POST", "/v1/reports/%s/%s/%s" % (region, period, action), token,
                     body if body is not None else {})


def value_of(rep, code, region=COUNTY):
    for row in rep["snapshot"]:
        if row["code"] == code and row["region"] == region:
            return row["value"]
    raise AssertionError("%s of %s not in the snapshot" % (code, region))


def audit_rows(action, region=COUNTY):
    return h.psql("SELECT status FROM gateway.audit WHERE action = '%s' AND region = '%s'"
                  " ORDER BY id" % (action, region))


class ReportsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.admin = h.admin_token()
        cls.county = h.make_token("county", "431225")
        cls.checker = h.make_token("checker", "431225")
        base = random.randrange(0, 13_000_000)
        cls.p = [h.id_number(base + i) for i in range(4)]
        events = [registered(cls.p[i], V1, "2023-02-0%dT10:00:00+08:00" % (i + 1))
                  for i in range(4)]
        events += [employed(cls.p[0], V1, "2023-03-05T10:00:00+08:00"),
                   employed(cls.p[1], V1, "2023-03-06T10:00:00+08:00")]
        assert all(r["status"] == "accepted" for r in h.post_events(cls.county, events))
        h.wait_until(lambda: h.indicators(cls.admin, COUNTY, PERIOD)
                     ["emp.urban_new_jobs"]["value"] == 2, what="reporting caught up")

    def test_approval_lifecycle(self):
        # a draft until submitted; a township token may not submit
        self.assertEqual(report(self.county).json()["state"], "draft")
        township = h.make_token("township", "431225100")
        self.assertEqual(step(township, "submit").status, 403)
        # a checker does not approve what was never submitted
        self.assertEqual(step(self.checker, "approve").status, 409)

        r = step(self.county, "submit")
        self.assertEqual(r.status, 200, r.body)
        rep = r.json()
        self.assertEqual(rep["state"], "submitted")
        self.assertEqual(value_of(rep, "emp.urban_new_jobs"), 2)
        self.assertEqual(value_of(rep, "emp.urban_new_jobs", T1), 2)
        self.assertEqual(value_of(rep, "emp.labor_force"), 4)
        self.assertEqual(rep["revisions"], [])
        # submitted twice: 409
        self.assertEqual(step(self.county, "submit").status, 409)

        # the submitting token does not approve (admin or not): 403
        r = step(self.county, "approve")
        self.assertEqual(r.status, 403)       # a county token: not a checker's route
        r = step(self.admin, "submit", region="431225101000")
        self.assertEqual(r.status, 200, r.body)
        r = step(self.admin, "approve", region="431225101000")
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["type"], "urn:hrss:problem:same_token")

        r = step(self.checker, "approve")
        self.assertEqual(r.status, 200, r.body)
        rep = r.json()
        self.assertEqual(rep["state"], "approved")
        self.assertEqual([s["action"] for s in rep["steps"]], ["submit", "approve"])
        self.assertEqual(rep["steps"][1]["role"], "checker")
        frozen = rep["snapshot"]

        # approved is locked: neither returned nor submitted again
        self.assertEqual(step(self.checker, "return", {"reason": "重新核对"}).status, 409)
        self.assertEqual(step(self.county, "submit").status, 409)

        # a late event for March: live figures change, the snapshot stays,
        # the change is listed as a revision
        late = employed(self.p[2], V1, "2023-03-20T10:00:00+08:00")
        self.assertEqual(h.post_events(self.county, [late])[0]["status"], "accepted")
        h.wait_until(lambda: h.indicators(self.admin, COUNTY, PERIOD)
                     ["emp.urban_new_jobs"]["value"] == 3, what="the late event counted")
        rep = report(self.county).json()
        self.assertEqual(rep["state"], "approved")
        self.assertEqual(rep["snapshot"], frozen)
        revisions = {(r["region"], r["code"]): r for r in rep["revisions"]}
        rev = revisions[(COUNTY, "emp.urban_new_jobs")]
        self.assertEqual((rev["approved"], rev["live"], rev["difference"]), (2, 3, 1))
        self.assertIn((T1, "emp.urban_new_jobs"), revisions)
        self.assertNotIn((COUNTY, "emp.labor_force"), revisions)

        # a province token reads the approved report under its region
        province = h.make_token("province", "43")
        self.assertEqual(report(province).json()["state"], "approved")
        other = h.make_token("county", "433123")
        self.assertEqual(report(other).status, 403)

        # every step is an audit row
        self.assertEqual(audit_rows("report_submit"), [["200"], ["409"], ["409"]])
        self.assertEqual(audit_rows("report_approve"), [["409"], ["200"]])

    def test_return_to_draft(self):
        region = "431225101000"     # 坪村镇, another report
        period = "2023-04"
        self.assertEqual(step(self.county, "submit", region=region, period=period).status, 200)
        r = step(self.checker, "return", {}, region=region, period=period)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["errors"][0]["field"], "reason")
        r = step(self.checker, "return", {"reason": "就业人数待核实"}, region=region, period=period)
        self.assertEqual(r.status, 200, r.body)
        rep = r.json()
        self.assertEqual(rep["state"], "draft")
        self.assertEqual(rep["snapshot"], [])
        self.assertEqual(rep["steps"][-1]["reason"], "就业人数待核实")
        self.assertEqual([s["action"] for s in rep["steps"]], ["submit", "return"])
        # a draft again: submitted anew
        r = step(self.county, "submit", region=region, period=period)
        self.assertEqual(r.json()["state"], "submitted")

    def test_validation(self):
        self.assertEqual(step(self.county, "submit", period="2023-13").status, 400)
        self.assertEqual(step(self.county, "submit", region="99").status, 400)
        self.assertEqual(h.request("POST", "/v1/reports/%s/%s/submit" % (COUNTY, PERIOD)).status,
                         401)


if __name__ == "__main__":
    unittest.main()
