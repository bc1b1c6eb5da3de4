/*-------------------------------------------------------------------------
 *
 * metadata.c
 *		The credential endpoints of a host: container and instance (IMDSv2).
 *
 * Both answer credentials JSON over plain HTTP on a link-local or loopback
 * address.  The container endpoint (ECS task roles, EKS Pod Identity) is
 * named by AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (under 169.254.170.2) or
 * _FULL_URI (https, or http to an address the SDKs allow), and may want an
 * Authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE].  The
 * instance metadata service is asked with IMDSv2 only: a PUT for a session
 * token first, then the role's name, then its credentials; a service that
 * does not hand out tokens is an error, never a reason to fall back to
 * IMDSv1.  An IMDS that does not answer at all means "not on EC2"
 * (AWS_NOT_CONFIGURED), so a chain moves on; as in botocore, one attempt
 * of one second unless AWS_METADATA_SERVICE_TIMEOUT / _NUM_ATTEMPTS say
 * otherwise.  No message quotes a token.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/awsint.h"

/* --- container -------------------------------------------------------- */

/*
 * May a plain http:// container URL go to this host?  The SDKs allow
 * loopback, ECS's 169.254.170.2 and EKS Pod Identity's 169.254.170.23 /
 * fd00:ec2::23.  XXX: a host name other than localhost is refused rather
 * than resolved and checked address by address as the SDKs do.
 */
static bool
aws_container_host_allowed(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
	{
		unsigned long a = ntohl(a4.s_addr);

		return (a >> 24) == 127 || a == 0xA9FEAA02UL || a == 0xA9FEAA17UL;
	}
	if (inet_pton(AF_INET6, host, &a6) == 1)
	{
		static const unsigned char eks[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0x23};

		return IN6_IS_ADDR_LOOPBACK(&a6) || memcmp(&a6, eks, 16) == 0;
	}
	return false;
}

