/* SPDX-License-Identifier: Apache-2.0 */
/* Leases (lease.c): grants, upgrades, break targets for new opens and the ack rules, checked
 * against the behaviour smbtorture's smb2.lease.* tests expect of Windows and Samba. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "net/net.h"
#include "smb2/lease.h"
#include "smb2/session.h"
#include "smb2/wire/header.h"
#include "smb2/wire/negotiate.h"
#include "smb2/wire/oplock_break.h"
#include "smb2/wire/transform.h"
#include "smb2/wire/types.h"
#include "vfs/vfs.h"

/* What smb2_lease_send_break put on the wire (the transport is not linked in). */
static uint8_t *sent;
static size_t sent_len;

void net_conn_send(struct net_conn *c, uint8_t *buf, size_t len)
{
	(void)c;
	free(sent);
	sent = buf;
	sent_len = len;
}

void net_conn_send_tracked(struct net_conn *c, uint8_t *buf, size_t len)
{
	net_conn_send(c, buf, len);
}

static bool closed;
void net_conn_close(struct net_conn *c)
{
	(void)c;
	closed = true;
}

const char *net_conn_peer(const struct net_conn *c)
{
	(void)c;
	return "test";
}

#define R SMB2_LEASE_R
#define H SMB2_LEASE_H
#define W SMB2_LEASE_W

/* "RWH" -> bits, as smbtorture's smb2_util_lease_state. */
static uint32_t st(const char *s)
{
	uint32_t v = 0;
	for (; *s; s++)
		v |= *s == 'R' ? R : *s == 'H' ? H : *s == 'W' ? W : 0;
	return v;
}

static const uint8_t GUID1[16] = { 1 };
static const uint8_t GUID2[16] = { 2 };

static struct smb2_lease_req req_v1(uint8_t key0, const char *state)
{
	struct smb2_lease_req r = { 0 };
	r.key[0] = key0;
	r.key[1] = (uint8_t)~key0;
	r.state = st(state);
	return r;
}

static struct smb2_lease_req req_v2(uint8_t key0, const char *state, uint16_t epoch)
{
	struct smb2_lease_req r = req_v1(key0, state);
	r.v2 = true;
	r.epoch = epoch;
	return r;
}

static const struct smb2_lease_file FILE_A = { 1, 100, 0 };
static const struct smb2_lease_file FILE_B = { 1, 101, 0 };
static const struct smb2_lease_file FILE_A_STREAM = { 1, 100, 77 };
static const struct smb2_lease_name NAME_A = { "/srv/share", "share\\a.txt" };
static const struct smb2_lease_name NAME_B = { "/srv/share", "share\\b.txt" };
static const struct smb2_lease_name NAME_A_STREAM = { "/srv/share", "share\\a.txt:s" };

static const struct smb2_lease_others ALONE = { 0 };

/* A plain open of another client, for the break rules. */
static struct smb2_lease_open_intent plain(void)
{
	return (struct smb2_lease_open_intent){ .access = FILE_READ_DATA | FILE_WRITE_DATA,
						 .first_attempt = true };
}

/* smb2.lease.request: R, RH, RW, RWH granted as asked; H, W, HW without R get nothing. */
static void request_results(void **state)
{
	(void)state;
	static const char *table[][2] = {
		{ "", "" }, { "R", "R" }, { "H", "" }, { "W", "" },
		{ "RH", "RH" }, { "RW", "RW" }, { "HW", "" }, { "RHW", "RHW" },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_int_equal(smb2_lease_grant(st(table[i][0]), &ALONE), st(table[i][1]));
	/* Bits beyond RHW are not states. */
	assert_int_equal(smb2_lease_state_valid(0xF0u | R), R);
}

/* smb2.lease.break: "held, new, held broken to, new grant" for two lease keys. */
static void break_results(void **state)
{
	(void)state;
	static const char *table[][4] = {
		{ "R", "R", "R", "R" },       { "R", "RH", "R", "RH" },
		{ "R", "RW", "R", "R" },      { "R", "RHW", "R", "RH" },
		{ "RH", "R", "RH", "R" },     { "RH", "RH", "RH", "RH" },
		{ "RH", "RW", "RH", "R" },    { "RH", "RHW", "RH", "RH" },
		{ "RW", "R", "R", "R" },      { "RW", "RH", "R", "RH" },
		{ "RW", "RW", "R", "R" },     { "RW", "RHW", "R", "RH" },
		{ "RHW", "R", "RH", "R" },    { "RHW", "RH", "RH", "RH" },
		{ "RHW", "RW", "RH", "R" },   { "RHW", "RHW", "RH", "RH" },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct smb2_lease_open_intent in = plain();
		uint32_t held = st(table[i][0]);
		struct smb2_lease_break_need n = smb2_lease_break_for_open(&in, held, false);
		uint32_t after = n.needed ? n.to : held;
		assert_int_equal(after, st(table[i][2]));
		/* Breaking W needs the holder's ack before the CREATE goes on. */
		assert_int_equal(n.wait, (held & W) != 0);
		struct smb2_lease_others o = { .opens = true, .handle_lease = (after & H) != 0 };
		assert_int_equal(smb2_lease_grant(st(table[i][1]), &o), st(table[i][3]));
	}
}

/* smb2.lease.oplock: a lease holder against an oplock request, and the other way round. */
static void oplock_results(void **state)
{
	(void)state;
	static const struct {
		const char *held;
		uint8_t req;
		const char *broken_to;
		uint8_t granted;
	} lease_first[] = {
		{ "R", SMB2_OPLOCK_LEVEL_II, "R", SMB2_OPLOCK_LEVEL_II },
		{ "R", SMB2_OPLOCK_LEVEL_EXCLUSIVE, "R", SMB2_OPLOCK_LEVEL_II },
		{ "R", SMB2_OPLOCK_LEVEL_BATCH, "R", SMB2_OPLOCK_LEVEL_II },
		{ "RH", SMB2_OPLOCK_LEVEL_II, "RH", SMB2_OPLOCK_LEVEL_NONE },
		{ "RH", SMB2_OPLOCK_LEVEL_EXCLUSIVE, "RH", SMB2_OPLOCK_LEVEL_NONE },
		{ "RH", SMB2_OPLOCK_LEVEL_BATCH, "RH", SMB2_OPLOCK_LEVEL_NONE },
		{ "RW", SMB2_OPLOCK_LEVEL_II, "R", SMB2_OPLOCK_LEVEL_II },
		{ "RW", SMB2_OPLOCK_LEVEL_EXCLUSIVE, "R", SMB2_OPLOCK_LEVEL_II },
		{ "RW", SMB2_OPLOCK_LEVEL_BATCH, "R", SMB2_OPLOCK_LEVEL_II },
		{ "RHW", SMB2_OPLOCK_LEVEL_II, "RH", SMB2_OPLOCK_LEVEL_NONE },
		{ "RHW", SMB2_OPLOCK_LEVEL_EXCLUSIVE, "RH", SMB2_OPLOCK_LEVEL_NONE },
		{ "RHW", SMB2_OPLOCK_LEVEL_BATCH, "RH", SMB2_OPLOCK_LEVEL_NONE },
	};
	for (size_t i = 0; i < sizeof(lease_first) / sizeof(lease_first[0]); i++) {
		struct smb2_lease_open_intent in = plain();
		uint32_t held = st(lease_first[i].held);
		struct smb2_lease_break_need n = smb2_lease_break_for_open(&in, held, false);
		uint32_t after = n.needed ? n.to : held;
		assert_int_equal(after, st(lease_first[i].broken_to));
		struct smb2_lease_others o = { .opens = true, .handle_lease = (after & H) != 0 };
		assert_int_equal(smb2_lease_grant_oplock(lease_first[i].req, &o), lease_first[i].granted);
	}

	static const uint8_t levels[] = { SMB2_OPLOCK_LEVEL_II, SMB2_OPLOCK_LEVEL_EXCLUSIVE,
					  SMB2_OPLOCK_LEVEL_BATCH };
	static const char *asks[] = { "R", "RH", "RW", "RHW" };
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 4; j++) {
			/* The oplock holder is broken to level II; the lease gets R. */
			struct smb2_lease_open_intent in = plain();
			uint32_t held = smb2_lease_from_oplock(levels[i]);
			struct smb2_lease_break_need n = smb2_lease_break_for_open(&in, held, false);
			uint32_t after = n.needed ? n.to : held;
			assert_int_equal(smb2_lease_to_oplock(after), SMB2_OPLOCK_LEVEL_II);
			struct smb2_lease_others o = { .opens = true, .oplock = true };
			assert_int_equal(smb2_lease_grant(st(asks[j]), &o), R);
		}
}

