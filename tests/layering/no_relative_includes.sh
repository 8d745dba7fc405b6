#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A source that includes "../x.h" or an absolute path reaches headers around its include path,
# which is what keeps the layers apart (CMakeLists.txt, "Layering"): there must be none.
root=${1:?usage: no_relative_includes.sh SOURCE_DIR}
if grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<](\.\.?/|/)' \
	"$root/src" "$root/bench" "$root/tests/unit" "$root/tests/fuzz" --include='*.c' --include='*.h'; then
	echo "FAIL: the includes above bypass the layers' include directories" >&2
	exit 1
fi
echo "ok: no relative or absolute #include in src/, bench/, tests/unit/, tests/fuzz/"
