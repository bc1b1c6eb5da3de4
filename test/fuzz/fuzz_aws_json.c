/*-------------------------------------------------------------------------
 *
 * fuzz_aws_json.c
 *		libFuzzer target: the credential JSON of IMDS and of container
 *		endpoints.
 *
 * Input: the body.  Invariants: an accepted answer is credentials (a key
 * and a secret) or an error with a code, never both; nothing leaks (ASan).
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz.h"

#include "aws/awsint.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *body = fuzz_copy(data, size);
	AwsJsonReply reply;

	if (aws_parse_cred_json(body, size, &reply))
	{
		if (reply.has_creds)
			FUZZ_ASSERT(reply.creds.access_key_id && reply.creds.secret_access_key &&
						reply.code == NULL, "credentials are whole, without an error");
		else
			FUZZ_ASSERT(reply.code != NULL, "an error has a code");
		aws_json_reply_clear(&reply);
	}
	free(body);
	return 0;
}
