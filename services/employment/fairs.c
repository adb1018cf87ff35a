/* The job fairs aggregate (招聘会): counts, not persons. A fair counts in
 * the month of its event (occurred_at), as every event does; held_on is the
 * fair's own date, kept as told. */
#include "employment.h"

const char *
employment_fair_key(const ProtobufCMessage *data)
{
    return ((const Hrss__JobFairHeld *) data)->fair_id;
}

int
employment_fair_result(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
                       const PGresult *res, int row, verdict_t *v)
{
    (void) svc;
    (void) ev;
    (void) data;
    return employment_verdict(res, row, v, "data.fair_id");
}

/* A fair is recorded once: its fair_id again is a duplicate_key. */
int
employment_job_fair_held(service_t *svc, Hrss__Event *const *events,
                         ProtobufCMessage *const *data, size_t n)
{
    enum { FAIR, REGION, NAME, HELD_ON, ONLINE, ENTERPRISES, POSITIONS, ATTENDEES, INTENTIONS,
           AT, NCOLS };
    static const uint32_t types[NCOLS] = {
        PGARRAY_TEXT, PGARRAY_BPCHAR, PGARRAY_TEXT, PGARRAY_LITERAL, PGARRAY_INT8,
        PGARRAY_INT8, PGARRAY_INT8,   PGARRAY_INT8, PGARRAY_INT8,    PGARRAY_INT8};
    pgarray_t cols[NCOLS];
    pgarray_init_types(cols, types, NCOLS);
    for (size_t k = 0; k < n; k++) {
        const Hrss__JobFairHeld *d = (const Hrss__JobFairHeld *) data[k];
        pgarray_add_text(&cols[FAIR], d->fair_id);
        pgarray_add_text(&cols[REGION], events[k]->region);
        pgarray_add_text(&cols[NAME], d->name);
        pgarray_add_text(&cols[HELD_ON], d->held_on);
        pgarray_add_int64(&cols[ONLINE], d->online ? 1 : 0);
        pgarray_add_int64(&cols[ENTERPRISES], d->enterprises);
        pgarray_add_int64(&cols[POSITIONS], d->positions);
        pgarray_add_int64(&cols[ATTENDEES], d->attendees);
        pgarray_add_int64(&cols[INTENTIONS], d->intentions);
        pgarray_add_int64(&cols[AT], events[k]->occurred_at_us);
    }
    return service_send_run(
        svc, "fairs_add",
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::char(12)[], $3::text[], $4::date[],"
        " $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])"
        " WITH ORDINALITY AS u(fair_id, region, name, held_on, online, enterprises, positions,"
        " attendees, intentions, at, ord)),"
        " v AS (SELECT u.*, CASE WHEN f.fair_id IS NULL THEN NULL"
        " WHEN (f.region, f.name, f.held_on, f.online, f.enterprises, f.positions,"
        " f.attendees, f.intentions) = (u.region, u.name, u.held_on, u.online <> 0,"
        " u.enterprises, u.positions, u.attendees, u.intentions) THEN 'duplicate_key:same'"
        " ELSE 'duplicate_key' END AS verdict FROM u LEFT JOIN fairs f ON f.fair_id = u.fair_id),"
        " ins AS (INSERT INTO fairs (fair_id, region, name, held_on, online, enterprises,"
        " positions, attendees, intentions, at_us)"
        " SELECT fair_id, region, name, held_on, online <> 0, enterprises, positions, attendees,"
        " intentions, at FROM v WHERE verdict IS NULL)"
        " SELECT verdict FROM v ORDER BY ord",
        cols, NCOLS);
}
