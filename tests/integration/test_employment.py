"""The employment section beyond the registry, through the real gateway: jobs,
recommendations and their results, fairs, graduates, trainings, public-welfare
posts, startup loans and subsidies. Every type accepted, every rejection with
its field, keys (updates, duplicates), deceased persons, the blacklist copied
from arrears' feed, and the person view."""

import random
import unittest

import hrss_client as h

TOWNSHIP = "433123101000"
VILLAGE = "433123101%03d" % random.randrange(1, 999)
AT = "2023-04-10T09:00:00+08:00"


def person():
    return h.id_number(random.randrange(0, 14_000_000))


def employer():
    return h.credit_code(random.randrange(0, 10_000_000))


def registered(idn, at=AT):
    return h.event("employment.person_registered", VILLAGE, at,
                   {"id_number": idn, "name": "张三", "household": "rural",
                    "categories": ["graduate"]})


def job(job_id, cc=None, positions=5, at=AT, **extra):
    data = {"job_id": job_id, "employer_credit_code": cc or employer(),
            "employer_name": "凤凰古城旅游公司", "title": "导游", "positions": positions,
            "wage_min_fen": 300000, "wage_max_fen": 500000, "valid_until": "2023-12-31"}
    data.update(extra)
    return h.event("employment.job_posted", VILLAGE, at, data)


def ev(type_, data, at=AT):
    return h.event("employment." + type_, VILLAGE, at, data)


def rows(sql):
    return h.psql(sql)


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _pb_strings(*values):
    """A protobuf message of string fields 1, 2, ... (what arrears packs)."""
    out = b""
    for i, v in enumerate(values, 1):
        b = v.encode()
        out += _varint(i << 3 | 2) + _varint(len(b)) + b
    return out


def arrears_emit(type_, *values, occurred_at_us=None):
    """Appends an event to arrears' outbox as the arrears daemon would (the
    outbox lock, then the next seq): its feed is what employment consumes.
    A stand-in until arrears handles its own types."""
    data = _pb_strings(*values).hex()
    h.psql("BEGIN;"
           " SELECT pg_advisory_xact_lock(hashtext('arrears.outbox'));"
           " INSERT INTO arrears.outbox (seq, event_id, scope, type, region, occurred_at_us, data)"
           " SELECT coalesce(max(seq), 0) + 1, '%s', '433123000000', '%s', '433123000000',"
           " %s, '\\x%s'::bytea FROM arrears.outbox;"
           " COMMIT;" % (h.new_id("arrears-test"), type_,
                         occurred_at_us or "(extract(epoch FROM now()) * 1000000)::bigint", data))


class EmploymentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.county = h.make_token("county", "433123")
        cls.township = h.make_token("township", "433123101")

    def post(self, *events, token=None):
        return h.post_events(token or self.county, list(events))

    def assertAccepted(self, results):
        self.assertEqual([r["status"] for r in results], ["accepted"] * len(results), results)

    def assertRejected(self, result, code, field):
        self.assertEqual(result["status"], "rejected", result)
        self.assertEqual((result["error"]["code"], result["error"]["field"]), (code, field),
                         result)

    def view(self, idn, token=None):
        r = h.request("GET", "/v1/persons/" + idn, token or self.county)
        self.assertEqual(r.status, 200, r.body)
        return r.json()["employment"]["labor"]

    # ---- every type -------------------------------------------------------------

    def test_every_type_is_accepted_and_shown_in_the_person_view(self):
        idn, job_id = person(), h.new_id("job")
        cc = employer()
        results = self.post(
            registered(idn),
            job(job_id),
            ev("job_recommended", {"job_id": job_id, "id_number": idn}),
            ev("recommendation_result", {"job_id": job_id, "id_number": idn, "result": "hired"},
               at="2023-04-20T09:00:00+08:00"),
            ev("job_fair_held", {"fair_id": h.new_id("fair"), "name": "春风行动招聘会",
                                 "held_on": "2023-04-08", "online": False, "enterprises": 42,
                                 "positions": 1200, "attendees": 3000, "intentions": 450}),
            ev("graduate_followed_up", {"id_number": idn, "graduation_year": 2022,
                                        "status": "employed"}),
            ev("training_completed", {"id_number": idn, "program": "startup",
                                      "occupation": "电商", "passed": True}),
            ev("startup_loan_disbursed", {"loan_id": h.new_id("loan"), "borrower": "individual",
                                          "id_number": idn, "amount_fen": 20_000_000}),
            ev("startup_loan_disbursed", {"loan_id": h.new_id("loan"),
                                          "borrower": "small_enterprise", "credit_code": cc,
                                          "amount_fen": 300_000_000}),
            ev("public_welfare_placed", {"id_number": idn, "kind": "rural", "post": "护林员",
                                         "monthly_subsidy_fen": 80000}),
            ev("subsidy_paid", {"subsidy_id": h.new_id("sub"), "kind": "transport",
                                "id_number": idn, "amount_fen": 50000}),
            ev("subsidy_paid", {"subsidy_id": h.new_id("sub"), "kind": "hiring",
                                "credit_code": cc, "amount_fen": 1_000_000}),
        )
        self.assertAccepted(results)
        labor = self.view(idn)
        [rec] = labor["recommendations"]
        self.assertEqual((rec["job_id"], rec["title"], rec["result"], rec["result_on"],
                          rec["recommended_on"], rec["region"]),
                         (job_id, "导游", "hired", "2023-04-20", "2023-04-10", VILLAGE))
        [tr] = labor["trainings"]
        self.assertEqual((tr["program"], tr["occupation"], tr["passed"], tr["completed_on"],
                          tr["region"]), ("startup", "电商", True, "2023-04-10", VILLAGE))
        [pl] = labor["placements"]
        self.assertEqual((pl["kind"], pl["post"], pl["monthly_subsidy_fen"], pl["region"]),
                         ("rural", "护林员", 80000, VILLAGE))
        [loan] = labor["loans"]   # the enterprise's loan names no person
        self.assertEqual((loan["borrower"], loan["amount_fen"], loan["disbursed_on"]),
                         ("individual", 20_000_000, "2023-04-10"))
        [sub] = labor["subsidies"]
        self.assertEqual((sub["kind"], sub["amount_fen"], sub["paid_on"], sub["region"]),
                         ("transport", 50000, "2023-04-10", VILLAGE))
        [grad] = labor["graduate_statuses"]
        self.assertEqual((grad["graduation_year"], grad["status"]), (2022, "employed"))

    def test_township_view_is_masked(self):
        idn = person()
        self.assertAccepted(self.post(
            registered(idn),
            ev("training_completed", {"id_number": idn, "program": "skill_upgrade",
                                      "passed": False})))
        r = h.request("GET", "/v1/persons/" + idn, self.township)
        self.assertEqual(r.status, 200, r.body)
        body = r.body.decode()
        self.assertNotIn(idn, body)
        labor = r.json()["employment"]["labor"]
        self.assertEqual(labor["id_number"], idn[:6] + "********" + idn[-4:])
        self.assertEqual(labor["trainings"][0]["program"], "skill_upgrade")
        self.assertFalse(labor["trainings"][0]["passed"])

    # ---- jobs -----------------------------------------------------------------------

    def test_job_reposted_under_a_new_id_updates_it(self):
        job_id, cc = h.new_id("job"), employer()
        self.assertAccepted(self.post(job(job_id, cc, positions=5)))
        self.assertAccepted(self.post(job(job_id, cc, positions=8, valid_until="2024-01-31",
                                          at="2023-05-02T09:00:00+08:00")))
        [[positions, until, posted, updated]] = rows(
            "SELECT positions, valid_until, posted_at_us, updated_at_us FROM employment.jobs"
            " WHERE job_id = '%s'" % job_id)
        self.assertEqual((positions, until), ("8", "2024-01-31"))
        self.assertLess(int(posted), int(updated))   # first posting's month stays

    def test_job_rejections_name_their_field_and_store_nothing(self):
        job_id = h.new_id("job")
        results = self.post(job(job_id, positions=0),
                            job(job_id, wage_min_fen=600000, wage_max_fen=500000),
                            job(job_id, valid_until="2023-02-30"),
                            job(job_id, wage_min_fen=-1))
        self.assertRejected(results[0], "invalid_value", "data.positions")
        self.assertRejected(results[1], "invalid_value", "data.wage_min_fen")
        self.assertRejected(results[2], "invalid_date", "data.valid_until")
        self.assertRejected(results[3], "invalid_amount", "data.wage_min_fen")
        self.assertEqual(rows("SELECT count(*) FROM employment.jobs WHERE job_id = '%s'"
                              % job_id), [["0"]])

    def test_recommendations_need_the_job_the_person_and_the_recommendation(self):
        idn, other, job_id = person(), person(), h.new_id("job")
        self.assertAccepted(self.post(registered(idn), registered(other), job(job_id)))
        results = self.post(
            ev("job_recommended", {"job_id": h.new_id("nojob"), "id_number": idn}),
            ev("job_recommended", {"job_id": job_id, "id_number": person()}),
            ev("recommendation_result", {"job_id": h.new_id("nojob"), "id_number": idn,
                                         "result": "hired"}),
            ev("recommendation_result", {"job_id": job_id, "id_number": other,
                                         "result": "hired"}),
            ev("recommendation_result", {"job_id": job_id, "id_number": person(),
                                         "result": "declined"}),
        )
        self.assertRejected(results[0], "unknown_job", "data.job_id")
        self.assertRejected(results[1], "unknown_person", "data.id_number")
        self.assertRejected(results[2], "unknown_job", "data.job_id")
        self.assertRejected(results[3], "unknown_recommendation", "data.job_id")
        self.assertRejected(results[4], "unknown_person", "data.id_number")
        self.assertEqual(self.view(other)["recommendations"], [])
        # in one batch: the job, then the recommendation, then its result
        job2 = h.new_id("job")
        self.assertAccepted(self.post(
            job(job2),
            ev("job_recommended", {"job_id": job2, "id_number": other}),
            ev("recommendation_result", {"job_id": job2, "id_number": other,
                                         "result": "no_show"})))
        self.assertEqual([r["result"] for r in self.view(other)["recommendations"]],
                         ["no_show"])

    # ---- the blacklist, copied from arrears' feed -----------------------------------

    def test_blacklisted_employer_may_not_post_until_delisted(self):
        cc, job_id = employer(), h.new_id("job")
        self.assertAccepted(self.post(job(job_id, cc)))
        arrears_emit("arrears.employer_blacklisted", cc, "凤凰某建筑公司", "拖欠农民工工资")
        h.wait_until(lambda: rows("SELECT 1 FROM employment.blacklist WHERE credit_code = '%s'"
                                  % cc), what="employment learns the listing")
        new_job = h.new_id("job")
        results = self.post(job(new_job, cc), job(job_id, cc, positions=9))
        self.assertRejected(results[0], "employer_blacklisted", "data.employer_credit_code")
        self.assertRejected(results[1], "employer_blacklisted", "data.employer_credit_code")
        self.assertEqual(rows("SELECT positions FROM employment.jobs WHERE job_id = '%s'"
                              % job_id), [["5"]])
        # another employer is not affected
        self.assertAccepted(self.post(job(h.new_id("job"))))
        arrears_emit("arrears.employer_delisted", cc)
        h.wait_until(lambda: not rows("SELECT 1 FROM employment.blacklist"
                                      " WHERE credit_code = '%s'" % cc),
                     what="employment learns the delisting")
        self.assertAccepted(self.post(job(new_job, cc)))

    def test_a_listing_lapses_after_three_years(self):
        cc = employer()
        # listed on 2019-01-01 (CST): no longer at the posting's time in 2023
        arrears_emit("arrears.employer_blacklisted", cc, "某劳务公司", "拖欠工资",
                     occurred_at_us=1546272000 * 1000000)
        h.wait_until(lambda: rows("SELECT 1 FROM employment.blacklist WHERE credit_code = '%s'"
                                  % cc), what="employment learns the listing")
        self.assertAccepted(self.post(job(h.new_id("job"), cc)))
        # a posting from the time it was listed is refused
        self.assertRejected(self.post(job(h.new_id("job"), cc,
                                          at="2021-06-01T09:00:00+08:00"))[0],
                            "employer_blacklisted", "data.employer_credit_code")

    # ---- keys -------------------------------------------------------------------------

    def test_keys_are_recorded_once(self):
        idn = person()
        self.assertAccepted(self.post(registered(idn)))
        loan = {"loan_id": h.new_id("loan"), "borrower": "individual", "id_number": idn,
                "amount_fen": 10_000_000}
        sub = {"subsidy_id": h.new_id("sub"), "kind": "rent", "id_number": idn,
               "amount_fen": 120000}
        fair = {"fair_id": h.new_id("fair"), "name": "线上招聘会", "held_on": "2023-04-01",
                "online": True, "enterprises": 10, "positions": 100, "attendees": 500,
                "intentions": 50}
        self.assertAccepted(self.post(ev("startup_loan_disbursed", loan),
                                      ev("subsidy_paid", sub), ev("job_fair_held", fair)))
        results = self.post(
            ev("startup_loan_disbursed", dict(loan, amount_fen=20_000_000)),
            ev("subsidy_paid", dict(sub, kind="skill")),
            ev("job_fair_held", dict(fair, positions=101)),
            # the same content under a new event id: not counted twice either
            ev("startup_loan_disbursed", loan),
            ev("subsidy_paid", sub),
            ev("job_fair_held", fair),
        )
        self.assertRejected(results[0], "duplicate_key", "data.loan_id")
        self.assertRejected(results[1], "duplicate_key", "data.subsidy_id")
        self.assertRejected(results[2], "duplicate_key", "data.fair_id")
        self.assertRejected(results[3], "duplicate_key", "data.loan_id")
        self.assertIn("same content", results[3]["error"]["message"])
        self.assertRejected(results[4], "duplicate_key", "data.subsidy_id")
        self.assertRejected(results[5], "duplicate_key", "data.fair_id")
        labor = self.view(idn)
        self.assertEqual([x["amount_fen"] for x in labor["loans"]], [10_000_000])
        self.assertEqual([x["kind"] for x in labor["subsidies"]], ["rent"])
        self.assertEqual(rows("SELECT positions FROM employment.fairs WHERE fair_id = '%s'"
                              % fair["fair_id"]), [["100"]])
        # the event itself again is a plain duplicate
        first = ev("subsidy_paid", dict(sub, subsidy_id=h.new_id("sub")))
        self.assertAccepted(self.post(first))
        self.assertEqual(self.post(first)[0]["status"], "duplicate")

    def test_loans_and_subsidies_name_their_borrower(self):
        results = self.post(
            ev("startup_loan_disbursed", {"loan_id": h.new_id("loan"), "borrower": "individual",
                                          "credit_code": employer(), "amount_fen": 100}),
            ev("startup_loan_disbursed", {"loan_id": h.new_id("loan"),
                                          "borrower": "small_enterprise", "id_number": person(),
                                          "amount_fen": 100}),
            ev("subsidy_paid", {"subsidy_id": h.new_id("sub"), "kind": "other",
                                "amount_fen": 100}),
            ev("startup_loan_disbursed", {"loan_id": h.new_id("loan"),
                                          "borrower": "small_enterprise",
                                          "credit_code": employer(), "amount_fen": 0}),
            ev("startup_loan_disbursed", {"loan_id": h.new_id("loan"), "borrower": "bank",
                                          "credit_code": employer(), "amount_fen": 100}),
        )
        self.assertRejected(results[0], "missing_field", "data.id_number")
        self.assertRejected(results[1], "missing_field", "data.credit_code")
        self.assertRejected(results[2], "missing_field", "data.id_number")
        self.assertRejected(results[3], "invalid_amount", "data.amount_fen")
        self.assertRejected(results[4], "invalid_value", "data.borrower")

    # ---- persons ----------------------------------------------------------------------

    def person_events(self, idn, job_id):
        return [
            ev("job_recommended", {"job_id": job_id, "id_number": idn}),
            ev("graduate_followed_up", {"id_number": idn, "graduation_year": 2022,
                                        "status": "seeking"}),
            ev("training_completed", {"id_number": idn, "program": "employment_skill",
                                      "passed": True}),
            ev("startup_loan_disbursed", {"loan_id": h.new_id("loan"), "borrower": "individual",
                                          "id_number": idn, "amount_fen": 100}),
            ev("public_welfare_placed", {"id_number": idn, "kind": "urban", "post": "保洁",
                                         "monthly_subsidy_fen": 100}),
            ev("subsidy_paid", {"subsidy_id": h.new_id("sub"), "kind": "transport",
                                "id_number": idn, "amount_fen": 100}),
        ]

    def test_unknown_person(self):
        job_id = h.new_id("job")
        self.assertAccepted(self.post(job(job_id)))
        for r in self.post(*self.person_events(person(), job_id)):
            self.assertRejected(r, "unknown_person", "data.id_number")

    def test_deceased_person_is_no_longer_served(self):
        idn, job_id = person(), h.new_id("job")
        self.assertAccepted(self.post(registered(idn), job(job_id),
                                      ev("job_recommended", {"job_id": job_id, "id_number": idn})))
        self.assertAccepted(self.post(h.event("insurance.death_reported", VILLAGE,
                                              "2023-05-02T09:00:00+08:00",
                                              {"id_number": idn, "died_on": "2023-05-01"})))
        h.wait_until(lambda: self.view(idn)["status"] == "deceased",
                     what="employment learns of the death")
        results = self.post(*self.person_events(idn, job_id),
                            ev("recommendation_result", {"job_id": job_id, "id_number": idn,
                                                         "result": "hired"}))
        for r in results:
            self.assertRejected(r, "person_deceased", "data.id_number")
        labor = self.view(idn)
        self.assertEqual((len(labor["trainings"]), len(labor["placements"]), len(labor["loans"]),
                          len(labor["subsidies"]), len(labor["graduate_statuses"])),
                         (0, 0, 0, 0, 0))
        self.assertEqual([r.get("result") for r in labor["recommendations"]], [None])

    def test_graduate_keeps_the_latest_status_per_year(self):
        idn = person()
        self.assertAccepted(self.post(
            registered(idn),
            ev("graduate_followed_up", {"id_number": idn, "graduation_year": 2022,
                                        "status": "employed"}, at="2023-06-01T09:00:00+08:00")))
        # an older visit reported late does not overwrite the newer one
        self.assertAccepted(self.post(
            ev("graduate_followed_up", {"id_number": idn, "graduation_year": 2022,
                                        "status": "seeking"}, at="2023-03-01T09:00:00+08:00"),
            ev("graduate_followed_up", {"id_number": idn, "graduation_year": 2023,
                                        "status": "further_study"})))
        statuses = {g["graduation_year"]: (g["status"], g["followed_up_on"])
                    for g in self.view(idn)["graduate_statuses"]}
        self.assertEqual(statuses, {2022: ("employed", "2023-06-01"),
                                    2023: ("further_study", "2023-04-10")})
        self.assertAccepted(self.post(
            ev("graduate_followed_up", {"id_number": idn, "graduation_year": 2022,
                                        "status": "enlisted"}, at="2023-07-01T09:00:00+08:00")))
        statuses = {g["graduation_year"]: g["status"] for g in self.view(idn)["graduate_statuses"]}
        self.assertEqual(statuses[2022], "enlisted")


if __name__ == "__main__":
    unittest.main()
