package paramstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/tokenrelay/tokenrelay/internal/paramstore"
	"github.com/tokenrelay/tokenrelay/internal/testkit/testenv"
)

// TestStoreAgainstMoto writes and reads parameters through the real SDK client against
// moto_server: SecureString, overwrite, the tier by size, and nothing written when too large.
func TestStoreAgainstMoto(t *testing.T) {
	client := ssm.NewFromConfig(testenv.AWSConfig(t, testenv.Moto(t)))
	s := paramstore.Store{SSM: client}
	ctx := context.Background()

	if _, found, err := s.Get(ctx, "/tokens/none"); found || err != nil {
		t.Fatalf("got Get of a missing parameter found=%v err=%v; want not found, no error", found, err)
	}
	describe := func(name string) types.ParameterMetadata {
		t.Helper()
		out, err := client.DescribeParameters(ctx, &ssm.DescribeParametersInput{
			ParameterFilters: []types.ParameterStringFilter{{Key: aws.String("Name"), Values: []string{name}}},
		})
		if err != nil || len(out.Parameters) != 1 {
			t.Fatalf("DescribeParameters %s: %v, %d parameters", name, err, len(out.Parameters))
		}
		return out.Parameters[0]
	}

	if err := s.Put(ctx, "/tokens/a", "small", ""); err != nil {
		t.Fatal(err)
	}
	if m := describe("/tokens/a"); m.Type != types.ParameterTypeSecureString || m.Tier != types.ParameterTierStandard {
		t.Errorf("got type %q tier %q; want SecureString, Standard", m.Type, m.Tier)
	}
	big := strings.Repeat("b", paramstore.StandardLimit+1)
	if err := s.Put(ctx, "/tokens/a", big, ""); err != nil {
		t.Fatal(err)
	}
	if m := describe("/tokens/a"); m.Tier != types.ParameterTierAdvanced {
		t.Errorf("got tier %q for %d bytes; want Advanced", m.Tier, len(big))
	}
	if got, _, _ := s.Get(ctx, "/tokens/a"); got != big {
		t.Errorf("got a value of %d bytes; want the %d bytes written", len(got), len(big))
	}
	if err := s.Put(ctx, "/tokens/a", strings.Repeat("c", paramstore.AdvancedLimit+1), ""); err == nil {
		t.Error("got no error writing more than 8192 bytes; want one")
	}
	if got, _, _ := s.Get(ctx, "/tokens/a"); got != big {
		t.Errorf("got a value of %d bytes after a refused write; want the previous %d bytes intact", len(got), len(big))
	}
	// A small value after a large one: SSM keeps Advanced (no downgrade); the write succeeds.
	if err := s.Put(ctx, "/tokens/a", "small-again", ""); err != nil {
		t.Fatalf("got %v writing a small value over an Advanced parameter; want success", err)
	}
	if got, _, _ := s.Get(ctx, "/tokens/a"); got != "small-again" {
		t.Errorf("got %q; want %q", got, "small-again")
	}
}
