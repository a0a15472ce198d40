// Package engine is shopstack's offline engine: the real program (stacks.Run) on Pulumi's own
// deployment engine (pkg/v3), in-process, with stand-in providers for aws and aws-apigateway and
// the policy pack as the engine's analyzer. A preview or an update here goes through the same
// config validation, step generation, transforms, analyzer calls and snapshot code as
// `pulumi preview` and `pulumi up`; only the providers and the analyzer are stand-ins, each
// modelled on its real program's source (see their packages). Nothing is deployed.
package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	pengine "github.com/pulumi/pulumi/pkg/v3/engine"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/pkg/v3/resource/deploy/deploytest"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/pkg/v3/util/cancel"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/promise"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/engine/analyzer"
	"shopstack/engine/apigatewayprovider"
	"shopstack/engine/awsprovider"
	"shopstack/policies"
	"shopstack/stacks"
)

// Project is the Pulumi project name of Pulumi.yaml.
const Project = "shopstack"

// Options say what to run: one stack of the project under Root.
type Options struct {
	Root  string // the project folder, holding Pulumi.yaml and Pulumi.<stack>.yaml
	Stack string
	// Config replaces the stack file's config when set; it is validated as the CLI validates a
	// stack file (scenarios edit what LoadConfig returned).
	Config config.Map
	// Snapshot is the stack's state before the operation; nil is a new stack.
	Snapshot *deploy.Snapshot
	// Targets limit the operation to these URNs, as `pulumi up --target`.
	Targets []string
	// Program replaces stacks.Run (tests of one component).
	Program pulumi.RunFunc
	// NoPolicies runs without the policy pack.
	NoPolicies bool
}

// Preview is `pulumi preview`: what an update would do, with unknown values where only a
// deployment knows them. Mandatory policy violations fail it, with the result still returned.
func Preview(ctx context.Context, o Options) (*Result, error) { return execute(ctx, o, true) }

// Update is `pulumi up` against the stand-in providers: the steps, and the new snapshot to feed
// the next operation.
func Update(ctx context.Context, o Options) (*Result, error) { return execute(ctx, o, false) }

func execute(ctx context.Context, o Options, dryRun bool) (*Result, error) {
	project, cfg, err := resolveConfig(o)
	if err != nil {
		return nil, err
	}
	program := o.Program
	if program == nil {
		program = stacks.Run
	}
	stackName, err := tokens.ParseStackName(o.Stack)
	if err != nil {
		return nil, err
	}
	target := &deploy.Target{Name: stackName, Organization: organization, Config: cfg, Decrypter: config.NopDecrypter, Snapshot: o.Snapshot}
	opts := pengine.UpdateOptions{Parallel: 16, GeneratePlan: true}
	if len(o.Targets) > 0 {
		opts.Targets = deploy.NewUrnTargets(o.Targets)
	}
	loaders := []*deploytest.ProviderLoader{
		deploytest.NewProviderLoader(awsprovider.Name, awsprovider.Version, func() (plugin.Provider, error) {
			return awsprovider.New(), nil
		}),
		deploytest.NewProviderLoader(apigatewayprovider.Name, apigatewayprovider.Version, func() (plugin.Provider, error) {
			return apigatewayprovider.New(), nil
		}),
	}
	if !o.NoPolicies {
		pack, err := policyPack(ctx)
		if err != nil {
			return nil, err
		}
		dir, err := filepath.Abs(filepath.Join(o.Root, "policies"))
		if err != nil {
			return nil, err
		}
		// The engine loads a local pack by its absolute path (pkg/v3 engine/update.go); the
		// analyzer stand-in answers for that name.
		loaders = append(loaders, deploytest.NewAnalyzerLoader(dir, func(*plugin.PolicyAnalyzerOptions) (plugin.Analyzer, error) {
			return analyzer.New(pack), nil
		}))
		opts.LocalPolicyPacks = []pengine.LocalPolicyPack{{Path: dir}}
	}
	events, snap, runErr := run(ctx, project, target, program, loaders, opts, dryRun)
	result, err := newResult(o.Stack, dryRun, events, snap)
	if err != nil {
		return nil, errors.Join(runErr, err)
	}
	if result.root, err = filepath.Abs(o.Root); err != nil {
		return nil, err
	}
	if runErr != nil {
		// The engine's error says that it stopped; its error diagnostics say why.
		if len(result.Errors) > 0 {
			runErr = fmt.Errorf("%w:\n%s", runErr, strings.Join(result.Errors, "\n"))
		}
		return result, fmt.Errorf("stack %s: %w", o.Stack, runErr)
	}
	return result, nil
}

