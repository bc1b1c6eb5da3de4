/*-------------------------------------------------------------------------
 *
 * buf.c
 *		DynBuf: the growable text buffer request bodies are written into.
 *
 * Request bodies are assembled as text rather than as json-c trees: values
 * arrive already rendered as AttributeValue JSON from the conversion code,
 * and a 25-item BatchWriteItem is written once instead of built and then
 * serialized.  The one subtle part, escaping strings, lives here.
 *
 * An allocation failure does not abort: the buffer is marked oom, later
 * appends do nothing, and dynbuf_release() returns NULL for the caller to
 * report.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
dynbuf_init(DynBuf *buf)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->oom = false;
}

void
dynbuf_free(DynBuf *buf)
{
	free(buf->data);
	dynbuf_init(buf);
}

void
dynbuf_reset(DynBuf *buf)
{
	buf->len = 0;
	if (buf->data)
		buf->data[0] = '\0';
}

static bool
dynbuf_reserve(DynBuf *buf, size_t more)
{
	size_t		need;
	size_t		cap;
	char	   *data;

	if (buf->oom)
		return false;
	need = buf->len + more + 1;
	if (need <= buf->cap)
		return true;
	cap = buf->cap ? buf->cap : 256;
	while (cap < need)
		cap *= 2;
	data = realloc(buf->data, cap);
	if (data == NULL)
	{
		buf->oom = true;
		return false;
	}
	buf->data = data;
	buf->cap = cap;
	return true;
}

void
dynbuf_append(DynBuf *buf, const char *data, size_t len)
{
	if (!dynbuf_reserve(buf, len))
		return;
	memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void
dynbuf_append_str(DynBuf *buf, const char *s)
{
	dynbuf_append(buf, s, strlen(s));
}

void
dynbuf_append_char(DynBuf *buf, char c)
{
	dynbuf_append(buf, &c, 1);
}

void
dynbuf_printf(DynBuf *buf, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !dynbuf_reserve(buf, (size_t) n))
		return;
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t) n;
}

const char *
dyn_json_escape(unsigned char c, char u[7])
{
	static const char hex[] = "0123456789abcdef";

	switch (c)
	{
		case '"':
			return "\\\"";
		case '\\':
			return "\\\\";
		case '\n':
			return "\\n";
		case '\r':
			return "\\r";
		case '\t':
			return "\\t";
		case '\b':
			return "\\b";
		case '\f':
			return "\\f";
		default:
			if (c >= 0x20)
				return NULL;
			u[0] = '\\';
			u[1] = 'u';
			u[2] = '0';
			u[3] = '0';
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			u[6] = '\0';
			return u;
	}
}

void
dynbuf_append_json_string(DynBuf *buf, const char *s, size_t len)
{
	size_t		start = 0;

	dynbuf_append_char(buf, '"');
	for (size_t i = 0; i < len; i++)
	{
		char		u[7];
		const char *esc = dyn_json_escape((unsigned char) s[i], u);

		if (esc)
		{
			dynbuf_append(buf, s + start, i - start);
			dynbuf_append_str(buf, esc);
			start = i + 1;
		}
	}
	dynbuf_append(buf, s + start, len - start);
	dynbuf_append_char(buf, '"');
}

char *
dynbuf_release(DynBuf *buf, size_t *len)
{
	char	   *data;

	if (buf->oom)
	{
		dynbuf_free(buf);
		return NULL;
	}
	if (!dynbuf_reserve(buf, 0))
		return NULL;
	data = buf->data;
	if (len)
		*len = buf->len;
	dynbuf_init(buf);
	return data;
}
