"""GET /v1/ping?service=NAME: one timed round trip through the gateway to a
service, the no-op that ./deploy/local.sh bench measures as the hop cost."""

import unittest

import hrss_client as h


class PingTest(unittest.TestCase):
    def test_every_service_answers_with_its_round_trip_time(self):
        h.wait_ready()
        token = h.make_token("township", "433123101")   # any role may ping
        for service in ("employment", "insurance", "arrears", "reporting"):
            r = h.request("GET", "/v1/ping?service=" + service, token)
            self.assertEqual(r.status, 200, r.body)
            body = r.json()
            self.assertEqual(body["service"], service)
            self.assertIs(body["ready"], True)
            self.assertIsInstance(body["rtt_us"], int)
            self.assertGreater(body["rtt_us"], 0)
            self.assertLess(body["rtt_us"], 1_000_000)

    def test_unknown_or_missing_service_is_a_validation_problem(self):
        token = h.make_token("county", "433123")
        for query in ("?service=gateway", "?service=", ""):
            r = h.request("GET", "/v1/ping" + query, token)
            self.assertEqual(r.status, 400, query)
            self.assertEqual(r.json()["errors"][0]["field"], "service")

    def test_ping_needs_a_token(self):
        self.assertEqual(h.request("GET", "/v1/ping?service=employment").status, 401)


if __name__ == "__main__":
    unittest.main()
