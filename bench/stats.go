package main

import (
	"fmt"
	"slices"
	"time"
)

// durations is a sample of measured times.
type durations []time.Duration

// quantile returns the q-quantile (0 ≤ q ≤ 1) by the nearest-rank method:
// the smallest value with at least q of the sample at or below it. An empty
// sample gives 0.
func (d durations) quantile(q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := int(q*float64(len(s)) + 0.999999999) // ceil without float surprises at exact ranks
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

func (d durations) p50() time.Duration { return d.quantile(0.50) }
func (d durations) p95() time.Duration { return d.quantile(0.95) }
func (d durations) p99() time.Duration { return d.quantile(0.99) }

// median of whole numbers (bytes), by the same nearest-rank rule as quantile.
func median(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// ms formats a duration in milliseconds with sensible precision.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0f ms", f)
	case f >= 10:
		return fmt.Sprintf("%.1f ms", f)
	default:
		return fmt.Sprintf("%.2f ms", f)
	}
}

// mib formats bytes in MiB.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// ratio formats a/b as "1.07×", a small one as "1/5,000", or "n/a" when
// either is zero.
func ratio(a, b float64) string {
	switch {
	case a == 0 || b == 0:
		return "n/a"
	case a/b < 0.1:
		return "1/" + thousands(int64(b/a+0.5))
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// thousands formats n with commas: 12,345.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
