#!/usr/bin/env bash
# test/fuzz/capture.sh — rebuilds the seed corpus from real dynalite answers.
#
# Starts dynalite (test/lib.sh), makes a small table with items of every
# attribute type, and stores the raw answers of the actions awstore calls
# under test/fuzz/corpus/<target>/: each seed is the target's selector
# bytes followed by the body (or, for fuzz_headers, the response headers
# followed by the body), exactly as received.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
trap awstore_cleanup EXIT

corpus=$AWSTORE_ROOT/test/fuzz/corpus
tmp=$(mktemp -d /tmp/awstore-capture.XXXXXX)
awstore_on_cleanup "rm -rf '$tmp'"
awstore_ensure_node_modules
awstore_ensure_test_user
chmod 777 "$tmp"
awstore_start_dynalite "$tmp"
mkdir -p "$corpus"/{jsoncheck,page,error,headers}

n=0
# call <action> <json body>: leaves headers in $tmp/h, body in $tmp/b
call() {
	n=$((n + 1))
	curl -s -D "$tmp/h" -o "$tmp/b" -X POST "$AWSTORE_DYNAMODB_ENDPOINT/" \
		-H 'Content-Type: application/x-amz-json-1.0' \
		-H "X-Amz-Target: DynamoDB_20120810.$1" \
		-H 'X-Amz-Date: 20260101T000000Z' \
		-H 'Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00' \
		-d "$2"
}
# seed <target> <selector byte in octal> <name>: stores the last answer
seed() {
	{ printf "\\$2\\001"; cat "$tmp/b"; } >"$corpus/$1/$3"
	# fuzz_jsoncheck: one chunking byte, then the body
	{ printf '\007'; cat "$tmp/b"; } >"$corpus/jsoncheck/$3"
	cat "$tmp/h" "$tmp/b" >"$corpus/headers/$3"
}

# fuzz_page selectors: 0 Scan, 1 Query, 2 GetItem, 3 BatchGetItem,
# 4 PutItem, 5 UpdateItem, 6 DeleteItem, 7 BatchWriteItem, 8 DescribeTable
call CreateTable '{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}'
call PutItem '{"TableName":"tbl","Item":{"pk":{"S":"p1"},"sk":{"N":"1"},"s":{"S":"caf\u00e9 \"q\" \\\\ /"},"n":{"N":"-12.500"},"big":{"N":"12345678901234567890123456789012345678"},"b":{"B":"AAEC/w=="},"t":{"BOOL":true},"z":{"NULL":true},"ss":{"SS":["a","b"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AA=="]},"l":{"L":[{"S":"x"},{"N":"0"},{"M":{}}]},"m":{"M":{"k":{"L":[]},"e":{"S":""}}}},"ReturnValues":"ALL_OLD"}'
seed page '004' putitem
call PutItem '{"TableName":"tbl","Item":{"pk":{"S":"p1"},"sk":{"N":"2"},"n":{"N":"1E+3"}}}'
call PutItem '{"TableName":"tbl","Item":{"pk":{"S":"p2"},"sk":{"N":"1"}}}'
call Scan '{"TableName":"tbl","Limit":2,"ReturnConsumedCapacity":"TOTAL"}'
seed page '000' scan-page1
call Scan '{"TableName":"tbl"}'
seed page '000' scan-all
call Scan '{"TableName":"tbl","Segment":0,"TotalSegments":2,"Select":"COUNT"}'
seed page '000' scan-count
call Query '{"TableName":"tbl","KeyConditionExpression":"pk = :p AND sk > :s","ExpressionAttributeValues":{":p":{"S":"p1"},":s":{"N":"0"}},"Limit":1}'
seed page '001' query
call GetItem '{"TableName":"tbl","Key":{"pk":{"S":"p1"},"sk":{"N":"1"}},"ConsistentRead":true}'
seed page '002' getitem
call BatchGetItem '{"RequestItems":{"tbl":{"Keys":[{"pk":{"S":"p1"},"sk":{"N":"1"}},{"pk":{"S":"p2"},"sk":{"N":"1"}}]}}}'
seed page '003' batchgetitem
call UpdateItem '{"TableName":"tbl","Key":{"pk":{"S":"p2"},"sk":{"N":"1"}},"UpdateExpression":"SET #a = :v","ExpressionAttributeNames":{"#a":"a"},"ExpressionAttributeValues":{":v":{"N":"7"}},"ReturnValues":"ALL_NEW"}'
seed page '005' updateitem
call BatchWriteItem '{"RequestItems":{"tbl":[{"PutRequest":{"Item":{"pk":{"S":"p3"},"sk":{"N":"3"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"p2"},"sk":{"N":"1"}}}}]}}'
seed page '007' batchwriteitem
call DeleteItem '{"TableName":"tbl","Key":{"pk":{"S":"p3"},"sk":{"N":"3"}},"ReturnValues":"ALL_OLD"}'
seed page '006' deleteitem
call DescribeTable '{"TableName":"tbl"}'
seed page '010' describetable

# fuzz_error selectors: bit 7 Scan, low bits the status (0 → 400, 5 → 500)
call PutItem '{"TableName":"tbl","Item":{"pk":{"S":"p1"},"sk":{"N":"1"}},"ConditionExpression":"attribute_not_exists(pk)"}'
seed error '000' conditional
call Scan '{"TableName":"missing"}'
seed error '200' not-found
call Query '{"TableName":"tbl","KeyConditionExpression":"nope"}'
seed error '200' validation
call PutItem '{"TableName":"tbl","Item":{"pk":{"S":"p1"},"sk":{"N":"x"}}}'
seed error '000' bad-number
printf '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}' >"$tmp/b"
printf 'HTTP/1.1 500 Internal Server Error\r\nx-amzn-RequestId: 0123\r\nx-amz-crc32: 123\r\n\r\n' >"$tmp/h"
seed error '005' internal

# Made, not captured: items nested to DynamoDB's 32 levels and around the
# JSON check's depth limit (a page one level deeper is refused), and bare
# arrays at that limit.
python3 - "$corpus" <<'PY'
import sys
corpus = sys.argv[1]
for n in (32, 38, 39):
    inner = '{"S":"x"}'
    for _ in range(n):
        inner = '{"M":{"a":%s}}' % inner
    page = '{"Items":[{"a":%s}],"Count":1,"ScannedCount":1}' % inner
    open('%s/page/scan-nested-%d' % (corpus, n), 'wb').write(b'\x00\x07' + page.encode())
    if n == 32:
        item = '{"Item":{"a":%s}}' % inner
        open('%s/page/getitem-nested-32' % corpus, 'wb').write(b'\x02\x07' + item.encode())
for n in (80, 81):
    open('%s/jsoncheck/nested-%d' % (corpus, n), 'wb').write(b'\x07' + b'[' * n + b']' * n)
PY

echo "$n calls; corpus in $corpus"