// resolveConfig is the stack file's config, or the options' config validated the same way.
func resolveConfig(o Options) (*workspace.Project, config.Map, error) {
	if o.Config == nil {
		return LoadConfig(o.Root, o.Stack)
	}
	project, err := workspace.LoadProject(filepath.Join(o.Root, "Pulumi.yaml"))
	if err != nil {
		return nil, nil, fmt.Errorf("load Pulumi.yaml: %w", err)
	}
	cfg, err := o.Config.Copy(config.NopDecrypter, config.NopEncrypter)
	if err != nil {
		return nil, nil, err
	}
	if err := ValidateConfig(o.Stack, project, cfg); err != nil {
		return nil, nil, err
	}
	return project, cfg, nil
}

var (
	packOnce sync.Once
	pack     *policies.Engine
	packErr  error
)

// policyPack compiles the Rego pack once per process.
func policyPack(ctx context.Context) (*policies.Engine, error) {
	packOnce.Do(func() { pack, packErr = policies.New(ctx) })
	return pack, packErr
}

// run executes one engine operation (a preview when dryRun) of program against target with the
// given plugin loaders, and returns the engine's events and, for an update, the new snapshot.
// It follows what pkg/v3's own lifecycle tests do (engine/lifecycletest/framework): an in-process
// language runtime whose program is a Go SDK context on the engine's resource monitor.
func run(ctx context.Context, project *workspace.Project, target *deploy.Target, program pulumi.RunFunc,
	loaders []*deploytest.ProviderLoader, opts pengine.UpdateOptions, dryRun bool,
) ([]pengine.Event, *deploy.Snapshot, error) {
	var host plugin.Host    // the one the program's log messages go to: the latest
	var hosts []plugin.Host // every one the engine asked for, to close
	runtime := deploytest.NewLanguageRuntimeF(func(info plugin.RunInfo, _ *deploytest.ResourceMonitor) error {
		cfg := make(map[string]string, len(info.Config))
		for k, v := range info.Config {
			cfg[k.String()] = v
		}
		pctx, err := pulumi.NewContext(context.Background(), pulumi.RunInfo{
			Project:      info.Project,
			Stack:        info.Stack,
			Organization: info.Organization,
			Config:       cfg,
			Parallel:     info.Parallel,
			DryRun:       info.DryRun,
			MonitorAddr:  info.MonitorAddress,
			// The engine service takes the program's ctx.Log messages, as the CLI's does.
			EngineAddr: host.ServerAddr(),
		})
		if err != nil {
			return err
		}
		return pulumi.RunWithContext(pctx, program)
	})
	// The host is made with the engine's own sinks, as the CLI's is: the program's log messages
	// become the engine's diagnostic events (ephemeral ones its status messages).
	opts.HostFactory = func(_ context.Context, sink, statusSink diag.Sink, _ plugin.DebugContext) (plugin.Host, error) {
		host = deploytest.NewPluginHostF(sink, statusSink, runtime, nil, nil, loaders...)()
		hosts = append(hosts, host)
		return host, nil
	}
	defer closeHosts(&hosts)

	cancelCtx, cancelSrc := cancel.NewContext(context.Background())
	defer cancelSrc.Terminate()
	stop := context.AfterFunc(ctx, cancelSrc.Cancel)
	defer stop()

	events := make(chan pengine.Event)
	collected := promise.Run(func() ([]pengine.Event, error) {
		var all []pengine.Event
		for e := range events {
			all = append(all, e)
		}
		return all, nil
	})
	backend := newSelfBackend(project.Name.String(), target.Name.String(), target.Snapshot)
	ectx := &pengine.Context{Cancel: cancelCtx, Events: events, BackendClient: backend}
	var journal *pengine.TestJournal
	if !dryRun {
		// The journal records every step's result; its entries make the new snapshot, as the
		// CLI's snapshot manager would persist it.
		journal = pengine.NewTestJournal()
		ectx.SnapshotManager = journal
	}
	info := pengine.UpdateInfo{Root: "/", Project: project, Target: target}
	_, _, opErr := pengine.Update(info, ectx, opts, dryRun)
	close(events)
	all, _ := collected.Result(context.Background())
	if dryRun {
		return all, nil, opErr
	}
	if err := journal.Close(); err != nil {
		opErr = errors.Join(opErr, err)
	}
	snap, err := journal.Entries().Snap(target.Snapshot)
	if err != nil {
		return all, nil, errors.Join(opErr, fmt.Errorf("snapshot: %w", err))
	}
	return all, snap, opErr
}

// hostCloseWait bounds how long a run waits for a plugin host to close once its result is in.
const hostCloseWait = 10 * time.Second

// closeHosts closes every plugin host the engine asked for. deploytest's Close was seen to block
// for good, after a failed preview, sending on its engine server's stop channel
// (pluginhost.go:571 in v3.274.1) with no receiver left; the run's result is complete by then, so
// a host that does not close within hostCloseWait is left to the process rather than hanging it.
func closeHosts(hosts *[]plugin.Host) {
	for _, h := range *hosts {
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			_ = h.Close()
		}()
		select {
		case <-closed:
		case <-time.After(hostCloseWait):
		}
	}
}
