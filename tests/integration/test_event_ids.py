"""An event id names one event per token region across all services (issue
14, finding 3): the same id on an event of another type or service is
rejected `id_conflict`, in one request or in two, one after the other or at
once; the same content again is `duplicate`; another token region is
another id space. And text that is blank or holds format or bidi controls or
noncharacters is `invalid_text` (finding 10)."""

import random
import threading
import unittest

import hrss_client as h

VILLAGE = "433123101%03d" % random.randrange(1, 999)
AT = "2024-03-10T09:00:00+08:00"


def person():
    return h.id_number(random.randrange(0, 14_000_000))


def registered(idn, id_, name="石金花"):
    return h.event("employment.person_registered", VILLAGE, AT,
                   {"id_number": idn, "name": name, "household": "rural"}, id_)


def enrolled(idn, id_):
    return h.event("insurance.enrolled", VILLAGE, AT,
                   {"id_number": idn, "scheme": "resident_pension",
                    "enrolled_on": "2024-03-01"}, id_)


def statuses(results):
    return [(r["status"], r.get("error", {}).get("code")) for r in results]


class EventIdsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.county = h.make_token("county", "433123")
        cls.county_again = h.make_token("county", "433123")   # the same id space
        cls.township = h.make_token("township", "433123101")  # another one

    def claims(self, id_):
        return h.psql("SELECT service FROM idspace.claims WHERE event_id = '%s'" % id_)

    def test_one_request_two_services(self):
        id_ = h.new_id("x")
        idn = person()
        results = h.post_events(self.county, [registered(idn, id_), enrolled(idn, id_)])
        self.assertEqual(statuses(results), [("accepted", None), ("rejected", "id_conflict")])
        self.assertEqual(self.claims(id_), [["employment"]])
        # the insurance event changed nothing
        view = h.request("GET", "/v1/persons/" + idn, self.county).json()
        self.assertEqual(view["insurance"]["enrollments"], [])
        # in the other order, the other one wins
        id2 = h.new_id("x")
        results = h.post_events(self.county, [enrolled(idn, id2), registered(idn, id2)])
        self.assertEqual(statuses(results), [("accepted", None), ("rejected", "id_conflict")])

    def test_two_requests_two_services(self):
        id_ = h.new_id("x")
        idn = person()
        first = registered(idn, id_)
        self.assertEqual(statuses(h.post_events(self.county, [first])), [("accepted", None)])
        for _ in range(2):
            self.assertEqual(statuses(h.post_events(self.county, [enrolled(idn, id_)])),
                             [("rejected", "id_conflict")])
        # the first event again is its duplicate, under a replaced token too
        self.assertEqual(statuses(h.post_events(self.county_again, [first])),
                         [("duplicate", None)])
        # another token region is another id space
        self.assertEqual(statuses(h.post_events(self.township, [enrolled(idn, id_)])),
                         [("accepted", None)])
        view = h.request("GET", "/v1/persons/" + idn, self.county).json()
        self.assertEqual(len(view["insurance"]["enrollments"]), 1)

    def test_a_rejected_event_claims_nothing(self):
        # a rejected event leaves its id free, for any service
        id_ = h.new_id("x")
        idn = person()
        bad = h.event("employment.unemployment_registered", VILLAGE, AT,
                      {"id_number": idn, "registered_on": "2024-03-10"}, id_)
        self.assertEqual(statuses(h.post_events(self.county, [bad])),
                         [("rejected", "unknown_person")])
        self.assertEqual(statuses(h.post_events(self.county, [enrolled(idn, id_)])),
                         [("accepted", None)])

    def test_at_once_exactly_one_wins(self):
        # the same ids pushed to employment and insurance by concurrent
        # requests: per id, one is accepted and the other is id_conflict
        n = 20
        ids = [h.new_id("race") for _ in range(n)]
        idns = [person() for _ in range(n)]
        out = {}

        def push(kind, make):
            out[kind] = h.post_events(self.county, [make(idn, id_) for idn, id_ in zip(idns, ids)])

        threads = [threading.Thread(target=push, args=("employment", registered)),
                   threading.Thread(target=push, args=("insurance", enrolled))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for k in range(n):
            pair = sorted([statuses([out["employment"][k]])[0], statuses([out["insurance"][k]])[0]])
            self.assertEqual(pair, [("accepted", None), ("rejected", "id_conflict")], ids[k])
            self.assertEqual(len(self.claims(ids[k])), 1)


class InvalidTextTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.county = h.make_token("county", "433123")

    def test_blank_and_invisible_text_is_refused(self):
        for name in ("   ", "\u3000", "\u200b", "a\u202eb", "a\u2066b\u2069", "\ufeffa",
                     "a\uffffb", "a\ufdd0b"):
            ev = registered(person(), h.new_id(), name=name)
            r = h.post_events(self.county, [ev])[0]
            self.assertEqual((r["status"], r["error"]["code"], r["error"]["field"]),
                             ("rejected", "invalid_text", "data.name"), repr(name))

    def test_names_as_people_have_them(self):
        for name in ("阿依古丽·买买提", "张 三", "O'Neil-Li", "龙3妹"):
            idn = person()
            r = h.post_events(self.county, [registered(idn, h.new_id(), name=name)])[0]
            self.assertEqual(r["status"], "accepted", repr(name))
            view = h.request("GET", "/v1/persons/" + idn, self.county).json()
            self.assertEqual(view["employment"]["labor"]["name"], name)


if __name__ == "__main__":
    unittest.main()
