"""Faults that must lose and double nothing: a daemon killed with SIGKILL in
the middle of ingest, and the reporting daemon down while events flow."""

import random
import threading
import time
import unittest

import hrss_client as h


def reg(idn, region, at):
    return h.event("employment.person_registered", region, at,
                   {"id_number": idn, "name": "钱七", "household": "rural"})


def sql_count(query):
    return int(h.psql(query)[0][0])


class KillEmploymentTest(unittest.TestCase):
    """kill -9 of the employment daemon during a batch: its events get
    `retry`; after restart the resent events are accepted exactly once."""

    def test_kill9_mid_ingest(self):
        h.wait_ready()
        token = h.make_token("county", "433126")      # 古丈县, this test's own
        base = random.randrange(0, 13_000_000)
        events = [reg(h.id_number(base + i, area="433126"), "433126103000",
                      "2025-02-01T09:00:00+08:00") for i in range(4000)]
        batches = [events[i:i + 100] for i in range(0, len(events), 100)]
        status = {}

        def push():
            for b in batches:
                for ev, r in zip(b, h.post_events(token, b)):
                    status[ev["id"]] = r["status"]

        pusher = threading.Thread(target=push)
        pusher.start()
        h.wait_until(lambda: len(status) >= 500, timeout=60, interval=0.01, what="ingest")
        h.stack("kill", "employment")
        time.sleep(0.3)
        h.stack("start", "employment")
        pusher.join()
        h.wait_ready()

        counts = {s: list(status.values()).count(s) for s in set(status.values())}
        self.assertEqual(set(counts) - {"accepted", "retry"}, set(), counts)
        self.assertGreater(counts.get("retry", 0), 0, "the kill must hit the flow: %s" % counts)
        # resend what was not acknowledged, as a township system would
        pending = [ev for ev in events if status[ev["id"]] == "retry"]
        for _ in range(20):
            if not pending:
                break
            again = []
            for i in range(0, len(pending), 100):
                chunk = pending[i:i + 100]
                for ev, r in zip(chunk, h.post_events(token, chunk)):
                    self.assertIn(r["status"], ("accepted", "duplicate", "retry"))
                    if r["status"] == "retry":
                        again.append(ev)
            pending = again
            time.sleep(0.2)
        self.assertEqual(pending, [])
        # every event stored exactly once: one inbox row, one outbox row, one person
        ids = "','".join(ev["id"] for ev in events)
        self.assertEqual(sql_count("SELECT count(*) FROM employment.inbox"
                                   " WHERE scope = '433126000000' AND event_id IN ('%s')" % ids),
                         len(events))
        self.assertEqual(sql_count("SELECT count(*) FROM (SELECT event_id FROM employment.outbox"
                                   " WHERE event_id IN ('%s') GROUP BY event_id"
                                   " HAVING count(*) > 1) d" % ids), 0)
        self.assertEqual(sql_count("SELECT count(*) FROM employment.outbox"
                                   " WHERE event_id IN ('%s')" % ids), len(events))
        people = "','".join(ev["data"]["id_number"] for ev in events)
        self.assertEqual(sql_count("SELECT count(*) FROM employment.persons"
                                   " WHERE id_number IN ('%s')" % people), len(events))
        # the feed has no gap: seq runs 1..max
        self.assertEqual(sql_count("SELECT max(seq) - count(*) FROM employment.outbox"), 0)


class ReportingCatchUpTest(unittest.TestCase):
    """Reporting stopped while 10 000 events flow, then restarted: its
    indicators equal a recomputation from the services' own tables."""

    COUNTY = "433125"     # 保靖县, this test's own

    def test_catch_up_equals_recomputation(self):
        h.wait_ready()
        token = h.make_token("county", self.COUNTY)
        admin = h.admin_token()
        towns = ["433125104000", "433125108000", "433125109000"]
        base = random.randrange(0, 13_000_000)
        people = [h.id_number(base + i, area="433125") for i in range(4000)]
        h.stack("stop", "reporting")
        try:
            events = []
            for i, idn in enumerate(people):
                region = towns[i % 3][:9] + "%03d" % (1 + i % 20)
                events.append(reg(idn, region, "2025-03-02T09:00:00+08:00"))
            for i, idn in enumerate(people[:3000]):
                region = events[i]["region"]
                if i % 3 == 0:
                    events.append(h.event("employment.unemployment_registered", region,
                                          "2025-03-03T09:00:00+08:00",
                                          {"id_number": idn, "registered_on": "2025-03-03"}))
                else:
                    events.append(h.event("employment.employed", region,
                                          "2025-03-04T09:00:00+08:00",
                                          {"id_number": idn,
                                           "kind": "urban_new" if i % 2 else "transfer",
                                           "location": "in_county", "started_on": "2025-03-04"}))
            events += [h.event("insurance.enrolled", events[i]["region"],
                               "2025-03-05T09:00:00+08:00",
                               {"id_number": people[i], "scheme": "resident_pension",
                                "enrolled_on": "2025-03-05"}) for i in range(3000)]
            self.assertEqual(len(events), 10000)
            for i in range(0, len(events), 100):
                results = h.post_events(token, events[i:i + 100])
                self.assertEqual({r["status"] for r in results}, {"accepted"})
        finally:
            h.stack("start", "reporting")
        h.wait_ready()

        def recomputed():
            q = ("SELECT count(*) FILTER (WHERE died_on IS NULL),"
                 " count(*) FILTER (WHERE unemployed_since IS NOT NULL),"
                 " count(*) FILTER (WHERE employment_kind = 'urban_new'"
                 "   AND employed_since BETWEEN '2025-01-01' AND '2025-03-31')"
                 " FROM employment.persons WHERE region LIKE '%s%%'" % self.COUNTY)
            labor, unemployed, urban_new = map(int, h.psql(q)[0])
            enrolled = sql_count("SELECT count(*) FROM insurance.enrollments WHERE status ="
                                 " 'active' AND scheme = 'resident_pension'"
                                 " AND region LIKE '%s%%'" % self.COUNTY)
            return {"emp.labor_force": labor, "emp.registered_unemployed": unemployed,
                    "emp.urban_new_jobs": urban_new,
                    "ins.enrolled.resident_pension": enrolled}

        expected = recomputed()
        ours = "','".join(people)
        self.assertEqual(sql_count("SELECT count(*) FROM employment.persons"
                                   " WHERE id_number IN ('%s')" % ours), 4000)
        started = time.time()

        def caught_up():
            got = h.indicators(admin, self.COUNTY, "2025-03")
            return all(got[k]["value"] == v for k, v in expected.items())

        h.wait_until(caught_up, timeout=120, interval=0.2, what="reporting to catch up")
        print("reporting caught up with 10000 events in %.1f s" % (time.time() - started))
        got = h.indicators(admin, self.COUNTY, "2025-03")
        self.assertEqual({k: got[k]["value"] for k in expected}, expected)
        # and the township rollups add up to the county
        for code in expected:
            r = h.request("GET", "/v1/indicators/%s/breakdown?region=%s&period=2025-03"
                          % (code, self.COUNTY), admin).json()
            self.assertEqual(sum(row["value"] for row in r["breakdown"]), expected[code], code)


if __name__ == "__main__":
    unittest.main()
