#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ctest entry point of the smbtorture core conformance gate (the integration glob picks up
# tests/integration/test_*.sh); the gate itself is tests/conformance/test_smbtorture.sh.
exec "$(dirname "$0")/../conformance/test_smbtorture.sh" "$@"
