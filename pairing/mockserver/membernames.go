package mockserver

import (
	"encoding/json"
	"reflect"
	"strings"
)

// Go's JSON decoder also reads a member whose name matches a field only
// after case folding ("PASSWORD", "paſſword" for "password"). The server reads
// exactly the names it documents: a member that folds to a known name but is
// spelt otherwise is refused, so what is read, what the journal hides and
// what the OpenAPI description says are the same names.

// checkMemberNames refuses data whose objects have a member spelt like a
// field of t (a struct or a pointer to one, nested structs included) in
// another case or folding.
func checkMemberNames(data []byte, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(data, &members) != nil {
		return nil // not an object: the decoder has said what it thinks already
	}
	fields := jsonFields(t)
	for name, value := range members {
		if f, ok := fields[name]; ok {
			if err := checkMemberNames(value, f); err != nil {
				return err
			}
			continue
		}
		for known := range fields {
			if foldKey(name) == foldKey(known) {
				return badRequest("a member's name differs from a documented one only in case or letter form; spell it as documented")
			}
		}
	}
	return nil
}

// jsonFields maps the JSON names of t's exported fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
