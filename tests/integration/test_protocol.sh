#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Protocol paths smbclient takes besides a plain SMB2 logon: the SMB1 multi-protocol NEGOTIATE
# upgrade (to 2.??? and to 2.002), an SMB1-only client refused, encrypted sessions with every
# cipher (bytes intact), and a share with "server smb encrypt = required" refusing a client that
# does not encrypt. Also the 2.1 multi-credit path with more than 512 MiB of 8 MiB writes.
# Env: SKIFF_ENC_FILE_MB, size of the encrypted round trips (default 3; 1024 for the acceptance run).
set -uo pipefail
SKIFF_TEST_NAME=test_protocol
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v smbclient >/dev/null || skiff_die "smbclient not installed (scripts/install-deps.sh)"

SKIFF_TEST_EXTRA_SHARES="secret"
if [ "${SKIFF_TEST_TARGET:-skiffd}" = skiffd ]; then
	# [secret] is the same directory with encryption required (lib.sh writes the shares; the
	# per-share key is appended by a config hook below).
	SKIFF_TEST_CONF_HOOK='sed -i "/^\[secret\]/a server smb encrypt = required" "$SKIFF_TEST_DIR/skiffd.conf"'
	export SKIFF_TEST_CONF_HOOK
fi
skiff_start
LOCAL=$SKIFF_TEST_DIR/local
mkdir -p "$LOCAL"
head -c $((${SKIFF_ENC_FILE_MB:-3} * 1024 * 1024)) /dev/urandom >"$LOCAL/f.bin"
SUM=$(sha256sum <"$LOCAL/f.bin" | cut -d' ' -f1)

smbc() { skiff_smbclient "$@" 2>&1; }

# SMB1 NEGOTIATE first, then SMB2 (0x02FF wildcard, then the real negotiate).
out=$(smbc --option='client min protocol=NT1' --option='client max protocol=SMB3' -c 'put '"$LOCAL/f.bin"' up1.bin; ls up1.bin')
expect_contains "SMB1 negotiate upgraded to SMB2 (2.???): put and list" "$out" "up1.bin"
out=$(smbc --option='client min protocol=NT1' --option='client max protocol=SMB2_02' -c 'ls up1.bin')
expect_contains "SMB1 negotiate upgraded straight to 2.002" "$out" "up1.bin"
out=$(smbc --option='client min protocol=NT1' --option='client max protocol=NT1' -c 'ls')
expect_not_contains "an SMB1-only client gets no listing" "$out" "up1.bin"

# Encryption at each SMB3 dialect, and each 3.1.1 cipher; the bytes must survive both ways.
for m in SMB3_00 SMB3_02 SMB3_11; do
	rm -f "$LOCAL/back.bin"
	out=$(smbc -m "$m" --client-protection=encrypt -c "put $LOCAL/f.bin enc_$m.bin; get enc_$m.bin $LOCAL/back.bin")
	expect_eq "$m encrypted round trip" "$SUM" "$(sha256sum <"$LOCAL/back.bin" 2>/dev/null | cut -d' ' -f1)"
done
for c in aes-128-ccm aes-128-gcm aes-256-ccm aes-256-gcm; do
	rm -f "$LOCAL/back.bin"
	out=$(smbc -m SMB3_11 --client-protection=encrypt --option="client smb3 encryption algorithms=$c" \
		-c "put $LOCAL/f.bin enc_$c.bin; get enc_$c.bin $LOCAL/back.bin")
	expect_eq "SMB3_11 $c encrypted round trip" "$SUM" "$(sha256sum <"$LOCAL/back.bin" 2>/dev/null | cut -d' ' -f1)"
	expect_eq "SMB3_11 $c file on disk" "$SUM" "$(sha256sum <"$SKIFF_TEST_SHARE_DIR/enc_$c.bin" 2>/dev/null | cut -d' ' -f1)"
	rm -f "$SKIFF_TEST_SHARE_DIR/enc_$c.bin"
done

if [ "${SKIFF_TEST_TARGET:-skiffd}" = skiffd ]; then
	out=$(skiff_smbclient -m SMB3_11 --client-protection=sign -c 'ls' 2>&1 </dev/null)
	expect_contains "plain client still lists the normal share" "$out" "up1.bin"
	out=$(smbclient -s /dev/null -p "$SKIFF_TEST_PORT" "//127.0.0.1/secret" -U "$SKIFF_TEST_USER%$SKIFF_TEST_PASS" \
		-m SMB2_10 -c 'ls' 2>&1 </dev/null)
	expect_contains "SMB 2.1 client refused by an encryption-required share" "$out" "NT_STATUS_ACCESS_DENIED"
	out=$(smbclient -s /dev/null -p "$SKIFF_TEST_PORT" "//127.0.0.1/secret" -U "$SKIFF_TEST_USER%$SKIFF_TEST_PASS" \
		-m SMB3_11 --client-protection=encrypt -c 'ls' 2>&1 </dev/null)
	expect_contains "encrypting client lists the encryption-required share" "$out" "up1.bin"
fi

# SMB 2.1 with 8 MiB writes: multi-credit charges must keep the credit window moving past
# 512 MiB (64 writes of 128 credits each).
head -c $((640 * 1024 * 1024)) /dev/urandom >"$LOCAL/big.bin"
BIG=$(sha256sum <"$LOCAL/big.bin" | cut -d' ' -f1)
out=$(timeout 300 smbclient -s /dev/null -p "$SKIFF_TEST_PORT" "//127.0.0.1/$SKIFF_TEST_SHARE" \
	-U "$SKIFF_TEST_USER%$SKIFF_TEST_PASS" -m SMB2_10 -c "put $LOCAL/big.bin big21.bin" 2>&1 </dev/null)
expect_eq "640 MiB put at SMB 2.1 arrives whole" "$BIG" "$(sha256sum <"$SKIFF_TEST_SHARE_DIR/big21.bin" 2>/dev/null | cut -d' ' -f1)"
rm -f "$LOCAL/big.bin" "$SKIFF_TEST_SHARE_DIR/big21.bin"

skiff_done
