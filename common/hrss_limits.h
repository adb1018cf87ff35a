/* hrss_limits — the bounds of what a client controls, in one place, used by the
 * gateway (which refuses what exceeds them with a clear rejection) and by
 * every daemon (which refuses the same from a peer, and sizes its work by
 * them). A limit the contract names is the contract's: change it there
 * first. Limits of one module's own machinery (JSON depth, a frame's size)
 * stay beside that module. (Not "limits.h": with common/ on the include
 * path that name would shadow the C library's <limits.h>.) */
#ifndef HRSS_HRSS_LIMITS_H
#define HRSS_HRSS_LIMITS_H

/* POST /v1/events: events of one request (the contract's 1000). It also
 * bounds the time one batch holds a daemon's loop. */
#define LIMIT_BATCH_EVENTS 1000

/* GET /v1/feed: events of one page, at most and when `limit` is not given.
 * A daemon answers a feed request for more with at most this many. */
#define LIMIT_FEED_MAX 10000
#define LIMIT_FEED_DEFAULT 1000

/* A request body, in bytes (4 MiB): room for a full batch of the largest
 * events, refused before it is read. */
#define LIMIT_BODY_BYTES (4 * 1024 * 1024)

/* Text fields of an event's data, in characters: each field's own limit is
 * in its catalog entry (event_types.def, TEXT(n)); these are the lengths
 * the catalog uses. */
#define LIMIT_TEXT_NAME 100     /* names of persons, employers, jobs, posts */
#define LIMIT_TEXT_SHORT 50     /* education */
#define LIMIT_TEXT_PHONE 32
#define LIMIT_TEXT_REASON 500

/* Items of a repeated field (a person's categories). */
#define LIMIT_REPEATED_ITEMS 32
/* A COUNT field (workers, positions, attendees): 0 to this. */
#define LIMIT_COUNT_MAX 1000000000LL

/* Years. Periods and series the reporting answers: LIMIT_YEAR_MIN to
 * LIMIT_YEAR_MAX; annual targets are set from LIMIT_TARGET_YEAR_MIN (no
 * bureau sets targets for the past century); a graduate's graduation year. */
#define LIMIT_YEAR_MIN 1900
#define LIMIT_YEAR_MAX 2199
#define LIMIT_TARGET_YEAR_MIN 2000
#define LIMIT_GRADUATION_YEAR_MIN 1950
#define LIMIT_GRADUATION_YEAR_MAX 2100

/* Limits as text, for the messages that name them: a message and its check
 * cannot disagree. */
#define LIMIT_STR_(x) #x
#define LIMIT_STR(x) LIMIT_STR_(x)

#endif
