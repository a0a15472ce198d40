package openapi

import (
	"errors"
	"reflect"
	"strconv"
	"strings"

	"shopstack/contract/routes"
	"shopstack/functions/lib/shop"
)

// Bounds that shop checks with literals rather than constants. TestRulesAgreeWithTheDomain
// sends values at and beyond each of them through the domain's checks, so a change on
// either side fails a test.
const (
	maxNameLength        = 200 // shop.ProductUpdate.Validate: name
	maxDescriptionLength = 2000
	maxCategoryLength    = 64  // shop.CheckCategory
	maxIdempotencyKey    = 128 // shop.CheckIdempotencyKey
)

// Patterns are ECMA-262 regular expressions, as JSON Schema wants; \uXXXX works in
// ECMAScript, Java (API Gateway's validator) and kin-openapi (which rewrites it for Go).
const (
	idPattern       = `^[A-Za-z0-9_-]+$`
	categoryPattern = `^[a-z0-9-]+$`
	currencyPattern = `^[A-Z]{3}$`
	// linePattern and textPattern refuse what shop's checkText refuses in one-line and
	// multi-line text: control characters (C0 but, in multi-line text, tab and newline; DEL;
	// C1), in one line also U+2028 and U+2029, bidi controls (U+061C, U+200E, U+200F,
	// U+202A-U+202E, U+2066-U+2069) and U+FFFD, which stands for invalid UTF-8.
	linePattern = `^[^\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFFFD]*$`
	textPattern = `^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFFFD]*$`
	// keyPattern is printable ASCII without space.
	keyPattern = `^[!-~]+$`
)

// rule is what the decoders and the domain's checks enforce on one value from outside.
// It is applied to the schema reflected from the Go type, so the type says "integer" or
// "string" and the rule adds the bounds.
type rule struct {
	required             bool
	min, max             *int64
	nonZero              bool
	minLength, maxLength *int
	pattern              string
	description          string
}

func (r rule) apply(s *Schema) error {
	numeric := r.min != nil || r.max != nil || r.nonZero
	textual := r.minLength != nil || r.maxLength != nil || r.pattern != ""
	if numeric && s.Type != "integer" || textual && s.Type != "string" {
		return errors.New("rule does not fit type " + s.Type)
	}
	s.Description, s.Minimum, s.Maximum = r.description, r.min, r.max
	s.MinLength, s.MaxLength, s.Pattern = r.minLength, r.maxLength, r.pattern
	if r.nonZero {
		s.Not = &Schema{Enum: []any{0}}
	}
	return nil
}

// paramType is the type of a parameter under the rule: parameters arrive as text, and
// a numeric rule says the text is an integer.
func (r rule) paramType() string {
	if r.min != nil || r.max != nil || r.nonZero {
		return "integer"
	}
	return "string"
}

func ptr[T any](v T) *T { return &v }

func integer(min, max int64, description string) rule {
	return rule{min: ptr(min), max: ptr(max), description: description}
}

func text(min, max int, pattern, description string) rule {
	r := rule{maxLength: ptr(max), pattern: pattern, description: description}
	if min > 0 {
		r.minLength = ptr(min)
	}
	return r
}

func required(r rule) rule { r.required = true; return r }

// idRule is shop.CheckID.
var idRule = text(1, shop.MaxIDLength, idPattern, "Opaque identifier: 1 to "+strconv.Itoa(shop.MaxIDLength)+" letters, digits, '-' or '_'.")

