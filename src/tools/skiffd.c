/* SPDX-License-Identifier: Apache-2.0 */
/* skiffd: the SMB2/SMB3 file server daemon (placeholder until the server core lands). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "skiffd: not yet implemented\n");
	return 1;
}
