/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd drop-in that opens a configuration's shares and state directory to the sandbox of
 * dist/skiffd.service (ProtectSystem=strict, ProtectHome, PrivateTmp): systemd cannot read
 * skiff.conf, so `skiffd --print-systemd-drop-in` writes what the unit must add.
 */
#ifndef SKIFF_CONFIG_SYSTEMD_H
#define SKIFF_CONFIG_SYSTEMD_H

#include "core/config.h"

/* The unit's StateDirectory=: needs no drop-in line. */
#define CFG_SYSTEMD_STATE_DIR "/var/lib/skiff"

/*
 * The drop-in's text (malloc'd; NULL when out of memory). Paths it cannot write safely as a
 * unit-file value (quotes, backslashes, control characters, ':' where BindPaths= needs one)
 * become comments and are counted in *unexpressed, for the admin to add by hand.
 */
char *cfg_systemd_drop_in(const struct cfg *c, unsigned *unexpressed);

#endif
