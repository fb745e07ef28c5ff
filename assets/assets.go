// Package assets holds the files embedded in the Linkdesk binary: the
// translations read by fyne's lang package and the application icons.
// It imports nothing but embed, so any package (and any test) may use it.
package assets

import "embed"

// Translations holds en.json and ko.json: flat go-i18n message files keyed
// like "signin.title", one file per language named after its tag.
//
//go:embed en.json ko.json
var Translations embed.FS

// Languages returns the tags of the languages Linkdesk is translated into;
// the file of tag t in Translations is t + ".json". English comes first: it is
// the fallback for every other system language.
func Languages() []string { return []string{"en", "ko"} }

// Icon is the 512×512 application icon (PNG).
//
//go:embed icon.png
var Icon []byte

// TrayIcon is the small icon for the system tray (PNG, 64×64).
//
//go:embed icon/linkdesk-64.png
var TrayIcon []byte
