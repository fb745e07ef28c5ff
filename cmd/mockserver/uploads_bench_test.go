package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// BenchmarkHostilePictureUploads measures the mock server process's peak
// resident memory while 8 phones upload a picture to POST /phone/v1/qr/decode
// at once, and prints the rise over its resting memory:
//
//	go test -run '^$' -bench HostilePictureUploads -benchtime 1x ./cmd/mockserver/
//
// "claims-16MP" is the attack: a 70 KB PNG of 4096×4096 pixels (zeros
// compress well), which the server used to decode whole before its limit.
// "largest-accepted" is the worst a picture can cost once accepted: an RGBA
// PNG just under the decode limit, without a QR code, so every try runs.
// Linux only (it reads /proc).
func BenchmarkHostilePictureUploads(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc")
	}
	bin := buildBinary(b)
	for _, sc := range []struct {
		name string
		w, h int
	}{
		{"claims-16MP", 4096, 4096},
		{"largest-accepted", 1800, 1400},
	} {
		body, contentType := uploadBody(b, sc.w, sc.h)
		small, smallType := uploadBody(b, 64, 64)
		b.Run(sc.name, func(b *testing.B) {
			for range b.N {
				p := startProcess(b, bin, "--addr", "127.0.0.1:0")
				var phone pairing.PhoneSignIn
				if st := p.call(b, "POST", "/phone/v1/signin", "", pairing.PhoneSignInRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword}, &phone); st != http.StatusOK {
					b.Fatalf("phone sign-in: %d", st)
				}
				upload := func(body []byte, contentType string) int {
					req, err := http.NewRequest("POST", p.url+"/phone/v1/qr/decode", bytes.NewReader(body))
					if err != nil {
						b.Fatal(err)
					}
					req.Header.Set("Content-Type", contentType)
					req.Header.Set("Authorization", "Bearer "+phone.PhoneToken)
					resp, err := p.client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					resp.Body.Close()
					return resp.StatusCode
				}
				upload(small, smallType) // warm: the first upload loads the decoders' code and buffers
				pid := p.cmd.Process.Pid
				resting := procStatusKiB(b, pid, "VmRSS")
				if err := os.WriteFile(filepath.Join("/proc", strconv.Itoa(pid), "clear_refs"), []byte("5"), 0); err != nil {
					b.Fatalf("resetting the peak: %v", err)
				}
				statuses := make([]int, 8)
				var wg sync.WaitGroup
				for i := range statuses {
					wg.Go(func() { statuses[i] = upload(body, contentType) })
				}
				wg.Wait()
				peak := procStatusKiB(b, pid, "VmHWM")
				rise := float64(peak-resting) / 1024
				b.ReportMetric(float64(resting)/1024, "MiB-resting")
				b.ReportMetric(rise, "MiB-peak-rise")
				b.Logf("%s (%d bytes, %d×%d): resting %.1f MiB, peak %.1f MiB, rise %.1f MiB; answers %v",
					sc.name, len(body), sc.w, sc.h, float64(resting)/1024, float64(peak)/1024, rise, statuses)
			}
		})
	}
}

// uploadBody is a multipart body with an all-zero RGBA PNG of w×h pixels.
func uploadBody(b *testing.B, w, h int) ([]byte, string) {
	b.Helper()
	var img bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&img, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		b.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("image", "qr.png")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := fw.Write(img.Bytes()); err != nil {
		b.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		b.Fatal(err)
	}
	return body.Bytes(), mw.FormDataContentType()
}

// procStatusKiB reads one "kB" line of /proc/PID/status.
func procStatusKiB(b *testing.B, pid int, field string) int64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