static void oplock_level_mapping(void **state)
{
	(void)state;
	assert_int_equal(smb2_lease_to_oplock(st("RHW")), SMB2_OPLOCK_LEVEL_BATCH);
	assert_int_equal(smb2_lease_to_oplock(st("RW")), SMB2_OPLOCK_LEVEL_EXCLUSIVE);
	assert_int_equal(smb2_lease_to_oplock(st("RH")), SMB2_OPLOCK_LEVEL_II);
	assert_int_equal(smb2_lease_to_oplock(st("R")), SMB2_OPLOCK_LEVEL_II);
	assert_int_equal(smb2_lease_to_oplock(st("HW")), SMB2_OPLOCK_LEVEL_NONE);
	assert_int_equal(smb2_lease_from_oplock(SMB2_OPLOCK_LEVEL_LEASE), 0);
	/* The only open gets the oplock it asks for. */
	assert_int_equal(smb2_lease_grant_oplock(SMB2_OPLOCK_LEVEL_BATCH, &ALONE),
			 SMB2_OPLOCK_LEVEL_BATCH);
	/* Beside a holder that kept W (a stat open did not break it), nothing. */
	struct smb2_lease_others w = { .opens = true, .write = true };
	assert_int_equal(smb2_lease_grant_oplock(SMB2_OPLOCK_LEVEL_II, &w), SMB2_OPLOCK_LEVEL_NONE);
	assert_int_equal(smb2_lease_grant(st("RH"), &w), 0);
}

/* smb2.lease.statopen4: which access masks make a stat open (no break). */
static void stat_opens(void **state)
{
	(void)state;
	static const struct {
		uint32_t access;
		bool stat;
	} t[] = {
		{ FILE_READ_DATA, false }, { FILE_WRITE_DATA, false }, { FILE_READ_EA, false },
		{ FILE_WRITE_EA, false },  { FILE_EXECUTE, false },   { FILE_READ_ATTRIBUTES, true },
		{ FILE_WRITE_ATTRIBUTES, true }, { DELETE_ACCESS, false },  { READ_CONTROL, true },
		{ WRITE_DAC, false },      { WRITE_OWNER, false },    { SYNCHRONIZE, true },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(smb2_lease_is_stat_open(t[i].access), t[i].stat);
		struct smb2_lease_open_intent in = plain();
		in.access = t[i].access;
		struct smb2_lease_break_need n = smb2_lease_break_for_open(&in, st("RHW"), false);
		assert_int_equal(n.needed, !t[i].stat);
		/* A stat open does not even wait for a break in flight. */
		n = smb2_lease_break_for_open(&in, st("RHW"), true);
		if (t[i].stat)
			assert_false(n.wait);
	}
}

/* Share-mode conflicts break H (the holder may close cached handles) and keep W
 * (smb2.lease.break_twice: RWH -> RW, then a plain open RW -> R). */
static void sharing_violation_breaks_handle(void **state)
{
	(void)state;
	struct smb2_lease_open_intent in = plain();
	in.sharing_violation = true;
	struct smb2_lease_break_need n = smb2_lease_break_for_open(&in, st("RHW"), false);
	assert_true(n.needed);
	assert_int_equal(n.to, st("RW"));
	assert_true(n.wait);
	/* No H to break: no wait, the CREATE fails with the sharing violation at once. */
	n = smb2_lease_break_for_open(&in, st("RW"), false);
	assert_false(n.needed);
	assert_false(n.wait);
	/* An overwrite that conflicts does not break R. */
	in.overwrite = true;
	n = smb2_lease_break_for_open(&in, st("RH"), false);
	assert_int_equal(n.to, R);
	in = plain();
	n = smb2_lease_break_for_open(&in, st("RW"), false);
	assert_int_equal(n.to, R);
	assert_true(n.wait);
}

/* smb2.lease.unlink: a delete-on-close open breaks H as well as W (the name the handles are
 * cached under goes with its close) and waits for it; a stat open still breaks nothing. */
