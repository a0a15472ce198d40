package store

import (
	"encoding/base64"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"shopstack/functions/lib/shop"
)

// maxCursor bounds the length of a cursor accepted from a client.
const maxCursor = 1024

// encodeCursor turns a LastEvaluatedKey of string attributes into an opaque token.
func encodeCursor(key map[string]types.AttributeValue) string {
	if len(key) == 0 {
		return ""
	}
	m := make(map[string]string, len(key))
	for k, v := range key {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			m[k] = s.Value
		}
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a token from encodeCursor for a query whose key attributes are
// attrs; fixed holds attributes that must have a given value (the query's partition).
// Anything else is EINVALID: a client can only resume a listing it was given.
func decodeCursor(cursor string, attrs []string, fixed map[string]string) (map[string]types.AttributeValue, error) {
	if cursor == "" {
		return nil, nil
	}
	bad := shop.Errorf(shop.EINVALID, "cursor is not valid for this listing; pass the nextCursor of the previous page unchanged")
	if len(cursor) > maxCursor {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, bad
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil || len(m) != len(attrs) {
		return nil, bad
	}
	key := make(map[string]types.AttributeValue, len(m))
	for _, a := range attrs {
		v, ok := m[a]
		if !ok || !validKeyValue(a, v) {
			return nil, bad
		}
		if want, ok := fixed[a]; ok && v != want {
			return nil, bad
		}
		key[a] = &types.AttributeValueMemberS{Value: v}
	}
	return key, nil
}

// validKeyValue checks a key value the way the domain validates it.
func validKeyValue(attr, v string) bool {
	switch attr {
	case "category":
		return shop.CheckCategory(v) == nil
	case "createdAt":
		return len(v) == len(timeLayout) && !parseTime(v).IsZero()
	case "ownerId":
		return v != "" && len(v) <= 256
	default:
		return shop.ValidID(v)
	}
}
