// Command barewindow is the reference of the start-up benchmark: the least a
// Fyne program can show, one label in a window titled like the real app
// ("Linkdesk") and sized alike, built with the same flags. The real app's
// start-up time and memory are reported as ratios to this program's.
package main

import (
	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := fyneapp.NewWithID("io.linkdesk.bench.barewindow")
	w := a.NewWindow("Linkdesk")
	w.SetContent(widget.NewLabel("Hello"))
	w.Resize(fyne.NewSize(560, 720))
	w.CenterOnScreen()
	w.ShowAndRun()
}
