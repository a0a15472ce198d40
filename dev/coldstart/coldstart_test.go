package coldstart

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The stand-in answers what the Runtime API documentation says a runtime gets: the event with
// its headers, 202 for the answer, 400 for an unknown request id, a held second GET.
func TestRuntimeAPI(t *testing.T) {
	api, err := StartRuntimeAPI([]byte(`{"number":10}`), "req-1", "arn:aws:lambda:us-east-1:123456789012:function:f", time.Minute)
	require.NoError(t, err)
	defer api.Close()
	base := "http://" + api.Addr + "/2018-06-01/runtime/"

	post := func(path, body string) int {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 400, post("invocation/req-1/response", `1`), "no event delivered yet")

	start := time.Now()
	resp, err := http.Get(base + "invocation/next")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, `{"number":10}`, string(body))
	assert.Equal(t, "req-1", resp.Header.Get("Lambda-Runtime-Aws-Request-Id"))
	assert.Equal(t, "arn:aws:lambda:us-east-1:123456789012:function:f", resp.Header.Get("Lambda-Runtime-Invoked-Function-Arn"))
	assert.NotEmpty(t, resp.Header.Get("Lambda-Runtime-Deadline-Ms"))
	assert.NotEmpty(t, resp.Header.Get("Lambda-Runtime-Trace-Id"))

	assert.Equal(t, 400, post("invocation/other/response", `1`), "unknown request id")
	assert.Equal(t, 404, post("invocation/req-1/nonsense", `1`))
	assert.Equal(t, 202, post("invocation/req-1/response", `11`))
	assert.Equal(t, 400, post("invocation/req-1/response", `11`), "answered already")

	next, sent, done, answer, err := api.Timings(context.Background(), make(chan struct{}))
	require.NoError(t, err)
	assert.Equal(t, "11", string(answer.Body))
	assert.Empty(t, answer.ErrorType)
	assert.False(t, next.Before(start))
	assert.False(t, done.Before(sent))

	// No second event: the next GET is held until the environment goes away.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"invocation/next", nil)
	_, err = http.DefaultClient.Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestRuntimeAPIFunctionAndInitErrors(t *testing.T) {
	api, err := StartRuntimeAPI([]byte(`{}`), "req-1", "arn", time.Minute)
	require.NoError(t, err)
	defer api.Close()
	base := "http://" + api.Addr + "/2018-06-01/runtime/"
	resp, err := http.Get(base + "invocation/next")
	require.NoError(t, err)
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"invocation/req-1/error", strings.NewReader(`{"errorType":"E","errorMessage":"m"}`))
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "E")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 202, resp.StatusCode)
	_, _, _, answer, err := api.Timings(context.Background(), make(chan struct{}))
	require.NoError(t, err)
	assert.Equal(t, "E", answer.ErrorType)

	api2, err := StartRuntimeAPI([]byte(`{}`), "req-1", "arn", time.Minute)
	require.NoError(t, err)
	defer api2.Close()
	resp, err = http.Post("http://"+api2.Addr+"/2018-06-01/runtime/init/error", "application/json", strings.NewReader(`{"errorType":"Init"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 202, resp.StatusCode)
	_, _, _, _, err = api2.Timings(context.Background(), make(chan struct{}))
	assert.ErrorContains(t, err, "init error")
}

func TestStats(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, x := range n {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	assert.Equal(t, Stats{P50: 3 * time.Millisecond, P90: 5 * time.Millisecond}, Of(ms(5, 1, 3, 2, 4)))
	assert.Equal(t, Stats{P50: 5500 * time.Microsecond, P90: 9 * time.Millisecond}, Of(ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)))
}

// Every median is reported as a multiple of the baseline's, whatever order the results come in,
// and a name longer than the column (a base tree's "<name>@base") keeps the columns aligned.
func TestReportRatiosToTheBaseline(t *testing.T) {
	samples := func(init, invoke time.Duration) []Sample {
		return []Sample{{Init: init, Invoke: invoke}, {Init: init, Invoke: invoke}}
	}
	results := []Result{
		{Name: "notifications@base", Samples: samples(30*time.Millisecond, 4*time.Millisecond)},
		{Name: Hello, Samples: samples(20*time.Millisecond, 2*time.Millisecond)},
	}
	var out strings.Builder
	require.NoError(t, Report(&out, results, Hello))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, []string{"notifications@base", "2", "30.00", "ms", "30.00", "ms", "1.50×", "4.00", "ms", "4.00", "ms", "2.00×"}, strings.Fields(lines[1]))
	assert.Equal(t, "1.00×", strings.Fields(lines[2])[6])
	assert.Equal(t, strings.Index(lines[0], "init p50")+len("init p50"), strings.Index(lines[1], "30.00 ms")+len("30.00 ms"), "columns aligned")

	assert.ErrorContains(t, Report(&out, results[:1], Hello), `no result for the baseline "hello"`)
}