/* The host of an http:// URL, into buf (false: no host found). */
static bool
aws_url_host(const char *url, char *buf, size_t len)
{
	const char *p = strstr(url, "://");
	size_t		n;

	if (p == NULL)
		return false;
	p += 3;
	if (strchr(p, '@') && strchr(p, '@') < p + strcspn(p, "/"))
		p = strchr(p, '@') + 1;
	if (*p == '[')
	{
		p++;
		n = strcspn(p, "]");
		if (p[n] != ']')
			return false;
	}
	else
		n = strcspn(p, ":/?#");
	if (n == 0 || n >= len)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

/*
 * Timeout and attempts of a metadata request: AWS_METADATA_SERVICE_TIMEOUT
 * (seconds) and AWS_METADATA_SERVICE_NUM_ATTEMPTS as the SDKs read them,
 * else one attempt of one second (botocore's defaults: off EC2 the chain
 * must not wait long for a service that is not there), never more than
 * the context allows.
 */
static void
aws_metadata_limits(const AwsContext *ctx, AwsHttpRequest *req)
{
	const char *t = aws_getenv("AWS_METADATA_SERVICE_TIMEOUT");
	const char *n = aws_getenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
	long		timeout_ms = 1000;
	int			attempts = 1;

	if (t != NULL && atoi(t) > 0 && atoi(t) <= 60)
		timeout_ms = atoi(t) * 1000L;
	if (n != NULL && atoi(n) > 0 && atoi(n) <= 10)
		attempts = atoi(n);
	if (ctx->timeout_ms > 0 && timeout_ms > ctx->timeout_ms)
		timeout_ms = ctx->timeout_ms;
	if (ctx->max_attempts > 0 && attempts > ctx->max_attempts)
		attempts = ctx->max_attempts;
	req->connect_timeout_ms = timeout_ms;
	req->timeout_ms = timeout_ms;
	req->max_attempts = attempts;
}

/* Reads the body of a credential JSON answer into *out. */
static AwsStatus
aws_cred_json(const AwsHttpResponse *resp, const char *what, const char *label,
			  AwsCredentials *out, char *errbuf, size_t errlen)
{
	AwsJsonReply reply;

	if (!aws_parse_cred_json(resp->body ? resp->body : "", resp->len, &reply))
	{
		aws_error(errbuf, errlen, "%s answered HTTP status %ld with a body that is not credentials JSON",
				  what, resp->status);
		return AWS_FAILED;
	}
	if (!reply.has_creds || resp->status != 200)
	{
		aws_error(errbuf, errlen, "%s answered HTTP status %ld: %s: %s", what, resp->status,
				  reply.code ? reply.code : "no credentials",
				  reply.message ? reply.message : "(no message)");
		aws_json_reply_clear(&reply);
		return AWS_FAILED;
	}
	*out = reply.creds;
	memset(&reply.creds, 0, sizeof(reply.creds));
	snprintf(out->source, sizeof(out->source), "%s", label);
	aws_json_reply_clear(&reply);
	return AWS_OK;
}

AwsStatus
aws_source_container(const AwsContext *ctx, AwsCredentials *out, char *errbuf, size_t errlen)
{
	const char *rel = aws_getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = aws_getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *token_file = aws_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *token_env = aws_getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char	   *token = NULL;
	char	   *url;
	char	   *auth = NULL;
	const char *headers[3];
	char		host[256];
	AwsHttpRequest req;
	AwsHttpResponse resp;
	AwsStatus	status;
	size_t		n;

	if (rel == NULL && full == NULL)
	{
		aws_error(errbuf, errlen,
				  "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
		return AWS_NOT_CONFIGURED;
	}
	if (rel != NULL)
	{
		n = strlen(rel) + 32;
		url = malloc(n);
		if (url)
			snprintf(url, n, "http://169.254.170.2%s%s", rel[0] == '/' ? "" : "/", rel);
	}
	else
	{
		/* no user:password@ in it: the URL is quoted in messages */
		if (strchr(full, '@') != NULL &&
			strchr(full, '@') < full + strcspn(full + 8, "/?#") + 8)
		{
			aws_error(errbuf, errlen, "AWS_CONTAINER_CREDENTIALS_FULL_URI must not hold a user name or password");
			return AWS_FAILED;
		}
		if (strncmp(full, "https://", 8) != 0 &&
			(strncmp(full, "http://", 7) != 0 || !aws_url_host(full, host, sizeof(host)) ||
			 !aws_container_host_allowed(host)))
		{
			aws_error(errbuf, errlen,
					  "AWS_CONTAINER_CREDENTIALS_FULL_URI \"%s\" is neither https:// nor http:// to a loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23",
					  full);
			return AWS_FAILED;
		}
		url = strdup(full);
	}
	if (url == NULL)
	{
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}

	if (token_file != NULL)
	{
		token = aws_read_file(token_file, &n);
		if (token == NULL)
		{
			aws_error(errbuf, errlen, "the authorization token file \"%s\" (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) is not readable: %s",
					  token_file, strerror(errno));
			free(url);
			return AWS_FAILED;
		}
		while (n > 0 && isspace((unsigned char) token[n - 1]))
			token[--n] = '\0';
	}
	else if (token_env != NULL)
		token = strdup(token_env);
	if (token != NULL && strpbrk(token, "\r\n") != NULL)
	{
		aws_error(errbuf, errlen, "the container authorization token (%s) holds a line break",
				  token_file ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" : "AWS_CONTAINER_AUTHORIZATION_TOKEN");
		free(token);
		free(url);
		return AWS_FAILED;
	}
	n = 0;
	headers[n++] = "Accept: application/json";
	if (token != NULL)
	{
		size_t		al = strlen(token) + 32;

		auth = malloc(al);
		if (auth == NULL)
		{
			free(token);
			free(url);
			aws_error(errbuf, errlen, "out of memory");
			return AWS_FAILED;
		}
		snprintf(auth, al, "Authorization: %s", token);
		headers[n++] = auth;
		memset(token, 0, strlen(token));
		free(token);
	}
	headers[n] = NULL;

	memset(&req, 0, sizeof(req));
	aws_metadata_limits(ctx, &req);
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	status = aws_http(ctx, &req, &resp);
	if (auth)
	{
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	if (status == AWS_ABORTED)
		aws_error(errbuf, errlen, "the call of the container credentials endpoint was canceled");
	else if (status != AWS_OK)
		aws_error(errbuf, errlen, "the container credentials endpoint \"%s\" did not answer: %s",
				  url, resp.error);
	else
		status = aws_cred_json(&resp, "the container credentials endpoint", "container",
							   out, errbuf, errlen);
	aws_http_response_clear(&resp);
	free(url);
	return status;
}

/* --- instance metadata (IMDSv2) --------------------------------------- */

static AwsStatus
aws_imds_get(const AwsContext *ctx, const char *base, const char *path,
			 const char *token_header, AwsHttpResponse *resp)
{
	char		url[1024];
	const char *headers[2] = {token_header, NULL};
	AwsHttpRequest req;

	snprintf(url, sizeof(url), "%s%s", base, path);
	memset(&req, 0, sizeof(req));
	aws_metadata_limits(ctx, &req);
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	return aws_http(ctx, &req, resp);
}

AwsStatus
aws_source_instance(const AwsContext *ctx, AwsCredentials *out, char *errbuf, size_t errlen)
{
	static const char *const token_req_headers[] = {
		"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL
	};
	const char *disabled = aws_getenv("AWS_EC2_METADATA_DISABLED");
	const char *endpoint = aws_getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	char		base[512];
	char		url[600];
	char	   *token_header = NULL;
	char		role[256];
	char		path[400];
	AwsHttpRequest req;
	AwsHttpResponse resp;
	AwsStatus	status;
	size_t		n;

	if (disabled != NULL && strcasecmp(disabled, "true") == 0)
	{
		aws_error(errbuf, errlen, "AWS_EC2_METADATA_DISABLED is set");
		return AWS_NOT_CONFIGURED;
	}
	snprintf(base, sizeof(base), "%s", endpoint ? endpoint : "http://169.254.169.254");
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		base[--n] = '\0';

	/* a session token first; IMDSv1 (no token) is never used */
	snprintf(url, sizeof(url), "%s/latest/api/token", base);
	memset(&req, 0, sizeof(req));
	aws_metadata_limits(ctx, &req);
	req.method = "PUT";
	req.url = url;
	req.headers = token_req_headers;
	status = aws_http(ctx, &req, &resp);
	if (status == AWS_ABORTED)
	{
		aws_error(errbuf, errlen, "the call of the instance metadata service was canceled");
		return status;
	}
	if (status != AWS_OK)
	{
		aws_error(errbuf, errlen, "the instance metadata service at \"%s\" did not answer: %s",
				  base, resp.error);
		aws_http_response_clear(&resp);
		return AWS_NOT_CONFIGURED;
	}
	if (resp.status != 200 || resp.len == 0 || strpbrk(resp.body, "\r\n") != NULL)
	{
		if (resp.status == 403)
			aws_error(errbuf, errlen, "IMDS refused a session token (HTTP 403): the instance metadata service is turned off for this instance");
		else if (resp.status == 404 || resp.status == 405)
			aws_error(errbuf, errlen, "IMDS answered %ld to the session token request: it does not offer IMDSv2, and awstore never falls back to IMDSv1",
					  resp.status);
		else
			aws_error(errbuf, errlen, "IMDS answered the session token request with HTTP status %ld",
					  resp.status);
		aws_http_response_clear(&resp);
		return AWS_FAILED;
	}
	n = resp.len + 40;
	token_header = malloc(n);
	if (token_header == NULL)
	{
		aws_http_response_clear(&resp);
		aws_error(errbuf, errlen, "out of memory");
		return AWS_FAILED;
	}
	snprintf(token_header, n, "X-aws-ec2-metadata-token: %s", resp.body);
	aws_http_response_clear(&resp);

	/* the role's name */
	status = aws_imds_get(ctx, base, "/latest/meta-data/iam/security-credentials/",
						  token_header, &resp);
	if (status == AWS_OK && resp.status == 200)
	{
		n = strcspn(resp.body ? resp.body : "", "\r\n");
		while (n > 0 && isspace((unsigned char) resp.body[n - 1]))
			n--;
		if (n == 0 || n >= sizeof(role) || memchr(resp.body, '/', n) != NULL ||
			memchr(resp.body, '\0', n) != NULL)
		{
			if (n != 0)
				aws_error(errbuf, errlen, "IMDS answered a role name that is not one");
			else
				aws_error(errbuf, errlen, "no IAM role is attached to this instance");
			status = AWS_FAILED;
		}
		else
		{
			memcpy(role, resp.body, n);
			role[n] = '\0';
		}
	}
	else if (status == AWS_OK)
	{
		if (resp.status == 404)
			aws_error(errbuf, errlen, "no IAM role is attached to this instance");
		else if (resp.status == 401)
			aws_error(errbuf, errlen, "IMDS answered 401: a session token is required");
		else
			aws_error(errbuf, errlen, "IMDS answered the role name request with HTTP status %ld",
					  resp.status);
		status = AWS_FAILED;
	}
	else if (status == AWS_ABORTED)
		aws_error(errbuf, errlen, "the call of the instance metadata service was canceled");
	else
		aws_error(errbuf, errlen, "the instance metadata service at \"%s\" stopped answering: %s",
				  base, resp.error);
	aws_http_response_clear(&resp);

	/* the role's credentials */
	if (status == AWS_OK)
	{
		snprintf(path, sizeof(path), "/latest/meta-data/iam/security-credentials/%s", role);
		status = aws_imds_get(ctx, base, path, token_header, &resp);
		if (status == AWS_ABORTED)
			aws_error(errbuf, errlen, "the call of the instance metadata service was canceled");
		else if (status != AWS_OK)
			aws_error(errbuf, errlen, "the instance metadata service at \"%s\" stopped answering: %s",
					  base, resp.error);
		else if (resp.status == 401)
		{
			aws_error(errbuf, errlen, "IMDS answered 401: a session token is required");
			status = AWS_FAILED;
		}
		else if (resp.status == 404)
		{
			aws_error(errbuf, errlen, "IMDS has no credentials for the IAM role \"%s\"", role);
			status = AWS_FAILED;
		}
		else
			status = aws_cred_json(&resp, "IMDS", "instance", out, errbuf, errlen);
		aws_http_response_clear(&resp);
	}
	memset(token_header, 0, strlen(token_header));
	free(token_header);
	return status;
}