static void delete_on_close_breaks_handle(void **state)
{
	(void)state;
	struct smb2_lease_open_intent in = plain();
	in.access = DELETE_ACCESS;
	in.delete_on_close = true;
	struct smb2_lease_break_need n = smb2_lease_break_for_open(&in, st("RH"), false);
	assert_true(n.needed);
	assert_int_equal(n.to, R);
	assert_true(n.wait);
	n = smb2_lease_break_for_open(&in, st("RHW"), false);
	assert_int_equal(n.to, R);
	n = smb2_lease_break_for_open(&in, R, false);
	assert_false(n.needed);
	assert_false(n.wait);
	in.delete_on_close = false;   /* the same open without it keeps H */
	n = smb2_lease_break_for_open(&in, st("RH"), false);
	assert_false(n.needed);
	in.access = FILE_READ_ATTRIBUTES;
	in.delete_on_close = true;
	n = smb2_lease_break_for_open(&in, st("RH"), false);
	assert_false(n.needed);
}

/* Overwrites break to none; only a W holder is waited for (breaking2, breaking4, breaking5). */
static void overwrite_breaks_to_none(void **state)
{
	(void)state;
	struct smb2_lease_open_intent in = plain();
	in.overwrite = true;
	struct smb2_lease_break_need n = smb2_lease_break_for_open(&in, st("RHW"), false);
	assert_true(n.needed);
	assert_int_equal(n.to, 0);
	assert_true(n.wait);
	n = smb2_lease_break_for_open(&in, st("RH"), false);
	assert_int_equal(n.to, 0);
	assert_false(n.wait);   /* breaking4: the overwrite is not blocked */
	n = smb2_lease_break_for_open(&in, st("R"), false);
	assert_int_equal(n.to, 0);
	assert_false(n.wait);
	/* breaking4 again: RH still breaking to none, a second overwrite is not blocked. */
	n = smb2_lease_break_for_open(&in, st("RH"), true);
	assert_true(n.needed);
	assert_false(n.wait);
	/* ...but a re-run after a wait is held while a break is in flight (breaking3). */
	in.first_attempt = false;
	n = smb2_lease_break_for_open(&in, st("RH"), true);
	assert_true(n.wait);
	/* A plain open finds nothing to break but a break in flight: it waits (breaking3). */
	in = plain();
	in.first_attempt = false;
	n = smb2_lease_break_for_open(&in, st("RH"), true);
	assert_false(n.needed);
	assert_true(n.wait);
}

