/*-------------------------------------------------------------------------
 *
 * fuzz_headers.c
 *		libFuzzer target: response headers and a kept body, as libcurl
 *		hands them to receive.c.
 *
 * Input: header lines up to an empty line (each passed with its line end,
 * as libcurl does), then a body passed in chunks to the write callback of
 * a transfer without a sink, whose session caps bodies at 64 bytes (odd
 * input sizes) or at HTTP_MAX_BODY.  The request id must stay terminated;
 * the kept body must be the body and its CRC32 that of the body, unless
 * the body passes the cap: then the chunk that passes it is refused, the
 * transfer is marked too large, and what was kept is within the cap.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include "http/receive.c"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HttpSession session;
	HttpTransfer xfer;
	char	   *text = fuzz_copy(data, size);
	size_t		off = 0;
	uint32_t	seed = size;

	memset(&session, 0, sizeof(session));
	session.max_body = (size & 1) ? 64 : HTTP_MAX_BODY;
	memset(&xfer, 0, sizeof(xfer));
	xfer.session = &session;
	while (off < size)
	{
		const char *nl = memchr(text + off, '\n', size - off);
		size_t		n = nl ? (size_t) (nl - (text + off)) + 1 : size - off;
		char	   *line = fuzz_copy((const uint8_t *) text + off, n);

		FUZZ_ASSERT(http_header_cb(line, 1, n, &xfer) == n, "a header was refused");
		free(line);
		off += n;
		if (n <= 2 && (n == 1 || text[off - 2] == '\r'))
			break;				/* the empty line ends the headers */
	}
	FUZZ_ASSERT(memchr(xfer.result.request_id, '\0', sizeof(xfer.result.request_id)) != NULL,
				"request id unterminated");

	{
		size_t		start = off;

		while (off < size)
		{
			size_t		n = fuzz_chunk(&seed, size - off);
			size_t		took = http_write_cb(text + off, 1, n, &xfer);

			if (took == 0 && n > 0)
			{
				FUZZ_ASSERT(xfer.result.too_large, "a chunk refused but not too large");
				FUZZ_ASSERT(off + n - start > session.max_body, "refused within the cap");
				break;
			}
			FUZZ_ASSERT(took == n, "a chunk partly taken");
			off += n;
		}
		FUZZ_ASSERT(xfer.result.body_len <= session.max_body, "kept past the cap");
		if (xfer.result.too_large)
		{
			free(xfer.body);
			free(text);
			return 0;
		}
		FUZZ_ASSERT(size - start <= session.max_body, "too large, not refused");
		FUZZ_ASSERT(xfer.result.body_len == size - start, "body length");
		if (size > start)
		{
			FUZZ_ASSERT(memcmp(xfer.body, text + start, size - start) == 0, "kept body");
			FUZZ_ASSERT(xfer.body[size - start] == '\0', "kept body unterminated");
		}
		FUZZ_ASSERT(xfer.result.crc_body == aw_crc32_update(0, text + start, size - start),
					"body CRC32");
	}
	free(xfer.body);
	free(text);
	return 0;
}
