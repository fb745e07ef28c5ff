package ui

import (
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/app"
)

// Dates and times read as each language writes them; Korean names the half
// of the day (오전/오후) like the phone page and KakaoTalk do.
func TestDatesAndTimesInEachLanguage(t *testing.T) {
	t.Cleanup(func() {
		if err := applyLanguage(langEnglish); err != nil {
			t.Error(err)
		}
	})
	afternoon := time.Date(2026, 12, 1, 15, 4, 0, 0, time.Local)
	night := time.Date(2026, 12, 1, 1, 35, 0, 0, time.Local)
	tomorrow := afternoon.Add(24 * time.Hour)
	for _, tc := range []struct {
		lang                             string
		dateTime, night, today, tomorrow string
	}{
		{langKorean, "2026년 12월 1일 오후 3:04", "2026년 12월 1일 오전 1:35", "오후 3:04", "12월 2일 오후 3:04"},
		{langEnglish, "1 Dec 2026, 15:04", "1 Dec 2026, 01:35", "15:04", "2 Dec, 15:04"},
	} {
		if err := applyLanguage(tc.lang); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ got, want string }{
			{formatDateTime(afternoon), tc.dateTime},
			{formatDateTime(night), tc.night},
			{app.FormatTime(afternoon, night, time.Local, translations{}), tc.today},
			{app.FormatTime(tomorrow, night, time.Local, translations{}), tc.tomorrow},
		} {
			if c.got != c.want {
				t.Errorf("%s: %q, want %q", tc.lang, c.got, c.want)
			}
		}
	}
}
