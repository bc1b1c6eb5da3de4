/*-------------------------------------------------------------------------
 *
 * jsoncheck.h
 *		A streaming check that a body is one well-formed JSON value.
 *
 * Scan and Query pages are kept as received and parsed only when the
 * executor takes them, so that pages waiting their turn cost their bytes,
 * not a parsed tree (about fifteen times as much).  A page must still be
 * known good when it arrives, to be retried if not: this check follows the
 * body chunk by chunk as it arrives, in constant memory, and accepts
 * exactly RFC 8259 JSON (one value, whitespace around it) nested at most
 * DYN_JSON_CHECK_DEPTH deep, and says when a body failed for its depth
 * alone (too_deep).  Strings must be well-formed UTF-8 (no overlong form,
 * no encoded surrogate, nothing above U+10FFFF), as RFC 8259 requires of
 * JSON exchanged between systems: the pages are read in place afterwards
 * (rawjson.c), and their text goes into PostgreSQL as it is.  Escapes are
 * checked for their form; what \u escapes encode is checked where they are
 * decoded (dyn_raw_unescape).  On the way it notes
 * where the members of a top-level object are, so that a caller can take
 * one (a page's LastEvaluatedKey) before the page is parsed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_JSONCHECK_H
#define AWSTORE_JSONCHECK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * DynamoDB nests an item at most 32 levels deep, counting the item itself
 * as the first: an attribute's value holds at most 31 M and L, one inside
 * the other (AWS's engine refuses the 32nd).
 */
#define DYN_MAX_NESTING 32
#define DYN_MAX_ATTR_NESTING (DYN_MAX_NESTING - 1)

/*
 * How deep (objects and arrays) a DynamoDB body may nest: two levels for
 * each level of an item (the AttributeValue and its M or L), plus the
 * envelope around the item (the deepest, BatchWriteItem's UnprocessedItems,
 * is six), with room to spare.  Every body DynamoDB can send fits; a
 * deeper one is refused at once, never retried.
 */
#define DYN_JSON_CHECK_DEPTH (2 * DYN_MAX_NESTING + 16)

/*
 * The depth to give json-c's tokener (json_tokener_new_ex) so that it
 * parses exactly what the check accepts: json-c counts values, not
 * containers, so the scalars inside the deepest container need one more.
 */
#define DYN_JSON_TOKENER_DEPTH (DYN_JSON_CHECK_DEPTH + 1)
#define DYN_JSON_CHECK_MEMBERS 8

/* Where a member of the top-level object is in the text: byte offsets. */
typedef struct DynJsonMember
{
	size_t		key_start;		/* the key's first byte, after its quote */
	size_t		key_end;		/* its closing quote */
	size_t		value_start;	/* the value's first byte */
	size_t		value_end;		/* the byte after the value */
} DynJsonMember;

typedef struct DynJsonCheck
{
	int			state;			/* what the next token may be */
	int			lex;			/* inside a token: which, and where */
	int			lex_pos;		/* position in a literal or \u escape */
	int			literal;		/* which literal: true, false, null */
	int			utf8_need;		/* bytes still to come of a UTF-8 character */
	unsigned char utf8_lo;		/* the range of the next of them */
	unsigned char utf8_hi;
	bool		in_key;			/* the string being read is a key */
	int			depth;
	unsigned char open[DYN_JSON_CHECK_DEPTH];	/* '[' or '{' of each level */
	bool		failed;
	bool		too_deep;		/* failed for nesting deeper than the limit */
	size_t		fed;			/* bytes fed so far */
	size_t		pos;			/* offset of the byte being read */
	int			nmembers;		/* members of the top-level object so far */
	DynJsonMember members[DYN_JSON_CHECK_MEMBERS];	/* the first ones */
} DynJsonCheck;

extern void dyn_json_check_init(DynJsonCheck *c);
extern void dyn_json_check_feed(DynJsonCheck *c, const char *data, size_t len);

/* True when the text fed so far is exactly one complete JSON value. */
extern bool dyn_json_check_done(const DynJsonCheck *c);

/*
 * For a done check of a text that is an object: finds its member called
 * name (the last one, if the key repeats) in text, the whole text fed.
 * Returns 1 with the value's JSON text at text + *start, *len bytes long;
 * 0 when the object has no such member; -1 when it cannot tell without
 * parsing (not an object, more than DYN_JSON_CHECK_MEMBERS members, or an
 * escape in a key).
 */
extern int	dyn_json_check_member(const DynJsonCheck *c, const char *text,
								  const char *name, size_t *start, size_t *len);

#endif							/* AWSTORE_JSONCHECK_H */
