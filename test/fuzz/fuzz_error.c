/*-------------------------------------------------------------------------
 *
 * fuzz_error.c
 *		libFuzzer target: an error response (HTTP 4xx or 5xx).
 *
 * Input: one byte choosing the action and the HTTP status, one byte
 * choosing the chunking, then the body.  The error body's __type and
 * message are read, and the call must be a failure, retried or not.
 *
 *-------------------------------------------------------------------------
 */
#include "response.h"

static const long statuses[] = {400, 400, 403, 404, 413, 500, 502, 503};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *body;

	if (size < 2)
		return 0;
	body = fuzz_copy(data + 2, size - 2);
	fuzz_response_run((data[0] & 0x80) ? "Scan" : "PutItem",
					  statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))],
					  data[1], body, size - 2);
	free(body);
	return 0;
}
