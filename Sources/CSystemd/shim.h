// sharkfin-relay: the libsystemd surface the relay uses, in one reviewed place.
// SPDX-License-Identifier: Apache-2.0
#ifndef CSYSTEMD_SHIM_H
#define CSYSTEMD_SHIM_H

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#endif
