/* SPDX-License-Identifier: Apache-2.0 */
/*
 * skiffd gives up what it does not need once its sockets are bound: the capability sets shrink
 * to what per-thread identity switching and the VFS's root sections use (docs/SECURITY.md),
 * the bounding set with them, ambient and inheritable sets empty, no_new_privs, and securebits
 * that keep root from regaining anything by exec. Under systemd the unit does the same first.
 */
#include "tools/privs.h"

#include <errno.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "core/log.h"

/* Why each is kept: the same list, with reasons, is in dist/skiffd.service.in. */
static const cap_value_t root_mode_caps[] = {
	CAP_SETUID,        /* vfs_become: setresuid to the session's user, per thread */
	CAP_SETGID,        /* vfs_become: setresgid and setgroups */
	CAP_DAC_OVERRIDE,  /* root sections: xattrs, delete-on-close, listing (docs/ARCHITECTURE.md) */
	CAP_FOWNER,        /* root sections: explicit timestamps, sticky directories */
	CAP_SYS_ADMIN,     /* root sections: writing the security.skiff.ntacl xattr */
};

/*
 * noroot: an exec as uid 0 gains no capabilities. The setuid fixup (a thread whose euid leaves
 * 0 loses its effective set, and gets the permitted set back on return) is what makes the
 * kernel check a session user's own permissions: it must stay on, so it is locked on. These
 * four are what systemd's SecureBits= can set as well; the ambient-raise bits are extra.
 */
#define SECBITS_REQUIRED (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED | \
			  SECBIT_KEEP_CAPS_LOCKED)
#define SECBITS_EXTRA (SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

static bool kept(cap_value_t c, bool root_mode)
{
	if (!root_mode)
		return false;
	for (size_t i = 0; i < sizeof(root_mode_caps) / sizeof(root_mode_caps[0]); i++)
		if (root_mode_caps[i] == c)
			return true;
	return false;
}

static bool has_flag(cap_t caps, cap_value_t c, cap_flag_t set)
{
	cap_flag_value_t v = CAP_CLEAR;

	return cap_get_flag(caps, c, set, &v) == 0 && v == CAP_SET;
}

/* Highest capability the kernel knows; /proc/sys may be hidden (ProcSubset=pid), so probe. */
static cap_value_t last_cap(void)
{
	cap_value_t c = 0;

	while (c < 63 && prctl(PR_CAPBSET_READ, (unsigned long)c + 1, 0, 0, 0) >= 0)
		c++;
	return c;
}

static bool set_securebits(bool root_mode, bool have_setpcap, char *err, size_t errlen)
{
	int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);

	if (bits < 0) {
		snprintf(err, errlen, "cannot read securebits: %s", strerror(errno));
		return false;
	}
	/* With the fixup off, a thread serving a user would keep CAP_DAC_OVERRIDE: every user
	 * could read and write everything. */
	if (root_mode && (bits & SECBIT_NO_SETUID_FIXUP)) {
		snprintf(err, errlen, "securebit no-setuid-fixup is set: per-user identity would keep "
			 "root's capabilities (remove it from SecureBits=)");
		return false;
	}
	if (!root_mode && !have_setpcap)
		return true;   /* an ordinary user has nothing an exec could regain */
	int want = bits | SECBITS_REQUIRED | (have_setpcap ? SECBITS_EXTRA : 0);
	if (want == bits)
		return true;
	if (have_setpcap && prctl(PR_SET_SECUREBITS, (unsigned long)want, 0, 0, 0) == 0)
		return true;
	if ((bits & SECBITS_REQUIRED) != SECBITS_REQUIRED)
		log_warn("securebits 0x%x kept (%s); set SecureBits=noroot noroot-locked "
			 "no-setuid-fixup-locked keep-caps-locked where skiffd is started",
			 (unsigned)bits, have_setpcap ? strerror(errno) : "no CAP_SETPCAP");
	return true;
}

/* Bounding set: needs CAP_SETPCAP, which systemd does not give (its unit limits it instead). */
static bool shrink_bounding_set(bool root_mode, bool have_setpcap, char *err, size_t errlen)
{
	cap_value_t last = last_cap();
	unsigned left = 0;

	for (cap_value_t c = 0; c <= last; c++) {
		if (kept(c, root_mode) || prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) != 1)
			continue;
		if (!have_setpcap) {
			left++;
			continue;
		}
		if (cap_drop_bound(c) != 0) {
			snprintf(err, errlen, "cannot drop capability %d from the bounding set: %s",
				 (int)c, strerror(errno));
			return false;
		}
	}
	if (left)
		log_info("privileges: %u capabilities stay in the inherited bounding set (no CAP_SETPCAP);"
			 " they are in no other set", left);
	return true;
}

bool privs_contain(bool root_mode, char *err, size_t errlen)
{
	cap_t cur = cap_get_proc(), want = cap_init();
	bool ok = false, have_setpcap;
	char missing[256] = "";

	if (!cur || !want) {
		snprintf(err, errlen, "cannot read capabilities: %s", strerror(errno));
		goto out;
	}
	have_setpcap = has_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE);
	if (!set_securebits(root_mode, have_setpcap, err, errlen) ||
	    !shrink_bounding_set(root_mode, have_setpcap, err, errlen))
		goto out;

	/* Permitted and effective: the kept ones this process has; inheritable: none. */
	for (size_t i = 0; root_mode && i < sizeof(root_mode_caps) / sizeof(root_mode_caps[0]); i++) {
		cap_value_t c = root_mode_caps[i];
		if (!has_flag(cur, c, CAP_PERMITTED)) {
			size_t n = strlen(missing);
			char *name = cap_to_name(c);
			snprintf(missing + n, sizeof(missing) - n, "%s%s", n ? "," : "", name ? name : "?");
			cap_free(name);
			continue;
		}
		if (cap_set_flag(want, CAP_PERMITTED, 1, &c, CAP_SET) != 0 ||
		    cap_set_flag(want, CAP_EFFECTIVE, 1, &c, CAP_SET) != 0) {
			snprintf(err, errlen, "cap_set_flag: %s", strerror(errno));
			goto out;
		}
	}
	if (cap_set_proc(want) != 0) {
		snprintf(err, errlen, "cannot set capabilities: %s", strerror(errno));
		goto out;
	}
	/* Lowering the inheritable set already emptied it; say so for old kernels too. */
	if (cap_reset_ambient() != 0 && errno != EINVAL) {
		snprintf(err, errlen, "cannot clear the ambient set: %s", strerror(errno));
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		goto out;
	}
	if (missing[0])
		log_warn("privileges: %s not available; root sections that need them will fail "
			 "(docs/SECURITY.md)", missing);
	char *text = cap_to_text(want, NULL);
	log_info("privileges: capabilities now %s, no_new_privs set", text ? text : "?");
	cap_free(text);
	ok = true;
out:
	cap_free(cur);
	cap_free(want);
	return ok;
}
