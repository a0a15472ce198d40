package stacks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"shopstack/contract"
)

// configNamespace is the project's config namespace: keys are set as shopstack:<key>.
const configNamespace = "shopstack"

// Config is the typed stack configuration, read once from Pulumi config and validated before any
// resource is registered. Pulumi.yaml declares every key with its type, default and description.
type Config struct {
	Environment string
	Regions     []string // the first is the writer region
	// DataRegionName pins where the tables are managed from; "" means the first region.
	DataRegionName string
	// IdentityRegionName pins where the Cognito user pool lives; "" means the data region.
	IdentityRegionName string
	// AllowReplicaRemoval lists the regions whose replicas this update may delete.
	AllowReplicaRemoval []string

	LogRetentionDays   int
	Function           FunctionSettings
	DeletionProtection bool
	Tags               map[string]string
	AllowedOrigins     []string
	Throttling         Throttling
	Alarms             AlarmSettings
	Events             EventSettings
	Edge               EdgeSettings
	Concurrency        ConcurrencySettings
	// TrafficProfile is the cost preview's assumed traffic, the JSON object it is set to (nil when
	// unset): the program deploys nothing from it; cost/profile.go reads and checks its fields.
	TrafficProfile json.RawMessage
}

// EventSettings tune the event pipeline (stacks/events.go).
type EventSettings struct {
	BatchSize            int // stream records per publisher invocation
	MaxRetries           int // retries of a failing stream batch
	MaxReceiveCount      int // deliveries of a consumer message before its dead-letter queue
	ArchiveRetentionDays int
	IteratorAgeAlarmMs   int
	StockAlertEmails     []string
}

// Throttling limits every API stage.
type Throttling struct {
	RateLimit  int // requests per second
	BurstLimit int
}

// AlarmSettings are the thresholds of the alarms and who is told.
type AlarmSettings struct {
	Emails                 []string
	FunctionErrors         int
	DurationPercentTimeout int
	API5xxErrors           int
	APILatencyP99Ms        int
	ReplicationLatencyMs   int
}

// FunctionSettings sizes every Lambda function.
type FunctionSettings struct {
	MemoryMB       int
	TimeoutSeconds int
}

// WriterRegion is the region where stock and orders are written and where the event pipeline
// runs: a routing decision, which a failover changes.
func (c Config) WriterRegion() string { return c.Regions[0] }

// DataRegion is where the global tables (and their KMS key of record) are managed from, with a
// replica in every other region. It is pinned so that a failover, which moves the writer region,
// changes no table's provider: a provider whose region changes is replaced with everything it
// manages (pulumi-aws DiffConfig).
func (c Config) DataRegion() string {
	if c.DataRegionName != "" {
		return c.DataRegionName
	}
	if len(c.Regions) == 0 {
		return ""
	}
	return c.Regions[0]
}

// IdentityRegion is where the Cognito user pool lives. Pinning it keeps the pool (and its users)
// in place when a failover moves the writer region: a pool cannot move without being replaced.
func (c Config) IdentityRegion() string {
	if c.IdentityRegionName != "" {
		return c.IdentityRegionName
	}
	return c.DataRegion()
}

// Environments are the stacks shopstack knows.
var Environments = []string{"dev", "staging", "prod"}

// logRetentionDays are the values CloudWatch Logs accepts for retentionInDays.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// awsRegions are the commercial AWS regions a stack may deploy to.
var awsRegions = []string{
	"af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
	"ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
	"eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
	"me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1",
	"us-west-2",
}

// reservedTags are set by shopstack itself and may not be overridden by the tags key.
var reservedTags = []string{"environment", "service", "project"}

