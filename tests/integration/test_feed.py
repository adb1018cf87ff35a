"""The province feed and what travels through the services' feeds: a death
report reaching employment, the merged feed's cursor, order, scope and
limits."""

import random
import time
import unittest

import hrss_client as h

VILLAGE = "433123104%03d" % random.randrange(1, 999)   # 茶田镇
AT = "2024-06-01T09:00:00+08:00"


def reg(idn):
    return h.event("employment.person_registered", VILLAGE, AT,
                   {"id_number": idn, "name": "赵六", "household": "urban"})


def read_all(token, limit=1000, after=None):
    events, cursor = [], after
    for _ in range(10000):
        q = "/v1/feed?limit=%d" % limit + ("&after=" + cursor if cursor else "")
        r = h.request("GET", q, token)
        assert r.status == 200, r.body
        page = r.json()
        events += page["events"]
        if not page["events"] and not page["more"]:
            return events, page["next"]
        cursor = page["next"]
    raise AssertionError("feed did not end")


class FeedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.county = h.make_token("county", "433123")
        cls.province = h.make_token("province", "43")
        cls.admin = h.admin_token()

    def test_death_report_reaches_employment(self):
        idn = h.id_number(random.randrange(0, 13_000_000))
        h.post_events(self.county, [
            reg(idn),
            h.event("employment.unemployment_registered", VILLAGE, AT,
                    {"id_number": idn, "registered_on": "2024-06-01"}),
            h.event("insurance.benefit_started", VILLAGE, AT,
                    {"id_number": idn, "scheme": "resident_pension",
                     "monthly_amount_fen": 15300, "first_period": "2024-01"})])
        death = h.event("insurance.death_reported", VILLAGE, "2024-06-20T09:00:00+08:00",
                        {"id_number": idn, "died_on": "2024-06-18"})
        redone = 'hrss_service_redone_batches_total{service="insurance"}'
        redone_before = h.metric(redone)
        self.assertEqual(h.post_events(self.county, [death])[0]["status"], "accepted")
        # the death derives an event from its verdict: its batch goes in steps
        # from the start, not in one pipeline voided and applied again
        self.assertEqual(h.metric(redone), redone_before)

        def deceased_in_employment():
            view = h.request("GET", "/v1/persons/" + idn, self.county).json()
            labor = view["employment"]["labor"]
            return view if labor["status"] == "deceased" else None

        view = h.wait_until(deceased_in_employment, timeout=20, what="employment to learn")
        self.assertNotIn("unemployed_since", view["employment"]["labor"])
        benefit = view["insurance"]["benefits"][0]
        self.assertEqual((benefit["status"], benefit["suspended_from"]), ("suspended", "2024-07"))
        # employment now refuses the person
        r = h.post_events(self.county, [h.event(
            "employment.employed", VILLAGE, "2024-06-21T09:00:00+08:00",
            {"id_number": idn, "kind": "flexible", "location": "in_county",
             "started_on": "2024-06-21"})])[0]
        self.assertEqual(r["error"]["code"], "person_deceased")
        # the derived events are in the province feed, each exactly once
        events, _ = read_all(self.province)
        derived = [(e["source"], e["type"]) for e in events
                   if e["type"].endswith("person_deceased") and e["data"]["id_number"] == idn]
        self.assertEqual(sorted(derived), [("employment", "employment.person_deceased"),
                                           ("insurance", "insurance.person_deceased")])
        # a second village report of the same death derives nothing new
        again = dict(death, id=h.new_id())
        self.assertEqual(h.post_events(self.county, [again])[0]["status"], "accepted")
        events, _ = read_all(self.province)
        self.assertEqual(len([e for e in events if e["type"] == "insurance.person_deceased"
                              and e["data"]["id_number"] == idn]), 1)

    def test_feed_exactly_once_in_order_with_any_page_size(self):
        _, start = read_all(self.province, limit=10000)
        ids = [h.id_number(random.randrange(0, 13_000_000)) for _ in range(25)]
        batch = [reg(i) for i in ids]
        h.post_events(self.county, batch)
        h.post_events(self.county, [h.event("insurance.enrolled", VILLAGE, AT,
                                            {"id_number": i, "scheme": "work_injury",
                                             "enrolled_on": "2024-06-01"}) for i in ids[:5]])
        whole, end = read_all(self.province, limit=10000, after=start)
        self.assertEqual(len(whole), 30)
        for limit in (1, 7):
            paged, _ = read_all(self.province, limit=limit, after=start)
            self.assertEqual([(e["source"], e["seq"]) for e in paged],
                             [(e["source"], e["seq"]) for e in whole])
        keys = [(e["source"], e["seq"]) for e in whole]
        self.assertEqual(len(keys), len(set(keys)), "an event appeared twice")
        for source in ("employment", "insurance"):
            seqs = [e["seq"] for e in whole if e["source"] == source]
            self.assertEqual(seqs, list(range(seqs[0], seqs[0] + len(seqs))),
                             "commit order per service, no gaps")
        ours = [e["id"] for e in whole if e["source"] == "employment"]
        self.assertEqual(ours, [ev["id"] for ev in batch])
        # the full id number goes to the province
        self.assertIn(ids[0], [e["data"].get("id_number") for e in whole])
        # nothing new after the end cursor
        rest, _ = read_all(self.province, after=end)
        self.assertEqual(rest, [])

    def test_feed_scope_and_access(self):
        other = h.make_token("province", "44")
        events, _ = read_all(other)
        self.assertFalse([e for e in events if not e["region"].startswith("44")])
        self.assertEqual(h.request("GET", "/v1/feed", self.county).status, 403)
        self.assertEqual(h.request("GET", "/v1/feed").status, 401)
        for q in ("limit=0", "limit=10001", "limit=x", "after=garbage", "after=1.2"):
            self.assertEqual(h.request("GET", "/v1/feed?" + q, self.province).status, 400, q)


