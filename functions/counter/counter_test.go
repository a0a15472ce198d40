package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIncrement(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    int64
		wantErr string
	}{
		{name: "ten", payload: `{"number": 10}`, want: 11},
		{name: "negative", payload: `{"number": -1}`, want: 0},
		{name: "extra fields are ignored", payload: `{"number": 41, "note": "x"}`, want: 42},
		{name: "largest that fits", payload: `{"number": 9223372036854775806}`, want: 9223372036854775807},
		{name: "not json", payload: `number=10`, wantErr: "not a JSON object"},
		{name: "array", payload: `[10]`, wantErr: "not a JSON object"},
		{name: "missing number", payload: `{"count": 10}`, wantErr: `missing field "number"`},
		{name: "null number", payload: `{"number": null}`, wantErr: `missing field "number"`},
		{name: "string number", payload: `{"number": "10"}`, wantErr: "is not a JSON number"},
		{name: "boolean number", payload: `{"number": true}`, wantErr: "is not a JSON number"},
		{name: "fraction", payload: `{"number": 10.5}`, wantErr: "10.5 is not an integer"},
		{name: "exponent", payload: `{"number": 1e3}`, wantErr: "1e3 is not an integer"},
		{name: "out of range", payload: `{"number": 9223372036854775808}`, wantErr: "outside the 64-bit integer range"},
		{name: "overflow on increment", payload: `{"number": 9223372036854775807}`, wantErr: "without overflow"},
		{name: "trailing data", payload: `{"number": 1} {"number": 2}`, wantErr: "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Increment(context.Background(), json.RawMessage(tt.payload))
			if tt.wantErr != "" {
				require.Error(t, err)
				var invalid *InvalidPayloadError
				assert.True(t, errors.As(err, &invalid), "error %v is not an InvalidPayloadError", err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// FuzzIncrement checks that no payload makes the counter panic, and that every accepted payload
// yields exactly its number plus one.
func FuzzIncrement(f *testing.F) {
	for _, seed := range []string{`{"number": 10}`, `{"number": -5}`, `{}`, `null`, `{"number": 1e400}`, `{"number": 9223372036854775807}`, "\x00"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, err := Increment(context.Background(), payload)
		if err != nil {
			var invalid *InvalidPayloadError
			if !errors.As(err, &invalid) {
				t.Fatalf("error of unexpected type %T: %v", err, err)
			}
			return
		}
		n, decodeErr := decodeNumber(payload)
		if decodeErr != nil || got != n+1 {
			t.Fatalf("Increment(%q) = %d, decode = %d, %v", payload, got, n, decodeErr)
		}
	})
}
