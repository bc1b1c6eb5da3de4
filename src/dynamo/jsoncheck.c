/*-------------------------------------------------------------------------
 *
 * jsoncheck.c
 *		A streaming check that a body is one well-formed JSON value.
 *
 * A state machine over bytes: "state" is the grammar position between
 * tokens, "lex" the position inside a string, number or literal.  A
 * number has no end mark: the first byte that cannot continue it ends it
 * and is then read again as the next token.  Containers are a stack of
 * their opening bytes.  See jsoncheck.h for the contract.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo/jsoncheck.h"

#include <string.h>

enum
{
	S_VALUE,					/* a value */
	S_VALUE_OR_CLOSE,			/* after '[': a value or ']' */
	S_KEY_OR_CLOSE,				/* after '{': a key or '}' */
	S_KEY,						/* after ',' in an object: a key */
	S_COLON,					/* after a key */
	S_AFTER_VALUE,				/* in a container: ',' or its close */
	S_END						/* the value is complete */
};

enum
{
	L_NONE,
	L_STRING,
	L_ESCAPE,
	L_UNICODE,
	L_UTF8,						/* inside a multibyte UTF-8 character */
	L_LITERAL,
	L_NUM_MINUS,				/* "-" */
	L_NUM_ZERO,					/* "0" or "-0": complete */
	L_NUM_INT,					/* digits: complete */
	L_NUM_DOT,					/* "1." */
	L_NUM_FRAC,					/* "1.5": complete */
	L_NUM_E,					/* "1e" */
	L_NUM_E_SIGN,				/* "1e+" */
	L_NUM_E_DIGITS				/* "1e5": complete */
};

static const char *const literals[] = {"true", "false", "null"};

void
dyn_json_check_init(DynJsonCheck *c)
{
	memset(c, 0, sizeof(*c));
	c->state = S_VALUE;
	c->lex = L_NONE;
}