// LoadConfig reads the stack configuration and validates it, returning every problem at once.
func LoadConfig(ctx *pulumi.Context) (Config, error) {
	r := reader{cfg: config.New(ctx, configNamespace)}
	c := Config{
		Environment:         r.string("environment"),
		Regions:             r.strings("regions"),
		DataRegionName:      r.string("dataRegion"),
		IdentityRegionName:  r.string("identityRegion"),
		AllowReplicaRemoval: r.strings("allowReplicaRemoval"),
		LogRetentionDays:    r.int("logRetentionDays"),
		DeletionProtection:  r.bool("deletionProtection"),
		Tags:                r.stringMap("tags"),
		Function: FunctionSettings{
			MemoryMB:       r.int("functionMemoryMb"),
			TimeoutSeconds: r.int("functionTimeoutSeconds"),
		},
		AllowedOrigins: r.strings("allowedOrigins"),
		Throttling: Throttling{
			RateLimit:  r.int("throttleRateLimit"),
			BurstLimit: r.int("throttleBurstLimit"),
		},
		Alarms: AlarmSettings{
			Emails:                 r.strings("alarmEmails"),
			FunctionErrors:         r.int("alarmFunctionErrors"),
			DurationPercentTimeout: r.int("alarmDurationPercentOfTimeout"),
			API5xxErrors:           r.int("alarmApi5xxErrors"),
			APILatencyP99Ms:        r.int("alarmApiLatencyP99Ms"),
			ReplicationLatencyMs:   r.int("alarmReplicationLatencyMs"),
		},
		Events: EventSettings{
			BatchSize:            r.int("eventBatchSize"),
			MaxRetries:           r.int("eventMaxRetries"),
			MaxReceiveCount:      r.int("eventMaxReceiveCount"),
			ArchiveRetentionDays: r.int("eventArchiveRetentionDays"),
			IteratorAgeAlarmMs:   r.int("alarmIteratorAgeMs"),
			StockAlertEmails:     r.strings("stockAlertEmails"),
		},
	}
	c.Edge = readEdgeSettings(&r)
	c.Concurrency = readConcurrencySettings(&r)
	c.TrafficProfile = r.rawObject("trafficProfile")
	if err := errors.Join(r.problems...); err != nil {
		return Config{}, fmt.Errorf("invalid stack config:\n%w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("invalid stack config:\n%w", err)
	}
	return c, nil
}

// ParseConfig is LoadConfig of a stack's config values as the program receives them
// ("shopstack:<key>" → value, objects and lists as JSON; engine.ProgramConfig): the one config path
// for the tools that read a stack's config without running the program, such as the cost preview
// and make dev, which so get the values the program would, refused by the same rules.
func ParseConfig(values map[string]string) (Config, error) {
	// A context that carries only the config: reading it is exactly the program's read.
	ctx, err := pulumi.NewContext(context.Background(), pulumi.RunInfo{Project: configNamespace, Config: values})
	if err != nil {
		return Config{}, err
	}
	return LoadConfig(ctx)
}

// Validate reports every value outside what shopstack accepts, each naming its key and the allowed
// values.
func (c Config) Validate() error {
	var problems []error
	bad := func(key, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s:%s: %s", configNamespace, key, fmt.Sprintf(format, args...)))
	}
	if !slices.Contains(Environments, c.Environment) {
		bad("environment", "%q is not allowed; use one of %s", c.Environment, strings.Join(Environments, ", "))
	}
	if len(c.Regions) == 0 {
		bad("regions", "at least one region is required; the first is the writer region")
	}
	for i, region := range c.Regions {
		if !slices.Contains(awsRegions, region) {
			bad("regions", "%q is not a known AWS region; use AWS region names such as us-east-1, eu-west-1", region)
		}
		if slices.Index(c.Regions, region) != i {
			bad("regions", "%q is listed twice; each region may appear once", region)
		}
	}
	if c.DataRegionName != "" && !slices.Contains(c.Regions, c.DataRegionName) {
		bad("dataRegion", "%q is not one of the regions; use one of %s, or leave it empty for the first region", c.DataRegionName, strings.Join(c.Regions, ", "))
	}
	if c.IdentityRegionName != "" && !slices.Contains(c.Regions, c.IdentityRegionName) {
		bad("identityRegion", "%q is not one of the regions; use one of %s, or leave it empty for the data region", c.IdentityRegionName, strings.Join(c.Regions, ", "))
	}
	for _, region := range c.AllowReplicaRemoval {
		if !slices.Contains(awsRegions, region) {
			bad("allowReplicaRemoval", "%q is not a known AWS region; list regions whose replicas may be deleted, such as eu-west-1", region)
		}
	}
	if !slices.Contains(logRetentionDays, c.LogRetentionDays) {
		bad("logRetentionDays", "%d is not a CloudWatch retention; use one of %s", c.LogRetentionDays, joinInts(logRetentionDays))
	}
	if c.Function.MemoryMB < 128 || c.Function.MemoryMB > 10240 {
		bad("functionMemoryMb", "%d is out of range; use 128 to 10240", c.Function.MemoryMB)
	}
	if c.Function.TimeoutSeconds < 1 || c.Function.TimeoutSeconds > 29 {
		bad("functionTimeoutSeconds", "%d is out of range; use 1 to 29 (API Gateway REST integrations time out at 29 s)", c.Function.TimeoutSeconds)
	}
	for key := range c.Tags {
		if slices.Contains(reservedTags, key) {
			bad("tags", "key %q is set by shopstack; use another key than %s", key, strings.Join(reservedTags, ", "))
		}
	}
	for _, origin := range c.AllowedOrigins {
		if !validOrigin(origin) {
			bad("allowedOrigins", "%q is not an origin; use scheme://host[:port] with https (http only for localhost), no path", origin)
		}
	}
	if c.Throttling.RateLimit < 1 {
		bad("throttleRateLimit", "%d must be a positive number of requests per second", c.Throttling.RateLimit)
	}
	if c.Throttling.BurstLimit < 1 || c.Throttling.BurstLimit < c.Throttling.RateLimit {
		bad("throttleBurstLimit", "%d must be positive and at least throttleRateLimit (%d)", c.Throttling.BurstLimit, c.Throttling.RateLimit)
	}
	for _, email := range c.Alarms.Emails {
		if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
			bad("alarmEmails", "%q is not an email address; use name@domain", email)
		}
	}
	positive := map[string]int{
		"alarmFunctionErrors":       c.Alarms.FunctionErrors,
		"alarmApi5xxErrors":         c.Alarms.API5xxErrors,
		"alarmApiLatencyP99Ms":      c.Alarms.APILatencyP99Ms,
		"alarmReplicationLatencyMs": c.Alarms.ReplicationLatencyMs,
	}
	for _, key := range slices.Sorted(maps.Keys(positive)) {
		if positive[key] < 1 {
			bad(key, "%d must be a positive integer", positive[key])
		}
	}
	if p := c.Alarms.DurationPercentTimeout; p < 1 || p > 100 {
		bad("alarmDurationPercentOfTimeout", "%d is out of range; use 1 to 100", p)
	}
	c.Events.validate(bad)
	c.Edge.validate(bad, c.Regions)
	c.Concurrency.validate(bad)
	return errors.Join(problems...)
}

