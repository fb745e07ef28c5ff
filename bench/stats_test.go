package main

import (
	"testing"
	"time"
)

func TestQuantileNearestRank(t *testing.T) {
	// Given 1..100 ms in any order,
	var d durations
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	// then p50 is the 50th value, p95 the 95th, p99 the 99th, the 1.0 quantile the largest.
	cases := []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.95, 95 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}}
	for _, tc := range cases {
		if got := d.quantile(tc.q); got != tc.want {
			t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if d[0] != 100*time.Millisecond {
		t.Error("quantile sorted the caller's slice")
	}
	if (durations{}).p95() != 0 {
		t.Error("empty sample is not 0")
	}
}

func TestMedianOfBytes(t *testing.T) {
	if got := median([]int64{5, 1, 3}); got != 3 {
		t.Errorf("median odd = %d", got)
	}
	// An even sample takes the lower middle, like nearest rank.
	if got := median([]int64{4, 1, 3, 2}); got != 2 {
		t.Errorf("median even = %d", got)
	}
}

func TestRatioFormats(t *testing.T) {
	cases := []struct {
		a, b float64
		want string
	}{{115, 100, "1.15×"}, {1, 12345, "1/12,345"}, {5, 0, "n/a"}, {0, 5, "n/a"}, {2, 1000, "1/500"}}
	for _, tc := range cases {
		if got := ratio(tc.a, tc.b); got != tc.want {
			t.Errorf("ratio(%v, %v) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}
