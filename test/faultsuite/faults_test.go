package faultsuite

import "testing"

// TestFaults runs the whole suite on one moto_server (starting one takes seconds), one group of
// faults per subtest, and ends with the secret sweep over everything the groups captured.
func TestFaults(t *testing.T) {
	e := newAWS(t)
	t.Run("TokenEndpoint", func(t *testing.T) { tokenEndpointFaults(t, e) })
	t.Run("AWS", func(t *testing.T) { awsFaults(t, e) })
	t.Run("AuditAPI", func(t *testing.T) { auditFaults(t, e) })
	t.Run("Process", func(t *testing.T) { processFaults(t, e) })
	t.Run("Clock", func(t *testing.T) { clockFaults(t, e) })
	t.Run("SecretSweep", secretSweep)
}
