/* SPDX-License-Identifier: Apache-2.0 */
/* The layering tests (CMakeLists.txt, "Layering tests") compile this file with the include
 * directories one library gives to its users, and LAYERING_HEADER naming a header: the build
 * must find it when the library may use that layer, and must fail when the header is a layer
 * above it or another layer's private header. */
#include LAYERING_HEADER

int layering_probe(void);
int layering_probe(void)
{
	return 0;
}
