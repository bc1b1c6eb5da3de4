/*-------------------------------------------------------------------------
 *
 * fuzz_jsoncheck.c
 *		libFuzzer target: the streaming JSON check of Scan and Query pages.
 *
 * Input: one byte choosing how the text is cut into chunks, then the text.
 * Invariants: the check's verdict does not depend on the chunking; a text
 * the check accepts, json-c parses (the client relies on it: a page that
 * passed the check and fails to parse is reported as out of memory); a
 * top-level member the check locates is the member json-c finds.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include <json-c/json.h>

#include "dynamo/dynamo.h"
#include "dynamo/jsoncheck.h"

static const char *const member_names[] = {
	"LastEvaluatedKey", "Items", "Count", "ScannedCount", "a", ""
};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	DynJsonCheck *pieces;
	DynJsonCheck *whole;
	uint32_t	seed;
	char	   *text;
	size_t		len;
	size_t		off;

	if (size < 1)
		return 0;
	seed = data[0];
	text = fuzz_copy(data + 1, size - 1);
	len = size - 1;

	pieces = malloc(sizeof(DynJsonCheck));
	whole = malloc(sizeof(DynJsonCheck));
	FUZZ_ASSERT(pieces && whole, "out of memory");
	dyn_json_check_init(pieces);
	for (off = 0; off < len;)
	{
		size_t		n = fuzz_chunk(&seed, len - off);

		dyn_json_check_feed(pieces, text + off, n);
		off += n;
	}
	dyn_json_check_init(whole);
	dyn_json_check_feed(whole, text, len);
	FUZZ_ASSERT(dyn_json_check_done(pieces) == dyn_json_check_done(whole),
				"the verdict depends on the chunking");

	if (dyn_json_check_done(whole))
	{
		DynValue   *root = dyn_parse(text, len);

		FUZZ_ASSERT(root != NULL, "the check accepted a text json-c rejects");
		for (size_t i = 0; i < sizeof(member_names) / sizeof(member_names[0]); i++)
		{
			size_t		start = 0;
			size_t		mlen = 0;
			int			found = dyn_json_check_member(whole, text, member_names[i],
													  &start, &mlen);
			json_object *want = NULL;
			bool		has = json_object_is_type(root, json_type_object) &&
				json_object_object_get_ex(root, member_names[i], &want);

			FUZZ_ASSERT(found == dyn_json_check_member(pieces, text, member_names[i],
													   &start, &mlen),
						"member lookup depends on the chunking");
			if (found == 0)
				FUZZ_ASSERT(!has, "the check missed a member");
			else if (found == 1)
			{
				DynValue   *got;

				FUZZ_ASSERT(has, "the check found a member json-c does not");
				FUZZ_ASSERT(start <= len && mlen <= len - start, "member out of bounds");
				got = dyn_parse(text + start, mlen);
				FUZZ_ASSERT(got != NULL, "a located member does not parse");
				FUZZ_ASSERT(json_object_equal(got, want), "a located member differs");
				dyn_value_free(got);
			}
		}
		dyn_value_free(root);
	}
	free(pieces);
	free(whole);
	free(text);
	return 0;
}