static bool
is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool
is_hex(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool
number_complete(int lex)
{
	return lex == L_NUM_ZERO || lex == L_NUM_INT || lex == L_NUM_FRAC || lex == L_NUM_E_DIGITS;
}

/* The member of the top-level object being read, if the reading is there. */
static DynJsonMember *
top_member(DynJsonCheck *c)
{
	if (c->depth != 1 || c->open[0] != '{' ||
		c->nmembers == 0 || c->nmembers > DYN_JSON_CHECK_MEMBERS)
		return NULL;
	return &c->members[c->nmembers - 1];
}

/*
 * A value (or a key, for strings) just ended; end is the offset of the
 * byte after it.
 */
static void
token_done(DynJsonCheck *c, bool key, size_t end)
{
	DynJsonMember *m = top_member(c);

	if (m != NULL)
	{
		if (key)
			m->key_end = end - 1;
		else
			m->value_end = end;
	}
	c->lex = L_NONE;
	if (key)
		c->state = S_COLON;
	else
		c->state = c->depth == 0 ? S_END : S_AFTER_VALUE;
}

/* The start of a token or a structural byte, outside any token. */
static void
between_tokens(DynJsonCheck *c, char ch)
{
	if (is_space(ch))
		return;
	switch (c->state)
	{
		case S_END:
			c->failed = true;
			return;
		case S_COLON:
			if (ch == ':')
				c->state = S_VALUE;
			else
				c->failed = true;
			return;
		case S_AFTER_VALUE:
			if (ch == ',')
				c->state = c->open[c->depth - 1] == '{' ? S_KEY : S_VALUE;
			else if ((ch == ']' && c->open[c->depth - 1] == '[') ||
					 (ch == '}' && c->open[c->depth - 1] == '{'))
			{
				c->depth--;
				token_done(c, false, c->pos + 1);
			}
			else
				c->failed = true;
			return;
		case S_KEY_OR_CLOSE:
		case S_KEY:
			if (ch == '"')
			{
				c->lex = L_STRING;
				c->in_key = true;
				if (c->depth == 1 && c->nmembers++ < DYN_JSON_CHECK_MEMBERS)
					c->members[c->nmembers - 1].key_start = c->pos + 1;
			}
			else if (ch == '}' && c->state == S_KEY_OR_CLOSE)
			{
				c->depth--;
				token_done(c, false, c->pos + 1);
			}
			else
				c->failed = true;
			return;
		case S_VALUE_OR_CLOSE:
			if (ch == ']')
			{
				c->depth--;
				token_done(c, false, c->pos + 1);
				return;
			}
			/* FALLTHROUGH */
		case S_VALUE:
			break;
	}
	/* a value starts */
	{
		DynJsonMember *m = top_member(c);

		if (m != NULL)
			m->value_start = c->pos;
	}
	if (ch == '{' || ch == '[')
	{
		if (c->depth >= DYN_JSON_CHECK_DEPTH)
		{
			c->failed = true;
			c->too_deep = true;
			return;
		}
		c->open[c->depth++] = (unsigned char) ch;
		c->state = ch == '{' ? S_KEY_OR_CLOSE : S_VALUE_OR_CLOSE;
	}
	else if (ch == '"')
	{
		c->lex = L_STRING;
		c->in_key = false;
	}
	else if (ch == '-')
		c->lex = L_NUM_MINUS;
	else if (ch == '0')
		c->lex = L_NUM_ZERO;
	else if (is_digit(ch))
		c->lex = L_NUM_INT;
	else if (ch == 't' || ch == 'f' || ch == 'n')
	{
		c->lex = L_LITERAL;
		c->literal = ch == 't' ? 0 : ch == 'f' ? 1 : 2;
		c->lex_pos = 1;
	}
	else
		c->failed = true;
}

/*
 * One byte inside a number.  Returns false when the byte ends the number
 * (and must be read again); sets failed when the number is malformed.
 */
static bool
in_number(DynJsonCheck *c, char ch)
{
	switch (c->lex)
	{
		case L_NUM_MINUS:
			if (ch == '0')
				c->lex = L_NUM_ZERO;
			else if (is_digit(ch))
				c->lex = L_NUM_INT;
			else
				c->failed = true;
			return true;
		case L_NUM_ZERO:
		case L_NUM_INT:
			if (is_digit(ch) && c->lex == L_NUM_INT)
				return true;
			if (ch == '.')
				c->lex = L_NUM_DOT;
			else if (ch == 'e' || ch == 'E')
				c->lex = L_NUM_E;
			else if (is_digit(ch))
				c->failed = true;	/* a leading zero */
			else
				return false;
			return true;
		case L_NUM_DOT:
			if (is_digit(ch))
				c->lex = L_NUM_FRAC;
			else
				c->failed = true;
			return true;
		case L_NUM_FRAC:
			if (is_digit(ch))
				return true;
			if (ch == 'e' || ch == 'E')
			{
				c->lex = L_NUM_E;
				return true;
			}
			return false;
		case L_NUM_E:
			if (ch == '+' || ch == '-')
				c->lex = L_NUM_E_SIGN;
			else if (is_digit(ch))
				c->lex = L_NUM_E_DIGITS;
			else
				c->failed = true;
			return true;
		case L_NUM_E_SIGN:
			if (is_digit(ch))
				c->lex = L_NUM_E_DIGITS;
			else
				c->failed = true;
			return true;
		case L_NUM_E_DIGITS:
			return is_digit(ch);
	}
	return false;
}

/*
 * Bytes that stand for themselves in a string: printable ASCII but the
 * quote and the backslash.  (A table: most of a page is string bytes.)
 */
static const bool plain_byte[256] = {
	[0x20] = true, [0x21] = true, [0x23 ... 0x5B] = true, [0x5D ... 0x7E] = true, [0x7F] = true
};

/* The escapes that are one byte after the backslash. */
static const bool short_escape[256] = {
	['"'] = true, ['\\'] = true, ['/'] = true, ['b'] = true, ['f'] = true,
	['n'] = true, ['r'] = true, ['t'] = true
};

/*
 * What a UTF-8 lead byte b promises (RFC 3629): how many bytes follow (0:
 * b leads nothing), and the range of the next one, which rules out
 * overlong forms, surrogates and code points above U+10FFFF; the bytes
 * after that are 0x80..0xBF.
 */
static int
utf8_rule(unsigned char b, unsigned char *lo, unsigned char *hi)
{
	*lo = b == 0xE0 ? 0xA0 : b == 0xF0 ? 0x90 : 0x80;
	*hi = b == 0xED ? 0x9F : b == 0xF4 ? 0x8F : 0xBF;
	if (b >= 0xC2 && b <= 0xDF)
		return 1;
	if (b >= 0xE0 && b <= 0xEF)
		return 2;
	if (b >= 0xF0 && b <= 0xF4)
		return 3;
	return 0;
}

/*
 * The length of the well-formed UTF-8 character at p (avail bytes there),
 * 0 when it is not one, -1 when the bytes there are too few to tell.
 */
static int
utf8_char(const unsigned char *p, size_t avail)
{
	unsigned char lo;
	unsigned char hi;
	int			need = utf8_rule(p[0], &lo, &hi);

	if (need == 0)
		return 0;
	for (int k = 1; k <= need; k++)
	{
		if ((size_t) k >= avail)
			return -1;
		if (p[k] < lo || p[k] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return need + 1;
}

/*
 * How many bytes from data on are a string's content that the byte state
 * machine need not see: plain bytes, one-byte escapes and whole UTF-8
 * characters.  It stops at the closing quote, at anything else (a \u
 * escape, a control byte, bad UTF-8) and where the chunk cuts an escape or
 * a character: the state machine reads those.
 */
static size_t
plain_string_bytes(const char *data, size_t len)
{
	const unsigned char *d = (const unsigned char *) data;
	size_t		n = 0;

	for (;;)
	{
		int			u;

		while (n < len && plain_byte[d[n]])
			n++;
		if (n >= len)
			return n;
		if (d[n] == '\\' && n + 1 < len && short_escape[d[n + 1]])
			n += 2;
		else if (d[n] >= 0x80 && (u = utf8_char(d + n, len - n)) > 0)
			n += u;
		else
			return n;
	}
}

/*
 * The first byte of a multibyte UTF-8 character, inside a string, when
 * the chunk ends before the character does: the state machine checks the
 * bytes that follow (utf8_rule).
 */
static void
utf8_lead(DynJsonCheck *c, unsigned char b)
{
	c->utf8_need = utf8_rule(b, &c->utf8_lo, &c->utf8_hi);
	if (c->utf8_need == 0)
		c->failed = true;
	else
		c->lex = L_UTF8;
}

void
dyn_json_check_feed(DynJsonCheck *c, const char *data, size_t len)
{
	size_t		base = c->fed;

	c->fed += len;
	for (size_t i = 0; i < len && !c->failed; i++)
	{
		char		ch = data[i];

		c->pos = base + i;
		switch (c->lex)
		{
			case L_NONE:
				between_tokens(c, ch);
				break;
			case L_STRING:
				/* most of a page is string bytes: run through the plain ones */
				i += plain_string_bytes(data + i, len - i);
				if (i == len)
					return;
				ch = data[i];
				c->pos = base + i;
				if (ch == '"')
					token_done(c, c->in_key, c->pos + 1);
				else if (ch == '\\')
					c->lex = L_ESCAPE;
				else if ((unsigned char) ch < 0x20)
					c->failed = true;
				else
					utf8_lead(c, (unsigned char) ch);
				break;
			case L_UTF8:
				if ((unsigned char) ch < c->utf8_lo || (unsigned char) ch > c->utf8_hi)
					c->failed = true;
				else if (--c->utf8_need == 0)
					c->lex = L_STRING;
				else
				{
					c->utf8_lo = 0x80;
					c->utf8_hi = 0xBF;
				}
				break;
			case L_ESCAPE:
				if (ch == 'u')
				{
					c->lex = L_UNICODE;
					c->lex_pos = 0;
				}
				else if (strchr("\"\\/bfnrt", ch) != NULL && ch != '\0')
					c->lex = L_STRING;
				else
					c->failed = true;
				break;
			case L_UNICODE:
				if (!is_hex(ch))
					c->failed = true;
				else if (++c->lex_pos == 4)
					c->lex = L_STRING;
				break;
			case L_LITERAL:
				if (ch != literals[c->literal][c->lex_pos])
					c->failed = true;
				else if (literals[c->literal][++c->lex_pos] == '\0')
					token_done(c, false, c->pos + 1);
				break;
			default:
				if (!in_number(c, ch) && !c->failed)
				{
					if (!number_complete(c->lex))
						c->failed = true;
					else
					{
						token_done(c, false, c->pos);
						between_tokens(c, ch);
					}
				}
				break;
		}
	}
}

bool
dyn_json_check_done(const DynJsonCheck *c)
{
	if (c->failed)
		return false;
	if (c->state == S_END && c->lex == L_NONE)
		return true;
	/* a number at the top level ends with the text */
	return c->depth == 0 && c->state == S_VALUE && number_complete(c->lex);
}

int
dyn_json_check_member(const DynJsonCheck *c, const char *text, const char *name,
					  size_t *start, size_t *len)
{
	size_t		name_len = strlen(name);
	int			found = 0;

	if (!dyn_json_check_done(c) || c->nmembers > DYN_JSON_CHECK_MEMBERS)
		return -1;
	/* a top-level object starts with '{' after any whitespace */
	{
		size_t		i = 0;

		while (i < c->fed && is_space(text[i]))
			i++;
		if (i == c->fed || text[i] != '{')
			return -1;
	}
	for (int i = 0; i < c->nmembers; i++)
	{
		const DynJsonMember *m = &c->members[i];
		const char *key = text + m->key_start;
		size_t		key_len = m->key_end - m->key_start;

		if (memchr(key, '\\', key_len) != NULL)
			return -1;
		if (key_len == name_len && memcmp(key, name, name_len) == 0)
		{
			*start = m->value_start;
			*len = m->value_end - m->value_start;
			found = 1;
		}
	}
	return found;
}
