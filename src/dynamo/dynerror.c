/*-------------------------------------------------------------------------
 *
 * dynerror.c
 *		DynError: filling one in, and what DynamoDB's errors say.
 *
 * A failed call carries a DynError that the caller reports; nothing in
 * src/dynamo raises errors.  DynamoDB's own message is kept, but never a
 * secret: dyn_scrub_error_message() cuts the canonical request AWS quotes
 * in signature errors and masks any security token.  The throttling
 * __types are the ones a call retries (with the HTTP 5xx); an expired
 * token is retried once, with renewed credentials (client.c).
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Sets err's kind and its message (cut to fit). */
void
dyn_set_error(DynError *err, DynErrorKind kind, const char *message)
{
	err->kind = kind;
	snprintf(err->message, sizeof(err->message), "%s", message);
}

bool
dyn_error_type_throttling(const char *type)
{
	return strcmp(type, "ProvisionedThroughputExceededException") == 0 ||
		strcmp(type, "ThrottlingException") == 0 ||
		strcmp(type, "RequestLimitExceeded") == 0;
}

bool
dyn_error_expired_token(const DynError *err)
{
	if (err->kind != DYN_ERR_SERVICE && err->kind != DYN_ERR_HTTP)
		return false;
	if (strcmp(err->type, "ExpiredTokenException") == 0 ||
		strcmp(err->type, "ExpiredToken") == 0)
		return true;
	/* a 403 saying so, whatever its type */
	return err->http_status == 403 &&
		(strstr(err->message, "expired") != NULL || strstr(err->message, "Expired") != NULL);
}

/*
 * Removes from a service error's message what must never reach a log: AWS
 * quotes the canonical request and the string to sign in an
 * InvalidSignatureException, and the canonical request holds the session
 * token (x-amz-security-token).  The quotation is cut off, and any
 * security token header that remains is masked.
 */
void
dyn_scrub_error_message(char *msg, size_t size)
{
	static const char *const quotes[] = {
		"The Canonical String for this request should have been",
		"The String-to-Sign should have been",
		"Canonical String",
		"String-to-Sign",
	};
	static const char note[] = "(the canonical request and string to sign it quoted are left out)";
	static const char token_name[] = "x-amz-security-token";
	char	   *cut = NULL;
	char	   *p;

	for (size_t i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++)
	{
		char	   *at = strstr(msg, quotes[i]);

		if (at && (cut == NULL || at < cut))
			cut = at;
	}
	if (cut)
	{
		size_t		off = (size_t) (cut - msg);

		snprintf(cut, size - off, "%s", note);
	}
	for (p = msg; *p; p++)
	{
		if (strncasecmp(p, token_name, sizeof(token_name) - 1) != 0)
			continue;
		p += sizeof(token_name) - 1;
		while (*p == ':' || *p == '=' || *p == ' ' || *p == '"' || *p == '\'')
			p++;
		for (; *p && *p != '\n' && *p != ' ' && *p != '"' && *p != '\'' &&
			 *p != '&' && *p != ','; p++)
			*p = '*';
		if (*p == '\0')
			break;
	}
}
