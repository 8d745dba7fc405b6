#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# DCE/RPC over IPC$ (src/rpc): what smbclient -L, rpcclient and impacket see of srvsvc, wkssvc
# and lsarpc — share lists with comments and without hidden or forbidden shares, share and
# server information, name <-> SID translation. skiffd only (Samba's names and SIDs differ).
set -uo pipefail
SKIFF_TEST_NAME=test_rpc
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
if [ "${SKIFF_TEST_TARGET:-skiffd}" != skiffd ]; then
	echo "skiffd only"; echo "0 passed, 0 failed"; exit 0
fi
# a hidden share (browseable = no) and one the test user may not use
SKIFF_TEST_CONF_HOOK='printf "\n[hidden]\npath = %s\nbrowseable = no\ncomment = not listed\n\n[private]\npath = %s\nvalid users = root\ncomment = not for the test user\n" "$SKIFF_TEST_SHARE_DIR" "$SKIFF_TEST_SHARE_DIR" >>"$SKIFF_TEST_DIR/skiffd.conf"'
skiff_start

U="$SKIFF_TEST_USER%$SKIFF_TEST_PASS"
rpc() { rpcclient -p "$SKIFF_TEST_PORT" "$SKIFF_TEST_HOST" -U "$U" -c "$1" 2>&1; }
uid=$(id -u "$SKIFF_TEST_USER")

out=$(smbclient -L "//$SKIFF_TEST_HOST" -p "$SKIFF_TEST_PORT" -U "$U" 2>&1)
expect_contains "smbclient -L lists the share with its comment" "$out" "integration test share"
expect_contains "smbclient -L lists IPC\$ as Samba shows it" "$out" "IPC Service"
expect_not_contains "a browseable = no share is not listed" "$out" "hidden"
expect_not_contains "a share the user may not use is not listed" "$out" "private"

out=$(rpc srvinfo)
expect_contains "srvinfo: server name" "$out" "SKIFFTEST"
expect_contains "srvinfo: platform NT" "$out" "platform_id     :	500"
out=$(rpc 'netshareenumall 1')
expect_contains "netshareenumall: the share" "$out" "netname: share"
expect_not_contains "netshareenumall: no hidden share" "$out" "netname: hidden"
# paths (levels 2, 502) are for `server admins` only (test_identity.sh has one)
out=$(rpc netshareenumall)
expect_contains "netshareenumall level 2: not for a plain user" "$out" "WERR_ACCESS_DENIED"
expect_not_contains "... no path" "$out" "C:${SKIFF_TEST_SHARE_DIR//\//\\}"
out=$(rpc 'netsharegetinfo hidden 1')
expect_contains "netsharegetinfo answers for a hidden share" "$out" "remark:	not listed"
out=$(rpc 'netsharegetinfo private')
expect_contains "netsharegetinfo refuses a share the user may not use" "$out" "WERR_ACCESS_DENIED"
out=$(rpc 'netsharegetinfo nosuch')
expect_contains "netsharegetinfo: unknown share" "$out" "WERR_NERR_NETNAMENOTFOUND"

