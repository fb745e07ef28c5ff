package ui

import (
	"bytes"
	"fmt"
	"math"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/fontscan"
)

// koreanFamilies are the system Hangul faces, best first: Noto Sans CJK KR
// (fonts-noto-cjk) and Nanum on Linux, Malgun Gothic on Windows, Apple SD
// Gothic Neo on macOS.
var koreanFamilies = []string{
	"Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "NanumBarunGothic",
	"Malgun Gothic", "Apple SD Gothic Neo", "AppleGothic", "Noto Sans CJK JP",
}

// findBoldHangul finds the system's bold Korean face in fontscan's index of
// the system fonts (the lookup fyne's fallback uses, and its cache: the fonts
// are scanned once). fyne's fallback asks only for the regular weight, so it
// draws regular Hangul well and bold Hangul regular; this face is the bold.
func findBoldHangul() (fyne.Resource, error) {
	fonts, err := fontscan.SystemFonts(quietLog{}, "")
	if err != nil {
		return nil, fmt.Errorf("scanning the system fonts: %w", err)
	}
	fp, ok := koreanFace(fonts, font.WeightBold)
	if !ok {
		return nil, fmt.Errorf("no bold Korean face among %v", koreanFamilies)
	}
	return cutHangul(fp.Location, theme.DefaultTextBoldFont())
}

// koreanFace returns the upright face of the first Korean family that has
// one in weight's class (bold: semibold or heavier), the nearest weight first.
func koreanFace(fonts []fontscan.Footprint, weight font.Weight) (fontscan.Footprint, bool) {
	ko, _ := fontscan.NewLangID("ko")
	bold := weight >= font.WeightSemibold
	for _, family := range koreanFamilies {
		family = font.NormalizeFamily(family)
		best, found := fontscan.Footprint{}, false
		for _, fp := range fonts {
			a := fp.Aspect
			a.SetDefaults()
			if fp.Family != family || !fp.Langs.Contains(ko) || a.Style != font.StyleNormal || (a.Weight >= font.WeightSemibold) != bold {
				continue
			}
			if !found || math.Abs(float64(a.Weight-weight)) < math.Abs(float64(best.Aspect.Weight-weight)) {
				best, found = fp, true
				best.Aspect = a
			}
		}
		if found {
			return best, true
		}
	}
	return fontscan.Footprint{}, false
}

type quietLog struct{}

func (quietLog) Printf(string, ...any) {} // fontscan's notes on the scan are not ours to report

// cutFace is a system face cut down to a new character map, as a font file
// fyne can read. It holds only where the face is and the new map: fyne reads
// the font once per style it draws, and the 17 MB file would otherwise stay
// in memory beside fyne's own copy.
type cutFace struct {
	name string
	file string
	dir  []tableRecord
	cmap []byte
	base fyne.Resource // what fyne draws if the file has gone since
}

// cutHangul cuts the face at loc (one font of a collection too) down to the
// characters base lacks.
func cutHangul(loc fontscan.Location, base fyne.Resource) (*cutFace, error) {
	baseMap, err := cmapOf(bytes.NewReader(base.Content()), 0)
	if err != nil {
		return nil, fmt.Errorf("the theme's face: %w", err)
	}
	f, err := os.Open(loc.File)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dir, err := readDirectory(f, int(loc.Index))
	if err != nil {
		return nil, err
	}
	faceMap, err := cmapOf(f, int(loc.Index))
	if err != nil {
		return nil, err
	}
	c := &cutFace{name: fmt.Sprintf("hangul-%d.otf", loc.Index), file: loc.File, dir: dir,
		cmap: cmapFormat12(missingFrom(faceMap, baseMap)), base: base}
	if _, err := c.read(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *cutFace) Name() string { return c.name }

// Content reads the face afresh (a few milliseconds from the page cache).
func (c *cutFace) Content() []byte {
	data, err := c.read()
	if err != nil {
		fyne.LogError("reading the Korean face", err)
		return c.base.Content() // Hangul then falls back to regular, as without the cut face
	}
	return data
}

func (c *cutFace) read() ([]byte, error) {
	f, err := os.Open(c.file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return writeFont(f, c.dir, c.cmap)
}
