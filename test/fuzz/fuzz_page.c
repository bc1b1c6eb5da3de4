/*-------------------------------------------------------------------------
 *
 * fuzz_page.c
 *		libFuzzer target: a successful response, from bytes to values.
 *
 * Input: one byte choosing the action (Scan and Query pages are kept raw
 * and checked as they stream, other actions are parsed as they arrive),
 * one byte choosing the chunking, then the body, judged as HTTP 200.
 * Everything the FDW reads from a page is read: LastEvaluatedKey from the
 * raw page, the items, every AttributeValue, plain and typed JSON.
 *
 *-------------------------------------------------------------------------
 */
#include "response.h"

static const char *const actions[] = {
	"Scan", "Query", "GetItem", "BatchGetItem", "PutItem", "UpdateItem",
	"DeleteItem", "BatchWriteItem", "DescribeTable"
};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *body;

	if (size < 2)
		return 0;
	body = fuzz_copy(data + 2, size - 2);
	fuzz_response_run(actions[data[0] % (sizeof(actions) / sizeof(actions[0]))],
					  200, data[1], body, size - 2);
	free(body);
	return 0;
}
