/* curve — CURVE encryption and authentication of hrss's ZeroMQ sockets.
 *
 * Off unless HRSS_CURVE=1: sockets stay plain, as on one host behind ipc://.
 * On, everything comes from the keys directory $HRSS_KEYS_DIR (default
 * var/keys):
 *
 *   <name>.key             this daemon's secret key, z85, mode 600 (refused otherwise)
 *   <name>.pub             its public key, z85
 *   <server>.pub           the public key of every service this daemon connects to
 *   authorized/<peer>.pub  the client keys this daemon's servers let in, one per file
 *
 * A server socket (ROUTER, PUB) gets CURVE_SERVER, the daemon's secret key,
 * ZAP domain "hrss" and ZMQ_ZAP_ENFORCE_DOMAIN, so that a handshake without
 * an answer from the ZAP handler fails: without both, libzmq lets any client
 * key in. The ZAP handler (inproc://zeromq.zap.01) runs in its own thread,
 * which owns its sockets alone; it answers 200 only for mechanism CURVE,
 * domain "hrss" and a key found in authorized/, and 400 to everything else.
 * It rereads authorized/ when the directory changes (and every few seconds),
 * so a removed key is refused on its next connection; connections already
 * made stay up until either side restarts.
 *
 * A client socket (DEALER, SUB) gets the daemon's keypair and the server's
 * public key from <server>.pub. A server that refuses the key makes libzmq
 * give that connection up for good; curve_tick, called from the daemon's
 * periodic work, connects it again (after 1 s, doubling up to 30 s), so a
 * key added back to the server's authorized/ works without a restart.
 *
 * Unlike other library modules this one logs (refusals, at most once a
 * minute per key; a client's refusal and recovery): the ZAP thread and the
 * retries have no caller to report to. Public keys are logged, secrets never.
 *
 * Order at shutdown: close the sockets, curve_destroy, then zmq_ctx_term
 * (the handler's thread holds sockets of the context until it is stopped). */
#ifndef HRSS_CURVE_H
#define HRSS_CURVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CURVE_ZAP_DOMAIN "hrss"
#define CURVE_KEY_Z85_LEN 40
#define CURVE_MAX_AUTHORIZED 1024

typedef struct curve_t curve_t;

/* Reads HRSS_CURVE and, when on, the keypair <name>.key/.pub and the
 * authorized keys. NULL on failure (curve_error() says why). `ctx` must
 * outlive the object. */
curve_t *curve_new(void *ctx, const char *name);
/* Stops the ZAP handler and wipes the secret key; accepts NULL. */
void curve_destroy(curve_t **self_p);

/* Why the last curve_new, curve_server or curve_client (or curve_keygen) of
 * the calling thread failed. */
const char *curve_error(void);

bool curve_enabled(const curve_t *self);

/* Before bind: makes `sock` a CURVE server that admits authorized keys only;
 * the first call starts the ZAP handler. No-op when CURVE is off. */
int curve_server(curve_t *self, void *sock);
/* Before connect: makes `sock` a CURVE client of `server_name` (a name whose
 * <server_name>.pub is in the keys directory). No-op when CURVE is off. */
int curve_client(curve_t *self, void *sock, const char *server_name);

/* Periodic work of the thread that owns the client sockets: reconnects those
 * whose key a server refused, when their retry is due. No-op when off. A
 * client socket may be closed at any time (its monitor says so). */
void curve_tick(curve_t *self);

/* Handshakes the ZAP handler refused so far (any thread). */
uint64_t curve_refusals(const curve_t *self);

/* Writes a new keypair dir/<name>.key (mode 600) and dir/<name>.pub; never
 * overwrites (EEXIST). `public_z85` (41 bytes) gets the public key. */
int curve_keygen(const char *dir, const char *name, char public_z85[CURVE_KEY_Z85_LEN + 1]);

/* Directory of the keys: $HRSS_KEYS_DIR, else var/keys. */
const char *curve_keys_dir(void);

#endif
