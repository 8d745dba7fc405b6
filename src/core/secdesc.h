/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Windows security descriptor model (MS-DTYP 2.4): SIDs, ACEs, ACLs, descriptors. Types,
 * spec constants and small helpers only; shared by the wire codec (smb2/wire/security.c, bytes
 * <-> this model) and the VFS (vfs/vfs_acl.c, POSIX <-> this model), which may not link each other.
 */
#ifndef SKIFF_SECDESC_H
#define SKIFF_SECDESC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* AdditionalInformation / SecurityInformation bits (MS-DTYP 2.4.7, MS-SMB2 2.2.37). */
#define OWNER_SECURITY_INFORMATION     0x00000001u
#define GROUP_SECURITY_INFORMATION     0x00000002u
#define DACL_SECURITY_INFORMATION      0x00000004u
#define SACL_SECURITY_INFORMATION      0x00000008u
#define LABEL_SECURITY_INFORMATION     0x00000010u
#define ATTRIBUTE_SECURITY_INFORMATION 0x00000020u
#define SCOPE_SECURITY_INFORMATION     0x00000040u
#define BACKUP_SECURITY_INFORMATION    0x00010000u

/* SECURITY_DESCRIPTOR Control (MS-DTYP 2.4.6). */
#define SE_OWNER_DEFAULTED       0x0001u
#define SE_GROUP_DEFAULTED       0x0002u
#define SE_DACL_PRESENT          0x0004u
#define SE_DACL_DEFAULTED        0x0008u
#define SE_SACL_PRESENT          0x0010u
#define SE_SACL_DEFAULTED        0x0020u
#define SE_DACL_TRUSTED          0x0040u
#define SE_SERVER_SECURITY       0x0080u
#define SE_DACL_AUTO_INHERIT_REQ 0x0100u
#define SE_SACL_AUTO_INHERIT_REQ 0x0200u
#define SE_DACL_AUTO_INHERITED   0x0400u
#define SE_SACL_AUTO_INHERITED   0x0800u
#define SE_DACL_PROTECTED        0x1000u
#define SE_SACL_PROTECTED        0x2000u
#define SE_RM_CONTROL_VALID      0x4000u
#define SE_SELF_RELATIVE         0x8000u

/* ACL revisions (MS-DTYP 2.4.5). */
#define ACL_REVISION    0x02
#define ACL_REVISION_DS 0x04

/* AceType (MS-DTYP 2.4.4.1). */
#define ACCESS_ALLOWED_ACE_TYPE                 0x00
#define ACCESS_DENIED_ACE_TYPE                  0x01
#define SYSTEM_AUDIT_ACE_TYPE                   0x02
#define SYSTEM_ALARM_ACE_TYPE                   0x03
#define ACCESS_ALLOWED_COMPOUND_ACE_TYPE        0x04
#define ACCESS_ALLOWED_OBJECT_ACE_TYPE          0x05
#define ACCESS_DENIED_OBJECT_ACE_TYPE           0x06
#define SYSTEM_AUDIT_OBJECT_ACE_TYPE            0x07
#define SYSTEM_ALARM_OBJECT_ACE_TYPE            0x08
#define ACCESS_ALLOWED_CALLBACK_ACE_TYPE        0x09
#define ACCESS_DENIED_CALLBACK_ACE_TYPE         0x0A
#define ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE 0x0B
#define ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE  0x0C
#define SYSTEM_AUDIT_CALLBACK_ACE_TYPE          0x0D
#define SYSTEM_ALARM_CALLBACK_ACE_TYPE          0x0E
#define SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE   0x0F
#define SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE   0x10
#define SYSTEM_MANDATORY_LABEL_ACE_TYPE         0x11
#define SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE      0x12
#define SYSTEM_SCOPED_POLICY_ID_ACE_TYPE        0x13

/* AceFlags (MS-DTYP 2.4.4.1). */
#define OBJECT_INHERIT_ACE         0x01
#define CONTAINER_INHERIT_ACE      0x02
#define NO_PROPAGATE_INHERIT_ACE   0x04
#define INHERIT_ONLY_ACE           0x08
#define INHERITED_ACE              0x10
#define SUCCESSFUL_ACCESS_ACE_FLAG 0x40
#define FAILED_ACCESS_ACE_FLAG     0x80

#define SD_SID_MAX_SUB_AUTHS 15

/* A SID (MS-DTYP 2.4.2.2); Revision is always 1, so it is not stored. Compare with sd_sid_equal:
 * sub_auths beyond num_auths are not guaranteed to be zero. */
