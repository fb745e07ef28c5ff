package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/assets"
)

// trayMenu is the system tray icon's menu: Open, Sign out, Quit. It exists
// only where the desktop shows tray icons (Options.Tray, desktop.App);
// elsewhere it does nothing.
type trayMenu struct {
	desk    desktop.App
	menu    *fyne.Menu
	open    *fyne.MenuItem
	signOut *fyne.MenuItem
	quit    *fyne.MenuItem
	shown   bool // signOut.Disabled as last sent to the tray
}

func newTrayMenu(u *UI) *trayMenu {
	t := &trayMenu{}
	t.open = fyne.NewMenuItem(tr("tray.open"), u.showWindow)
	t.signOut = fyne.NewMenuItem(tr("tray.sign_out"), func() {
		u.showWindow()
		u.run(u.core.SignOut)
	})
	t.quit = fyne.NewMenuItem(tr("tray.quit"), u.app.Quit)
	t.quit.IsQuit = true
	t.menu = fyne.NewMenu("Linkdesk", t.open, fyne.NewMenuItemSeparator(), t.signOut, t.quit)
	t.signOut.Disabled = true
	if d, ok := u.app.(desktop.App); ok && u.opts.Tray {
		t.desk = d
		d.SetSystemTrayIcon(fyne.NewStaticResource("linkdesk-tray.png", assets.TrayIcon))
		d.SetSystemTrayMenu(t.menu)
		t.shown = true
	}
	return t
}

// update enables Sign out while signed in.
func (t *trayMenu) update(s app.State) {
	disabled := s.Phase != app.PhaseSignedIn || s.Busy
	if disabled == t.signOut.Disabled && t.shown {
		return
	}
	t.signOut.Disabled = disabled
	if t.desk != nil {
		t.menu.Refresh()
		t.shown = true
	}
}

// Raise shows the window and brings it to the front: a second start of
// Linkdesk lands here.
func (u *UI) Raise() {
	u.showWindow()
}
