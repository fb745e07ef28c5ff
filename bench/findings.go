package main

import (
	"fmt"
	"strings"
	"time"
)

// findings reads the results: why a figure is what it is and, where a target
// is missed, what the profile showed and what would fix it. The numbers of
// prototypes quoted here were measured while this benchmark was written (on
// the same machine), not in this run.
func (r report) findings() string {
	var b strings.Builder
	b.WriteString("## Reading the results\n\n")
	if s := r.startup; s != nil {
		q := float64(s.times(s.app).p50()) / float64(s.times(s.bare).p50())
		if t := r.startupTray; t != nil {
			qt := float64(t.times(t.app).p50()) / float64(t.times(t.bare).p50())
			fmt.Fprintf(&b, "**The tray costs start-up time, so it is added only where a tray host shows it** (%.2f× "+
				"without a tray host, %.2f× with one). Fyne creates the tray's hidden GL window (`SystrayMonitor`, in fyne "+
				"`internal/driver/glfw/driver_desktop.go`, `runSystray`) with its own GL context and painter before the "+
				"main window is shown, and only when the tray is set before `Run` (`trayStart` in "+
				"`internal/driver/glfw/loop.go`), so it cannot be added later. `ui.TrayHostPresent` asks the session bus "+
				"whether `org.kde.StatusNotifierWatcher` has an owner (a panel that shows tray icons; Windows and macOS "+
				"always have one) and the tray is set up only then. Without a host the tray could not be seen anyway: "+
				"fyne.io/systray only logged `failed to register`. Both programs pay the same cold-start costs: Fyne's "+
				"system font scan (go-text `fontscan`, about 45 ms with an empty cache folder) and the GL painter set-up.\n\n",
				q, qt)
		}
		if q > targetStartupRatio {
			b.WriteString("**Start-up misses its target.** Without a tray host the app creates no tray window, so the " +
				"difference is the form itself: bold text loads one more font face (about 6 ms), the translations and the " +
				"widgets. Profile a start (`go tool pprof`) before changing anything.\n\n")
		}
		m := float64(median(s.rss(s.app))) / float64(median(s.rss(s.bare)))
		if m > 1.05 {
			fmt.Fprintf(&b, "**Memory** (%.2f× without a tray host): the form's widgets, translations and the second "+
				"font face; with a tray host, the tray's hidden GL window adds about 8 MiB.\n\n", m)
		}
	}
	if s := r.signin; s != nil {
		fmt.Fprintf(&b, "**The scan is pushed too, so the check number is up before the person looks.** The "+
			"`scanned` event reaches the desktop on the stream it holds open, and the number is in the State the ui "+
			"renders within one request on loopback of the scan (p95 %s). A desktop polling every %s would keep "+
			"showing a QR code, stale for that long, after the phone scanned it (measured p50 %s, p95 %s), and the "+
			"person would wait for the number before they could pick it.\n\n",
			ms(s.scanPush.p95()), s.pollEvery, ms(s.scanPoll.p50()), ms(s.scanPoll.p95()))
		fmt.Fprintf(&b, "**QR approval is pushed, not polled.** The desktop learns of the approval from the "+
			"event stream it already holds open, so the time from the number picked on the phone to the token in the "+
			"keychain is one request on loopback (p95 %s). A client polling every %s waits on average half an "+
			"interval and at worst a whole one (measured p50 %s, p95 %s, as uniform arrival predicts: %s and %s). "+
			"On a real network each figure grows by a round trip or two; the poller's wait does not shrink.\n\n",
			ms(s.qrPush.p95()), s.pollEvery, ms(s.qrPoll.p50()), ms(s.qrPoll.p95()),
			ms(s.pollEvery/2), ms(s.pollEvery*95/100))
	}
	if l := r.load; l != nil {
		perVerify := l.verifyCPU / time.Duration(max(l.verifies, 1))
		if l.verifiesPerSec() < targetVerifies || perVerify > 150*time.Microsecond {
			fmt.Fprintf(&b, "**Code verifications: the request journal dominates the server's CPU** (%s per "+
				"verification in this run). A CPU profile of this part (`bench/run.sh -profile-load FILE`, server in "+
				"process) showed `journal.add` (pairing/mockserver/journal.go) at a quarter of all CPU: once the "+
				"journal holds its 1,000 entries, every request copies all of them into a new slice under the "+
				"journal's lock. Keeping the entries in a ring (a fixed slice and the index of the oldest; `last` "+
				"copies the two halves in order) makes `add` O(1). Measured while writing this benchmark, same "+
				"load: 2,700–4,000 verifications/s (p99 13–17 ms, about 330 µs of server CPU each) before, "+
				"12,500/s (p99 5–6 ms, 92 µs each) with the ring. The next costs in the profile are "+
				"`memStore.ListSessions`, which sorts the keys of every session of every account to find one "+
				"account's (filter first, then sort), and garbage collection of the journal's copied request "+
				"and response bodies.\n\n", micro(perVerify))
		}
		fmt.Fprintf(&b, "**Sign-ins are bound by the password hash, by design.** Every `POST /v1/logins` runs "+
			"argon2id with m=19 MiB, t=2, p=1 (OWASP's minimum), about %s of CPU here, and the server runs at most "+
			"4 hashes at once (76 MiB); with %d cores that is at most about %.0f sign-ins a second, and this run "+
			"reached %.0f/s. Unknown e-mail addresses cost the same hash, so the figure holds whatever is sent. "+
			"The code step after it does no hashing.\n\n",
			ms(l.signinCPU/time.Duration(max(l.signins, 1))), r.machine.Cores,
			float64(r.machine.Cores)/(l.signinCPU/time.Duration(max(l.signins, 1))).Seconds(), l.signinsPerSec())
	}
	if s := r.streams; s != nil && s.rssAfter >= targetStreamsRSS {
		fmt.Fprintf(&b, "**Waiting desktops: %.0f KiB each is net/http's cost of an idle connection.** With "+
			"8,000 streams in one process (`bench/run.sh -profile-streams FILE`) the live heap per stream was about "+
			"17 KiB — the connection's 4 KiB read and 4+2 KiB write buffers, the subscription's 32-event channel "+
			"(1.5 KiB), the request, its contexts and headers — and each stream keeps two goroutines (the handler "+
			"and net/http's background reader, about 13 KiB of stack together); the garbage collector's headroom "+
			"does the rest. `GOGC=50` or `GOMEMLIMIT=150MiB` do not help much (440 and 397 MiB): the memory is "+
			"live. The fix is in `serveEvents` (pairing/mockserver/events.go): once the first events are flushed, "+
			"`http.ResponseController.Hijack` the connection, hand the bare `net.Conn` to the hub and return, so the "+
			"handler goroutine, the background reader and the buffers go away; the hub then writes each event as "+
			"one HTTP chunk with a short write deadline (outside its lock), one shared ticker writes the heartbeats, "+
			"and a failed write ends the stream. A prototype of exactly that measured %s with %s streams (about "+
			"5.6 KiB each) instead of this run's %s; it needs two follow-ups before it is real: `Server.Close` and "+
			"fault injection must close handed-off connections (httptest's `CloseClientConnections` no longer sees "+
			"them, which pairing `TestReconnectDoesNotLoseApproval` relies on), and a client that vanishes is then "+
			"noticed at the next heartbeat rather than at once. Lowering `subscriberBuffer` from 32 to 4 alone "+
			"saves only about 1.5 KiB a stream.\n\n",
			float64(s.perStream())/1024, "85.5 MiB", "10,000", mib(s.rssAfter))
	}
	return b.String()
}
