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

/* A value (or a key, for strings) just ended. */
static void
token_done(DynJsonCheck *c, bool key)
{
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
				token_done(c, false);
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
			}
			else if (ch == '}' && c->state == S_KEY_OR_CLOSE)
			{
				c->depth--;
				token_done(c, false);
			}
			else
				c->failed = true;
			return;
		case S_VALUE_OR_CLOSE:
			if (ch == ']')
			{
				c->depth--;
				token_done(c, false);
				return;
			}
			/* FALLTHROUGH */
		case S_VALUE:
			break;
	}
	/* a value starts */
	if (ch == '{' || ch == '[')
	{
		if (c->depth >= DYN_JSON_CHECK_DEPTH)
		{
			c->failed = true;
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

/* How many bytes from data on are neither '"', '\\' nor a control byte. */
static size_t
plain_string_bytes(const char *data, size_t len)
{
	size_t		n = 0;

	while (n < len && (unsigned char) data[n] >= 0x20 && data[n] != '"' && data[n] != '\\')
		n++;
	return n;
}

void
dyn_json_check_feed(DynJsonCheck *c, const char *data, size_t len)
{
	for (size_t i = 0; i < len && !c->failed; i++)
	{
		char		ch = data[i];

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
				if (ch == '"')
					token_done(c, c->in_key);
				else if (ch == '\\')
					c->lex = L_ESCAPE;
				else if ((unsigned char) ch < 0x20)
					c->failed = true;
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
					token_done(c, false);
				break;
			default:
				if (!in_number(c, ch) && !c->failed)
				{
					if (!number_complete(c->lex))
						c->failed = true;
					else
					{
						token_done(c, false);
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
