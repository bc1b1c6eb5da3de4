/*-------------------------------------------------------------------------
 *
 * actions.c
 *		Request bodies of the DynamoDB actions awstore uses.
 *
 * One function per action, writing DynamoDB's JSON request format.  Names
 * and strings are escaped here; expressions, AttributeValues and keys come
 * in as JSON text already (built by the FDW's deparser and converters) and
 * are inserted as they are.  Read requests always ask for
 * ReturnConsumedCapacity TOTAL, which EXPLAIN ANALYZE reports.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"

#include <string.h>

/* ,"name":"value" (escaped); nothing when value is NULL. */
static void
body_string_member(DynBuf *b, const char *name, const char *value)
{
	if (value == NULL)
		return;
	dynbuf_printf(b, ",\"%s\":", name);
	dynbuf_append_json_string(b, value, strlen(value));
}

/* ,"name":json (JSON text as given); nothing when json is NULL. */
static void
body_raw_member(DynBuf *b, const char *name, const char *json)
{
	if (json == NULL)
		return;
	dynbuf_printf(b, ",\"%s\":%s", name, json);
}

/* Closes a body that asks for the capacity consumed, and hands it over. */
static char *
body_end_counted(DynBuf *b, size_t *len)
{
	dynbuf_append_str(b, ",\"ReturnConsumedCapacity\":\"TOTAL\"}");
	return dynbuf_release(b, len);
}

static void
body_begin(DynBuf *b, const char *table)
{
	dynbuf_init(b);
	dynbuf_append_str(b, "{\"TableName\":");
	dynbuf_append_json_string(b, table, strlen(table));
}

/* Members shared by Scan and Query. */
static void
body_read_members(DynBuf *b, const DynReadRequest *req)
{
	body_string_member(b, "IndexName", req->index);
	body_string_member(b, "FilterExpression", req->filter);
	body_string_member(b, "ProjectionExpression", req->count_only ? NULL : req->projection);
	body_raw_member(b, "ExpressionAttributeNames", req->names_json);
	body_raw_member(b, "ExpressionAttributeValues", req->values_json);
	body_raw_member(b, "ExclusiveStartKey", req->start_key_json);
	if (req->consistent_read)
		dynbuf_append_str(b, ",\"ConsistentRead\":true");
	if (req->count_only)
		dynbuf_append_str(b, ",\"Select\":\"COUNT\"");
	if (req->limit > 0)
		dynbuf_printf(b, ",\"Limit\":%ld", req->limit);
	dynbuf_append_str(b, ",\"ReturnConsumedCapacity\":\"TOTAL\"}");
}

char *
dyn_body_scan(const DynReadRequest *req, size_t *len)
{
	DynBuf		b;

	body_begin(&b, req->table);
	if (req->total_segments > 1)
		dynbuf_printf(&b, ",\"Segment\":%d,\"TotalSegments\":%d",
					  req->segment, req->total_segments);
	body_read_members(&b, req);
	return dynbuf_release(&b, len);
}

char *
dyn_body_query(const DynReadRequest *req, size_t *len)
{
	DynBuf		b;

	body_begin(&b, req->table);
	body_string_member(&b, "KeyConditionExpression", req->key_condition);
	body_read_members(&b, req);
	return dynbuf_release(&b, len);
}

char *
dyn_body_get_item(const char *table, const char *key_json,
				  const char *projection, const char *names_json,
				  bool consistent_read, size_t *len)
{
	DynBuf		b;

	body_begin(&b, table);
	body_raw_member(&b, "Key", key_json);
	body_string_member(&b, "ProjectionExpression", projection);
	body_raw_member(&b, "ExpressionAttributeNames", names_json);
	if (consistent_read)
		dynbuf_append_str(&b, ",\"ConsistentRead\":true");
	return body_end_counted(&b, len);
}

char *
dyn_body_batch_get_item(const char *table, const char *keys_json,
						const char *projection, const char *names_json,
						bool consistent_read, const char *request_items_json,
						size_t *len)
{
	DynBuf		b;

	dynbuf_init(&b);
	dynbuf_append_str(&b, "{\"RequestItems\":");
	if (request_items_json)
		dynbuf_append_str(&b, request_items_json);
	else
	{
		dynbuf_append_char(&b, '{');
		dynbuf_append_json_string(&b, table, strlen(table));
		dynbuf_printf(&b, ":{\"Keys\":%s", keys_json);
		body_string_member(&b, "ProjectionExpression", projection);
		body_raw_member(&b, "ExpressionAttributeNames", names_json);
		if (consistent_read)
			dynbuf_append_str(&b, ",\"ConsistentRead\":true");
		dynbuf_append_str(&b, "}}");
	}
	return body_end_counted(&b, len);
}

/* A body that names only the table: {"TableName": "…"}. */
static char *
body_table_only(const char *table, size_t *len)
{
	DynBuf		b;

	body_begin(&b, table);
	dynbuf_append_char(&b, '}');
	return dynbuf_release(&b, len);
}

