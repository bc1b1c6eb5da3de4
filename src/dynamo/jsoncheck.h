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
 * DYN_JSON_CHECK_DEPTH deep.  It does not check UTF-8.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_JSONCHECK_H
#define AWSTORE_JSONCHECK_H

#include <stdbool.h>
#include <stddef.h>

#define DYN_JSON_CHECK_DEPTH 256

typedef struct DynJsonCheck
{
	int			state;			/* what the next token may be */
	int			lex;			/* inside a token: which, and where */
	int			lex_pos;		/* position in a literal or \u escape */
	int			literal;		/* which literal: true, false, null */
	bool		in_key;			/* the string being read is a key */
	int			depth;
	unsigned char open[DYN_JSON_CHECK_DEPTH];	/* '[' or '{' of each level */
	bool		failed;
} DynJsonCheck;

extern void dyn_json_check_init(DynJsonCheck *c);
extern void dyn_json_check_feed(DynJsonCheck *c, const char *data, size_t len);

/* True when the text fed so far is exactly one complete JSON value. */
extern bool dyn_json_check_done(const DynJsonCheck *c);

#endif							/* AWSTORE_JSONCHECK_H */
