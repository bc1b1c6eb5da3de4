/*-------------------------------------------------------------------------
 *
 * receive.c
 *		A response as libcurl hands it over: headers, then the body.
 *
 * http_header_cb() picks x-amz-crc32 and x-amzn-RequestId out of the
 * header lines (a new status line forgets the earlier ones: 100 Continue);
 * http_write_cb() sums the body's CRC32 as it arrives and passes it to the
 * transfer's sink, or keeps it, NUL-terminated, when there is none.  A body
 * longer than the session's max_body is refused (the transfer is marked
 * too large and libcurl aborts it), and so is one that cannot be kept for
 * want of memory.  Neither callback may longjmp: they run inside libcurl.
 *
 *-------------------------------------------------------------------------
 */
#include "http_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crc32.h"

/*
 * libcurl write callback: a chunk of the body.  Returns len when taken,
 * 0 to make libcurl fail the transfer (CURLE_WRITE_ERROR).
 */
size_t
http_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	HttpTransfer *xfer = userp;
	size_t		len = size * nmemb;

	if (len > xfer->session->max_body - xfer->result.body_len)
	{
		xfer->result.too_large = true;
		return 0;				/* libcurl reports CURLE_WRITE_ERROR */
	}
	xfer->result.crc_body = aw_crc32_update(xfer->result.crc_body, data, len);
	xfer->result.body_len += len;
	if (xfer->sink)
	{
		xfer->sink(xfer->sink_arg, data, len);
		return len;
	}
	if (xfer->result.body_len + 1 > xfer->body_cap)
	{
		size_t		cap = xfer->body_cap ? xfer->body_cap : 4096;
		char	   *body;

		while (cap < xfer->result.body_len + 1)
			cap *= 2;
		body = realloc(xfer->body, cap);
		if (body == NULL)
			return 0;			/* libcurl reports CURLE_WRITE_ERROR */
		xfer->body = body;
		xfer->body_cap = cap;
	}
	memcpy(xfer->body + xfer->result.body_len - len, data, len);
	xfer->body[xfer->result.body_len] = '\0';
	return len;
}

/* Copies a header value (after "name:") without surrounding blanks. */
static void
http_header_value(const char *line, size_t len, size_t namelen, char *out, size_t outlen)
{
	size_t		start = namelen + 1;
	size_t		end = len;
	size_t		n;

	while (start < end && (line[start] == ' ' || line[start] == '\t'))
		start++;
	while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n' ||
						   line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	n = end - start;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, line + start, n);
	out[n] = '\0';
}

/* libcurl header callback: one header line, with its line end. */
size_t
http_header_cb(char *line, size_t size, size_t nmemb, void *userp)
{
	HttpTransfer *xfer = userp;
	size_t		len = size * nmemb;
	static const char crc_name[] = "x-amz-crc32:";
	static const char id_name[] = "x-amzn-requestid:";

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0)
	{
		/* a new response (after 100 Continue, say): forget earlier headers */
		xfer->result.has_crc = false;
		xfer->result.request_id[0] = '\0';
	}
	else if (len > sizeof(crc_name) - 1 &&
			 strncasecmp(line, crc_name, sizeof(crc_name) - 1) == 0)
	{
		char		value[32];
		char	   *end;
		unsigned long long crc;

		http_header_value(line, len, sizeof(crc_name) - 2, value, sizeof(value));
		crc = strtoull(value, &end, 10);
		if (end != value && *end == '\0' && crc <= 0xFFFFFFFFull)
		{
			xfer->result.has_crc = true;
			xfer->result.crc_header = (uint32_t) crc;
		}
	}
	else if (len > sizeof(id_name) - 1 &&
			 strncasecmp(line, id_name, sizeof(id_name) - 1) == 0)
		http_header_value(line, len, sizeof(id_name) - 2,
						  xfer->result.request_id, sizeof(xfer->result.request_id));
	return len;
}
