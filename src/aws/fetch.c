/*-------------------------------------------------------------------------
 *
 * fetch.c
 *		The few small HTTP exchanges the credential sources make.
 *
 * IMDS, container endpoints and STS answer small bodies, rarely (the
 * credentials are cached): one libcurl easy handle per request is enough,
 * and there is no connection to keep.  Each attempt has a short connect
 * timeout and a short total timeout; a failure to connect, a timeout or a
 * 5xx is retried with exponential backoff and jitter up to max_attempts,
 * any other answer is the caller's to read.  The context's abort callback
 * is polled by libcurl's progress callback during a transfer and between
 * the slices of a backoff sleep, so a cancel stops the exchange quickly.
 * STS requests are signed by libcurl itself (CURLOPT_AWS_SIGV4, service
 * "sts"), the session token going in X-Amz-Security-Token.
 *
 * No message built here holds a header value: headers carry tokens.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "aws/awsint.h"
#include "http/http.h"

#define AWS_USER_AGENT "awstore-credentials/1.1"

typedef struct AwsXfer
{
	const AwsContext *ctx;
	AwsHttpResponse *resp;
	size_t		cap;
	bool		aborted;
	bool		too_large;
	bool		plain_http;		/* the URL is http:// */
	const char *refused;		/* why the address guard refused, or NULL */
} AwsXfer;

/*
 * Opens libcurl's sockets under ctx->restrict_addresses: the address guard
 * of src/http, on the address about to be connected to, so that no host
 * name leads around it.
 */
static curl_socket_t
aws_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *address)
{
	AwsXfer    *x = arg;
	const void *addr = NULL;

	(void) purpose;
	if (address->family == AF_INET)
		addr = &((const struct sockaddr_in *) &address->addr)->sin_addr;
	else if (address->family == AF_INET6)
		addr = &((const struct sockaddr_in6 *) &address->addr)->sin6_addr;
	x->refused = http_address_refusal(address->family, addr, x->plain_http);
	if (x->refused)
		return CURL_SOCKET_BAD;
	return socket(address->family, address->socktype, address->protocol);
}

static size_t
aws_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	AwsXfer    *x = arg;
	size_t		n = size * nmemb;

	if (x->resp->len + n > AWS_MAX_BODY)
	{
		x->too_large = true;
		return 0;
	}
	if (x->resp->len + n + 1 > x->cap)
	{
		size_t		cap = x->cap ? x->cap : 1024;
		char	   *b;

		while (cap < x->resp->len + n + 1)
			cap *= 2;
		/* not realloc: the old block, which may hold a secret, is cleared */
		b = malloc(cap);
		if (b == NULL)
			return 0;
		if (x->resp->body)
		{
			memcpy(b, x->resp->body, x->resp->len + 1);
			explicit_bzero(x->resp->body, x->resp->len);
			free(x->resp->body);
		}
		x->resp->body = b;
		x->cap = cap;
	}
	memcpy(x->resp->body + x->resp->len, data, n);
	x->resp->len += n;
	x->resp->body[x->resp->len] = '\0';
	return n;
}

static int
aws_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
				curl_off_t ultotal, curl_off_t ulnow)
{
	AwsXfer    *x = arg;

	(void) dltotal, (void) dlnow, (void) ultotal, (void) ulnow;
	if (x->ctx->abort_fn && x->ctx->abort_fn(x->ctx->abort_arg))
	{
		x->aborted = true;
		return 1;
	}
	return 0;
}

/* Sleeps ms milliseconds in slices, polling the abort callback; false: abort. */
static bool
aws_sleep(const AwsContext *ctx, long ms)
{
	while (ms > 0)
	{
		long		slice = ms > 50 ? 50 : ms;
		struct timespec ts = {0, slice * 1000000L};

		if (ctx->abort_fn && ctx->abort_fn(ctx->abort_arg))
			return false;
		nanosleep(&ts, NULL);
		ms -= slice;
	}
	return !(ctx->abort_fn && ctx->abort_fn(ctx->abort_arg));
}