char *
dyn_body_describe_table(const char *table, size_t *len)
{
	return body_table_only(table, len);
}

char *
dyn_body_list_tables(const char *start_table, int limit, size_t *len)
{
	DynBuf		b;

	dynbuf_init(&b);
	dynbuf_append_char(&b, '{');
	if (limit > 0)
		dynbuf_printf(&b, "\"Limit\":%d", limit);
	if (start_table)
	{
		if (limit > 0)
			dynbuf_append_char(&b, ',');
		dynbuf_append_str(&b, "\"ExclusiveStartTableName\":");
		dynbuf_append_json_string(&b, start_table, strlen(start_table));
	}
	dynbuf_append_char(&b, '}');
	return dynbuf_release(&b, len);
}

char *
dyn_body_put_item(const char *table, const char *item_json, const char *condition,
				  const char *names_json, const char *values_json, size_t *len)
{
	DynBuf		b;

	body_begin(&b, table);
	body_raw_member(&b, "Item", item_json);
	body_string_member(&b, "ConditionExpression", condition);
	body_raw_member(&b, "ExpressionAttributeNames", names_json);
	body_raw_member(&b, "ExpressionAttributeValues", values_json);
	return body_end_counted(&b, len);
}

char *
dyn_body_update_item(const char *table, const char *key_json, const char *update,
					 const char *condition, const char *names_json,
					 const char *values_json, const char *return_values, size_t *len)
{
	DynBuf		b;

	body_begin(&b, table);
	body_raw_member(&b, "Key", key_json);
	body_string_member(&b, "UpdateExpression", update);
	body_string_member(&b, "ConditionExpression", condition);
	body_raw_member(&b, "ExpressionAttributeNames", names_json);
	body_raw_member(&b, "ExpressionAttributeValues", values_json);
	body_string_member(&b, "ReturnValues", return_values);
	return body_end_counted(&b, len);
}

char *
dyn_body_delete_item(const char *table, const char *key_json, const char *condition,
					 const char *names_json, const char *return_values, size_t *len)
{
	DynBuf		b;

	body_begin(&b, table);
	body_raw_member(&b, "Key", key_json);
	body_string_member(&b, "ConditionExpression", condition);
	body_raw_member(&b, "ExpressionAttributeNames", names_json);
	body_string_member(&b, "ReturnValues", return_values);
	return body_end_counted(&b, len);
}

char *
dyn_body_batch_write_item(const char *table, const char *requests_json,
						  const char *request_items_json, size_t *len)
{
	DynBuf		b;

	dynbuf_init(&b);
	dynbuf_append_str(&b, "{\"RequestItems\":");
	if (request_items_json)
		dynbuf_append_str(&b, request_items_json);
	else
	{
		dynbuf_append_char(&b, '{');
		dynbuf_append_json_string(&b, table, strlen(table));
		dynbuf_append_char(&b, ':');
		dynbuf_append_str(&b, requests_json);
		dynbuf_append_char(&b, '}');
	}
	return body_end_counted(&b, len);
}

char *
dyn_body_create_table(const char *table, const char *attributes_json,
					  const char *key_schema_json, const char *gsi_json,
					  const char *billing_mode, const char *provisioned_json,
					  size_t *len)
{
	DynBuf		b;

	body_begin(&b, table);
	body_raw_member(&b, "AttributeDefinitions", attributes_json);
	body_raw_member(&b, "KeySchema", key_schema_json);
	body_raw_member(&b, "GlobalSecondaryIndexes", gsi_json);
	body_string_member(&b, "BillingMode", billing_mode);
	body_raw_member(&b, "ProvisionedThroughput", provisioned_json);
	dynbuf_append_char(&b, '}');
	return dynbuf_release(&b, len);
}

char *
dyn_body_delete_table(const char *table, size_t *len)
{
	return body_table_only(table, len);
}

char *
dyn_body_describe_time_to_live(const char *table, size_t *len)
{
	return body_table_only(table, len);
}

char *
dyn_body_update_time_to_live(const char *table, const char *attribute, bool enabled,
							 size_t *len)
{
	DynBuf		b;

	body_begin(&b, table);
	dynbuf_append_str(&b, ",\"TimeToLiveSpecification\":{\"AttributeName\":");
	dynbuf_append_json_string(&b, attribute, strlen(attribute));
	dynbuf_printf(&b, ",\"Enabled\":%s}}", enabled ? "true" : "false");
	return dynbuf_release(&b, len);
}

char *
dyn_body_update_table_stream(const char *table, bool enabled, const char *view_type,
							 size_t *len)
{
	DynBuf		b;

	body_begin(&b, table);
	dynbuf_printf(&b, ",\"StreamSpecification\":{\"StreamEnabled\":%s",
				  enabled ? "true" : "false");
	if (enabled && view_type)
	{
		dynbuf_append_str(&b, ",\"StreamViewType\":");
		dynbuf_append_json_string(&b, view_type, strlen(view_type));
	}
	dynbuf_append_str(&b, "}}");
	return dynbuf_release(&b, len);
}