# Unix-only accounts are "Unix User\name"; SMB accounts live in the machine domain with
# rid 1000 + 2 * uid (the test user's name is the NetBIOS name too, so qualify it)
out=$(rpc 'lookupnames root')
expect_contains "lookupnames root: a Unix user" "$out" "root S-1-22-1-0 (User: 1)"
out=$(rpc "lookupnames SKIFFTEST\\\\$SKIFF_TEST_USER")
expect_contains "lookupnames of the SMB account: the machine domain" "$out" "-$((1000 + 2 * uid)) (User: 1)"
msid=$(sed -n 's/.* \(S-1-5-21-[0-9]*-[0-9]*-[0-9]*\)-[0-9]* (User: 1)/\1/p' <<<"$out")
out=$(rpc "lookupsids $msid-$((1000 + 2 * uid)) S-1-22-1-$uid S-1-1-0 S-1-5-32-544 $msid")
expect_contains "lookupsids: machine-domain account" "$out" "SKIFFTEST\\$SKIFF_TEST_USER (1)"
expect_contains "lookupsids: Unix user" "$out" "Unix User\\$SKIFF_TEST_USER (1)"
expect_contains "lookupsids: Everyone" "$out" "\\Everyone (5)"
expect_contains "lookupsids: BUILTIN\\Administrators" "$out" "BUILTIN\\Administrators (4)"
expect_contains "lookupsids: the domain itself" "$out" "SKIFFTEST (3)"
out=$(rpc 'lookupnames nosuch-user-x')
expect_contains "lookupnames: unknown name" "$out" "NT_STATUS_NONE_MAPPED"
out=$(rpc lsaquery)
expect_contains "lsaquery: primary domain is the workgroup" "$out" "Domain Name: WORKGROUP"
out=$(rpc getusername)
expect_contains "getusername" "$out" "Account Name: $SKIFF_TEST_USER, Authority Name: SKIFFTEST"
out=$(rpc 'lookupsids3 S-1-1-0')
expect_contains "LookupSids3 is refused over a pipe" "$out" "NT_STATUS_ACCESS_DENIED"

# another client's NDR: impacket (wkssvc, every share-enumeration level, a lookup)
if /usr/bin/python3 -c 'import impacket' 2>/dev/null; then
	out=$(/usr/bin/python3 - 2>&1 <<'PY'
import os
from impacket.dcerpc.v5 import transport, srvs, wkst, lsat, lsad
from impacket.dcerpc.v5.dtypes import MAXIMUM_ALLOWED
def bind(pipe, iface):
    t = transport.DCERPCTransportFactory(r'ncacn_np:%s[\pipe\%s]' % (os.environ['SKIFF_TEST_HOST'], pipe))
    t.set_dport(int(os.environ['SKIFF_TEST_PORT']))
    t.set_credentials(os.environ['SKIFF_TEST_USER'], os.environ['SKIFF_TEST_PASS'])
    d = t.get_dce_rpc(); d.connect(); d.bind(iface); return d
d = bind('srvsvc', srvs.MSRPC_UUID_SRVS)
for lvl in (0, 1, 2, 501, 502):
    try:
        r = srvs.hNetrShareEnum(d, lvl)
        print('enum%d' % lvl, sorted(e['shi%d_netname' % lvl][:-1] for e in r['InfoStruct']['ShareInfo']['Level%d' % lvl]['Buffer']))
    except Exception as e:  # the refusal is a fault or a WERR, depending on the version
        print('enum%d' % lvl, 'ACCESS_DENIED' if 'access_denied' in str(e).lower() else e)
d = bind('wkssvc', wkst.MSRPC_UUID_WKST)
print('wksta', wkst.hNetrWkstaGetInfo(d, 100)['WkstaInfo']['WkstaInfo100']['wki100_langroup'][:-1])
d = bind('lsarpc', lsat.MSRPC_UUID_LSAT)
h = lsad.hLsarOpenPolicy2(d, MAXIMUM_ALLOWED | lsat.POLICY_LOOKUP_NAMES)['PolicyHandle']
r = lsat.hLsarLookupNames3(d, h, ['root'])
print('names3', r['TranslatedSids']['Sids'][0]['Sid'].formatCanonical())
PY
)
	expect_contains "impacket: NetrShareEnum level 501" "$out" "enum501 ['IPC\$', 'share']"
	expect_contains "impacket: NetrShareEnum level 502 refused (no admin)" "$out" "enum502 ACCESS_DENIED"
	expect_contains "impacket: NetrShareEnum level 2 refused (no admin)" "$out" "enum2 ACCESS_DENIED"
	expect_contains "impacket: NetrShareEnum level 0" "$out" "enum0 ['IPC\$', 'share']"
	expect_contains "impacket: NetrWkstaGetInfo 100" "$out" "wksta WORKGROUP"
	expect_contains "impacket: LsarLookupNames3" "$out" "names3 S-1-22-1-0"
fi
skiff_done
