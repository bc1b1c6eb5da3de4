/*-------------------------------------------------------------------------
 *
 * crc32.c
 *		CRC-32 of response bodies, checked against DynamoDB's x-amz-crc32.
 *
 * Slicing-by-4 over tables built once on first use: a 1 MB page costs well
 * under a millisecond.  The tables are filled on first call without a lock:
 * a backend is single-threaded, and the unit tests call it from one thread.
 *
 *-------------------------------------------------------------------------
 */
#include "crc32.h"

#include <stdbool.h>

#define CRC32_POLY 0xEDB88320u

static uint32_t crc_table[4][256];
static bool crc_table_ready = false;

static void
crc32_build_tables(void)
{
	for (uint32_t i = 0; i < 256; i++)
	{
		uint32_t	c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (CRC32_POLY ^ (c >> 1)) : (c >> 1);
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
	{
		crc_table[1][i] = (crc_table[0][i] >> 8) ^ crc_table[0][crc_table[0][i] & 0xff];
		crc_table[2][i] = (crc_table[1][i] >> 8) ^ crc_table[0][crc_table[1][i] & 0xff];
		crc_table[3][i] = (crc_table[2][i] >> 8) ^ crc_table[0][crc_table[2][i] & 0xff];
	}
	crc_table_ready = true;
}

uint32_t
aw_crc32_update(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (!crc_table_ready)
		crc32_build_tables();

	crc = ~crc;
	while (len >= 4)
	{
		crc ^= (uint32_t) p[0] | ((uint32_t) p[1] << 8) |
			((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
		crc = crc_table[3][crc & 0xff] ^ crc_table[2][(crc >> 8) & 0xff] ^
			crc_table[1][(crc >> 16) & 0xff] ^ crc_table[0][crc >> 24];
		p += 4;
		len -= 4;
	}
	while (len-- > 0)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
	return ~crc;
}
