package tests

import (
	"flag"
	"os"
	"runtime/debug"
	"testing"
)

// TestMain runs the tests with the garbage collector at four times its default heap target
// (GOGC=400) unless GOGC is set or benchmarks run: the engine's previews and updates allocate
// fast, and at the default the collector took a sixth of this package's CPU (75.8 -> 62.8
// CPU-s; peak memory 0.8 -> 1.8 GB).
func TestMain(m *testing.M) {
	flag.Parse()
	if os.Getenv("GOGC") == "" && flag.Lookup("test.bench").Value.String() == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(m.Run())
}
