/* hrss-insurance daemon entry point. */
#include "insurance.h"

static const service_def_t s_insurance = {
    .name = "insurance",
    .events = insurance_event_handlers,
    .on_person = insurance_on_person,
};

int
main(void)
{
    return service_main(&s_insurance);
}
