"""Who may read a person (issue 14, findings 1 and 2): the one-stop view
shows each part of a person (labor record, enrollments, benefits, open
recoveries, the death, arrears cases) only to tokens whose region contains
that part's own region, for every role; a record created in one county never
widens who may read the rest; no part in scope is 403. A death report about a
person hrss knows comes from the county that holds the record, or it is
rejected out_of_scope and changes nothing."""

import random
import unittest

import hrss_client as h

A_COUNTY = "433123"                 # 凤凰县
A1 = "433123101"                    # 廖家桥镇
A2 = "433123104"                    # 茶田镇
B_COUNTY = "433122"                 # 泸溪县
B1 = "433122102"                    # 达岚镇
AT = "2024-05-10T09:00:00+08:00"


def person():
    return h.id_number(random.randrange(0, 14_000_000))


def registered(idn, village, name="龙阿妹", phone="13907431234"):
    return h.event("employment.person_registered", village, AT,
                   {"id_number": idn, "name": name, "household": "rural", "phone": phone,
                    "categories": ["poverty_alleviated", "hard_to_employ"]})


def enrolled(idn, village, scheme="resident_pension"):
    return h.event("insurance.enrolled", village, AT,
                   {"id_number": idn, "scheme": scheme, "enrolled_on": "2024-05-01"})


def benefit(idn, village, scheme="resident_pension", fen=20300):
    return h.event("insurance.benefit_started", village, AT,
                   {"id_number": idn, "scheme": scheme, "monthly_amount_fen": fen,
                    "first_period": "2024-05"})


def death(idn, village, died_on="2024-06-03", at="2024-07-20T09:00:00+08:00"):
    return h.event("insurance.death_reported", village, at,
                   {"id_number": idn, "died_on": died_on})


def wait_copied(idn, region):
    """Insurance learns registrations from employment's feed, a moment later."""
    h.wait_until(lambda: h.psql("SELECT 1 FROM insurance.registry_persons"
                                " WHERE id_number = '%s' AND region = '%s'" % (idn, region)),
                 10, 0.05, "insurance's copy of %s" % idn)


class PersonScopeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        mk = h.make_token
        cls.tokens = {
            "township A1": mk("township", A1), "township A2": mk("township", A2),
            "township B1": mk("township", B1),
            "county A": mk("county", A_COUNTY), "county B": mk("county", B_COUNTY),
            "checker A": mk("checker", A_COUNTY), "checker B": mk("checker", B_COUNTY),
            "province 43": mk("province", "43"), "province 11": mk("province", "11"),
            "admin": h.admin_token(),
        }

    def push(self, who, events):
        return h.post_events(self.tokens[who], events)

    def accepted(self, who, events):
        for r in self.push(who, events):
            self.assertEqual(r["status"], "accepted", r)

    def view(self, who, idn):
        return h.request("GET", "/v1/persons/" + idn, self.tokens[who])

    def assertRefused(self, who, idn, secrets=()):
        r = self.view(who, idn)
        self.assertEqual(r.status, 403, "%s: %s" % (who, r.body[:300]))
        self.assertEqual(r.json()["type"], "urn:hrss:problem:out_of_scope")
        for s in (idn,) + tuple(secrets):
            self.assertNotIn(s.encode(), r.body, who)

    def seen(self, who, idn):
        r = self.view(who, idn)
        self.assertEqual(r.status, 200, "%s: %s" % (who, r.body[:300]))
        v = r.json()
        ins = v["insurance"]
        return {
            "id": v["id_number"],
            "labor": v["employment"].get("labor", {}).get("region"),
            "enrollments": sorted(e["region"] for e in ins["enrollments"]),
            "benefits": sorted(b["region"] for b in ins["benefits"]),
            "recoveries": ins.get("recoveries_open_fen"),
            "died_on": ins.get("died_on"),
            "arrears": v["arrears"]["known"],
            "body": r.body,
        }

    # -- finding 1, exactly as it was found -----------------------------------------

    def test_finding_1_death_from_another_county_widens_nothing(self):
        idn = person()
        self.accepted("township A1", [registered(idn, A1 + "001")])
        wait_copied(idn, A1 + "001")
        r = self.push("township B1", [death(idn, B1 + "001")])[0]
        self.assertEqual((r["status"], r["error"]["code"], r["error"]["field"]),
                         ("rejected", "out_of_scope", "data.id_number"), r)
        self.assertIn("433123000000", r["error"]["message"])
        for who in ("county B", "province 11", "checker B", "township B1", "township A2"):
            self.assertRefused(who, idn, ("龙阿妹", "13907431234"))
        for who in ("county A", "checker A", "province 43", "admin", "township A1"):
            s = self.seen(who, idn)
            self.assertEqual((s["labor"], s["died_on"], s["arrears"]),
                             (A1 + "001", None, False), who)
        # full id numbers for every role but the township's
        self.assertEqual(self.seen("county A", idn)["id"], idn)
        self.assertEqual(self.seen("township A1", idn)["id"], idn[:6] + "*" * 8 + idn[-4:])
        # the report refused changed nothing; one from a township of the
        # county holding the record is accepted
        self.accepted("township A2", [death(idn, A2 + "001")])
        self.assertEqual(self.seen("county A", idn)["died_on"], "2024-06-03")

    # -- every part, every role --------------------------------------------------------

    def test_each_part_only_in_its_own_region(self):
        idn = person()
        self.accepted("township A1", [registered(idn, A1 + "002"), enrolled(idn, A1 + "002")])
        # county B holds a pension of the same person: its own records, in its own region
        self.accepted("township B1", [enrolled(idn, B1 + "002", "enterprise_pension"),
                                      benefit(idn, B1 + "002", "enterprise_pension")])
        # a payment run of county B paid July (payments are made by payment runs)
        h.psql("INSERT INTO insurance.payments (id_number, scheme, period, region, amount_fen,"
               " paid_at_us) VALUES ('%s', 'enterprise_pension', 202407, '%s', 20300, 0)"
               % (idn, B1 + "002"))
        wait_copied(idn, A1 + "002")
        # the death, reported in county A, makes July's payment in B a recovery
        self.accepted("township A1", [death(idn, A1 + "002")])

        def expect(who, labor, enrollments, benefits, recoveries, died_on):
            s = self.seen(who, idn)
            self.assertEqual((s["labor"], s["enrollments"], s["benefits"], s["recoveries"],
                              s["died_on"], s["arrears"]),
                             (labor, enrollments, benefits, recoveries, died_on, False), who)
            return s

        a, b = A1 + "002", B1 + "002"
        for who in ("county A", "checker A", "township A1"):
            s = expect(who, a, [a], [], 0, "2024-06-03")
        for who in ("county B", "checker B", "township B1"):
            s = expect(who, None, [b], [b], 20300, None)
            # nothing of the labor record reaches county B
            for secret in ("龙阿妹", "13907431234", "poverty_alleviated"):
                self.assertNotIn(secret.encode(), s["body"], who)
        for who in ("province 43", "admin"):
            expect(who, a, sorted([a, b]), [b], 20300, "2024-06-03")
        for who in ("province 11", "township A2"):
            self.assertRefused(who, idn, ("龙阿妹",))

    def test_a_death_alone_is_seen_where_it_was_reported(self):
        # nobody knew the person: the report is accepted, and only its region sees it
        idn = person()
        self.accepted("township B1", [death(idn, B1 + "003")])
        for who in ("township B1", "county B", "checker B", "province 43", "admin"):
            s = self.seen(who, idn)
            self.assertEqual((s["labor"], s["enrollments"], s["died_on"]),
                             (None, [], "2024-06-03"), who)
        for who in ("county A", "checker A", "township A1", "province 11"):
            self.assertRefused(who, idn)

    def test_unknown_person_is_404_for_everyone(self):
        idn = person()
        for who in self.tokens:
            self.assertEqual(self.view(who, idn).status, 404, who)

    # -- finding 2: the scope of a death report -------------------------------------------

    def test_death_of_an_enrolled_person_from_another_county(self):
        idn = person()
        self.accepted("township A1", [enrolled(idn, A1 + "004"), benefit(idn, A1 + "004")])
        for who, village in (("township B1", B1 + "004"), ("county B", B1 + "004")):
            r = self.push(who, [death(idn, village)])[0]
            self.assertEqual((r["status"], r["error"]["code"]), ("rejected", "out_of_scope"), who)
            self.assertIn("433123000000", r["error"]["message"])
        # nothing was suspended, and the id of the refused report stays free
        s = self.seen("county A", idn)
        self.assertEqual(s["died_on"], None)
        # (a benefit started in 2024 and never certified shows as suspended
        # for liveness today, certification_overdue: not for a death)
        view = self.view("county A", idn).json()
        self.assertEqual([b.get("suspended_reason") for b in view["insurance"]["benefits"]],
                         ["certification_overdue"])
        self.accepted("county A", [death(idn, A2 + "004")])
        view = self.view("county A", idn).json()
        self.assertEqual([(b["status"], b.get("suspended_reason"))
                          for b in view["insurance"]["benefits"]], [("suspended", "deceased")])

    def test_death_reported_from_above_the_county(self):
        idn = person()
        self.accepted("township A1", [registered(idn, A1 + "005")])
        wait_copied(idn, A1 + "005")
        # the admin's region contains every county
        self.accepted("admin", [death(idn, A1 + "005")])

    def test_unknown_person_death_accepted_from_any_county(self):
        for who, village in (("township B1", B1 + "006"), ("township A2", A2 + "006")):
            self.accepted(who, [death(person(), village)])

    def test_moved_person_is_reported_by_the_new_county(self):
        # a re-registration moves the person; the copy follows it
        idn = person()
        self.accepted("township A1", [registered(idn, A1 + "007")])
        wait_copied(idn, A1 + "007")
        self.accepted("township B1", [registered(idn, B1 + "007")])
        wait_copied(idn, B1 + "007")
        r = self.push("township A1", [death(idn, A1 + "007")])[0]
        self.assertEqual((r["status"], r["error"]["code"]), ("rejected", "out_of_scope"))
        self.assertIn("433122000000", r["error"]["message"])
        self.accepted("township B1", [death(idn, B1 + "007")])


if __name__ == "__main__":
    unittest.main()
