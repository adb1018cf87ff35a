/* log — one line per message on stderr, the daemon's only log channel.
 *
 * Library code does not log (docs/design.md#errors); daemons and tools do, once
 * per failure, with a short primary message and a detail. Never pass a full
 * id number or a token to these functions. */
#ifndef HRSS_LOG_H
#define HRSS_LOG_H

typedef enum { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR } log_level_t;

/* `ident` is the daemon's name; the level comes from $HRSS_LOG_LEVEL
 * (debug|info|warn|error, default info). */
void log_init(const char *ident);
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A programmer error (an invariant of the code broken, never bad input):
 * logs it and aborts. The daemon is restarted and catches up from what it
 * committed; retrying would only repeat the error for ever. */
void log_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
