"""Broken object-level authorization (OWASP API1): a township token used on
another township's region, by every way a region can be named, is refused
and audited; expired tokens stop working; over-long strings are refused."""

import random
import unittest

import hrss_client as h

MINE = "433123101"          # 廖家桥镇
OTHER = "433123104"         # 茶田镇


def last_audit():
    return h.psql("SELECT actor, action, route, region, status FROM gateway.audit"
                  " ORDER BY id DESC LIMIT 1")[0]


class ScopeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.name = "bola-" + h.new_id()
        cls.token = h.make_token("township", MINE, cls.name)
        county = h.make_token("county", "433123")
        cls.other_person = h.id_number(random.randrange(0, 13_000_000))
        h.post_events(county, [h.event("employment.person_registered", OTHER + "001",
                                       "2024-04-01T10:00:00+08:00",
                                       {"id_number": cls.other_person, "name": "周九",
                                        "household": "rural"})])

    def assertRefusedAndAudited(self, response, route, region):
        self.assertEqual(response.status, 403, response.body)
        self.assertEqual(response.headers["Content-Type"], "application/problem+json")
        actor, action, audited_route, audited_region, status = last_audit()
        self.assertEqual((actor, audited_route, status), (self.name, route, "403"))
        self.assertIn(action, ("out_of_scope", "forbidden"))
        if region:
            self.assertEqual(audited_region, region)

    def test_indicators_query(self):
        r = h.request("GET", "/v1/indicators?region=%s&period=2024-04" % OTHER, self.token)
        self.assertRefusedAndAudited(r, "/v1/indicators", OTHER + "000")

    def test_indicators_of_the_county_above(self):
        r = h.request("GET", "/v1/indicators?region=433123&period=2024-04", self.token)
        self.assertRefusedAndAudited(r, "/v1/indicators", "433123000000")

    def test_breakdown_and_series(self):
        r = h.request("GET", "/v1/indicators/emp.labor_force/breakdown?region=%s&period=2024-04"
                      % OTHER, self.token)
        self.assertRefusedAndAudited(r, "/v1/indicators/{code}/breakdown", OTHER + "000")
        r = h.request("GET", "/v1/indicators/emp.labor_force/series?region=%s&year=2024" % OTHER,
                      self.token)
        self.assertRefusedAndAudited(r, "/v1/indicators/{code}/series", OTHER + "000")

    def test_targets_in_the_path(self):
        r = h.request("PUT", "/v1/targets/2024/%s" % OTHER, self.token, {"emp.labor_force": 1})
        self.assertRefusedAndAudited(r, "/v1/targets/{year}/{region}", None)
        admin_of_mine = h.make_token("county", MINE)   # a county role is no admin either
        r = h.request("PUT", "/v1/targets/2024/%s" % MINE, admin_of_mine, {"emp.labor_force": 1})
        self.assertEqual(r.status, 403)

    def test_person_view(self):
        r = h.request("GET", "/v1/persons/" + self.other_person, self.token)
        self.assertRefusedAndAudited(r, "/v1/persons/{id_number}", OTHER + "001")
        self.assertNotIn(self.other_person.encode(), r.body)

    def test_feed(self):
        r = h.request("GET", "/v1/feed", self.token)
        self.assertRefusedAndAudited(r, "/v1/feed", None)

    def test_event_region_and_mixed_batch(self):
        mine = h.event("employment.person_registered", MINE + "002", "2024-04-01T10:00:00+08:00",
                       {"id_number": h.id_number(random.randrange(0, 13_000_000)),
                        "name": "吴十", "household": "urban"})
        theirs = dict(mine, id=h.new_id(), region=OTHER + "002")
        results = h.post_events(self.token, [mine, theirs])
        self.assertEqual(results[0]["status"], "accepted")
        self.assertEqual((results[1]["status"], results[1]["error"]["code"]),
                         ("rejected", "out_of_scope"))
        actor, action, route, region, _ = last_audit()
        self.assertEqual((actor, action, route, region),
                         (self.name, "out_of_scope", "/v1/events", OTHER + "002"))

    def test_expired_token(self):
        name = "expiring-" + h.new_id()
        token = h.make_token("county", "433123", name)
        self.assertEqual(h.request("GET", "/v1/indicators?period=2024-04", token).status, 200)
        h.psql("UPDATE gateway.tokens SET expires_at = now() - interval '1 second'"
               " WHERE name = '%s'" % name)
        # the change reaches the gateway's token cache with PostgreSQL's notification
        h.wait_until(lambda: h.request("GET", "/v1/indicators?period=2024-04",
                                       token).status == 401,
                     timeout=2, interval=0.01, what="the expiry to take effect")

    def test_strings_over_their_limit(self):
        ev = h.event("employment.person_registered", MINE + "002", "2024-04-01T10:00:00+08:00",
                     {"id_number": h.id_number(random.randrange(0, 13_000_000)),
                      "name": "长" * 101, "household": "urban"})
        r = h.post_events(self.token, [ev])[0]
        self.assertEqual((r["status"], r["error"]["code"], r["error"]["field"]),
                         ("rejected", "too_long", "data.name"))
        ev["data"]["name"] = "长" * 100
        self.assertEqual(h.post_events(self.token, [ev])[0]["status"], "accepted")


if __name__ == "__main__":
    unittest.main()
