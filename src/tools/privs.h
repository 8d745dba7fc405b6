/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skiffd's own containment once it listens: only the capabilities the per-user identity design
 * needs (docs/SECURITY.md), no new privileges on exec, and securebits that keep it so.
 */
#ifndef SKIFF_PRIVS_H
#define SKIFF_PRIVS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Give up every privilege skiffd does not need, on the calling thread; threads started after
 * it inherit the result, so call it before any thread exists. root_mode: the VFS switches
 * identity per thread (vfs_running_as_root) and keeps CAP_SETUID, CAP_SETGID,
 * CAP_DAC_OVERRIDE, CAP_FOWNER and CAP_SYS_ADMIN; otherwise every capability goes. Returns
 * false with a message in err when the result is not what was asked.
 */
bool privs_contain(bool root_mode, char *err, size_t errlen);

#endif
