/*-------------------------------------------------------------------------
 *
 * fuzz_headers.c
 *		libFuzzer target: response headers and a kept body, as libcurl
 *		hands them to http.c.
 *
 * Input: header lines up to an empty line (each passed with its line end,
 * as libcurl does), then a body passed in chunks to the write callback of
 * a transfer without a sink.  The request id must stay terminated, the
 * kept body must be the body, and its CRC32 that of the body.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include "http/http.c"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HttpTransfer xfer;
	char	   *text = fuzz_copy(data, size);
	size_t		off = 0;
	uint32_t	seed = size;

	memset(&xfer, 0, sizeof(xfer));
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

			FUZZ_ASSERT(http_write_cb(text + off, 1, n, &xfer) == n, "a chunk was refused");
			off += n;
		}
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
