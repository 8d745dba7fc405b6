/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QUERY_INFO file system information classes (MS-FSCC 2.5): byte layouts, minimum sizes
 * (smbtorture smb2.getinfo.qfs_buffercheck) and MS-FSA 2.1.5.13 truncation of the label / name.
 */
#include "smb2/wire/info_fs.h"

#include "core/utf16.h"

/* MAXIMUM_VOLUME_LABEL_LENGTH: 32 UTF-16 units. */
#define VOLUME_LABEL_MAX_BYTES 64

struct fs_class {
	uint8_t level;
	uint32_t min;       /* smaller buffer: STATUS_INFO_LENGTH_MISMATCH */
	bool variable;      /* ends in a name that may be cut (BUFFER_OVERFLOW) */
};

/* Minimums are sizeof() of the Windows structures (name classes: fixed part + one WCHAR,
 * aligned), as smbtorture qfs_buffercheck checks against Windows. */
static const struct fs_class fs_classes[] = {
	{ FileFsVolumeInformation, 24, true },
	{ FileFsSizeInformation, 24, false },
	{ FileFsDeviceInformation, 8, false },
	{ FileFsAttributeInformation, 16, true },
	{ FileFsControlInformation, 48, false },
	{ FileFsFullSizeInformation, 32, false },
	{ FileFsObjectIdInformation, 64, false },
	{ FileFsSectorSizeInformation, 28, false },
};

/* Append the volume label as UTF-16, cut at 32 units without splitting a surrogate pair. */
static bool put_label(struct wr *w, const char *label)
{
	size_t start = w->len;

	if (!utf8_to_utf16le(w, label))
		return false;
	if (w->failed || w->len - start <= VOLUME_LABEL_MAX_BYTES)
		return true;
	w->len = start + VOLUME_LABEL_MAX_BYTES;
	/* A high surrogate left last lost its pair. */
	if (w->buf[w->len - 1] >= 0xD8 && w->buf[w->len - 1] <= 0xDB)
		w->len -= 2;
	return true;
}

