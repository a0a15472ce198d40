package engine

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/pulumi/pulumi/pkg/v3/resource/stack"
	"github.com/pulumi/pulumi/pkg/v3/secrets"
	"github.com/pulumi/pulumi/pkg/v3/secrets/b64"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// WriteSnapshot writes snap as the CLI's deployment format (`pulumi stack export`), gzipped: a
// state to preview a later program against (tests/testdata/base-*.json.gz).
func WriteSnapshot(ctx context.Context, w io.Writer, snap *deploy.Snapshot) error {
	if snap.SecretsManager == nil {
		// The engine runs without a secrets manager; secret outputs (the stand-ins mark some, as
		// the real providers do) are base64-encoded, as the CLI's "b64" manager does.
		withSecrets := *snap
		withSecrets.SecretsManager = b64.NewBase64SecretsManager()
		snap = &withSecrets
	}
	deployment, err := stack.SerializeDeployment(ctx, snap, false)
	if err != nil {
		return fmt.Errorf("serialize snapshot: %w", err)
	}
	// Where each resource was registered names this machine's folders; the engine does not read it.
	for i := range deployment.Resources {
		deployment.Resources[i].SourcePosition, deployment.Resources[i].StackTrace = "", nil
	}
	zw := gzip.NewWriter(w)
	enc := json.NewEncoder(zw)
	enc.SetIndent("", " ")
	if err := enc.Encode(deployment); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return zw.Close()
}

// ReadSnapshot reads what WriteSnapshot wrote.
func ReadSnapshot(ctx context.Context, r io.Reader) (*deploy.Snapshot, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	var deployment apitype.DeploymentV3
	if err := json.NewDecoder(zr).Decode(&deployment); err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	snap, err := stack.DeserializeDeploymentV3(ctx, deployment, base64Secrets{})
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	return snap, nil
}

// base64Secrets serves the one secrets manager an offline snapshot can name: the engine runs
// without one, and nothing here is secret.
type base64Secrets struct{}

func (base64Secrets) OfType(_ context.Context, ty string, _ json.RawMessage) (secrets.Manager, error) {
	if ty != b64.Type {
		return nil, fmt.Errorf("snapshot secrets manager %q: only %q is offline", ty, b64.Type)
	}
	return b64.NewBase64SecretsManager(), nil
}
