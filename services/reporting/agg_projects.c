/* Projects: 在建项目 and their wage-guarantee measures (根治欠薪).
 *
 * Reads arrears.project_registered into reporting's copy of each project
 * (arr_projects: region and the three measures). A project_id sent again
 * updates the project, as arrears records it: the stocks move from what the
 * project was to what it is. Writes the facts arr.projects,
 * arr.projects_real_name, arr.projects_wage_account and
 * arr.projects_paid_via_account. */
#include "aggregate.h"

#define M_REAL_NAME 1
#define M_WAGE_ACCOUNT 2
#define M_PAID_VIA_ACCOUNT 4

static const char *const s_measures[] = {"arr.projects_real_name", "arr.projects_wage_account",
                                         "arr.projects_paid_via_account"};

static int
s_registered_join(page_t *page, const reporting_kind_t *kind, const Hrss__Event *ev,
                  const ProtobufCMessage *msg)
{
    const Hrss__ProjectRegistered *d = (const Hrss__ProjectRegistered *) msg;
    if (!page_region_ok(ev))
        return 0;
    const char *values[] = {d->project_id, ev->region, d->real_name ? "t" : "f",
                            d->wage_account ? "t" : "f", d->paid_via_account ? "t" : "f"};
    pending_t *p = page_alone(page, kind, ev, 5, values);
    if (!p)
        return -1;
    p->amount = (d->real_name ? M_REAL_NAME : 0) | (d->wage_account ? M_WAGE_ACCOUNT : 0) |
                (d->paid_via_account ? M_PAID_VIA_ACCOUNT : 0);
    return 0;
}

/* Adds (sign +1) or takes away (-1) a project with `measures` at `region`. */
static void
s_project(facts_batch_t *batch, const pending_t *p, const char *region, int64_t measures,
          int sign)
{
    page_add(batch, p, "arr.projects", region, sign);
    for (int i = 0; i < 3; i++)
        if (measures & (1 << i))
            page_add(batch, p, s_measures[i], region, sign);
}

/* One row: the project as it was (region, measures), NULLs when new. */
static void
s_registered_deltas(const pending_t *p, const PGresult *res, int row, facts_batch_t *batch)
{
    if (!PQgetisnull(res, row, 0)) {
        int64_t was = (PQgetvalue(res, row, 1)[0] == 't' ? M_REAL_NAME : 0) |
                      (PQgetvalue(res, row, 2)[0] == 't' ? M_WAGE_ACCOUNT : 0) |
                      (PQgetvalue(res, row, 3)[0] == 't' ? M_PAID_VIA_ACCOUNT : 0);
        s_project(batch, p, PQgetvalue(res, row, 0), was, -1);
    }
    s_project(batch, p, p->region, p->amount, 1);   /* what cancels out is not written */
}

static const reporting_kind_t s_kinds[] = {
    /* The CTE that reads the project sees it as it was before the upsert. */
    {"arrears.project_registered", "arr_project_register",
        "WITH old AS (SELECT region, real_name, wage_account, paid_via_account"
        "             FROM arr_projects WHERE project_id = $1),"
        " up AS (INSERT INTO arr_projects VALUES ($1, $2, $3, $4, $5)"
        "        ON CONFLICT (project_id) DO UPDATE SET region = EXCLUDED.region,"
        "        real_name = EXCLUDED.real_name, wage_account = EXCLUDED.wage_account,"
        "        paid_via_account = EXCLUDED.paid_via_account)"
        " SELECT old.* FROM (SELECT 1) one LEFT JOIN old ON true",
     5, {0}, s_registered_join, s_registered_deltas},
    {NULL, NULL, NULL, 0, {0}, NULL, NULL}};

static const char *const s_writes[] = {"arr.projects", "arr.projects_real_name",
                                       "arr.projects_wage_account",
                                       "arr.projects_paid_via_account", NULL};

const reporting_aggregate_t reporting_projects = {"projects", s_kinds, s_writes};