class GatherTest(unittest.TestCase):
    """A consumer that keeps up waits FEED_GATHER_MS (50 ms, common/service.c)
    after a page that was not full: a stream of small commits reaches it in
    few pages, not one transaction per commit."""

    PAGES = 'hrss_feed_pages_total{consumer="reporting",source="employment"}'
    LAG = 'hrss_feed_lag_events{consumer="reporting",source="employment"}'

    def settled_pages(self):
        """The page count once reporting has applied all it was told of and
        nothing more arrives (the count unchanged across 0.3 s)."""
        def settled():
            text = h.request("GET", "/metrics").body.decode()
            pages = h.metric(self.PAGES, text)
            time.sleep(0.3)
            text = h.request("GET", "/metrics").body.decode()
            if h.metric(self.LAG, text) == 0 and h.metric(self.PAGES, text) == pages:
                return pages + 1   # truthy even for 0 pages
            return None
        return h.wait_until(settled, what="reporting caught up") - 1

    def test_stream_of_small_commits_is_applied_in_few_pages(self):
        h.wait_ready()
        county = h.make_token("county", "433123")
        before = self.settled_pages()
        commits = 20
        started = time.monotonic()
        for _ in range(commits):
            h.post_events(county, [reg(h.id_number(random.randrange(0, 13_000_000)))])
        elapsed = time.monotonic() - started
        pages = self.settled_pages() - before
        self.assertGreaterEqual(pages, 1)
        # the first commit is asked for at once, the rest at most once per 50 ms
        self.assertLessEqual(pages, 2 + elapsed / 0.05, (pages, elapsed))


class IsolationTest(unittest.TestCase):
    """Each service's database role has rights on its own schema alone."""

    def test_employment_role_cannot_read_insurance(self):
        with self.assertRaises(RuntimeError) as cm:
            h.psql("SELECT count(*) FROM insurance.enrollments", h.ENV["HRSS_EMPLOYMENT_DB"])
        self.assertIn("permission denied", str(cm.exception))
        # while it can read its own
        self.assertTrue(h.psql("SELECT count(*) FROM employment.persons",
                               h.ENV["HRSS_EMPLOYMENT_DB"]))

    def test_no_role_reaches_another_schema(self):
        services = ["gateway", "employment", "insurance", "arrears", "reporting"]
        for role in services:
            for schema in services:
                if schema == role:
                    continue
                with self.assertRaises(RuntimeError, msg="%s -> %s" % (role, schema)):
                    h.psql("CREATE TABLE %s.intruder (x int)" % schema,
                           h.ENV["HRSS_%s_DB" % role.upper()])


class PersonViewTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.county = h.make_token("county", "433123")

    def test_masking_scope_and_unknown(self):
        idn = h.id_number(random.randrange(0, 13_000_000))
        h.post_events(self.county, [reg(idn)])
        full = h.request("GET", "/v1/persons/" + idn, self.county).json()
        self.assertEqual(full["id_number"], idn)
        township = h.make_token("township", VILLAGE[:9])
        masked = h.request("GET", "/v1/persons/" + idn, township)
        self.assertEqual(masked.status, 200)
        self.assertEqual(masked.json()["id_number"], idn[:6] + "********" + idn[-4:])
        self.assertNotIn(idn.encode(), masked.body)
        elsewhere = h.make_token("township", "433123101")
        self.assertEqual(h.request("GET", "/v1/persons/" + idn, elsewhere).status,
                         403 if VILLAGE[:9] != "433123101" else 200)
        unknown = h.id_number(random.randrange(0, 13_000_000), area="433124")
        self.assertEqual(h.request("GET", "/v1/persons/" + unknown, self.county).status, 404)
        self.assertEqual(h.request("GET", "/v1/persons/12345", self.county).status, 400)

    def test_missing_service_is_reported_not_fatal(self):
        idn = h.id_number(random.randrange(0, 13_000_000))
        h.post_events(self.county, [reg(idn)])
        h.stack("stop", "insurance")
        try:
            r = h.request("GET", "/v1/persons/" + idn, self.county)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json()["missing"], ["insurance"])
            self.assertEqual(r.json()["employment"]["labor"]["name"], "赵六")
        finally:
            h.stack("start", "insurance")
            h.wait_ready()


if __name__ == "__main__":
    unittest.main()
