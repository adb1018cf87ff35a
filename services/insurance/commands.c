/* The insurance commands (Request cases 30-39): one handler per case. */
#include <stdarg.h>
#include <stdio.h>

#include "insurance.h"

int
insurance_refuse(Hrss__Reply *reply, arena_t *arena, const char *code, const char *fmt, ...)
{
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return service_fail(reply, arena, code, message, false);
}

void
insurance_region_range(const char *region, int len, char lo[13], char hi[13])
{
    if (len < 0)
        len = 0;
    for (int i = 0; i < 12; i++) {
        lo[i] = i < len ? region[i] : '0';
        hi[i] = i < len ? region[i] : '9';
    }
    lo[12] = hi[12] = '\0';
}

int
insurance_on_command(service_t *svc, const Hrss__Request *req, Hrss__Reply *reply,
                     arena_t *arena)
{
    switch (req->body_case) {
    case HRSS__REQUEST__BODY_PAYMENT_RUN:
        return insurance_payment_run(svc, req, reply, arena);
    case HRSS__REQUEST__BODY_PAYMENT_RUN_QUERY:
        return insurance_payment_run_query(svc, req, reply, arena);
    case HRSS__REQUEST__BODY_FUNDS:
        return insurance_funds(svc, req, reply, arena);
    case HRSS__REQUEST__BODY_CORRECTION_PROPOSE:
        return insurance_correction_propose(svc, req, reply, arena);
    case HRSS__REQUEST__BODY_CORRECTION_APPROVE:
        return insurance_correction_approve(svc, req, reply, arena);
    case HRSS__REQUEST__BODY_CORRECTIONS:
        return insurance_corrections_list(svc, req, reply, arena);
    default:
        return service_fail(reply, arena, "unknown_request",
                            "insurance does not answer that request", false);
    }
}
