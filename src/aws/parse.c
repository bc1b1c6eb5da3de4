/*-------------------------------------------------------------------------
 *
 * parse.c
 *		Parsers of what the credential sources answer: STS's XML, the
 *		credential JSON of IMDS and of container endpoints, ini files.
 *
 * Every parser takes a pointer and a length, never reads past it (the
 * bytes need not end in NUL), accepts any input without crashing, and
 * hands back malloc'd strings the caller frees through the matching clear
 * function.  STS's answers are small and flat, so the XML reader looks up
 * elements by name rather than building a tree; it only needs to find the
 * first <Name>text</Name> and decode XML's entities in the text.
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "aws/awsint.h"

/* Longest value kept from an XML element or ini line. */
#define AWS_MAX_VALUE (16 * 1024)

/* Position of needle (nlen bytes) in hay (hlen bytes), or NULL. */
static const char *
aws_find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t		i;

	if (nlen == 0 || hlen < nlen)
		return NULL;
	for (i = 0; i + nlen <= hlen; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
			return hay + i;
	return NULL;
}

static int
aws_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends code point cp as UTF-8; returns bytes written (0: invalid). */
static size_t
aws_utf8(char *out, unsigned long cp)
{
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	if (cp < 0x80)
	{
		out[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (char) (0xC0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (char) (0xE0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char) (0xF0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Decodes XML text (len bytes) into a malloc'd string: the five named
 * entities and numeric character references.  NULL when an entity is
 * malformed or the text holds a NUL.
 */
static char *
aws_xml_decode(const char *text, size_t len)
{
	char	   *out = malloc(len + 1);
	size_t		i = 0,
				o = 0;

	if (out == NULL)
		return NULL;
	while (i < len)
	{
		if (text[i] == '\0')
			goto bad;
		if (text[i] != '&')
		{
			out[o++] = text[i++];
			continue;
		}
		{
			const char *semi = memchr(text + i, ';', len - i);
			size_t		elen;
			const char *ent = text + i + 1;

			if (semi == NULL || semi - ent > 10)
				goto bad;
			elen = (size_t) (semi - ent);
			if (elen == 3 && memcmp(ent, "amp", 3) == 0)
				out[o++] = '&';
			else if (elen == 2 && memcmp(ent, "lt", 2) == 0)
				out[o++] = '<';
			else if (elen == 2 && memcmp(ent, "gt", 2) == 0)
				out[o++] = '>';
			else if (elen == 4 && memcmp(ent, "quot", 4) == 0)
				out[o++] = '"';
			else if (elen == 4 && memcmp(ent, "apos", 4) == 0)
				out[o++] = '\'';
			else if (elen >= 2 && ent[0] == '#')
			{
				unsigned long cp = 0;
				size_t		k = 1;
				bool		hex = (ent[1] == 'x' || ent[1] == 'X');
				size_t		n;

				if (hex)
					k = 2;
				if (k >= elen)
					goto bad;
				for (; k < elen; k++)
				{
					int			d = hex ? aws_hexval((unsigned char) ent[k]) :
						(isdigit((unsigned char) ent[k]) ? ent[k] - '0' : -1);

					if (d < 0 || cp > 0x10FFFF)
						goto bad;
					cp = cp * (hex ? 16 : 10) + (unsigned long) d;
				}
				/* an entity is at least 4 bytes long: the UTF-8 fits */
				n = aws_utf8(out + o, cp);
				if (n == 0)
					goto bad;
				o += n;
			}
			else
				goto bad;
			i = (size_t) (semi - text) + 1;
		}
	}
	out[o] = '\0';
	return out;

bad:
	free(out);
	return NULL;
}

char *
aws_xml_text(const char *body, size_t len, const char *tag)
{
	char		open[64],
				close[64];
	size_t		olen,
				clen;
	const char *p = body;
	size_t		left = len;

	olen = (size_t) snprintf(open, sizeof(open), "<%s", tag);
	clen = (size_t) snprintf(close, sizeof(close), "</%s>", tag);
	if (olen >= sizeof(open) || clen >= sizeof(close))
		return NULL;
	while ((p = aws_find(p, left, open, olen)) != NULL)
	{
		const char *after = p + olen;
		size_t		rest = len - (size_t) (after - body);
		const char *gt,
				   *end;

		/* <TagX> is not <Tag> */
		if (rest == 0)
			return NULL;
		if (*after != '>' && *after != ' ' && *after != '\t' &&
			*after != '\r' && *after != '\n' && *after != '/')
		{
			p = after;
			left = rest;
			continue;
		}
		gt = memchr(after, '>', rest);
		if (gt == NULL)
			return NULL;
		if (gt[-1] == '/')		/* <Tag/>: empty */
			return strdup("");
		end = aws_find(gt + 1, len - (size_t) (gt + 1 - body), close, clen);
		if (end == NULL || (size_t) (end - gt - 1) > AWS_MAX_VALUE ||
			memchr(gt + 1, '<', (size_t) (end - gt - 1)) != NULL)
			return NULL;
		return aws_xml_decode(gt + 1, (size_t) (end - gt - 1));
	}
	return NULL;
}

void
aws_sts_reply_clear(AwsStsReply *reply)
{
	aws_credentials_clear(&reply->creds);
	aws_identity_clear(&reply->identity);
	free(reply->code);
	free(reply->message);
	reply->code = reply->message = NULL;
}

bool
aws_parse_sts(const char *body, size_t len, AwsStsReply *out)
{
	char	   *exp;

	memset(out, 0, sizeof(*out));
	if (aws_find(body, len, "<ErrorResponse", 14) != NULL)
	{
		out->code = aws_xml_text(body, len, "Code");
		out->message = aws_xml_text(body, len, "Message");
		if (out->code != NULL && out->code[0] != '\0')
			return true;
		aws_sts_reply_clear(out);
		return false;
	}
	if (aws_find(body, len, "<Credentials>", 13) != NULL)
	{
		out->creds.access_key_id = aws_xml_text(body, len, "AccessKeyId");
		out->creds.secret_access_key = aws_xml_text(body, len, "SecretAccessKey");
		out->creds.session_token = aws_xml_text(body, len, "SessionToken");
		exp = aws_xml_text(body, len, "Expiration");
		if (out->creds.access_key_id && out->creds.access_key_id[0] &&
			out->creds.secret_access_key && out->creds.secret_access_key[0] &&
			out->creds.session_token && out->creds.session_token[0] &&
			aws_parse_time(exp, &out->creds.expiration))
		{
			free(exp);
			/* the ARN of the assumed role, when given */
			out->identity.arn = aws_xml_text(body, len, "Arn");
			return true;
		}
		free(exp);
		aws_sts_reply_clear(out);
		return false;
	}
	if (aws_find(body, len, "<GetCallerIdentityResult>", 25) != NULL)
	{
		out->identity.arn = aws_xml_text(body, len, "Arn");
		out->identity.account = aws_xml_text(body, len, "Account");
		out->identity.user_id = aws_xml_text(body, len, "UserId");
		if (out->identity.arn && out->identity.arn[0] && out->identity.account)
			return true;
		aws_sts_reply_clear(out);
		return false;
	}
	return false;
}

void
aws_json_reply_clear(AwsJsonReply *reply)
{
	aws_credentials_clear(&reply->creds);
	free(reply->code);
	free(reply->message);
	reply->code = reply->message = NULL;
	reply->has_creds = false;
}

/* A string member of obj, copied (NULL when absent or not a string). */
static char *
aws_json_string(struct json_object *obj, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) ||
		!json_object_is_type(v, json_type_string))
		return NULL;
	return strdup(json_object_get_string(v));
}

bool
aws_parse_cred_json(const char *body, size_t len, AwsJsonReply *out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	char	   *code;
	char	   *exp;
	bool		ok = false;

	memset(out, 0, sizeof(*out));
	if (len > AWS_MAX_BODY || len > (size_t) 0x7fffffff)
		return false;
	tok = json_tokener_new_ex(16);
	if (tok == NULL)
		return false;
	obj = json_tokener_parse_ex(tok, body, (int) len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success ||
		tok->char_offset != (int) len)
	{
		/* trailing white space is fine, anything else is not */
		size_t		k = obj ? (size_t) tok->char_offset : len;

		while (obj && k < len && isspace((unsigned char) body[k]))
			k++;
		if (obj == NULL || k != len)
		{
			json_object_put(obj);
			json_tokener_free(tok);
			return false;
		}
	}
	json_tokener_free(tok);
	if (!json_object_is_type(obj, json_type_object))
	{
		json_object_put(obj);
		return false;
	}

	/* IMDS says Code: "Success"; anything else is its error */
	code = aws_json_string(obj, "Code");
	if (code != NULL && strcmp(code, "Success") != 0)
	{
		out->code = code;
		out->message = aws_json_string(obj, "Message");
		json_object_put(obj);
		return true;
	}
	free(code);
	out->creds.access_key_id = aws_json_string(obj, "AccessKeyId");
	out->creds.secret_access_key = aws_json_string(obj, "SecretAccessKey");
	out->creds.session_token = aws_json_string(obj, "Token");
	exp = aws_json_string(obj, "Expiration");
	if (out->creds.access_key_id && out->creds.access_key_id[0] &&
		out->creds.secret_access_key && out->creds.secret_access_key[0] &&
		(exp == NULL || aws_parse_time(exp, &out->creds.expiration)))
	{
		out->has_creds = true;
		ok = true;
	}
	else
	{
		aws_credentials_clear(&out->creds);
		/* a container endpoint's error: {"code": …, "message": …} */
		out->code = aws_json_string(obj, "code");
		out->message = aws_json_string(obj, "message");
		ok = out->code != NULL;
		if (!ok)
		{
			free(out->message);
			out->message = NULL;
		}
	}
	free(exp);
	json_object_put(obj);
	return ok;
}

/* --- ini files ------------------------------------------------------ */

/* Copy of s[0..len) with surrounding white space removed. */
static char *
aws_trimmed(const char *s, size_t len)
{
	char	   *out;

	while (len > 0 && isspace((unsigned char) *s))
		s++, len--;
	while (len > 0 && isspace((unsigned char) s[len - 1]))
		len--;
	if (len > AWS_MAX_VALUE || memchr(s, '\0', len) != NULL)
		return NULL;
	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

void
aws_ini_free(AwsIni *ini)
{
	int			i;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->npairs; i++)
	{
		free(ini->pairs[i].key);
		free(ini->pairs[i].value);
	}
	for (i = 0; i < ini->nsections; i++)
		free(ini->sections[i]);
	free(ini->pairs);
	free(ini->sections);
	free(ini);
}

/*
 * The profile a section header names, or NULL when it names none
 * (*skip set) or memory ran out (*skip clear).
 */
static char *
aws_ini_section_name(const char *s, size_t len, bool config_file, bool *skip)
{
	char	   *name = aws_trimmed(s, len);
	char	   *rest;

	*skip = false;
	if (name == NULL)
	{
		*skip = true;			/* too long or holding a NUL: not a profile */
		return NULL;
	}
	if (!config_file || strcmp(name, "default") == 0)
		return name;
	if (strncmp(name, "profile", 7) == 0 && (name[7] == ' ' || name[7] == '\t'))
	{
		rest = aws_trimmed(name + 8, strlen(name + 8));
		free(name);
		if (rest == NULL || rest[0] == '\0')
		{
			free(rest);
			*skip = true;
			return NULL;
		}
		return rest;
	}
	free(name);
	*skip = true;
	return NULL;
}

AwsIni *
aws_ini_parse(const char *text, size_t len, bool config_file)
{
	AwsIni	   *ini = calloc(1, sizeof(AwsIni));
	size_t		pos = 0;
	const char *section = NULL; /* NULL: outside a profile */
	int			pairs_cap = 0,
				sections_cap = 0;

	if (ini == NULL)
		return NULL;
	while (pos < len)
	{
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t		llen = nl ? (size_t) (nl - line) : len - pos;
		const char *eq;

		pos += llen + (nl ? 1 : 0);
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			continue;
		/* an indented line is a sub-property of the key above: skipped */
		if (line[0] == ' ' || line[0] == '\t')
			continue;
		if (line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[')
		{
			const char *close = memchr(line, ']', llen);
			bool		skip;
			char	   *name;

			section = NULL;
			if (close == NULL)
				continue;
			name = aws_ini_section_name(line + 1, (size_t) (close - line - 1),
										config_file, &skip);
			if (name == NULL)
			{
				if (skip)
					continue;
				goto oom;
			}
			if (ini->nsections == sections_cap)
			{
				int			cap = sections_cap ? sections_cap * 2 : 8;
				char	  **n = realloc(ini->sections, sizeof(char *) * (size_t) cap);

				if (n == NULL)
				{
					free(name);
					goto oom;
				}
				ini->sections = n;
				sections_cap = cap;
			}
			ini->sections[ini->nsections++] = name;
			section = name;
			continue;
		}
		if (section == NULL)
			continue;
		eq = memchr(line, '=', llen);
		if (eq == NULL)
			continue;
		{
			char	   *key = aws_trimmed(line, (size_t) (eq - line));
			char	   *value = aws_trimmed(eq + 1, llen - (size_t) (eq + 1 - line));

			if (key == NULL || value == NULL || key[0] == '\0')
			{
				free(key);
				free(value);
				continue;
			}
			if (ini->npairs == pairs_cap)
			{
				int			cap = pairs_cap ? pairs_cap * 2 : 16;
				AwsIniPair *n = realloc(ini->pairs, sizeof(AwsIniPair) * (size_t) cap);

				if (n == NULL)
				{
					free(key);
					free(value);
					goto oom;
				}
				ini->pairs = n;
				pairs_cap = cap;
			}
			ini->pairs[ini->npairs].section = (char *) section;
			ini->pairs[ini->npairs].key = key;
			ini->pairs[ini->npairs].value = value;
			ini->npairs++;
		}
	}
	return ini;

oom:
	aws_ini_free(ini);
	return NULL;
}

bool
aws_ini_has_section(const AwsIni *ini, const char *section)
{
	int			i;

	for (i = 0; ini != NULL && i < ini->nsections; i++)
		if (strcmp(ini->sections[i], section) == 0)
			return true;
	return false;
}

const char *
aws_ini_get(const AwsIni *ini, const char *section, const char *key)
{
	int			i;

	for (i = ini ? ini->npairs - 1 : -1; i >= 0; i--)
		if (strcmp(ini->pairs[i].section, section) == 0 &&
			strcasecmp(ini->pairs[i].key, key) == 0)
			return ini->pairs[i].value;
	return NULL;
}
