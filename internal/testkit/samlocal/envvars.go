package samlocal

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
)

// globalBlock is the key of the env-vars block that applies to every
// function.
const globalBlock = "Parameters"

// envVarsFor reads the `--env-vars` file at path and returns the values it
// gives the function logicalID: its "Parameters" block, then its own block
// over it. The whole file is checked, every block against the template.
func (t *Template) envVarsFor(path, logicalID string) (map[string]string, error) {
	blocks, err := readEnvVars(path)
	if err != nil {
		return nil, err
	}
	fns := t.Functions()
	anyDeclares := map[string]bool{}
	for _, id := range fns {
		for name := range t.declared(id) {
			anyDeclares[name] = true
		}
	}
	keys := make([]string, 0, len(blocks))
	for k := range blocks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if key == globalBlock {
			for _, name := range sortedKeys(blocks[key]) {
				if !anyDeclares[name] {
					return nil, fmt.Errorf("samlocal: %s: Parameters.%s: no function in %s declares %s: declare it under Globals.Function.Environment.Variables or remove it from %s",
						path, name, t.Path, name, path)
				}
			}
			continue
		}
		if !slices.Contains(fns, key) {
			return nil, fmt.Errorf("samlocal: %s: block %q names no function of %s: key it by Parameters or a function's logical id (%s)",
				path, key, t.Path, strings.Join(fns, ", "))
		}
		declared := t.declared(key)
		for _, name := range sortedKeys(blocks[key]) {
			if _, ok := declared[name]; !ok {
				return nil, fmt.Errorf("samlocal: %s: %s.%s: %s does not declare %s for %s (sam local invoke would ignore it): declare it under the function's Environment.Variables or remove it from %s",
					path, key, name, t.Path, name, key, path)
			}
		}
	}
	out := map[string]string{}
	declared := t.declared(logicalID)
	for name, v := range blocks[globalBlock] {
		if _, ok := declared[name]; ok {
			out[name] = v
		}
	}
	for name, v := range blocks[logicalID] {
		out[name] = v
	}
	return out, nil
}

// readEnvVars parses an `--env-vars` file: an object of blocks, each an
// object of variable values. A value is stringified as SAM CLI does.
func readEnvVars(path string) (map[string]map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("samlocal: env vars: %w", err)
	}
	bad := func(why string) error {
		return fmt.Errorf(`samlocal: %s is not an --env-vars file (%s): write {"Parameters": {"VAR": "value"}, "LogicalId": {"VAR": "value"}}`, path, why)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, bad(oneLine(err))
	}
	if raw == nil {
		return nil, bad("null")
	}
	blocks := make(map[string]map[string]string, len(raw))
	for key, msg := range raw {
		var vars map[string]any
		if err := json.Unmarshal(msg, &vars); err != nil || vars == nil {
			return nil, bad(fmt.Sprintf("block %q is not an object of variables", key))
		}
		b := make(map[string]string, len(vars))
		for name, v := range vars {
			b[name] = stringify(v)
		}
		blocks[key] = b
	}
	return blocks, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
