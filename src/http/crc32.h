/*-------------------------------------------------------------------------
 *
 * crc32.h
 *		CRC-32 (IEEE 802.3, reflected, as zlib and x-amz-crc32 compute it).
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_CRC32_H
#define AWSTORE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continues a CRC over more bytes: start with crc = 0, feed the chunks in
 * order, and the result is the CRC of their concatenation.
 */
extern uint32_t aw_crc32_update(uint32_t crc, const void *data, size_t len);

#endif							/* AWSTORE_CRC32_H */
