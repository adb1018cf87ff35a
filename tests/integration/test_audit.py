"""The audit trail: refusals and operator changes are recorded, the gateway's
role cannot change or remove rows, and `hrssctl audit verify` finds an
edited or removed row."""

import subprocess
import unittest

import hrss_client as h


def verify():
    env = dict(h.os.environ, **h.ENV)
    return subprocess.run([h.os.path.join(h.ENV["HRSS_BIN_DIR"], "hrssctl"), "audit", "verify"],
                          env=env, capture_output=True, text=True)


def last_rows(n=5):
    return h.psql("SELECT id, actor, action, route, region, status FROM gateway.audit"
                  " ORDER BY id DESC LIMIT %d" % n)


class AuditTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()

    def test_refusals_are_audited(self):
        name = "audit-" + h.new_id()
        township = h.make_token("township", "433123101", name)
        r = h.request("GET", "/v1/indicators?region=433123104&period=2024-01", township)
        self.assertEqual(r.status, 403)
        rows = last_rows()
        self.assertIn([rows[0][0], name, "out_of_scope", "/v1/indicators", "433123104000", "403"],
                      rows)
        r = h.request("GET", "/v1/feed", township)
        self.assertEqual(r.status, 403)
        self.assertEqual(last_rows(1)[0][1:4], [name, "forbidden", "/v1/feed"])
        h.request("GET", "/v1/indicators", "hrss_" + "B" * 43)
        self.assertEqual(last_rows(1)[0][1:3], ["-", "unauthorized"])
        # an event batch with an event outside the region
        ev = h.event("employment.person_registered", "433123104001", "2024-01-02T00:00:00+08:00",
                     {"id_number": h.id_number(5), "name": "x", "household": "rural"})
        self.assertEqual(h.post_events(township, [ev])[0]["error"]["code"], "out_of_scope")
        self.assertEqual(last_rows(1)[0][1:5], [name, "out_of_scope", "/v1/events",
                                                "433123104001"])
        # and token creation by the operator
        self.assertIn("token_create", [r[2] for r in last_rows(10)])
        self.assertEqual(verify().returncode, 0, verify().stdout)

    def test_gateway_role_cannot_change_the_trail(self):
        h.request("GET", "/v1/feed", h.make_token("county", "433123"))
        for sql in ("UPDATE gateway.audit SET detail = 'x'", "DELETE FROM gateway.audit",
                    "TRUNCATE gateway.audit"):
            with self.assertRaises(RuntimeError, msg=sql) as cm:
                h.psql(sql, h.ENV["HRSS_GATEWAY_DB"])
            self.assertIn("permission denied", str(cm.exception))

    def test_verify_finds_edited_and_removed_rows(self):
        county = h.make_token("county", "433123")
        for _ in range(3):
            h.request("GET", "/v1/feed", county)
        ok = verify()
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("chain intact", ok.stdout)
        victim = last_rows(2)[1][0]
        original = h.psql("SELECT detail FROM gateway.audit WHERE id = %s" % victim)[0][0]
        # the superuser edits a row ...
        h.psql("UPDATE gateway.audit SET detail = 'nothing happened' WHERE id = %s" % victim)
        bad = verify()
        self.assertEqual(bad.returncode, 1)
        self.assertIn("audit row %s: edited" % victim, bad.stdout)
        h.psql("UPDATE gateway.audit SET detail = $$%s$$ WHERE id = %s" % (original, victim))
        self.assertEqual(verify().returncode, 0)
        # ... or removes one
        saved = h.psql("SELECT id, at_us, coalesce(token_id::text, 'NULL'), quote_literal(actor),"
                       " quote_literal(role), quote_literal(action), quote_literal(route),"
                       " quote_literal(region), status, quote_literal(detail),"
                       " encode(prev_hash, 'hex'), encode(hash, 'hex'), quote_literal(client),"
                       " count"
                       " FROM gateway.audit WHERE id = %s" % victim)[0]
        h.psql("DELETE FROM gateway.audit WHERE id = %s" % victim)
        gone = verify()
        self.assertEqual(gone.returncode, 1)
        self.assertIn("audit row %d: chain broken" % (int(victim) + 1), gone.stdout)
        # (put it back so that the rest of the suite sees an intact trail)
        h.psql("INSERT INTO gateway.audit (id, at_us, token_id, actor, role, action, route,"
               " region, status, detail, prev_hash, hash, client, count)"
               " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
               " decode('%s', 'hex'), decode('%s', 'hex'), %s, %s)" % tuple(saved))
        self.assertEqual(verify().returncode, 0)


if __name__ == "__main__":
    unittest.main()