void
aws_http_response_clear(AwsHttpResponse *resp)
{
	/* answers hold secrets and session tokens: cleared before they go */
	if (resp->body)
		explicit_bzero(resp->body, resp->len);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

/* One attempt.  AWS_OK: resp->status set, or status 0 and error set. */
static AwsStatus
aws_http_once(const AwsContext *ctx, const AwsHttpRequest *req,
			  AwsHttpResponse *resp, long connect_ms, long total_ms)
{
	CURL	   *easy = curl_easy_init();
	struct curl_slist *headers = NULL;
	AwsXfer		x;
	CURLcode	rc;
	char		sigv4[128];
	char	   *token_header = NULL;
	AwsStatus	status = AWS_OK;
	int			i;

	memset(&x, 0, sizeof(x));
	x.ctx = ctx;
	x.resp = resp;
	if (easy == NULL)
	{
		snprintf(resp->error, sizeof(resp->error), "out of memory");
		return AWS_FAILED;
	}
	for (i = 0; req->headers && req->headers[i]; i++)
	{
		struct curl_slist *n = curl_slist_append(headers, req->headers[i]);

		if (n == NULL)
			goto oom;
		headers = n;
	}
	if (req->sign && req->sign->session_token)
	{
		struct curl_slist *n;
		size_t		tl = strlen(req->sign->session_token) + 32;

		token_header = malloc(tl);
		if (token_header == NULL)
			goto oom;
		snprintf(token_header, tl, "X-Amz-Security-Token: %s", req->sign->session_token);
		n = curl_slist_append(headers, token_header);
		if (n == NULL)
			goto oom;
		headers = n;
	}

	curl_easy_setopt(easy, CURLOPT_URL, req->url);
	if (strcmp(req->method, "POST") == 0)
	{
		curl_easy_setopt(easy, CURLOPT_POST, 1L);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
						 (curl_off_t) (req->body ? strlen(req->body) : 0));
	}
	else if (strcmp(req->method, "PUT") == 0)
	{
		/* IMDS's token PUT has no body */
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "PUT");
	}
	if (headers)
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	if (req->sign)
	{
		snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:sts", req->region ? req->region : "us-east-1");
		curl_easy_setopt(easy, CURLOPT_AWS_SIGV4, sigv4);
		curl_easy_setopt(easy, CURLOPT_USERNAME, req->sign->access_key_id);
		curl_easy_setopt(easy, CURLOPT_PASSWORD, req->sign->secret_access_key);
	}
	curl_easy_setopt(easy, CURLOPT_USERAGENT, AWS_USER_AGENT);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, total_ms);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, aws_write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, aws_progress_cb);
	curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	if (ctx->ca_bundle)
		curl_easy_setopt(easy, CURLOPT_CAINFO, ctx->ca_bundle);
	/* metadata endpoints are link-local: never through a proxy */
	if (!req->sign && req->body == NULL)
		curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, resp->error);
	if (ctx->restrict_addresses)
	{
		x.plain_http = strncmp(req->url, "http://", 7) == 0;
		curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, aws_open_socket);
		curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &x);
	}

	rc = curl_easy_perform(easy);
	if (x.aborted)
		status = AWS_ABORTED;
	else if (x.refused)
	{
		snprintf(resp->error, sizeof(resp->error),
				 "%s resolves to %s, which a server not owned by a superuser may not reach",
				 req->url, x.refused);
		status = AWS_FAILED;
	}
	else if (x.too_large)
	{
		snprintf(resp->error, sizeof(resp->error),
				 "the answer is longer than %d bytes", AWS_MAX_BODY);
		status = AWS_FAILED;
	}
	else if (rc == CURLE_OK)
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp->status);
	else
	{
		resp->status = 0;
		resp->unreachable = (rc == CURLE_COULDNT_CONNECT ||
							 rc == CURLE_COULDNT_RESOLVE_HOST ||
							 rc == CURLE_OPERATION_TIMEDOUT);
		if (resp->error[0] == '\0')
			snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(rc));
	}
	curl_easy_cleanup(easy);
	curl_slist_free_all(headers);
	if (token_header)
		explicit_bzero(token_header, strlen(token_header));
	free(token_header);
	return status;