/* smb2.lease.upgrade2: uncontended, a change iff valid and a strict superset. */
static void upgrade2_matrix(void **state)
{
	(void)state;
	static const char *t[][3] = {
		{ "", "", "" },        { "", "R", "R" },        { "", "RH", "RH" },
		{ "", "RW", "RW" },    { "", "RWH", "RWH" },    { "R", "", "R" },
		{ "R", "R", "R" },     { "R", "RH", "RH" },     { "R", "RW", "RW" },
		{ "R", "RWH", "RWH" }, { "RH", "", "RH" },      { "RH", "R", "RH" },
		{ "RH", "RH", "RH" },  { "RH", "RW", "RH" },    { "RH", "RWH", "RWH" },
		{ "RW", "", "RW" },    { "RW", "R", "RW" },     { "RW", "RH", "RW" },
		{ "RW", "RW", "RW" },  { "RW", "RWH", "RWH" },  { "RWH", "", "RWH" },
		{ "RWH", "R", "RWH" }, { "RWH", "RH", "RWH" },  { "RWH", "RW", "RWH" },
		{ "RWH", "RWH", "RWH" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct smb2_lease l = { .v2 = true, .state = st(t[i][0]), .epoch = 5 };
		bool changed = smb2_lease_upgrade(&l, st(t[i][1]), &ALONE);
		assert_int_equal(l.state, st(t[i][2]));
		assert_int_equal(changed, st(t[i][0]) != st(t[i][2]));
		assert_int_equal(l.epoch, changed ? 6 : 5);
	}
}

/* smb2.lease.upgrade3: beside a second lease, all of the upgrade or nothing, no break. */
static void upgrade3_matrix(void **state)
{
	(void)state;
	static const char *t[][4] = {
		{ "R", "R", "", "R" },     { "R", "R", "R", "R" },      { "R", "R", "RW", "R" },
		{ "R", "R", "RH", "RH" },  { "R", "R", "RHW", "R" },    { "R", "RH", "", "R" },
		{ "R", "RH", "R", "R" },   { "R", "RH", "RW", "R" },    { "R", "RH", "RH", "RH" },
		{ "R", "RH", "RHW", "R" }, { "RH", "R", "", "RH" },     { "RH", "R", "R", "RH" },
		{ "RH", "R", "RW", "RH" }, { "RH", "R", "RH", "RH" },   { "RH", "R", "RHW", "RH" },
		{ "RH", "RH", "", "RH" },  { "RH", "RH", "R", "RH" },   { "RH", "RH", "RW", "RH" },
		{ "RH", "RH", "RH", "RH" }, { "RH", "RH", "RHW", "RH" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct smb2_lease l = { .state = st(t[i][0]) };
		struct smb2_lease_others o = { .opens = true,
					       .handle_lease = (st(t[i][1]) & H) != 0 };
		smb2_lease_upgrade(&l, st(t[i][2]), &o);
		assert_int_equal(l.state, st(t[i][3]));
	}
}

/* smb2.lease.upgrade and breaking1: no upgrade while a break is in flight. */
static void no_upgrade_while_breaking(void **state)
{
	(void)state;
	struct smb2_lease l = { .state = st("RH"), .breaking = true, .break_to = R };
	assert_false(smb2_lease_upgrade(&l, st("RHW"), &ALONE));
	assert_int_equal(l.state, st("RH"));
}

/* breaking2: break RWH to none, the ack must be exactly within what was asked. */
static void ack_validation(void **state)
{
	(void)state;
	struct smb2_lease l = { .state = st("RHW") };
	struct smb2_lease_break_msg msg, next;
	bool send_next;

	assert_int_equal(smb2_lease_ack(NULL, 0, &next, &send_next), STATUS_OBJECT_NAME_NOT_FOUND);
	assert_int_equal(smb2_lease_ack(&l, 0, &next, &send_next), STATUS_UNSUCCESSFUL);
	assert_true(smb2_lease_break_start(&l, 0, &msg));
	assert_true(msg.ack_required);
	assert_int_equal(msg.from, st("RHW"));
	assert_int_equal(msg.to, 0);
	static const char *wrong[] = { "RWH", "RW", "WH", "RH", "W", "H", "R" };
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(smb2_lease_ack(&l, st(wrong[i]), &next, &send_next),
				 STATUS_REQUEST_NOT_ACCEPTED);
		assert_true(l.breaking);
	}
	assert_int_equal(smb2_lease_ack(&l, 0, &next, &send_next), STATUS_SUCCESS);
	assert_false(send_next);
	assert_false(l.breaking);
	assert_int_equal(l.state, 0);
	/* A second ack: nothing is breaking any more. */
	assert_int_equal(smb2_lease_ack(&l, 0, &next, &send_next), STATUS_UNSUCCESSFUL);
}

/* breaking6: asked for RH, the client may give up more. */
static void ack_below_target(void **state)
{
	(void)state;
	struct smb2_lease l = { .state = st("RHW") };
	struct smb2_lease_break_msg msg, next;
	bool send_next;

	assert_true(smb2_lease_break_start(&l, st("RH"), &msg));
	assert_int_equal(smb2_lease_ack(&l, 0, &next, &send_next), STATUS_SUCCESS);
	assert_false(send_next);
	assert_int_equal(l.state, 0);
}

/* v2_breaking3: RWH -> RH asked; an overwrite comes meanwhile; the ack of RH brings RH -> R
 * (acknowledged) and then R -> none (not acknowledged), all with the first break's epoch. */
static void breaking3_steps(void **state)
{
	(void)state;
	struct smb2_lease l = { .v2 = true, .state = st("RHW"), .epoch = 0x12 };
	struct smb2_lease_break_msg msg, next;
	bool send_next;

	assert_true(smb2_lease_break_start(&l, st("RH"), &msg));
	assert_int_equal(msg.epoch, 0x13);
	assert_true(msg.ack_required);
	/* The overwrite's break to none is folded into the one in flight. */
	assert_false(smb2_lease_break_start(&l, 0, &msg));
	assert_int_equal(l.break_to, st("RH"));

	assert_int_equal(smb2_lease_ack(&l, st("RH"), &next, &send_next), STATUS_SUCCESS);
	assert_true(send_next);
	assert_int_equal(next.from, st("RH"));
	assert_int_equal(next.to, R);
	assert_true(next.ack_required);
	assert_int_equal(next.epoch, 0x13);
	assert_true(l.breaking);
	assert_int_equal(l.state, st("RH"));

	assert_int_equal(smb2_lease_ack(&l, R, &next, &send_next), STATUS_SUCCESS);
	assert_true(send_next);
	assert_int_equal(next.from, R);
	assert_int_equal(next.to, 0);
	assert_false(next.ack_required);
	assert_int_equal(next.epoch, 0x13);
	assert_false(l.breaking);
	assert_int_equal(l.state, 0);
}

/* breaking5 / nobreakself: R breaks to none at once, no ack; a late ack is refused. */
static void read_only_breaks_without_ack(void **state)
{
	(void)state;
	struct smb2_lease l = { .v2 = false, .state = R, .epoch = 9 };
	struct smb2_lease_break_msg msg, next;
	bool send_next;

	assert_true(smb2_lease_break_start(&l, 0, &msg));
	assert_false(msg.ack_required);
	assert_int_equal(msg.epoch, 0);   /* v1 notifications carry no epoch */
	assert_int_equal(l.state, 0);
	assert_false(l.breaking);
	assert_int_equal(smb2_lease_ack(&l, 0, &next, &send_next), STATUS_UNSUCCESSFUL);
	/* Nothing lower to go to: no notification. */
	assert_false(smb2_lease_break_start(&l, 0, &msg));
	l.state = st("RH");
	assert_false(smb2_lease_break_start(&l, st("RH"), &msg));
}

/* smb2.lease.timeout: an unanswered break leaves the lease with nothing. */
static void timeout_drops_everything(void **state)
{
	(void)state;
	struct smb2_lease l = { .state = st("RHW") };
	struct smb2_lease_break_msg msg, next;
	bool send_next;

	assert_true(smb2_lease_break_start(&l, st("RH"), &msg));
	smb2_lease_break_timeout(&l);
	assert_false(l.breaking);
	assert_int_equal(l.state, 0);
	assert_int_equal(smb2_lease_ack(&l, st("RH"), &next, &send_next), STATUS_UNSUCCESSFUL);
}

/* The response context: current state, BREAK_IN_PROGRESS while breaking, epoch and parent
 * for v2 only. */
static void response_fields(void **state)
{
	(void)state;
	struct smb2_lease l = { .v2 = true, .state = st("RHW"), .breaking = true, .epoch = 7,
				.has_parent = true };
	l.key[0] = 0xAB;
	l.parent_key[0] = 0xCD;
	struct smb2_lease_req rsp;
	smb2_lease_response(&l, &rsp);
	assert_true(rsp.v2);
	assert_int_equal(rsp.key[0], 0xAB);
	assert_int_equal(rsp.state, st("RHW"));
	assert_int_equal(rsp.flags, SMB2_LEASE_FLAG_BREAK_IN_PROGRESS |
					    SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET);
	assert_int_equal(rsp.parent_key[0], 0xCD);
	assert_int_equal(rsp.epoch, 7);
	l.v2 = false;
	l.breaking = false;
	smb2_lease_response(&l, &rsp);
	assert_false(rsp.v2);
	assert_int_equal(rsp.flags, 0);
	assert_int_equal(rsp.epoch, 0);
	assert_int_equal(rsp.parent_key[0], 0);
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* MS-SMB2 2.2.23.2: the notification's fields where the client reads them. */
static void break_notification_bytes(void **state)
{
	(void)state;
	struct smb2_lease_break_msg m = { .from = st("RHW"), .to = st("RH"), .epoch = 0x4713,
					  .ack_required = true };
	m.key[0] = 0x0D;
	m.key[15] = 0xBA;
	smb2_lease_send_break(NULL, &m, NULL);
	assert_non_null(sent);
	/* after the 4-byte transport header: the SMB2 header, then the 44-byte body */
	assert_int_equal(sent_len, SMB2_HDR_SIZE + SMB2_LEASE_BREAK_NOTIFY_SS);
	const uint8_t *h = sent + 4;
	assert_memory_equal(h, "\xfeSMB", 4);
	assert_int_equal(h[12] | h[13] << 8, SMB2_OPLOCK_BREAK);
	assert_int_equal(get32(h + 16) & SMB2_FLAGS_SERVER_TO_REDIR, SMB2_FLAGS_SERVER_TO_REDIR);
	for (int i = 24; i < 32; i++)
		assert_int_equal(h[i], 0xFF);   /* MessageId all ones */
	const uint8_t *b = h + SMB2_HDR_SIZE;
	assert_int_equal(b[0] | b[1] << 8, 44);
	assert_int_equal(b[2] | b[3] << 8, 0x4713);
	assert_int_equal(get32(b + 4), SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED);
	assert_int_equal(b[8], 0x0D);
	assert_int_equal(b[23], 0xBA);
	assert_int_equal(get32(b + 24), st("RHW"));
	assert_int_equal(get32(b + 28), st("RH"));
	m.ack_required = false;
	smb2_lease_send_break(NULL, &m, NULL);
	assert_int_equal(get32(sent + 4 + SMB2_HDR_SIZE + 4), 0);
	free(sent);
	sent = NULL;
}

/* MS-SMB2 3.3.4.1.4: a break to a session (or share) that encrypts goes out in a TRANSFORM
 * sealed with the session's key, the inner header naming the session. */
static void sealed_break(void **state)
{
	(void)state;
	static struct smb2_session s;   /* static: large, and zeroed */
	assert_true(crypto_init());
	s.id = 0x1122334455667788ull;
	s.cipher = SMB2_CIPHER_AES128_CCM;
	for (int i = 0; i < 16; i++)
		s.enc_key[i] = (uint8_t)(0x40 + i);
	smb2_nonce_init(&s.nonces);
	struct smb2_lease_break_msg m = { .from = st("RH"), .to = st("R"), .epoch = 3,
					  .ack_required = true };
	m.key[0] = 0x5A;
	closed = false;
	smb2_lease_send_break(NULL, &m, &s);
	assert_false(closed);
	assert_non_null(sent);
	assert_int_equal(sent_len, SMB2_TRANSFORM_HDR_SIZE + SMB2_HDR_SIZE + SMB2_LEASE_BREAK_NOTIFY_SS);
	assert_memory_equal(sent + 4, "\xfdSMB", 4);
	uint8_t plain[SMB2_HDR_SIZE + SMB2_LEASE_BREAK_NOTIFY_SS];
	size_t plen = 0;
	assert_true(smb2_decrypt(s.cipher, s.enc_key, sent + 4, sent_len, plain, &plen));
	assert_int_equal(plen, sizeof(plain));
	assert_memory_equal(plain, "\xfeSMB", 4);
	assert_int_equal(plain[12] | plain[13] << 8, SMB2_OPLOCK_BREAK);
	assert_int_equal(get32(plain + 40) | (uint64_t)get32(plain + 44) << 32, s.id);
	assert_int_equal(plain[SMB2_HDR_SIZE + 8], 0x5A);
	assert_int_equal(get32(plain + SMB2_HDR_SIZE + 28), st("R"));
	/* a wrong key does not open it: it is sealed, not merely wrapped */
	s.enc_key[0] ^= 1;
	assert_false(smb2_decrypt(s.cipher, s.enc_key, sent + 4, sent_len, plain, &plen));
	free(sent);
	sent = NULL;
}

/* RqLs bodies: v1 (32 bytes) and v2 (52 bytes). */
static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* MS-SMB2 3.3.5.9.8: which CREATEs' lease requests are acted on. */
static void create_request_gating(void **state)
{
	(void)state;
	uint8_t v1[32] = { 0x11 }, v2[52] = { 0x22 }, bad[31] = { 0 };
	put32(v1 + 16, st("RWH"));
	put32(v2 + 16, st("RH"));
	put32(v2 + 20, SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET);
	v2[32] = 0x77;                /* parent key */
	v2[48] = 0x34;                /* epoch 0x1234 */
	v2[49] = 0x12;
	struct smb2_create_ctx_list l = { .count = 1 };
	l.ctx[0] = (struct smb2_create_ctx){ .name = (const uint8_t *)"RqLs", .name_len = 4,
					      .data = v1, .data_len = sizeof(v1) };
	struct smb2_lease_req r;
	NTSTATUS status;

	assert_true(smb2_lease_create_request(SMB2_DIALECT_210, true, SMB2_OPLOCK_LEVEL_LEASE, &l,
					      &r, &status));
	assert_int_equal(status, STATUS_SUCCESS);
	assert_false(r.v2);
	assert_int_equal(r.key[0], 0x11);
	assert_int_equal(r.state, st("RWH"));
	/* Not LEASE as the oplock level, 2.0.2, or `leases = no`: ignored. */
	assert_false(smb2_lease_create_request(SMB2_DIALECT_210, true, SMB2_OPLOCK_LEVEL_BATCH, &l,
					       &r, &status));
	assert_false(smb2_lease_create_request(SMB2_DIALECT_202, true, SMB2_OPLOCK_LEVEL_LEASE, &l,
					       &r, &status));
	assert_false(smb2_lease_create_request(SMB2_DIALECT_311, false, SMB2_OPLOCK_LEVEL_LEASE, &l,
					       &r, &status));
	assert_int_equal(status, STATUS_SUCCESS);
	/* v2 on 3.x keeps its parent key and epoch; on 2.1 it is read as v1. */
	l.ctx[0].data = v2;
	l.ctx[0].data_len = sizeof(v2);
	assert_true(smb2_lease_create_request(SMB2_DIALECT_300, true, SMB2_OPLOCK_LEVEL_LEASE, &l,
					      &r, &status));
	assert_true(r.v2);
	assert_int_equal(r.epoch, 0x1234);
	assert_int_equal(r.parent_key[0], 0x77);
	assert_int_equal(r.flags, SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET);
	assert_true(smb2_lease_create_request(SMB2_DIALECT_210, true, SMB2_OPLOCK_LEVEL_LEASE, &l,
					      &r, &status));
	assert_false(r.v2);
	assert_int_equal(r.epoch, 0);
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.parent_key[0], 0);
	assert_int_equal(r.state, st("RH"));
	/* A body of another size fails the CREATE. */
	l.ctx[0].data = bad;
	l.ctx[0].data_len = sizeof(bad);
	assert_false(smb2_lease_create_request(SMB2_DIALECT_300, true, SMB2_OPLOCK_LEVEL_LEASE, &l,
					       &r, &status));
	assert_int_equal(status, STATUS_INVALID_PARAMETER);
	/* No RqLs at all: nothing to act on. */
	l.count = 0;
	assert_false(smb2_lease_create_request(SMB2_DIALECT_300, true, SMB2_OPLOCK_LEVEL_LEASE, &l,
					       &r, &status));
	assert_int_equal(status, STATUS_SUCCESS);
}

static int table_setup(void **state)
{
	struct smb2_leases *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	smb2_leases_init(t);
	*state = t;
	return 0;
}

static int table_teardown(void **state)
{
	struct smb2_leases *t = *state;
	smb2_leases_fini(t);
	free(t);
	return 0;
}

/* smb2.lease.request: one key, one file (a stream is another file); keys are per client. */
static void table_key_per_file(void **state)
{
	struct smb2_leases *t = *state;
	struct smb2_lease *l1, *l2, *l3;
	bool created;
	struct smb2_lease_req r = req_v1(0x11, "RHW");

	assert_int_equal(smb2_lease_open(t, GUID1, &r, &FILE_A, &NAME_A, &l1, &created), STATUS_SUCCESS);
	assert_true(created);
	assert_int_equal(l1->state, 0);
	smb2_lease_set_initial(l1, smb2_lease_grant(r.state, &ALONE));
	assert_int_equal(l1->state, st("RHW"));
	assert_int_equal(smb2_lease_match(t, GUID1, r.key, &FILE_B, &NAME_B, &l2),
			 SMB2_LEASE_MATCH_OTHER_FILE);
	assert_int_equal(smb2_lease_match(t, GUID1, r.key, &FILE_A_STREAM, &NAME_A_STREAM, &l2),
			 SMB2_LEASE_MATCH_OTHER_FILE);
	assert_int_equal(smb2_lease_match(t, GUID1, r.key, &FILE_A, &NAME_A, &l2),
			 SMB2_LEASE_MATCH_OK);
	assert_ptr_equal(l2, l1);
	assert_int_equal(smb2_lease_match(t, GUID2, r.key, &FILE_B, &NAME_B, &l2),
			 SMB2_LEASE_MATCH_OK);
	assert_null(l2);
	/* The same key of another client is another lease. */
	assert_int_equal(smb2_lease_open(t, GUID2, &r, &FILE_B, &NAME_B, &l2, &created), STATUS_SUCCESS);
	assert_true(created);
	assert_ptr_not_equal(l1, l2);
	/* A second open under the key shares the lease. */
	assert_int_equal(smb2_lease_open(t, GUID1, &r, &FILE_A, &NAME_A, &l3, &created), STATUS_SUCCESS);
	assert_false(created);
	assert_ptr_equal(l3, l1);
	assert_int_equal(l1->opens, 2);
	assert_ptr_equal(smb2_lease_lookup(t, GUID1, r.key), l1);
	assert_int_equal(t->count, 2);

	/* The lease goes with its last open; the key is then free for another file. */
	assert_false(smb2_lease_close(t, l1));
	assert_true(smb2_lease_close(t, l1));
	assert_null(smb2_lease_lookup(t, GUID1, r.key));
	assert_int_equal(smb2_lease_open(t, GUID1, &r, &FILE_B, &NAME_B, &l1, &created), STATUS_SUCCESS);
	assert_true(created);
	assert_true(smb2_lease_close(t, l1));
	assert_true(smb2_lease_close(t, l2));
	assert_int_equal(t->count, 0);
}

/* A timer's reference keeps the lease; a key whose opens are gone may move to another file. */
static void table_refs(void **state)
{
	struct smb2_leases *t = *state;
	struct smb2_lease *l, *again;
	bool created;
	struct smb2_lease_req r = req_v1(0x22, "RH");

	assert_int_equal(smb2_lease_open(t, GUID1, &r, &FILE_A, &NAME_A, &l, &created), STATUS_SUCCESS);
	smb2_lease_set_initial(l, st("RH"));
	struct smb2_lease_break_msg msg;
	assert_true(smb2_lease_break_start(l, R, &msg));
	l->timer = 42;
	smb2_lease_ref(l);
	assert_false(smb2_lease_close(t, l));
	assert_ptr_equal(smb2_lease_lookup(t, GUID1, r.key), l);
	/* Its last open gone, the lease is over: no state, no break, no timer to honour. */
	assert_int_equal(l->state, 0);
	assert_false(l->breaking);
	assert_int_equal(l->timer, 0);
	assert_int_equal(smb2_lease_open(t, GUID1, &r, &FILE_B, &NAME_B, &again, &created), STATUS_SUCCESS);
	assert_ptr_equal(again, l);
	assert_false(created);
	assert_int_equal(l->state, 0);
	assert_int_equal(l->file.ino, FILE_B.ino);
	assert_false(smb2_lease_close(t, l));
	assert_true(smb2_lease_unref(t, l));
	assert_int_equal(t->count, 0);
}

/* v2_epoch1/2/3: a new v2 lease starts at the client's epoch + 1 when granted; an upgrade
 * raises it; the version is the one the lease was made with (a v1 request on a v2 lease gets
 * a v2 answer and the other way round). */
static void table_epochs_and_versions(void **state)
{
	struct smb2_leases *t = *state;
	struct smb2_lease *l, *again;
	bool created;
	struct smb2_lease_req r2 = req_v2(0x33, "R", 0x4711);
	struct smb2_lease_req r1 = req_v1(0x33, "RH");
	struct smb2_lease_req rsp;

	assert_int_equal(smb2_lease_open(t, GUID1, &r2, &FILE_A, &NAME_A, &l, &created), STATUS_SUCCESS);
	smb2_lease_set_initial(l, smb2_lease_grant(r2.state, &ALONE));
	smb2_lease_response(l, &rsp);
	assert_true(rsp.v2);
	assert_int_equal(rsp.epoch, 0x4712);
	assert_int_equal(smb2_lease_open(t, GUID1, &r1, &FILE_A, &NAME_A, &again, &created), STATUS_SUCCESS);
	assert_true(smb2_lease_upgrade(again, r1.state, &ALONE));
	smb2_lease_response(again, &rsp);
	assert_true(rsp.v2);
	assert_int_equal(rsp.state, st("RH"));
	assert_int_equal(rsp.epoch, 0x4713);
	smb2_lease_close(t, l);
	smb2_lease_close(t, l);

	struct smb2_lease_req v1 = req_v1(0x44, "R");
	struct smb2_lease_req v2 = req_v2(0x44, "RW", 0x4711);
	assert_int_equal(smb2_lease_open(t, GUID1, &v1, &FILE_A, &NAME_A, &l, &created), STATUS_SUCCESS);
	smb2_lease_set_initial(l, R);
	assert_int_equal(smb2_lease_open(t, GUID1, &v2, &FILE_A, &NAME_A, &again, &created), STATUS_SUCCESS);
	smb2_lease_upgrade(again, v2.state, &ALONE);
	smb2_lease_response(again, &rsp);
	assert_false(rsp.v2);
	assert_int_equal(rsp.state, st("RW"));
	assert_int_equal(rsp.epoch, 0);
	smb2_lease_close(t, l);
	smb2_lease_close(t, l);
	assert_int_equal(t->count, 0);
}

/* v2: the parent key is kept only when the client flags it. */
static void table_parent_key(void **state)
{
	struct smb2_leases *t = *state;
	struct smb2_lease *l;
	bool created;
	struct smb2_lease_req r = req_v2(0x55, "RH", 1);

	r.parent_key[0] = 0x99;
	assert_int_equal(smb2_lease_open(t, GUID1, &r, &FILE_A, &NAME_A, &l, &created), STATUS_SUCCESS);
	assert_false(l->has_parent);
	smb2_lease_close(t, l);
	r.flags = SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET;
	assert_int_equal(smb2_lease_open(t, GUID1, &r, &FILE_A, &NAME_A, &l, &created), STATUS_SUCCESS);
	assert_true(l->has_parent);
	assert_int_equal(l->parent_key[0], 0x99);
	smb2_lease_close(t, l);
}

/* ---- Directory leases ---- */

static const struct smb2_lease_file DIR_D = { 1, 200, 0 };
static const struct smb2_lease_file DIR_E = { 1, 201, 0 };

/* smb2.lease.v2_request: RHW on a directory gets RH; RW gets R; no R, nothing. */
static void dir_request_results(void **state)
{
	(void)state;
	assert_int_equal(smb2_lease_dir_state_valid(st("RHW")), st("RH"));
	assert_int_equal(smb2_lease_dir_state_valid(st("RH")), st("RH"));
	assert_int_equal(smb2_lease_dir_state_valid(st("RW")), st("R"));
	assert_int_equal(smb2_lease_dir_state_valid(st("R")), st("R"));
	assert_int_equal(smb2_lease_dir_state_valid(st("HW")), 0);
	assert_int_equal(smb2_lease_dir_state_valid(st("H")), 0);
}

/* A lease of GUID1 under key 0x22 on `dir`, in `state`. */
static struct smb2_lease dir_lease(const struct smb2_lease_file *dir, const char *state)
{
	struct smb2_lease l = { .file = *dir, .state = st(state), .v2 = true };
	memcpy(l.client_guid, GUID1, 16);
	l.key[0] = 0x22;
	l.key[1] = (uint8_t)~0x22;
	return l;
}

static struct smb2_dir_change change_in(const struct smb2_lease_file *d1,
					const struct smb2_lease_file *d2, const uint8_t *guid)
{
	struct smb2_dir_change c = { .client_guid = guid };
	c.dirs[c.ndirs++] = *d1;
	if (d2)
		c.dirs[c.ndirs++] = *d2;
	return c;
}

/* A change in the leased directory breaks RH and R to none; one elsewhere breaks nothing; a
 * rename breaks both its directories (the old parent and the new). */
static void dir_change_breaks_parent(void **state)
{
	(void)state;
	struct smb2_lease rh = dir_lease(&DIR_D, "RH");
	struct smb2_lease r = dir_lease(&DIR_D, "R");
	struct smb2_lease none = dir_lease(&DIR_D, "");
	struct smb2_dir_change in_d = change_in(&DIR_D, NULL, GUID2);
	struct smb2_dir_change in_e = change_in(&DIR_E, NULL, GUID2);
	struct smb2_dir_change e_to_d = change_in(&DIR_E, &DIR_D, GUID2);
	struct smb2_dir_change d_to_e = change_in(&DIR_D, &DIR_E, GUID2);

	assert_int_equal(smb2_lease_dir_break_to(&rh, &in_d), 0);
	assert_int_equal(smb2_lease_dir_break_to(&r, &in_d), 0);
	assert_int_equal(smb2_lease_dir_break_to(&none, &in_d), 0);
	assert_int_equal(smb2_lease_dir_break_to(&rh, &in_e), st("RH"));
	assert_int_equal(smb2_lease_dir_break_to(&rh, &e_to_d), 0);   /* renamed into D */
	assert_int_equal(smb2_lease_dir_break_to(&rh, &d_to_e), 0);   /* renamed out of D */
	/* a stream of the directory's inode is not the directory */
	struct smb2_lease_file d_stream = { DIR_D.dev, DIR_D.ino, 5 };
	struct smb2_dir_change in_stream = change_in(&d_stream, NULL, GUID2);
	assert_int_equal(smb2_lease_dir_break_to(&rh, &in_stream), st("RH"));
}

/* MS-FSA 2.1.4.12.2 (PARENT_OBJECT): the open whose ParentLeaseKey is the directory lease's key,
 * under the same client, breaks nothing; another key, no parent key or another client does. */
static void dir_change_parent_key_exempt(void **state)
{
	(void)state;
	struct smb2_lease rh = dir_lease(&DIR_D, "RH");
	struct smb2_dir_change c = change_in(&DIR_D, NULL, GUID1);

	assert_int_equal(smb2_lease_dir_break_to(&rh, &c), 0);   /* no parent key */
	c.has_parent_key = true;
	memcpy(c.parent_key, rh.key, 16);
	assert_int_equal(smb2_lease_dir_break_to(&rh, &c), st("RH"));
	struct smb2_dir_change moved = change_in(&DIR_E, &DIR_D, GUID1);
	moved.has_parent_key = true;
	memcpy(moved.parent_key, rh.key, 16);
	assert_int_equal(smb2_lease_dir_break_to(&rh, &moved), st("RH"));
	c.client_guid = GUID2;                                   /* the same key, another client */
	assert_int_equal(smb2_lease_dir_break_to(&rh, &c), 0);
	c.client_guid = GUID1;
	c.parent_key[0] ^= 1;                                    /* another key */
	assert_int_equal(smb2_lease_dir_break_to(&rh, &c), 0);
}

/* The break of a directory lease follows the file lease rules: RH needs an ack and raises the
 * epoch (v2_request: epoch + 2 after the grant), R goes at once; a second change while the
 * break is in flight sends nothing more. */
static void dir_break_epochs(void **state)
{
	(void)state;
	struct smb2_lease rh = dir_lease(&DIR_D, "RH");
	struct smb2_lease_break_msg m;

	rh.epoch = 0x23;
	assert_true(smb2_lease_break_start(&rh, 0, &m));
	assert_true(m.ack_required);
	assert_int_equal(m.from, st("RH"));
	assert_int_equal(m.to, 0);
	assert_int_equal(m.epoch, 0x24);
	assert_false(smb2_lease_break_start(&rh, 0, &m));
	struct smb2_lease r = dir_lease(&DIR_D, "R");
	assert_true(smb2_lease_break_start(&r, 0, &m));
	assert_false(m.ack_required);
	assert_int_equal(r.state, 0);
}

/* smb2.lease.dynamic_share: the same name on a share whose path varies per connection is another
 * file; its open gets the key without caching (OTHER_TREE), and then both files' leases share the
 * key. Any other name, or the same name in the same directory, stays one key, one file. */
static void table_key_on_dynamic_share(void **state)
{
	struct smb2_leases *t = *state;
	struct smb2_lease *l1, *l2, *mine;
	bool created;
	struct smb2_lease_req r = req_v1(0x66, "RHW");
	const struct smb2_lease_file file1 = { 1, 200, 0 }, file2 = { 1, 300, 0 };
	const struct smb2_lease_name tree1 = { "/srv/dyn/20260101_000000", "dyn\\f.dat" };
	const struct smb2_lease_name tree2 = { "/srv/dyn/20260101_000002", "DYN\\F.dat" };
	const struct smb2_lease_name tree2_other = { "/srv/dyn/20260101_000002", "dyn\\g.dat" };
	const struct smb2_lease_name tree1_again = { "/srv/dyn/20260101_000000", "dyn\\f.dat" };

	assert_int_equal(smb2_lease_match(t, GUID1, r.key, &file1, &tree1, &mine),
			 SMB2_LEASE_MATCH_OK);
	assert_int_equal(smb2_lease_open(t, GUID1, &r, &file1, &tree1, &l1, &created),
			 STATUS_SUCCESS);
	smb2_lease_set_initial(l1, st("RHW"));
	/* Same name (compared as Windows does), other directory: no caching, other file's broken */
	assert_int_equal(smb2_lease_match(t, GUID1, r.key, &file2, &tree2, &mine),
			 SMB2_LEASE_MATCH_OTHER_TREE);
	assert_null(mine);
	/* Another name there, or another file of the same directory: the spec's refusal */
	assert_int_equal(smb2_lease_match(t, GUID1, r.key, &file2, &tree2_other, &mine),
			 SMB2_LEASE_MATCH_OTHER_FILE);
	assert_int_equal(smb2_lease_match(t, GUID1, r.key, &file2, &tree1_again, &mine),
			 SMB2_LEASE_MATCH_OTHER_FILE);
	assert_int_equal(smb2_lease_open(t, GUID1, &r, &file2, &tree2, &l2, &created),
			 STATUS_SUCCESS);
	assert_true(created);
	assert_ptr_not_equal(l1, l2);
	assert_int_equal(l2->state, 0);
	/* Back on the first file: its own lease, still the other tree's case. */
	assert_int_equal(smb2_lease_match(t, GUID1, r.key, &file1, &tree1, &mine),
			 SMB2_LEASE_MATCH_OTHER_TREE);
	assert_ptr_equal(mine, l1);
	unsigned n = 0;
	for (struct smb2_lease *l = smb2_lease_next(t, GUID1, r.key, NULL); l;
	     l = smb2_lease_next(t, GUID1, r.key, l))
		n++;
	assert_int_equal(n, 2);
	/* An acknowledgement finds the lease that is breaking. */
	struct smb2_lease_break_msg msg;
	assert_true(smb2_lease_break_start(l1, 0, &msg));
	assert_ptr_equal(smb2_lease_lookup(t, GUID1, r.key), l1);
	assert_int_equal(smb2_lease_ack(l1, 0, &msg, &created), STATUS_SUCCESS);
	/* The first file's opens gone, the key is on the second file alone again. */
	assert_true(smb2_lease_close(t, l1));
	assert_int_equal(smb2_lease_match(t, GUID1, r.key, &file2, &tree2, &mine),
			 SMB2_LEASE_MATCH_OK);
	assert_ptr_equal(mine, l2);
	assert_true(smb2_lease_close(t, l2));
	assert_int_equal(t->count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_results),
		cmocka_unit_test(break_results),
		cmocka_unit_test(oplock_results),
		cmocka_unit_test(oplock_level_mapping),
		cmocka_unit_test(stat_opens),
		cmocka_unit_test(sharing_violation_breaks_handle),
		cmocka_unit_test(overwrite_breaks_to_none),
		cmocka_unit_test(delete_on_close_breaks_handle),
		cmocka_unit_test(upgrade2_matrix),
		cmocka_unit_test(upgrade3_matrix),
		cmocka_unit_test(no_upgrade_while_breaking),
		cmocka_unit_test(ack_validation),
		cmocka_unit_test(ack_below_target),
		cmocka_unit_test(breaking3_steps),
		cmocka_unit_test(read_only_breaks_without_ack),
		cmocka_unit_test(timeout_drops_everything),
		cmocka_unit_test(response_fields),
		cmocka_unit_test(break_notification_bytes),
		cmocka_unit_test(sealed_break),
		cmocka_unit_test(create_request_gating),
		cmocka_unit_test_setup_teardown(table_key_per_file, table_setup, table_teardown),
		cmocka_unit_test_setup_teardown(table_refs, table_setup, table_teardown),
		cmocka_unit_test_setup_teardown(table_epochs_and_versions, table_setup,
						table_teardown),
		cmocka_unit_test_setup_teardown(table_parent_key, table_setup, table_teardown),
		cmocka_unit_test(dir_request_results),
		cmocka_unit_test(dir_change_breaks_parent),
		cmocka_unit_test(dir_change_parent_key_exempt),
		cmocka_unit_test(dir_break_epochs),

		cmocka_unit_test_setup_teardown(table_key_on_dynamic_share, table_setup,
						table_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
