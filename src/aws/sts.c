/*-------------------------------------------------------------------------
 *
 * sts.c
 *		The three STS actions awstore uses, in STS's Query protocol.
 *
 * AssumeRole and GetCallerIdentity are signed (SigV4 by libcurl, service
 * "sts") with the caller's credentials; AssumeRoleWithWebIdentity is not
 * signed: the web identity token is its proof.  Requests are form-encoded
 * POSTs with Version=2011-06-15; answers are XML (parse.c).  STS lives at
 * the context's sts_endpoint, else AWS_ENDPOINT_URL_STS, else the regional
 * endpoint https://sts.<region>.amazonaws.com, as the SDKs do.
 *
 * A refusal comes back as "STS refused <Action>: <Code>: <Message>"; the
 * token and the secret never appear in a message (they are only in the
 * request body and in headers).
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/awsint.h"

#define STS_VERSION "2011-06-15"

/* The signing region: the context's, AWS_REGION, AWS_DEFAULT_REGION. */
static const char *
sts_region(const AwsContext *ctx)
{
	const char *r = ctx->region;

	if (r == NULL || r[0] == '\0')
		r = getenv("AWS_REGION");
	if (r == NULL || r[0] == '\0')
		r = getenv("AWS_DEFAULT_REGION");
	return (r && r[0]) ? r : NULL;
}

char *
aws_sts_endpoint(const AwsContext *ctx, char *errbuf, size_t errlen)
{
	const char *e = ctx->sts_endpoint;
	const char *region;
	char	   *url;
	size_t		n;

	if (e == NULL || e[0] == '\0')
		e = getenv("AWS_ENDPOINT_URL_STS");
	if (e != NULL && e[0] != '\0')
	{
		if (strncmp(e, "https://", 8) != 0 && strncmp(e, "http://", 7) != 0)
		{
			aws_error(errbuf, errlen, "the STS endpoint \"%s\" is not an http:// or https:// URL", e);
			return NULL;
		}
		url = strdup(e);
		if (url == NULL)
			aws_error(errbuf, errlen, "out of memory");
		return url;
	}
	region = sts_region(ctx);
	if (region == NULL)
	{
		aws_error(errbuf, errlen,
				  "no region is known for STS: set the server's region, AWS_REGION or an STS endpoint");
		return NULL;
	}
	for (n = 0; region[n]; n++)
		if (!(isalnum((unsigned char) region[n]) || region[n] == '-'))
		{
			aws_error(errbuf, errlen, "the region \"%s\" is not a valid AWS region name", region);
			return NULL;
		}
	n = strlen(region) + 32;
	url = malloc(n);
	if (url == NULL)
	{
		aws_error(errbuf, errlen, "out of memory");
		return NULL;
	}
	/* the China regions have their own domain */
	snprintf(url, n, "https://sts.%s.amazonaws.com%s/", region,
			 strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	return url;
}

/*
 * Cuts what must not reach a message out of an STS error message: AWS's
 * SignatureDoesNotMatch goes on, after a blank line, with the canonical
 * request, which holds the X-Amz-Security-Token header.
 */
static void
sts_scrub(char *message)
{
	char	   *p;

	if (message == NULL)
		return;
	message[strcspn(message, "\r\n")] = '\0';
	p = strcasestr(message, "x-amz-security-token");
	if (p != NULL)
		*p = '\0';
	p = strstr(message, "The Canonical String");
	if (p != NULL)
		*p = '\0';
}

/*
 * Sends one STS action (body already holds Action and Version) and parses
 * the answer into *reply.  sign: NULL for an unsigned call.
 */
static AwsStatus
sts_call(const AwsContext *ctx, const char *action, const char *body,
		 const AwsCredentials *sign, AwsStsReply *reply,
		 char *errbuf, size_t errlen)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8",
		"Accept: text/xml",
		NULL
	};
	AwsHttpRequest req;
	AwsHttpResponse resp;
	AwsStatus	status;
	char	   *url = aws_sts_endpoint(ctx, errbuf, errlen);

	memset(reply, 0, sizeof(*reply));
	if (url == NULL)
		return AWS_FAILED;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.sign = sign;
	req.region = sts_region(ctx);
	status = aws_http(ctx, &req, &resp);
	if (status == AWS_ABORTED)
		aws_error(errbuf, errlen, "the call of STS %s was canceled", action);
	else if (status != AWS_OK)
		aws_error(errbuf, errlen, "could not reach STS at \"%s\" for %s: %s",
				  url, action, resp.error);
	else if (!aws_parse_sts(resp.body ? resp.body : "", resp.len, reply))
	{
		aws_error(errbuf, errlen,
				  "STS answered %s with HTTP status %ld and a body that is not STS's XML answer",
				  action, resp.status);
		status = AWS_FAILED;
	}
	else if (reply->code != NULL)
	{
		sts_scrub(reply->message);
		aws_error(errbuf, errlen, "STS refused %s: %s: %s", action, reply->code,
				  reply->message ? reply->message : "(no message)");
		status = AWS_FAILED;
	}
	else if (resp.status != 200)
	{
		aws_error(errbuf, errlen, "STS answered %s with HTTP status %ld", action, resp.status);
		status = AWS_FAILED;
	}
	if (status != AWS_OK)
		aws_sts_reply_clear(reply);
	aws_http_response_clear(&resp);
	free(url);
	return status;
}

