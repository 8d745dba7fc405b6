/* SPDX-License-Identifier: Apache-2.0 */
/* FSCTL buffer codecs (see fsctl.h). */
#include "smb2/wire/fsctl.h"

NTSTATUS smb2_validate_negotiate_decode(const uint8_t *buf, size_t len,
					struct smb2_validate_negotiate_req *out)
{
	struct rd r = rd_init(buf, len);
	const uint8_t *d;

	/* MS-SMB2 2.2.31.4: Capabilities, Guid, SecurityMode, DialectCount, Dialects[]. */
	if (!rd_u32(&r, &out->capabilities) || !rd_copy(&r, out->guid, 16) ||
	    !rd_u16(&r, &out->security_mode) || !rd_u16(&r, &out->dialect_count))
		return STATUS_INVALID_PARAMETER;
	if (out->dialect_count == 0 || !rd_bytes(&r, (size_t)out->dialect_count * 2, &d))
		return STATUS_INVALID_PARAMETER;
	out->dialects = d;
	return STATUS_SUCCESS;
}

void smb2_validate_negotiate_encode(struct wr *w, const struct smb2_validate_negotiate_rsp *rsp)
{
	wr_u32(w, rsp->capabilities);
	wr_bytes(w, rsp->guid, 16);
	wr_u16(w, rsp->security_mode);
	wr_u16(w, rsp->dialect);
}

void smb2_object_id_encode(struct wr *w, const uint8_t object_id[16], const uint8_t birth_volume_id[16])
{
	wr_bytes(w, object_id, 16);
	wr_bytes(w, birth_volume_id, 16);
	wr_bytes(w, object_id, 16);   /* BirthObjectId: the id never changes */
	wr_zero(w, 16);               /* DomainId: unused */
}

/* SockAddr_Storage (2.2.32.5.1): Family, then SOCKADDR_IN (Port, IPv4Address, Reserved) or
 * SOCKADDR_IN6 (Port, FlowInfo, IPv6Address, ScopeId), zero-padded to 128 bytes. */
#define SOCKADDR_STORAGE_SIZE 128
#define FAMILY_INTERNETWORK   0x0002
#define FAMILY_INTERNETWORKV6 0x0017

void smb2_net_iface_info_encode(struct wr *w, const struct smb2_net_iface *ifs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct smb2_net_iface *f = &ifs[i];
		wr_u32(w, i + 1 < n ? SMB2_NET_IFACE_INFO_SIZE : 0);
		wr_u32(w, f->if_index);
		wr_u32(w, f->capability);
		wr_u32(w, 0);
		wr_u64(w, f->link_speed);
		size_t sa = w->len;
		if (f->ipv6) {
			wr_u16(w, FAMILY_INTERNETWORKV6);
			wr_u16(w, 0);        /* Port */
			wr_u32(w, 0);        /* FlowInfo */
			wr_bytes(w, f->addr, 16);
			wr_u32(w, f->scope_id);
		} else {
			wr_u16(w, FAMILY_INTERNETWORK);
			wr_u16(w, 0);        /* Port */
			wr_bytes(w, f->addr, 4);
			wr_zero(w, 8);
		}
		wr_zero(w, SOCKADDR_STORAGE_SIZE - (w->len - sa));
	}
}
