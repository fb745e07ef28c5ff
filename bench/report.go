package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// report is everything one run measured.
type report struct {
	machine machine
	opts    options
	size    *sizes
	startup *startupResult // no tray host on the session bus
	// startupTray is the same series with a tray host (StatusNotifierWatcher)
	startupTray *startupResult
	signin      *signinResult
	load        *loadResult
	streams     *streamsResult
}

// row is one line of the results table.
type row struct {
	figure, linkdesk, reference, ratio, target, verdict string
}

// verdict words a target check.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// Targets of the benchmark brief.
const (
	targetStartupRatio = 1.15
	targetQRp95        = 100 * time.Millisecond
	targetScanP95      = 100 * time.Millisecond
	targetVerifies     = 3000.0
	targetStreamsRSS   = 200 << 20
)

func (r report) rows() []row {
	var out []row
	if s := r.startup; s != nil {
		at, bt := s.times(s.app).p50(), s.times(s.bare).p50()
		q := float64(at) / float64(bt)
		out = append(out, row{fmt.Sprintf("Start-up to first window, no tray host, median of %d", len(s.app)),
			ms(at), ms(bt) + " (bare window)", ratio(float64(at), float64(bt)),
			fmt.Sprintf("≤ %.2f×", targetStartupRatio), verdict(q <= targetStartupRatio)})
		if t := r.startupTray; t != nil {
			at, bt := t.times(t.app).p50(), t.times(t.bare).p50()
			out = append(out, row{fmt.Sprintf("Start-up to first window, tray host on the bus (tray shown), median of %d", len(t.app)),
				ms(at), ms(bt) + " (bare window)", ratio(float64(at), float64(bt)), "—", "—"})
		}
		am, bm := median(s.rss(s.app)), median(s.rss(s.bare))
		q = float64(am) / float64(bm)
		out = append(out, row{fmt.Sprintf("Memory (RSS) on the first screen %s after it appears, no tray host, median", s.settle),
			mib(am), mib(bm) + " (bare window)", ratio(float64(am), float64(bm)),
			fmt.Sprintf("≤ %.2f×", targetStartupRatio), verdict(q <= targetStartupRatio)})
		if t := r.startupTray; t != nil {
			am, bm := median(t.rss(t.app)), median(t.rss(t.bare))
			out = append(out, row{"Memory (RSS) on the first screen, tray host on the bus, median",
				mib(am), mib(bm) + " (bare window)", ratio(float64(am), float64(bm)), "—", "—"})
		}
	}
	if z := r.size; z != nil {
		out = append(out, row{`Binary size, -ldflags "-s -w"`, mib(z.app), mib(z.bare) + " (bare window)",
			ratio(float64(z.app), float64(z.bare)), "—", "—"})
	}
	if s := r.signin; s != nil {
		poll := fmt.Sprintf("(poll every %s)", s.pollEvery)
		out = append(out,
			row{fmt.Sprintf("QR scanned on the phone → desktop shows the check number, p50 of %d", len(s.scanPush)),
				ms(s.scanPush.p50()), ms(s.scanPoll.p50()) + " " + poll, ratio(float64(s.scanPush.p50()), float64(s.scanPoll.p50())), "—", "—"},
			row{fmt.Sprintf("QR scanned on the phone → desktop shows the check number, p95 of %d", len(s.scanPush)),
				ms(s.scanPush.p95()), ms(s.scanPoll.p95()) + " " + poll, ratio(float64(s.scanPush.p95()), float64(s.scanPoll.p95())),
				"< " + ms(targetScanP95), verdict(s.scanPush.p95() < targetScanP95)},
			row{fmt.Sprintf("QR approved on the phone → token stored, p50 of %d", len(s.qrPush)),
				ms(s.qrPush.p50()), ms(s.qrPoll.p50()) + " " + poll, ratio(float64(s.qrPush.p50()), float64(s.qrPoll.p50())), "—", "—"},
			row{fmt.Sprintf("QR approved on the phone → token stored, p95 of %d", len(s.qrPush)),
				ms(s.qrPush.p95()), ms(s.qrPoll.p95()) + " " + poll, ratio(float64(s.qrPush.p95()), float64(s.qrPoll.p95())),
				"< " + ms(targetQRp95), verdict(s.qrPush.p95() < targetQRp95)},
			row{fmt.Sprintf("Code submitted → token stored, p50 / p95 of %d", len(s.code)),
				ms(s.code.p50()) + " / " + ms(s.code.p95()), "—", "—", "—", "—"},
		)
	}
	if l := r.load; l != nil {
		perVerify := time.Duration(0)
		if l.verifies > 0 {
			perVerify = l.verifyCPU / time.Duration(l.verifies)
		}
		out = append(out,
			row{fmt.Sprintf("Code verifications per second (%d clients), p99 latency", l.verifyWork),
				fmt.Sprintf("%.0f/s, p99 %s", l.verifiesPerSec(), ms(l.verifyLat.p99())),
				fmt.Sprintf("server CPU %s each", micro(perVerify)), "—",
				fmt.Sprintf("≥ %.0f/s", targetVerifies), verdict(l.verifiesPerSec() >= targetVerifies)},
			row{fmt.Sprintf("Sign-ins (password step) per second, argon2id m=19 MiB t=2 p=1 (%d clients)", l.signinWork),
				fmt.Sprintf("%.0f/s, p99 %s", l.signinsPerSec(), ms(l.signinLat.p99())),
				fmt.Sprintf("server CPU %s each", ms(l.signinCPU/time.Duration(max(l.signins, 1)))), "—", "—", "—"},
		)
	}
	if s := r.streams; s != nil {
		out = append(out, row{fmt.Sprintf("Mock server memory with %s desktops waiting on event streams", thousands(int64(s.streams))),
			mib(s.rssAfter), fmt.Sprintf("%s before the streams; %.1f KiB per stream", mib(s.rssBefore), float64(s.perStream())/1024),
			"—", "< 200 MB", verdict(s.rssAfter < targetStreamsRSS)})
	}
	return out
}

func micro(d time.Duration) string {
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

// table is the results for the terminal.
func (r report) table() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tLINKDESK\tREFERENCE\tRATIO\tTARGET\t")
	for _, x := range r.rows() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %s\t\n", x.figure, x.linkdesk, x.reference, x.ratio, x.target, x.verdict)
	}
	_ = tw.Flush() // writing to a strings.Builder cannot fail
	return b.String()
}

// markdownTable is the results as a Markdown table.
func (r report) markdownTable() string {
	var b strings.Builder
	b.WriteString("| Figure | Linkdesk | Reference | Ratio | Target |\n| --- | --- | --- | --- | --- |\n")
	for _, x := range r.rows() {
		target := x.target
		if x.verdict != "—" {
			target += " — **" + x.verdict + "**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", x.figure, x.linkdesk, x.reference, x.ratio, target)
	}
	return b.String()
}