// validOrigin accepts what a browser sends as Origin: scheme, host and optional port.
func validOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"
	}
	return false
}

// reader reads typed values and collects every read error instead of stopping at the first.
type reader struct {
	cfg      *config.Config
	problems []error
}

func (r *reader) fail(key string, err error) {
	if errors.Is(err, config.ErrMissingVar) {
		err = errors.New("is required (declared in Pulumi.yaml; set it with pulumi config set)")
	}
	r.problems = append(r.problems, fmt.Errorf("%s:%s: %w", configNamespace, key, err))
}

func (r *reader) string(key string) string {
	v, err := r.cfg.Try(key)
	if err != nil {
		r.fail(key, err)
	}
	return v
}

func (r *reader) int(key string) int {
	v, err := r.cfg.TryInt(key)
	if err != nil {
		r.fail(key, fmt.Errorf("must be an integer: %w", err))
	}
	return v
}

func (r *reader) bool(key string) bool {
	v, err := r.cfg.TryBool(key)
	if err != nil {
		r.fail(key, fmt.Errorf("must be true or false: %w", err))
	}
	return v
}

func (r *reader) strings(key string) []string {
	var v []string
	if err := r.cfg.TryObject(key, &v); err != nil {
		r.fail(key, fmt.Errorf("must be a list of strings: %w", err))
	}
	return v
}

// optionalObject reads an object key that may be absent; it reports whether it was set.
func (r *reader) optionalObject(key string, out any) bool {
	err := r.cfg.TryObject(key, out)
	if errors.Is(err, config.ErrMissingVar) {
		return false
	}
	if err != nil {
		r.fail(key, fmt.Errorf("must be an object: %w", err))
		return false
	}
	return true
}

// rawObject reads an object key that may be absent as the JSON it is set to, for a reader outside
// the program; nil when it is absent or not an object (the latter a problem).
func (r *reader) rawObject(key string) json.RawMessage {
	var fields map[string]json.RawMessage
	if !r.optionalObject(key, &fields) {
		return nil
	}
	raw, _ := r.cfg.Try(key)
	return json.RawMessage(raw)
}

func (r *reader) intMap(key string) map[string]int {
	var v map[string]int
	if err := r.cfg.TryObject(key, &v); err != nil {
		r.fail(key, fmt.Errorf("must be a map of integers: %w", err))
	}
	return v
}

func (r *reader) stringMap(key string) map[string]string {
	var v map[string]string
	if err := r.cfg.TryObject(key, &v); err != nil {
		r.fail(key, fmt.Errorf("must be a map of strings: %w", err))
	}
	return v
}

func joinInts(values []int) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

// validate checks the event pipeline's settings against what Lambda, SQS and EventBridge accept.
func (e EventSettings) validate(bad func(key, format string, args ...any)) {
	if e.BatchSize < 1 || e.BatchSize > 10000 {
		bad("eventBatchSize", "%d is out of range; use 1 to 10000 (a DynamoDB stream mapping's batch size)", e.BatchSize)
	}
	if e.MaxRetries < 0 || e.MaxRetries > 10000 {
		bad("eventMaxRetries", "%d is out of range; use 0 to 10000", e.MaxRetries)
	}
	if e.MaxReceiveCount < 1 || e.MaxReceiveCount > 1000 {
		bad("eventMaxReceiveCount", "%d is out of range; use 1 to 1000 (an SQS redrive policy's maxReceiveCount)", e.MaxReceiveCount)
	}
	if e.ArchiveRetentionDays < 1 || e.ArchiveRetentionDays > contract.LedgerRetentionDays {
		bad("eventArchiveRetentionDays", "%d is out of range; use 1 to %d: the consumers' ledger remembers handled events %d days, "+
			"and replaying an archived event it has forgotten would notify customers again", e.ArchiveRetentionDays, contract.LedgerRetentionDays, contract.LedgerRetentionDays)
	}
	if e.IteratorAgeAlarmMs < 1 {
		bad("alarmIteratorAgeMs", "%d must be a positive integer", e.IteratorAgeAlarmMs)
	}
	for _, email := range e.StockAlertEmails {
		if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
			bad("stockAlertEmails", "%q is not an email address; use name@domain", email)
		}
	}
}
