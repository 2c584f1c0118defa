// sharkfin-relay: the libsystemd surface the relay uses, in one reviewed place.
// SPDX-License-Identifier: Apache-2.0
#ifndef CSYSTEMD_SHIM_H
#define CSYSTEMD_SHIM_H

// The Systemd target calls only these libsystemd functions, all of which Swift imports
// directly because none is variadic or a macro:
//
//   sd_notify                  READY=1, STATUS=, WATCHDOG=1, STOPPING=1, RELOADING=1, ...
//   sd_watchdog_enabled        WATCHDOG_USEC / WATCHDOG_PID
//   sd_listen_fds_with_names   LISTEN_PID / LISTEN_FDS / LISTEN_FDNAMES
//   sd_is_socket_unix          validating an inherited descriptor
//   sd_journal_sendv           structured journal entries as an iovec array
//
// The variadic sd_notifyf and sd_journal_send are never needed: Swift formats the
// strings itself and hands them to sd_notify or, one `FIELD=value` per iovec, to
// sd_journal_sendv. So there are no `csystemd_` shims yet; add one here (static inline,
// prefixed `csystemd_`, with a comment saying why Swift cannot make the call itself)
// only when a call really is out of Swift's reach.

// Without this, sd-journal.h turns sd_journal_sendv into a macro that adds CODE_FILE,
// CODE_LINE and CODE_FUNC pointing at this header. Swift ignores function-like macros
// anyway, but defining it states the intent for any C that includes this header: the
// Swift caller supplies its own CODE_* fields.
#define SD_JOURNAL_SUPPRESS_LOCATION 1

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#endif
