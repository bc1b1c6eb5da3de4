/*-------------------------------------------------------------------------
 *
 * value.c
 *		Reading DynamoDB responses: values and AttributeValues.
 *
 * Thin accessors over json-c, so that the PostgreSQL side never includes
 * json-c's headers: members, arrays, strings, numbers, iteration over an
 * object in order, an AttributeValue's type and the value inside it; and
 * JSON text to a value and back.  Values belong to the response (or the
 * dyn_parse() call) they come from; nothing here allocates but dyn_parse().
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"

#include <string.h>
#include <json-c/json.h>

#include "dynamo/jsoncheck.h"

static const char *const dyn_type_names[] = {
	[DYN_T_INVALID] = "?",
	[DYN_T_S] = "S",
	[DYN_T_N] = "N",
	[DYN_T_B] = "B",
	[DYN_T_BOOL] = "BOOL",
	[DYN_T_NULL] = "NULL",
	[DYN_T_M] = "M",
	[DYN_T_L] = "L",
	[DYN_T_SS] = "SS",
	[DYN_T_NS] = "NS",
	[DYN_T_BS] = "BS",
};

const char *
dyn_type_name(DynType type)
{
	if ((int) type < 0 || type > DYN_T_BS)
		return "?";
	return dyn_type_names[type];
}

DynType
dyn_type_from_name(const char *name)
{
	return dyn_type_from_name_len(name, strlen(name));
}

DynType
dyn_type_from_name_len(const char *k, size_t len)
{
	/* once for every attribute of every item read: by length, then letter */
	switch (len)
	{
		case 1:
			switch (k[0])
			{
				case 'S':
					return DYN_T_S;
				case 'N':
					return DYN_T_N;
				case 'B':
					return DYN_T_B;
				case 'M':
					return DYN_T_M;
				case 'L':
					return DYN_T_L;
			}
			break;
		case 2:
			if (k[1] != 'S')
				break;
			switch (k[0])
			{
				case 'S':
					return DYN_T_SS;
				case 'N':
					return DYN_T_NS;
				case 'B':
					return DYN_T_BS;
			}
			break;
		case 4:
			if (memcmp(k, "BOOL", 4) == 0)
				return DYN_T_BOOL;
			if (memcmp(k, "NULL", 4) == 0)
				return DYN_T_NULL;
			break;
	}
	return DYN_T_INVALID;
}

DynValue *
dyn_get(DynValue *object, const char *key)
{
	json_object *v;

	if (object == NULL || !json_object_is_type(object, json_type_object) ||
		!json_object_object_get_ex(object, key, &v))
		return NULL;
	return v;
}

bool
dyn_is_object(DynValue *v)
{
	return v != NULL && json_object_is_type(v, json_type_object);
}

bool
dyn_is_array(DynValue *v)
{
	return v != NULL && json_object_is_type(v, json_type_array);
}

int
dyn_array_length(DynValue *array)
{
	return dyn_is_array(array) ? (int) json_object_array_length(array) : 0;
}

DynValue *
dyn_array_get(DynValue *array, int i)
{
	return json_object_array_get_idx(array, (size_t) i);
}

const char *
dyn_string(DynValue *v, size_t *len)
{
	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	if (len)
		*len = (size_t) json_object_get_string_len(v);
	return json_object_get_string(v);
}

long long
dyn_integer(DynValue *v)
{
	return v ? (long long) json_object_get_int64(v) : 0;
}

double
dyn_double(DynValue *v)
{
	return v ? json_object_get_double(v) : 0.0;
}

bool
dyn_boolean(DynValue *v)
{
	return v != NULL && json_object_get_boolean(v);
}

void
dyn_object_iter_init(DynValue *object, DynObjectIter *iter)
{
	iter->entry = dyn_is_object(object) ? json_object_get_object(object)->head : NULL;
}

bool
dyn_object_iter_next(DynObjectIter *iter, const char **key, DynValue **value)
{
	struct lh_entry *entry = iter->entry;

	if (entry == NULL)
		return false;
	*key = (const char *) lh_entry_k(entry);
	*value = (json_object *) lh_entry_v(entry);
	iter->entry = lh_entry_next(entry);
	return true;
}

int
dyn_object_size(DynValue *object)
{
	return dyn_is_object(object) ? json_object_object_length(object) : 0;
}

DynType
dyn_attr(DynValue *av, DynValue **inner)
{
	struct lh_entry *entry;
	const char *name;
	json_object *v;
	DynType		type;

	*inner = NULL;
	if (!dyn_is_object(av) || json_object_object_length(av) != 1)
		return DYN_T_INVALID;
	entry = json_object_get_object(av)->head;
	name = (const char *) lh_entry_k(entry);
	v = (json_object *) lh_entry_v(entry);
	type = dyn_type_from_name(name);
	switch (type)
	{
		case DYN_T_S:
		case DYN_T_N:
		case DYN_T_B:
			if (!json_object_is_type(v, json_type_string))
				return DYN_T_INVALID;
			break;
		case DYN_T_BOOL:
		case DYN_T_NULL:
			if (!json_object_is_type(v, json_type_boolean))
				return DYN_T_INVALID;
			break;
		case DYN_T_M:
			if (!json_object_is_type(v, json_type_object))
				return DYN_T_INVALID;
			break;
		case DYN_T_L:
		case DYN_T_SS:
		case DYN_T_NS:
		case DYN_T_BS:
			if (!json_object_is_type(v, json_type_array))
				return DYN_T_INVALID;
			break;
		case DYN_T_INVALID:
			return DYN_T_INVALID;
	}
	*inner = v;
	return type;
}

void
dyn_to_json(DynValue *v, DynBuf *out)
{
	size_t		len;
	const char *s = json_object_to_json_string_length(v,
													  JSON_C_TO_STRING_PLAIN |
													  JSON_C_TO_STRING_NOSLASHESCAPE,
													  &len);

	dynbuf_append(out, s, len);
}

DynValue *
dyn_parse(const char *text, size_t len)
{
	json_tokener *tok = json_tokener_new_ex(DYN_JSON_TOKENER_DEPTH);
	json_object *obj;

	if (tok == NULL)
		return NULL;
	obj = json_tokener_parse_ex(tok, text, (int) len);
	if (obj == NULL && json_tokener_get_error(tok) == json_tokener_continue)
	{
		/* the end of the text ends a bare number; all of it was read */
		obj = json_tokener_parse_ex(tok, "", 1);
		json_tokener_free(tok);
		return obj;
	}
	if (obj != NULL)
	{
		/* only whitespace may follow the value */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
			{
				json_object_put(obj);
				obj = NULL;
				break;
			}
	}
	json_tokener_free(tok);
	return obj;
}

void
dyn_value_free(DynValue *v)
{
	if (v)
		json_object_put(v);
}