struct sd_sid {
	uint8_t num_auths;                  /* SubAuthorityCount, 0..15 */
	uint64_t authority;                 /* IdentifierAuthority, 48 bits */
	uint32_t sub_auths[SD_SID_MAX_SUB_AUTHS];
};

/*
 * An ACE. Types whose body is Mask + SID (allowed, denied, audit, alarm, mandatory label,
 * scoped policy) are decoded into mask and sid, with body NULL. Every other type (object,
 * callback, resource attribute, compound) keeps its body after the 4-byte header verbatim in
 * body/body_len so it round-trips; mask is still its first four bytes, sid is unset.
 */
struct sd_ace {
	uint8_t type;
	uint8_t flags;
	uint32_t mask;
	struct sd_sid sid;
	const uint8_t *body;
	uint16_t body_len;
};

struct sd_acl {
	uint8_t revision;                   /* ACL_REVISION or ACL_REVISION_DS */
	uint16_t num_aces;
	struct sd_ace *aces;
};

/*
 * A security descriptor. owner/group/sacl/dacl are NULL when absent. A DACL can be present
 * and NULL ("NULL DACL": everyone has every right): control has SE_DACL_PRESENT, dacl is NULL.
 */
struct sd {
	uint8_t revision;                   /* 1 */
	uint8_t rm_control;                 /* Sbz1; meaningful only with SE_RM_CONTROL_VALID */
	uint16_t control;
	struct sd_sid *owner;
	struct sd_sid *group;
	struct sd_acl *sacl;
	struct sd_acl *dacl;
};

static inline bool sd_sid_equal(const struct sd_sid *a, const struct sd_sid *b)
{
	return a->num_auths == b->num_auths && a->authority == b->authority &&
	       memcmp(a->sub_auths, b->sub_auths, a->num_auths * sizeof(a->sub_auths[0])) == 0;
}

/* True for the ACE types whose body is exactly Mask + SID. */
static inline bool sd_ace_is_simple(uint8_t type)
{
	return type == ACCESS_ALLOWED_ACE_TYPE || type == ACCESS_DENIED_ACE_TYPE ||
	       type == SYSTEM_AUDIT_ACE_TYPE || type == SYSTEM_ALARM_ACE_TYPE ||
	       type == SYSTEM_MANDATORY_LABEL_ACE_TYPE || type == SYSTEM_SCOPED_POLICY_ID_ACE_TYPE;
}

/* Well-known SIDs (MS-DTYP 2.4.2.4). */
#define SD_AUTH_WORLD        1u   /* S-1-1 */
#define SD_AUTH_CREATOR      3u   /* S-1-3 */
#define SD_AUTH_NT           5u   /* S-1-5 */
#define SD_AUTH_UNIX         22u  /* S-1-22: Samba's "Unix User" (1) and "Unix Group" (2) */

static inline struct sd_sid sd_sid_make(uint64_t authority, unsigned n, uint32_t a0, uint32_t a1)
{
	struct sd_sid s = { .num_auths = (uint8_t)n, .authority = authority };

	s.sub_auths[0] = a0;
	s.sub_auths[1] = a1;
	return s;
}

#define SD_SID_EVERYONE       sd_sid_make(SD_AUTH_WORLD, 1, 0, 0)      /* S-1-1-0 */
#define SD_SID_CREATOR_OWNER  sd_sid_make(SD_AUTH_CREATOR, 1, 0, 0)    /* S-1-3-0 */
#define SD_SID_CREATOR_GROUP  sd_sid_make(SD_AUTH_CREATOR, 1, 1, 0)    /* S-1-3-1 */
#define SD_SID_OWNER_RIGHTS   sd_sid_make(SD_AUTH_CREATOR, 1, 4, 0)    /* S-1-3-4 */
#define SD_SID_AUTH_USERS     sd_sid_make(SD_AUTH_NT, 1, 11, 0)        /* S-1-5-11 */
#define SD_SID_SYSTEM         sd_sid_make(SD_AUTH_NT, 1, 18, 0)        /* S-1-5-18 */
#define SD_SID_ADMINISTRATORS sd_sid_make(SD_AUTH_NT, 2, 32, 544)      /* S-1-5-32-544 */
#define SD_SID_BUILTIN_USERS  sd_sid_make(SD_AUTH_NT, 2, 32, 545)      /* S-1-5-32-545 */
#define SD_SID_UNIX_USER(uid)  sd_sid_make(SD_AUTH_UNIX, 2, 1, (uint32_t)(uid))   /* S-1-22-1-uid */
#define SD_SID_UNIX_GROUP(gid) sd_sid_make(SD_AUTH_UNIX, 2, 2, (uint32_t)(gid))   /* S-1-22-2-gid */

#endif
