package app

import (
	"errors"
	"testing"
)

func TestMemoryKeyring(t *testing.T) {
	// Given an empty keyring (the zero value)
	var kr MemoryKeyring
	// Then nothing is found and nothing can be deleted
	if _, err := kr.Get("svc", "anna"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get from empty: %v", err)
	}
	if err := kr.Delete("svc", "anna"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete from empty: %v", err)
	}
	// When a secret is set, Then it is read back under its service and user only
	if err := kr.Set("svc", "anna", "s1"); err != nil {
		t.Fatal(err)
	}
	if v, err := kr.Get("svc", "anna"); err != nil || v != "s1" {
		t.Fatalf("get = %q, %v", v, err)
	}
	for _, other := range [][2]string{{"svc", "bob"}, {"other", "anna"}} {
		if _, err := kr.Get(other[0], other[1]); !errors.Is(err, ErrNotFound) {
			t.Errorf("get %q: %v", other, err)
		}
	}
	// When it is deleted, Then it is gone
	if err := kr.Delete("svc", "anna"); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Get("svc", "anna"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
}