// bodyRules are the rules on request body fields, by JSON path. Fields of the same name
// in several bodies share a rule, as the domain checks them with the same code.
var bodyRules = map[string]rule{
	"name":        required(text(1, maxNameLength, linePattern, "Display name: one line, no control characters or bidi controls.")),
	"description": text(0, maxDescriptionLength, textPattern, "Free text; newlines and tabs allowed, no other control characters, no bidi controls. Omitted means empty."),
	"category":    required(text(1, maxCategoryLength, categoryPattern, `Category slug: a-z, 0-9 and '-', e.g. "kitchen".`)),
	"price":       required(rule{description: "Unit price."}),
	"price.amount": required(integer(1, shop.MaxPrice,
		"Integer number of the currency's minor units (cents for EUR).")),
	"price.currency":    required(text(3, 3, currencyPattern, `ISO 4217 code in upper case, e.g. "EUR".`)),
	"stock":             integer(0, shop.MaxStock, "Units in stock at creation; omitted means 0."),
	"lowStockThreshold": integer(0, shop.MaxStock, "A StockLow event is published when the stock falls to or below it; omitted means 0."),
	"delta": func() rule {
		r := required(integer(-shop.MaxStockDelta, shop.MaxStockDelta, "Units to add (positive) or take (negative); not 0. The stock never falls below zero."))
		r.nonZero = true
		return r
	}(),
	"quantity": required(integer(0, shop.MaxQuantity, "Units of the product in the cart; 0 removes the line.")),
	"cartId":   required(idRule),
}

// paramRules are the rules on path parameters, by name: every one is an id.
var paramRules = map[string]rule{
	"productId": idRule,
	"cartId":    idRule,
	"orderId":   idRule,
}

// queryRules are the rules on query-string parameters, by name; all are optional.
var queryRules = map[string]rule{
	"category": text(1, maxCategoryLength, categoryPattern, "Only products of this category."),
	"limit":    integer(1, shop.MaxPageSize, "Page size; default "+strconv.Itoa(shop.DefaultPageSize)+"."),
	"cursor":   {description: "nextCursor of the previous page; opaque, and only valid for the same query and caller."},
}

// headerRules are the rules on request headers, by name.
var headerRules = map[string]rule{
	routes.IdempotencyHeader: required(text(1, maxIdempotencyKey, keyPattern,
		"Makes the checkout safe to retry: the same key (per caller, for "+strconv.Itoa(int(shop.IdempotencyTTL.Hours()))+
			" hours) answers with the same order. 1 to "+strconv.Itoa(maxIdempotencyKey)+" printable ASCII characters, e.g. a UUID.")),
}

// enums are the response types whose values are a closed set.
var enums = map[reflect.Type][]any{
	reflect.TypeFor[shop.Status](): {shop.StatusPlaced, shop.StatusShipped, shop.StatusDelivered, shop.StatusCancelled},
}

// descriptions of response components, for the people reading the document and the
// comments of generated clients.
var descriptions = map[reflect.Type]string{
	reflect.TypeFor[shop.Money]():     `An amount in the currency's minor units (cents for EUR), never a float. An empty cart's total has currency "".`,
	reflect.TypeFor[shop.Product]():   "A catalog entry.",
	reflect.TypeFor[shop.CartView]():  "The caller's cart priced with the current products; lines whose product is no longer sold are left out.",
	reflect.TypeFor[shop.CartLine]():  "One priced line of a cart; inStock says whether the quantity is available now.",
	reflect.TypeFor[shop.Order]():     "A placed checkout, with the lines and prices as they were when it was placed.",
	reflect.TypeFor[shop.OrderLine](): "One product of an order at the price it was sold for.",
	reflect.TypeFor[routes.ErrorBody](): "The one shape of every error, from a function or from API Gateway itself. error.code is stable for programs: " +
		"a function's code in lower case (" + strings.Join([]string{shop.EINVALID, shop.EUNAUTHORIZED, shop.EFORBIDDEN, shop.ENOTFOUND,
		shop.ECONFLICT, shop.EOUTOFSTOCK, shop.EUNPROCESSABLE, shop.EUNAVAILABLE, shop.ETIMEOUT, shop.EINTERNAL}, ", ") + ") " +
		"or API Gateway's response type in upper case (UNAUTHORIZED, BAD_REQUEST_BODY, THROTTLED, ...); error.message is for the developer.",
	reflect.TypeFor[routes.HealthStatus](): `Region health: status is "ok" or "unavailable".`,
}
