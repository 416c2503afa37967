package formats

import (
	"fmt"

	"github.com/goccy/go-yaml"
)

// strictYAML reads data into v, refusing unknown keys. The YAML library
// panics on some malformed input (a tag before a value that should be a
// list, found by FuzzMappingFile: "placeholder_coordinates: !0000"); such
// input is an error like any other, never a crash.
func strictYAML(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("not YAML this program can read (%v)", r)
		}
	}()
	return yaml.UnmarshalWithOptions(data, v, yaml.Strict())
}
