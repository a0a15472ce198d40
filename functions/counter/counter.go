package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// InvalidPayloadError is returned for a payload that is not {"number": <integer>}. Lambda reports
// its type name as errorType, so callers can tell bad input from a failure of the function.
type InvalidPayloadError struct {
	Reason string
}

func (e *InvalidPayloadError) Error() string {
	return "invalid payload: " + e.Reason + `; expected {"number": <integer>}`
}

// maxPayloadBytes bounds what the decoder reads; Lambda's own limit is 6 MB, a counter needs bytes.
const maxPayloadBytes = 1 << 10

// decodeNumber reads the "number" field of a payload as an int64, rejecting anything that is not
// a JSON object holding an integer there.
func decodeNumber(payload []byte) (int64, error) {
	if len(payload) > maxPayloadBytes {
		return 0, &InvalidPayloadError{Reason: fmt.Sprintf("payload is larger than %d bytes", maxPayloadBytes)}
	}
	var body struct {
		Number json.RawMessage `json:"number"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&body); err != nil {
		return 0, &InvalidPayloadError{Reason: "not a JSON object with a number field"}
	}
	if dec.More() {
		return 0, &InvalidPayloadError{Reason: "trailing data after the JSON object"}
	}
	if len(body.Number) == 0 || string(body.Number) == "null" {
		return 0, &InvalidPayloadError{Reason: `missing field "number"`}
	}
	// A quoted "10" is a string, not a number: only a bare JSON number is accepted.
	if c := body.Number[0]; c != '-' && (c < '0' || c > '9') {
		return 0, &InvalidPayloadError{Reason: fmt.Sprintf("number %s is not a JSON number", body.Number)}
	}
	n, err := strconv.ParseInt(string(body.Number), 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, &InvalidPayloadError{Reason: fmt.Sprintf("number %s is outside the 64-bit integer range", body.Number)}
		}
		return 0, &InvalidPayloadError{Reason: fmt.Sprintf("number %s is not an integer", body.Number)}
	}
	return n, nil
}

// Increment is the counter function: it returns the payload's number plus one.
func Increment(_ context.Context, payload json.RawMessage) (int64, error) {
	n, err := decodeNumber(payload)
	if err != nil {
		return 0, err
	}
	if n == math.MaxInt64 {
		return 0, &InvalidPayloadError{Reason: fmt.Sprintf("number %d cannot be incremented without overflow", n)}
	}
	return n + 1, nil
}
