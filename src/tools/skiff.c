/* SPDX-License-Identifier: Apache-2.0 */
/* skiff: the administration CLI (placeholder until the server core lands). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "skiff: not yet implemented\n");
	return 1;
}
