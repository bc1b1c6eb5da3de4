/*-------------------------------------------------------------------------
 *
 * crc32.c
 *		CRC-32 of response bodies, checked against DynamoDB's x-amz-crc32.
 *
 * DynamoDB's checksum is the ISO-HDLC CRC-32 that zlib computes; zlib's
 * (already loaded with libcurl) runs several bytes a cycle, which matters
 * when every byte of every Scan page goes through it.
 *
 *-------------------------------------------------------------------------
 */
#include "crc32.h"

#include <zlib.h>

uint32_t
aw_crc32_update(uint32_t crc, const void *data, size_t len)
{
	if (len == 0)
		return crc;
	return (uint32_t) crc32_z(crc, data, len);
}