/* A default session name: awstore-<epoch>. */
static void
sts_session_name(char *buf, size_t len, const char *given)
{
	if (given && given[0])
		snprintf(buf, len, "%s", given);
	else
		snprintf(buf, len, "awstore-%lld", (long long) time(NULL));
}

AwsStatus
aws_assume_role(const AwsContext *ctx, const AwsCredentials *base,
				const char *role_arn, const char *external_id,
				const char *session_name, int duration_seconds,
				AwsCredentials *out, char *errbuf, size_t errlen)
{
	char	   *body = NULL;
	char		name[72];
	char		dur[16];
	AwsStsReply reply;
	AwsStatus	status;
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (role_arn == NULL || role_arn[0] == '\0')
	{
		aws_error(errbuf, errlen, "no role_arn is given for AssumeRole");
		return AWS_FAILED;
	}
	sts_session_name(name, sizeof(name), session_name);
	ok = aws_form_add(&body, "Action", "AssumeRole") &&
		aws_form_add(&body, "Version", STS_VERSION) &&
		aws_form_add(&body, "RoleArn", role_arn) &&
		aws_form_add(&body, "RoleSessionName", name);
	if (ok && external_id && external_id[0])
		ok = aws_form_add(&body, "ExternalId", external_id);
	if (ok && duration_seconds > 0)
	{
		snprintf(dur, sizeof(dur), "%d", duration_seconds);
		ok = aws_form_add(&body, "DurationSeconds", dur);
	}
	if (!ok)
	{
		free(body);
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}
	status = sts_call(ctx, "AssumeRole", body, base, &reply, errbuf, errlen);
	free(body);
	if (status != AWS_OK)
		return status;
	*out = reply.creds;
	memset(&reply.creds, 0, sizeof(reply.creds));
	if (snprintf(out->source, sizeof(out->source), "role \"%s\" from %s",
				 role_arn, base->source) >= (int) sizeof(out->source))
		snprintf(out->source, sizeof(out->source), "role \"%.160s\"", role_arn);
	aws_sts_reply_clear(&reply);
	return AWS_OK;
}

AwsStatus
aws_assume_role_with_web_identity(const AwsContext *ctx, const char *role_arn,
								  const char *session_name, const char *token_file,
								  const char *source_label, AwsCredentials *out,
								  char *errbuf, size_t errlen)
{
	char	   *token;
	size_t		len;
	char	   *body = NULL;
	char		name[72];
	AwsStsReply reply;
	AwsStatus	status;
	bool		ok;

	memset(out, 0, sizeof(*out));
	token = aws_read_file(token_file, &len);
	if (token == NULL)
	{
		aws_error(errbuf, errlen, "the web identity token file \"%s\" is not readable: %s",
				  token_file, strerror(errno));
		return AWS_FAILED;
	}
	while (len > 0 && isspace((unsigned char) token[len - 1]))
		token[--len] = '\0';
	if (len == 0 || strlen(token) != len)
	{
		free(token);
		aws_error(errbuf, errlen, "the web identity token file \"%s\" holds no token",
				  token_file);
		return AWS_FAILED;
	}
	sts_session_name(name, sizeof(name), session_name);
	ok = aws_form_add(&body, "Action", "AssumeRoleWithWebIdentity") &&
		aws_form_add(&body, "Version", STS_VERSION) &&
		aws_form_add(&body, "RoleArn", role_arn) &&
		aws_form_add(&body, "RoleSessionName", name) &&
		aws_form_add(&body, "WebIdentityToken", token);
	/* the token must not outlive its use */
	memset(token, 0, len);
	free(token);
	if (!ok)
	{
		free(body);
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}
	status = sts_call(ctx, "AssumeRoleWithWebIdentity", body, NULL, &reply, errbuf, errlen);
	memset(body, 0, strlen(body));
	free(body);
	if (status != AWS_OK)
		return status;
	*out = reply.creds;
	memset(&reply.creds, 0, sizeof(reply.creds));
	snprintf(out->source, sizeof(out->source), "%s", source_label);
	aws_sts_reply_clear(&reply);
	return AWS_OK;
}

AwsStatus
aws_get_caller_identity(const AwsContext *ctx, const AwsCredentials *creds,
						AwsIdentity *out, char *errbuf, size_t errlen)
{
	AwsStsReply reply;
	AwsStatus	status;

	memset(out, 0, sizeof(*out));
	status = sts_call(ctx, "GetCallerIdentity",
					  "Action=GetCallerIdentity&Version=" STS_VERSION,
					  creds, &reply, errbuf, errlen);
	if (status != AWS_OK)
		return status;
	if (reply.identity.account == NULL)
	{
		aws_sts_reply_clear(&reply);
		aws_error(errbuf, errlen, "STS answered GetCallerIdentity without an account");
		return AWS_FAILED;
	}
	*out = reply.identity;
	memset(&reply.identity, 0, sizeof(reply.identity));
	aws_sts_reply_clear(&reply);
	return AWS_OK;
}
