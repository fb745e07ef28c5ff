package ui

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/font/opentype/tables"
	"github.com/go-text/typesetting/harfbuzz"
)

// This file reads and writes just enough of the OpenType file format to cut
// a system face down to a new character map (hangulfont.go).

// tableRecord is one entry of a font's table directory.
type tableRecord struct {
	tag                      [4]byte
	checksum, offset, length uint32
}

var cmapTag = [4]byte{'c', 'm', 'a', 'p'}

// readDirectory reads the table directory of font index of a font file or
// collection (.ttc).
func readDirectory(r io.ReaderAt, index int) ([]tableRecord, error) {
	be := binary.BigEndian
	head := make([]byte, 12)
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, err
	}
	start := int64(0)
	if string(head[:4]) == "ttcf" {
		if n := int(be.Uint32(head[8:])); index >= n {
			return nil, fmt.Errorf("no font %d in a collection of %d", index, n)
		}
		off := make([]byte, 4)
		if _, err := r.ReadAt(off, 12+4*int64(index)); err != nil {
			return nil, err
		}
		start = int64(be.Uint32(off))
		if _, err := r.ReadAt(head, start); err != nil {
			return nil, err
		}
	} else if index != 0 {
		return nil, fmt.Errorf("no font %d in a single-font file", index)
	}
	n := int(be.Uint16(head[4:]))
	recs := make([]byte, 16*n)
	if _, err := r.ReadAt(recs, start+12); err != nil {
		return nil, err
	}
	dir := make([]tableRecord, n)
	for i := range dir {
		p := recs[16*i:]
		copy(dir[i].tag[:], p[:4])
		dir[i].checksum, dir[i].offset, dir[i].length = be.Uint32(p[4:]), be.Uint32(p[8:]), be.Uint32(p[12:])
	}
	return dir, nil
}

// cmapOf reads the character map of font index of a font file.
func cmapOf(r io.ReaderAt, index int) (font.Cmap, error) {
	dir, err := readDirectory(r, index)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(dir, func(t tableRecord) bool { return t.tag == cmapTag })
	if i < 0 {
		return nil, errors.New("no character map")
	}
	raw := make([]byte, dir[i].length)
	if _, err := r.ReadAt(raw, int64(dir[i].offset)); err != nil {
		return nil, err
	}
	t, _, err := tables.ParseCmap(raw)
	if err != nil {
		return nil, err
	}
	cmap, _, err := font.ProcessCmap(t, 0)
	return cmap, err
}

// writeFont writes a single-font file with the tables of dir, read from r,
// and cmap as its character map. The checksums are copied, not recomputed:
// no font reader fyne uses checks them.
func writeFont(r io.ReaderAt, dir []tableRecord, cmap []byte) ([]byte, error) {
	be := binary.BigEndian
	dir = slices.Clone(dir)
	slices.SortFunc(dir, func(a, b tableRecord) int { return slices.Compare(a.tag[:], b.tag[:]) })
	pad := func(n uint32) uint32 { return (n + 3) &^ 3 }
	size := uint32(12 + 16*len(dir))
	for _, t := range dir {
		if t.tag == cmapTag {
			t.length = uint32(len(cmap))
		}
		size += pad(t.length)
	}
	out := make([]byte, size)
	be.PutUint32(out[0:], 0x4F54544F) // "OTTO"; fixed below for TrueType outlines
	be.PutUint16(out[4:], uint16(len(dir)))
	at := uint32(12 + 16*len(dir))
	for i, t := range dir {
		switch t.tag {
		case cmapTag:
			t.length = uint32(len(cmap))
			copy(out[at:], cmap)
		case [4]byte{'g', 'l', 'y', 'f'}:
			be.PutUint32(out[0:], 0x00010000)
			fallthrough
		default:
			if _, err := r.ReadAt(out[at:at+t.length], int64(t.offset)); err != nil {
				return nil, fmt.Errorf("table %s: %w", t.tag[:], err)
			}
		}
		rec := out[12+16*i:]
		copy(rec, t.tag[:])
		be.PutUint32(rec[4:], t.checksum)
		be.PutUint32(rec[8:], at)
		be.PutUint32(rec[12:], t.length)
		at += pad(t.length)
	}
	return out, nil
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
	be := binary.BigEndian
	out := make([]byte, 12+16+12*len(groups))
	be.PutUint16(out[2:], 1)  // one subtable
	be.PutUint16(out[4:], 3)  // platform: Windows
	be.PutUint16(out[6:], 10) // encoding: Unicode full repertoire
	be.PutUint32(out[8:], 12) // its offset
	sub := out[12:]
	be.PutUint16(sub[0:], 12)
	be.PutUint32(sub[4:], uint32(len(sub)))
	be.PutUint32(sub[12:], uint32(len(groups)))
	for i, g := range groups {
		p := sub[16+12*i:]
		be.PutUint32(p[0:], uint32(g.start))
		be.PutUint32(p[4:], uint32(g.end))
		be.PutUint32(p[8:], uint32(g.glyph))
	}
	return out
}