oom:
	curl_easy_cleanup(easy);
	curl_slist_free_all(headers);
	if (token_header)
		explicit_bzero(token_header, strlen(token_header));
	free(token_header);
	snprintf(resp->error, sizeof(resp->error), "out of memory");
	return AWS_FAILED;
}

AwsStatus
aws_http(const AwsContext *ctx, const AwsHttpRequest *req, AwsHttpResponse *resp)
{
	long		connect_ms = req->connect_timeout_ms ? req->connect_timeout_ms :
		(ctx->connect_timeout_ms ? ctx->connect_timeout_ms : 1000);
	long		total_ms = req->timeout_ms ? req->timeout_ms :
		(ctx->timeout_ms ? ctx->timeout_ms : 5000);
	int			attempts = req->max_attempts ? req->max_attempts :
		(ctx->max_attempts ? ctx->max_attempts : 3);
	int			attempt;
	AwsStatus	status = AWS_FAILED;

	memset(resp, 0, sizeof(*resp));
	for (attempt = 1; attempt <= attempts; attempt++)
	{
		if (attempt > 1)
		{
			/* full jitter over 100 ms, 200 ms, 400 ms … capped at 2 s */
			long		cap = 100L << (attempt - 2);

			if (cap > 2000)
				cap = 2000;
			aws_http_response_clear(resp);
			if (!aws_sleep(ctx, cap / 2 + (long) (rand() % (int) (cap / 2 + 1))))
				return AWS_ABORTED;
		}
		status = aws_http_once(ctx, req, resp, connect_ms, total_ms);
		if (status != AWS_OK)
			return status;
		if (resp->status != 0 && resp->status < 500)
			return AWS_OK;
	}
	/* out of attempts: a 5xx is an answer, no answer is a failure */
	return resp->status != 0 ? AWS_OK : AWS_FAILED;
}

bool
aws_form_add(char **body, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		old = *body ? strlen(*body) : 0;
	size_t		need = old + 1 + strlen(key) + 1 + strlen(value) * 3 + 1;
	char	   *b = realloc(*body, need);
	char	   *o;
	const unsigned char *v;

	if (b == NULL)
		return false;
	*body = b;
	o = b + old;
	if (old)
		*o++ = '&';
	o += sprintf(o, "%s=", key);
	for (v = (const unsigned char *) value; *v; v++)
	{
		if ((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') ||
			(*v >= '0' && *v <= '9') || *v == '-' || *v == '_' || *v == '.' || *v == '~')
			*o++ = (char) *v;
		else
		{
			*o++ = '%';
			*o++ = hex[*v >> 4];
			*o++ = hex[*v & 15];
		}
	}
	*o = '\0';
	return true;
}

char *
aws_read_file(const char *path, size_t *len)
{
	FILE	   *f;
	char	   *buf;
	size_t		n;
	struct stat st;

	memset(&st, 0, sizeof(st));
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	errno = 0;
	if (fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode) || st.st_size > AWS_MAX_FILE)
	{
		int			e = errno;

		if (e == 0 || S_ISDIR(st.st_mode))
			e = S_ISDIR(st.st_mode) ? EISDIR : EFBIG;
		else if (st.st_size > AWS_MAX_FILE)
			e = EFBIG;
		fclose(f);
		errno = e;
		return NULL;
	}
	buf = malloc((size_t) st.st_size + 1);
	if (buf == NULL)
	{
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, (size_t) st.st_size, f);
	if (ferror(f))
	{
		int			e = errno;

		free(buf);
		fclose(f);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