static NTSTATUS put_class(uint8_t level, const struct smb2_info_fs *s, struct wr *w)
{
	size_t len_off, start;

	switch (level) {
	case FileFsVolumeInformation:
		/* MS-FSCC 2.5.9 */
		wr_u64(w, s->volume_ctime);
		wr_u32(w, (uint32_t)s->volume_serial);
		len_off = w->len;
		wr_u32(w, 0);  /* VolumeLabelLength */
		wr_u8(w, 0);   /* SupportsObjects: no object ids on files */
		wr_u8(w, 0);   /* Reserved */
		start = w->len;
		if (!put_label(w, s->volume_label ? s->volume_label : ""))
			return STATUS_OBJECT_NAME_INVALID;
		wr_put_u32_at(w, len_off, (uint32_t)(w->len - start));
		break;
	case FileFsSizeInformation:
		/* MS-FSCC FILE_FS_SIZE_INFORMATION: AvailableAllocationUnits is what the caller may use. */
		wr_u64(w, s->total_units);
		wr_u64(w, s->caller_avail_units);
		wr_u32(w, s->sectors_per_unit);
		wr_u32(w, s->bytes_per_sector);
		break;
	case FileFsDeviceInformation:
		wr_u32(w, FILE_DEVICE_DISK);
		wr_u32(w, FILE_DEVICE_IS_MOUNTED | (s->read_only ? FILE_READ_ONLY_DEVICE : 0));
		break;
	case FileFsAttributeInformation:
		/* MS-FSCC 2.5.1 */
		wr_u32(w, s->fs_attributes);
		wr_u32(w, s->max_name_len);
		len_off = w->len;
		wr_u32(w, 0);  /* FileSystemNameLength */
		start = w->len;
		if (!utf8_to_utf16le(w, s->fs_name ? s->fs_name : ""))
			return STATUS_OBJECT_NAME_INVALID;
		wr_put_u32_at(w, len_off, (uint32_t)(w->len - start));
		break;
	case FileFsControlInformation:
		/* MS-FSCC FILE_FS_CONTROL_INFORMATION: no content indexing, no quotas: thresholds
		 * "none" (-1), flags 0, then 4 bytes of padding to the structure's 8-byte alignment
		 * (48). */
		wr_u64(w, 0);  /* FreeSpaceStartFiltering */
		wr_u64(w, 0);  /* FreeSpaceThreshold */
		wr_u64(w, 0);  /* FreeSpaceStopFiltering */
		wr_u64(w, UINT64_MAX);  /* DefaultQuotaThreshold */
		wr_u64(w, UINT64_MAX);  /* DefaultQuotaLimit */
		wr_u32(w, 0);  /* FileSystemControlFlags */
		wr_u32(w, 0);  /* Padding */
		break;
	case FileFsFullSizeInformation:
		/* MS-FSCC FILE_FS_FULL_SIZE_INFORMATION */
		wr_u64(w, s->total_units);
		wr_u64(w, s->caller_avail_units);
		wr_u64(w, s->actual_avail_units);
		wr_u32(w, s->sectors_per_unit);
		wr_u32(w, s->bytes_per_sector);
		break;
	case FileFsObjectIdInformation:
		/* MS-FSCC 2.5.6: a 16-byte volume id — the 64-bit volume serial then zeros, stable as
		 * the serial is — and 48 zero bytes of ExtendedInfo (nothing was ever written). */
		wr_u64(w, s->volume_serial);
		wr_zero(w, 8);
		wr_zero(w, 48);
		break;
	case FileFsSectorSizeInformation:
		/* FILE_FS_SECTOR_SIZE_INFORMATION: every size the logical sector size, aligned device
		 * and partition (what Samba sends, matching Windows on plain disks). */
		wr_u32(w, s->bytes_per_sector);  /* LogicalBytesPerSector */
		wr_u32(w, s->bytes_per_sector);  /* PhysicalBytesPerSectorForAtomicity */
		wr_u32(w, s->bytes_per_sector);  /* PhysicalBytesPerSectorForPerformance */
		wr_u32(w, s->bytes_per_sector);  /* FileSystemEffectivePhysicalBytesPerSectorForAtomicity */
		wr_u32(w, SSINFO_FLAGS_ALIGNED_DEVICE | SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE);
		wr_u32(w, 0);  /* ByteOffsetForSectorAlignment */
		wr_u32(w, 0);  /* ByteOffsetForPartitionAlignment */
		break;
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
	return STATUS_SUCCESS;
}

NTSTATUS smb2_info_fs_encode(uint8_t info_class, const struct smb2_info_fs *src,
			     uint32_t output_buffer_length, struct wr *w)
{
	const struct fs_class *c = NULL;
	size_t start = w->len, i;
	NTSTATUS st;

	for (i = 0; i < sizeof(fs_classes) / sizeof(fs_classes[0]); i++) {
		if (fs_classes[i].level == info_class)
			c = &fs_classes[i];
	}
	if (!c) {
		/* MS-SMB2 3.3.5.20.2: documented in MS-FSCC 2.5 but not queryable over SMB2. */
		if (info_class == FileFsLabelInformation || info_class == FileFsDriverPathInformation ||
		    info_class == FileFsVolumeFlagsInformation)
			return STATUS_NOT_SUPPORTED;
		return STATUS_INVALID_INFO_CLASS;
	}
	if (output_buffer_length < c->min)
		return STATUS_INFO_LENGTH_MISMATCH;

	st = put_class(info_class, src, w);
	if (st == STATUS_SUCCESS && w->failed)
		st = STATUS_NO_MEMORY;
	if (st != STATUS_SUCCESS) {
		if (!w->failed)
			w->len = start;
		return st;
	}
	if (w->len - start <= output_buffer_length)
		return STATUS_SUCCESS;
	/* Only the name classes can get here: MS-FSA copies RemainingLength bytes of the name
	 * (BytesToCopy) and keeps the full length in the length field. */
	w->len = start + output_buffer_length;
	return STATUS_BUFFER_OVERFLOW;
}
