package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cognito"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AdminGroup is the Cognito group whose members may manage the catalog.
const AdminGroup = "admin"

// IdentityArgs declares the shop's users.
type IdentityArgs struct {
	DeletionProtection bool
	Tags               pulumi.StringMap
}

// Identity is the Cognito user pool every regional API authorizes against. It lives in the writer
// region: Cognito has no multi-region pools, and tokens it issues are checked anywhere.
type Identity struct {
	pulumi.ResourceState

	UserPool *cognito.UserPool
	Client   *cognito.UserPoolClient
}

// NewIdentity declares the user pool, a public app client for the frontends and the admin group.
func NewIdentity(ctx *pulumi.Context, name string, args *IdentityArgs, opts ...pulumi.ResourceOption) (*Identity, error) {
	id := &Identity{}
	if err := ctx.RegisterComponentResource("shopstack:identity:Identity", name, id, opts...); err != nil {
		return nil, err
	}
	deletion := "INACTIVE"
	if args.DeletionProtection {
		deletion = "ACTIVE"
	}
	pool, err := cognito.NewUserPool(ctx, name+"-users", &cognito.UserPoolArgs{
		Name:                   pulumi.String(physicalName(ctx, "users")),
		UsernameAttributes:     pulumi.StringArray{pulumi.String("email")},
		AutoVerifiedAttributes: pulumi.StringArray{pulumi.String("email")},
		DeletionProtection:     pulumi.String(deletion),
		PasswordPolicy: &cognito.UserPoolPasswordPolicyArgs{
			MinimumLength:    pulumi.Int(12),
			RequireLowercase: pulumi.Bool(true),
			RequireUppercase: pulumi.Bool(true),
			RequireNumbers:   pulumi.Bool(true),
			RequireSymbols:   pulumi.Bool(false),
		},
		AccountRecoverySetting: &cognito.UserPoolAccountRecoverySettingArgs{
			RecoveryMechanisms: cognito.UserPoolAccountRecoverySettingRecoveryMechanismArray{
				cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs{Name: pulumi.String("verified_email"), Priority: pulumi.Int(1)},
			},
		},
		Tags: withService(args.Tags, "identity"),
	}, pulumi.Parent(id), pulumi.Protect(args.DeletionProtection))
	if err != nil {
		return nil, fmt.Errorf("identity %s: user pool: %w", name, err)
	}
	// A browser or mobile app cannot keep a secret, so the client has none and signs in with SRP.
	client, err := cognito.NewUserPoolClient(ctx, name+"-client", &cognito.UserPoolClientArgs{
		Name:                       pulumi.String(physicalName(ctx, "web")),
		UserPoolId:                 pool.ID(),
		GenerateSecret:             pulumi.Bool(false),
		ExplicitAuthFlows:          pulumi.StringArray{pulumi.String("ALLOW_USER_SRP_AUTH"), pulumi.String("ALLOW_REFRESH_TOKEN_AUTH")},
		PreventUserExistenceErrors: pulumi.String("ENABLED"),
		EnableTokenRevocation:      pulumi.Bool(true),
	}, pulumi.Parent(pool))
	if err != nil {
		return nil, fmt.Errorf("identity %s: client: %w", name, err)
	}
	if _, err := cognito.NewUserGroup(ctx, name+"-admin", &cognito.UserGroupArgs{
		Name:        pulumi.String(AdminGroup),
		UserPoolId:  pool.ID(),
		Description: pulumi.String("May create products and change stock"),
	}, pulumi.Parent(pool)); err != nil {
		return nil, fmt.Errorf("identity %s: admin group: %w", name, err)
	}
	id.UserPool, id.Client = pool, client
	if err := ctx.RegisterResourceOutputs(id, pulumi.Map{"userPoolId": pool.ID(), "clientId": client.ID()}); err != nil {
		return nil, fmt.Errorf("identity %s: outputs: %w", name, err)
	}
	return id, nil
}
