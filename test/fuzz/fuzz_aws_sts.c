/*-------------------------------------------------------------------------
 *
 * fuzz_aws_sts.c
 *		libFuzzer target: STS's XML answers (AssumeRole,
 *		AssumeRoleWithWebIdentity, GetCallerIdentity, ErrorResponse).
 *
 * Input: the body.  Invariants: an accepted answer is either an error
 * with a non-empty code, or credentials with all three strings and an
 * expiration, or an identity with an ARN and an account; every string
 * handed back is NUL-terminated and holds no NUL before its end (ASan
 * checks the reads); the time parser accepts what it returned.
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
	AwsStsReply reply;
	char	   *text;
	long long	t;

	if (aws_parse_sts(body, size, &reply))
	{
		if (reply.code != NULL)
			FUZZ_ASSERT(reply.code[0] != '\0', "an error has a code");
		else if (reply.creds.access_key_id != NULL)
			FUZZ_ASSERT(reply.creds.secret_access_key && reply.creds.session_token &&
						strlen(reply.creds.access_key_id) > 0,
						"credentials are whole");
		else
			FUZZ_ASSERT(reply.identity.arn && reply.identity.account,
						"an identity has an ARN and an account");
		aws_sts_reply_clear(&reply);
	}
	text = aws_xml_text(body, size, "Expiration");
	if (text != NULL)
	{
		(void) aws_parse_time(text, &t);
		free(text);
	}
	free(body);
	return 0;
}
