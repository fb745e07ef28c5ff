package ui

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/fontscan"
	"github.com/go-text/typesetting/harfbuzz"
)

// koreanFamilies are the system Hangul faces, best first: Noto Sans CJK KR
// (fonts-noto-cjk) and Nanum on Linux, Malgun Gothic on Windows, Apple SD
// Gothic Neo on macOS; then any sans-serif face that covers Korean.
var koreanFamilies = []string{
	"Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "NanumBarunGothic",
	"Malgun Gothic", "Apple SD Gothic Neo", "AppleGothic", fontscan.SansSerif,
}

// hangulFaces are the system's Korean faces cut down to what the theme's own
// faces lack (Hangul, CJK punctuation): fyne draws every other character from
// the theme's Noto Sans as in English, and Hangul in the right weight. A nil
// face was not found; fyne's own fallback then draws that weight.
type hangulFaces struct {
	regular, bold fyne.Resource
}

// findHangulFaces asks fontscan, the font lookup fyne uses for its fallback,
// for the system's regular and bold Korean faces. fyne's own fallback asks
// only for the regular weight (and, for a Korean system locale, picks the
// face by that locale, not by the app's language), so bold Hangul would be
// drawn regular.
func findHangulFaces() (hangulFaces, error) {
	fm := fontscan.NewFontMap(quietLog{})
	if err := fm.UseSystemFonts(""); err != nil { // fyne's cache folder too: scanned once
		return hangulFaces{}, fmt.Errorf("scanning the system fonts: %w", err)
	}
	ko, _ := fontscan.NewLangID("ko")
	var out hangulFaces
	var errs []error
	for _, w := range []struct {
		weight font.Weight
		base   fyne.Resource
		dst    *fyne.Resource
	}{
		{font.WeightNormal, theme.DefaultTextFont(), &out.regular},
		{font.WeightBold, theme.DefaultTextBoldFont(), &out.bold},
	} {
		fm.SetQuery(fontscan.Query{Families: koreanFamilies, Aspect: font.Aspect{Style: font.StyleNormal, Weight: w.weight}})
		face := fm.ResolveFaceForLang(ko)
		if face == nil {
			errs = append(errs, fmt.Errorf("no Korean face of weight %v", w.weight))
			continue
		}
		family, aspect := fm.FontMetadata(face.Font)
		if (w.weight >= font.WeightBold) != (aspect.Weight >= font.WeightSemibold) {
			errs = append(errs, fmt.Errorf("no Korean face of weight %v (nearest: %s, weight %v)", w.weight, family, aspect.Weight))
			continue
		}
		loc := fm.FontLocation(face.Font)
		res, err := hangulOnly(loc, w.base)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", loc.File, err))
			continue
		}
		*w.dst = res
	}
	return out, errors.Join(errs...)
}

type quietLog struct{}

func (quietLog) Printf(string, ...any) {} // fontscan's notes on the scan are not ours to report

// hangulOnly returns the face at loc (one font of a collection too) as a
// font file of its own whose character map keeps only what base lacks.
func hangulOnly(loc fontscan.Location, base fyne.Resource) (fyne.Resource, error) {
	baseFace, err := font.ParseTTF(bytes.NewReader(base.Content()))
	if err != nil {
		return nil, fmt.Errorf("reading the theme's face: %w", err)
	}
	f, err := os.Open(loc.File)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	loaders, err := ot.NewLoaders(f)
	if err != nil {
		return nil, err
	}
	if int(loc.Index) >= len(loaders) {
		return nil, fmt.Errorf("no font %d in the file", loc.Index)
	}
	ld := loaders[loc.Index]
	face, err := font.NewFont(ld)
	if err != nil {
		return nil, err
	}
	var tables []ot.Table
	for _, tag := range ld.Tables() {
		if tag == ot.MustNewTag("cmap") {
			continue
		}
		data, err := ld.RawTable(tag)
		if err != nil {
			return nil, err
		}
		tables = append(tables, ot.Table{Tag: tag, Content: data})
	}
	cmap := missingFrom(face.Cmap, baseFace.Cmap)
	if len(cmap) == 0 {
		return nil, errors.New("it has nothing the theme's face lacks")
	}
	tables = append(tables, ot.Table{Tag: ot.MustNewTag("cmap"), Content: cmapFormat12(cmap)})
	slices.SortFunc(tables, func(a, b ot.Table) int { return int(a.Tag) - int(b.Tag) })
	name := fmt.Sprintf("hangul-%d-%d.otf", loc.Index, len(cmap))
	return fyne.NewStaticResource(name, ot.WriteTTF(tables)), nil
}

// glyphOf is one character and the glyph that draws it.
type glyphOf struct {
	r rune
	g font.GID
}

// missingFrom lists the characters of cmap that base has no glyph for, in
// order, and the spaces and invisible characters: the shaper draws those
// with the face of the text around them ("인증 번호"), so every face needs them.
func missingFrom(cmap, base font.Cmap) []glyphOf {
	var out []glyphOf
	it := cmap.Iter()
	for it.Next() {
		r, g := it.Char()
		if _, ok := base.Lookup(r); !ok || keptWithText(r) {
			out = append(out, glyphOf{r, g})
		}
	}
	slices.SortFunc(out, func(a, b glyphOf) int { return int(a.r) - int(b.r) })
	return out
}

// keptWithText mirrors go-text's shaping.ignoreFaceChange: characters that
// never start a run of another face.
func keptWithText(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cs, unicode.Zl, unicode.Zp) ||
		(unicode.Is(unicode.Zs, r) && r != '\u1680') || harfbuzz.IsDefaultIgnorable(r)
}

// cmapFormat12 encodes a character map as a 'cmap' table with one Windows
// Unicode subtable of format 12 (segmented coverage, all planes).
func cmapFormat12(chars []glyphOf) []byte {
	type group struct {
		start, end rune
		glyph      font.GID
	}
	var groups []group
	for _, c := range chars {
		if n := len(groups); n > 0 && c.r == groups[n-1].end+1 &&
			c.g == groups[n-1].glyph+font.GID(c.r-groups[n-1].start) {
			groups[n-1].end = c.r
			continue
		}
		groups = append(groups, group{c.r, c.r, c.g})
	}
	b := binary.BigEndian
	out := make([]byte, 12+16+12*len(groups))
	b.PutUint16(out[0:], 0)  // version
	b.PutUint16(out[2:], 1)  // one subtable
	b.PutUint16(out[4:], 3)  // platform: Windows
	b.PutUint16(out[6:], 10) // encoding: Unicode full repertoire
	b.PutUint32(out[8:], 12) // its offset
	sub := out[12:]
	b.PutUint16(sub[0:], 12)
	b.PutUint32(sub[4:], uint32(len(sub)))
	b.PutUint32(sub[12:], uint32(len(groups)))
	for i, g := range groups {
		p := sub[16+12*i:]
		b.PutUint32(p[0:], uint32(g.start))
		b.PutUint32(p[4:], uint32(g.end))
		b.PutUint32(p[8:], uint32(g.glyph))
	}
	return out
}
